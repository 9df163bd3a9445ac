"""The API documentation page (Redoc, served from our static files): it renders the
schema with JavaScript, says where the schema is without it, loads nothing from another
origin (its Content-Security-Policy blocks the CDN logo Redoc's bundle asks for), and
passes axe both ways."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.browser.pages import assert_accessible

pytestmark = pytest.mark.browser


def test_api_docs_render_from_local_files_only(page, sign_in, alice, live_server):
    sign_in(page, alice)
    origin = urlparse(live_server.url).netloc
    elsewhere: list[str] = []

    def on_response(response) -> None:
        url = urlparse(response.url)  # blob: and data: URLs are the page's own
        if url.scheme in ("http", "https") and url.netloc != origin:
            elsewhere.append(response.url)

    page.on("response", on_response)
    response = page.goto("/api/v1/docs/")
    assert response is not None and response.status == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.get_by_role("heading", name="Actions", exact=False).first.wait_for()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en-GB"
    assert not elsewhere, f"loaded from another origin: {elsewhere}"
    # The only failure allowed is the policy refusing another origin.
    failures = [
        f
        for f in page.asset_failures
        if not (f.startswith("failed https://cdn.redoc.ly/") and f.lower().endswith("csp"))
    ]
    assert not failures, failures
    assert_accessible(page)


def test_api_docs_without_javascript_link_the_schema(nojs_page, sign_in, alice):
    sign_in(nojs_page, alice)
    response = nojs_page.goto("/api/v1/docs/")
    assert response is not None and response.status == 200
    link = nojs_page.get_by_role("link", name="download the OpenAPI schema (YAML)")
    assert link.get_attribute("href") == "/api/v1/schema/"
    assert_accessible(nojs_page)
