"""The API documentation page loads nothing from outside the service."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_docs_page_uses_only_local_assets(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href|url)\s*[:=]\s*['"]([^'"]+)['"]""", page.text)
    assert urls, "the page should reference its script, style and schema"
    assert all(u.startswith("/") for u in urls), urls  # no http(s):// or //cdn host
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    assert client.get("/redoc").status_code == 404  # ReDoc would load from a CDN


def test_vendored_swagger_ui_is_version_5_with_licence(client: TestClient) -> None:
    bundle = client.get("/static/swagger-ui/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert '"5.35.0"' in bundle.text  # 4.x cannot render FastAPI's OpenAPI 3.1 schema
    assert "Apache License" in client.get("/static/swagger-ui/LICENSE").text
