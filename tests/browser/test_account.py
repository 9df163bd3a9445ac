"""Account pages in a real browser, with and without JavaScript, axe-clean: forgotten
password -> the link from the queued notification -> a new password -> sign in; and
change password."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from core.models import Notification
from tests.browser.conftest import sign_in_through_form
from tests.browser.pages import (
    assert_accessible,
    assert_error_summary,
    axe_violations,
    check_page,
    submit,
    success_banner,
)
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

NEW = "a-fresh-long-passphrase-2026"


@pytest.fixture(params=["js", "nojs"])
def any_page(request):
    """The test runs twice: JavaScript on, and off."""
    return request.getfixturevalue("page" if request.param == "js" else "nojs_page")


def javascript(page) -> bool:
    return bool(page.javascript_enabled)


def test_forgotten_password_to_signing_in_with_the_new_one(any_page, live_server, alice):
    page, js = any_page, javascript(any_page)
    check_page(page, "/sign-in/", title="Sign in")
    submit(page.get_by_role("link", name="Forgotten your password?"))
    assert urlparse(page.url).path == "/password/forgotten/"
    assert_accessible(page)

    submit(page.get_by_role("button", name="Send the link"))
    assert_error_summary(page, links_to=["id_email"], js=js)
    assert_accessible(page)

    page.get_by_label("Email address").fill(alice.email)
    submit(page.get_by_role("button", name="Send the link"))
    assert page.get_by_role("heading", level=1).inner_text() == "Check your email"
    assert_accessible(page)

    # the link went to the outbox, not straight out: follow it as the e-mail would
    note = Notification.objects.get(recipient=alice)
    link = re.search(r"https?://\S+/password/reset/\S+/", note.body)
    assert link, note.body
    path = urlparse(link.group(0)).path
    check_page(page, path, title="Choose a new password")

    page.get_by_label("New password", exact=True).fill(NEW)
    page.get_by_label("Confirm new password", exact=True).fill("not-the-same-one-at-all")
    submit(page.get_by_role("button", name="Save the new password"))
    assert_error_summary(page, links_to=["id_new_password2"], js=js)
    assert_accessible(page)

    page.get_by_label("New password", exact=True).fill(NEW)
    page.get_by_label("Confirm new password", exact=True).fill(NEW)
    submit(page.get_by_role("button", name="Save the new password"))
    assert page.get_by_role("heading", level=1).inner_text() == "Your password has been reset"
    assert_accessible(page)

    # the link worked once
    check_page(page, path, title="This link has stopped working")

    sign_in_through_form(page, alice, password=NEW)
    assert page.get_by_role("heading", level=1).inner_text() == "My work"


def test_change_password(any_page, live_server, alice):
    page, js = any_page, javascript(any_page)
    sign_in_through_form(page, alice)
    footer = page.locator("footer")
    submit(footer.get_by_role("link", name="Change your password"))
    assert urlparse(page.url).path == "/password/change/"
    check_page(page, "/password/change/", title="Change your password")

    page.get_by_label("Current password", exact=True).fill("not-my-password")
    page.get_by_label("New password", exact=True).fill(NEW)
    page.get_by_label("Confirm new password", exact=True).fill(NEW)
    submit(page.get_by_role("button", name="Change password"))
    assert_error_summary(page, links_to=["id_old_password"], js=js)
    assert_accessible(page)
    # passwords are never sent back to the page
    assert page.get_by_label("New password", exact=True).input_value() == ""

    page.get_by_label("Current password", exact=True).fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW)
    page.get_by_label("Confirm new password", exact=True).fill(NEW)
    submit(page.get_by_role("button", name="Change password"))
    assert urlparse(page.url).path == "/"
    assert "Your password has been changed" in success_banner(page)
    assert_accessible(page)

    submit(page.get_by_role("button", name="Sign out"))
    sign_in_through_form(page, alice, password=NEW)


@pytest.mark.parametrize("path", ["/accessibility/", "/privacy/", "/help/"])
def test_the_information_pages(any_page, live_server, path):
    check_page(any_page, path)
    footer = any_page.locator("footer")
    for name in ("Help and contact", "Accessibility statement", "Privacy notice"):
        assert footer.get_by_role("link", name=name).count() == 1


def test_show_password_with_javascript(page, live_server, alice):
    sign_in_through_form(page, alice)
    page.goto("/password/change/")
    field = page.get_by_label("Current password", exact=True)
    assert field.get_attribute("type") == "password"
    page.get_by_role("button", name="Show password").first.click()
    assert field.get_attribute("type") == "text"
    assert_accessible(page)


def test_the_back_link_is_inside_main_and_the_page_is_axe_clean(page, sign_in, alice):
    sign_in(page, alice)
    check_page(page, "/tasks/team/", title="Team tasks")
    assert page.locator("main .govuk-back-link").count() == 1
    assert page.locator(".govuk-back-link").count() == 1
    nav = page.get_by_role("navigation", name="Menu")
    assert nav.get_by_role("link", name="Team tasks").get_attribute("aria-current") == "page"


def test_an_expired_form_gets_the_branded_page(any_page, live_server, alice):
    page = any_page
    page.goto("/sign-in/")
    page.context.clear_cookies()  # as if the form's security cookie had gone
    page.get_by_label("Username").fill(alice.username)
    page.get_by_label("Password").fill(PASSWORD)
    response = submit(page.get_by_role("button", name="Sign in"))
    assert response is not None and response.status == 403
    assert page.title().startswith("Sorry, that did not work")
    assert "CSRF" not in page.locator("main").inner_text()
    assert page.locator("header .app-header").count() == 1  # the partnership's header
    assert_accessible(page)


OUTSIDE = (
    '<!DOCTYPE html><html lang="en"><head><title>Outside</title></head><body>'
    '<div><a href="/">Back</a></div><main><h1>Inside</h1></main></body></html>'
)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_the_axe_helper_checks_content_outside_landmarks(request, javascript, live_server):
    """axe's "region" rule is best practice, not a WCAG tag: the helper runs it as well,
    so a back link outside <main> fails, as it did on 20 pages."""
    page = request.getfixturevalue("page" if javascript else "nojs_page")
    page.route(
        f"{live_server.url}/outside/",
        lambda route: route.fulfill(status=200, content_type="text/html", body=OUTSIDE),
    )
    page.goto("/outside/")
    assert [v["id"] for v in axe_violations(page)] == ["region"]
