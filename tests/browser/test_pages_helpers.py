"""The helpers themselves: axe-core really runs, with and without JavaScript, and a
violation fails with a readable message."""

from __future__ import annotations

import pytest

from tests.browser.pages import assert_accessible

pytestmark = pytest.mark.browser

BAD_PAGE = (
    "<!DOCTYPE html><html><head><title>Bad</title></head><body><main>"
    '<img src="/assets/images/app-icon.svg"><input type="text" id="x"></main></body></html>'
)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_assert_accessible_reports_violations(request, javascript, live_server):
    page = request.getfixturevalue("page" if javascript else "nojs_page")
    page.route(
        f"{live_server.url}/bad/",
        lambda route: route.fulfill(status=200, content_type="text/html", body=BAD_PAGE),
    )
    page.goto("/bad/")
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    message = str(failure.value)
    for rule in ("html-has-lang", "image-alt", "label"):
        assert f"- {rule} (" in message, message
    assert "at img" in message
