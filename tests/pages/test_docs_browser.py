"""/docs in Debian's chromium, offline: Swagger UI from the app's own files, with an
"Authorize" button (the bearer scheme the OpenAPI document declares) that puts a key
on the write requests it tries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.pages.browser import OUTPUT, Page, new_page, serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(tmp_path_factory.mktemp("docs") / "docs.db", []) as url:
        yield url


def test_docs_has_an_authorize_button(chromium: Any, server: str) -> None:
    page: Page = new_page(chromium, server, OUTPUT, geolocation=False)
    try:
        page.page.goto(f"{server}/docs")
        button = page.page.locator("button.authorize").first
        button.wait_for()
        button.click()
        dialog = page.page.locator(".auth-container")
        dialog.wait_for()
        assert "bearer" in dialog.inner_text()
        page.shot("docs/authorize.png")
        page.assert_clean()
    finally:
        page.context.close()
