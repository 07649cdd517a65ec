"""The README's curl examples return what the README shows, on the demo registry."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings

README = Path(__file__).resolve().parent.parent / "README.md"
# A curl command block followed by the JSON block that shows its output; ``curl -sG URL
# --data-urlencode 'name=value' ...`` adds encoded query parameters (Chinese text).
EXAMPLE = re.compile(
    r"```sh\ncurl -sG? '([^']+)'((?: --data-urlencode '[^']+')*)\n```\s*```json\n(.*?)\n```", re.S
)
ENCODED = re.compile(r"--data-urlencode '([^'=]+)=([^']*)'")
VOLATILE = {"created_at", "updated_at"}  # when the demo was loaded
LISTING = "http://127.0.0.1:8000/v1/stations?"


def examples() -> list[tuple[str, Any]]:
    found = EXAMPLE.findall(README.read_text(encoding="utf-8"))
    return [
        (url + ("?" + urlencode(ENCODED.findall(extra)) if extra else ""), json.loads(body))
        for url, extra, body in found
    ]


def strip(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: strip(v) for k, v in doc.items() if k not in VOLATILE}
    if isinstance(doc, list):
        return [strip(v) for v in doc]
    return doc


@pytest.fixture(scope="module")
def demo_client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    db = tmp_path_factory.mktemp("readme") / "demo.db"
    settings = ApiSettings(database_url=f"sqlite:///{db}", demo=True)  # default seed, as serve
    # The README's host, so that the links in an answer read as they do there.
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        yield client


def test_readme_has_the_nearest_and_listing_examples() -> None:
    urls = [url for url, _ in examples()]
    assert len(urls) >= 2
    assert any("crs=gcj02" in u for u in urls)
    assert any("crs=" not in u for u in urls)
    assert any(u.startswith(LISTING) and "adcode=" in u and "q=" in u for u in urls)
    assert any("/along-route?" in u and "position=" in u for u in urls)  # stations ahead
    assert any("error" in shown for _, shown in examples())  # a refusal, as it reads


@pytest.mark.slow
@pytest.mark.parametrize(("url", "shown"), examples(), ids=lambda v: str(v)[-60:])
def test_readme_example_matches_the_service(demo_client: TestClient, url: str, shown: Any) -> None:
    parts = urlsplit(url)
    response = demo_client.get(f"{parts.path}?{parts.query}")
    # An example showing a refusal shows its body; the status is a 4xx, never a 5xx.
    assert 400 <= response.status_code < 500 if "error" in shown else response.status_code == 200
    assert strip(response.json()) == strip(shown)
