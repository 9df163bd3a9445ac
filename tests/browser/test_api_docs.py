"""The API documentation page (Redoc, served from our static files): it renders the
schema with JavaScript, says where the schema is without it, and passes axe both ways."""

from __future__ import annotations

import pytest

from tests.browser.pages import assert_accessible, assert_assets_loaded

pytestmark = pytest.mark.browser


def test_api_docs_render_from_local_files(page, sign_in, alice):
    sign_in(page, alice)
    response = page.goto("/api/v1/docs/")
    assert response is not None and response.status == 200
    page.get_by_role("heading", name="Actions", exact=False).first.wait_for()
    assert page.locator("html").get_attribute("lang") == "en-GB"
    assert_assets_loaded(page)
    assert_accessible(page)


def test_api_docs_without_javascript_link_the_schema(nojs_page, sign_in, alice):
    sign_in(nojs_page, alice)
    response = nojs_page.goto("/api/v1/docs/")
    assert response is not None and response.status == 200
    link = nojs_page.get_by_role("link", name="download the OpenAPI schema (YAML)")
    assert link.get_attribute("href") == "/api/v1/schema/"
    assert_accessible(nojs_page)
