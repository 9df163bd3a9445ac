"""The sign-in page: accessible empty and with errors, the error summary pattern, and
signing in without JavaScript."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.browser.pages import assert_accessible, assert_error_summary, check_page, submit
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_sign_in_page_is_accessible(page):
    check_page(page, "/sign-in/", title="Sign in")
    assert page.get_by_label("Username").get_attribute("autocomplete") == "username"
    assert page.get_by_label("Password").get_attribute("autocomplete") == "current-password"


def test_home_sends_anonymous_people_to_sign_in(page):
    page.goto("/")
    assert urlparse(page.url).path == "/sign-in/"


def test_empty_form_shows_error_summary_linked_to_each_field(page):
    page.goto("/sign-in/")
    submit(page.get_by_role("button", name="Sign in"))
    assert_error_summary(page, links_to=["id_username", "id_password"])
    assert_accessible(page)


def test_wrong_password_shows_error_summary_linked_to_username(page, alice):
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(alice.username)
    page.get_by_label("Password").fill("not-the-password")
    submit(page.get_by_role("button", name="Sign in"))
    assert_error_summary(page, links_to=["id_username"], fields_marked=False)
    # the username is kept; the password never is
    assert page.get_by_label("Username").input_value() == alice.username
    assert page.get_by_label("Password").input_value() == ""
    assert_accessible(page)


def test_sign_in_and_out_without_javascript(nojs_page, alice):
    page = nojs_page
    check_page(page, "/sign-in/?next=/agencies/")
    submit(page.get_by_role("button", name="Sign in"))
    assert_error_summary(page, links_to=["id_username", "id_password"], js=False)
    assert_accessible(page)

    page.get_by_label("Username").fill(alice.username)
    page.get_by_label("Password").fill(PASSWORD)
    submit(page.get_by_role("button", name="Sign in"))
    assert urlparse(page.url).path == "/agencies/"

    submit(page.get_by_role("button", name="Sign out"))
    assert urlparse(page.url).path == "/sign-in/"
    page.goto("/")
    assert urlparse(page.url).path == "/sign-in/"


def test_sign_in_fixture_uses_the_form(page, sign_in, alice):
    sign_in(page, alice)
    assert page.get_by_role("heading", level=1).inner_text() == "My work"
