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


def test_docs_pages_do_not_reflect_the_request(client: TestClient) -> None:
    # The pages are built from the app's own title and URLs; nothing a client sends
    # (query, headers) reaches them, so no template syntax or markup can either.
    hostile = {
        "{{ 7*7 }}": "<script>alert(1)</script>",
        "q": "{% for x in range(3) %}x{% endfor %}",
    }
    headers = {"Referer": "{{ 7*7 }}", "X-Forwarded-Host": "<script>alert(1)</script>"}
    for path in ("/docs", "/docs/oauth2-redirect"):
        plain = client.get(path)
        assert plain.status_code == 200
        assert plain.headers["content-type"].startswith("text/html")
        echoed = client.get(path, params=hostile, headers=headers)
        assert echoed.content == plain.content, path
