"""The pages every visitor may read (accessibility statement, privacy notice, help and
contact), the footer that links to them, the service's own page for a failed CSRF check,
and the back link inside <main>."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import login
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PAGES = {
    "accessibility": [
        "Accessibility statement",
        "WCAG 2.2",
        "AA standard",
        "axe-core",
        "with JavaScript turned on and once with it turned off",
        "partially compliant",
        "Equality and Human Rights Commission (EHRC)",
        "Equality Commission for Northern Ireland",
        "Non-accessible content",
        "This statement was prepared on",
    ],
    "privacy": [
        "Privacy notice",
        "only by a pseudonym",
        "Children Act 2004",
        "Working Together to Safeguard Children",
        "Article 6(1)(e)",
        "How long we keep it",
        "Your rights",
        "Information Commissioner",
    ],
    "help": ["Help and contact", "call 999", "forgotten your password", "reset it by email"],
}


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize("name", PAGES)
def test_every_visitor_may_read_the_page(client, name):
    page = client.get(reverse(name))
    assert page.status_code == 200
    html = text(page)
    for words in PAGES[name]:
        assert words in html, words
    assert html.count("<h1") == 1


@pytest.mark.parametrize("name", PAGES)
def test_the_page_reads_the_same_signed_in(alice, name):
    assert login(alice).get(reverse(name)).status_code == 200


def test_the_contacts_come_from_the_settings(client, settings):
    settings.PARTNERSHIP_CONTACT_EMAIL = "business-unit@partnership.example"
    settings.DATA_PROTECTION_OFFICER_EMAIL = "dpo@partnership.example"
    privacy = text(client.get(reverse("privacy")))
    assert 'href="mailto:dpo@partnership.example"' in privacy
    for name in ("help", "accessibility"):
        assert 'href="mailto:business-unit@partnership.example"' in text(client.get(reverse(name)))


def test_the_footer_links_to_the_three_pages_for_everyone(client, alice):
    anonymous = text(client.get(reverse("login")))
    signed_in = text(login(alice).get(reverse("home")))
    for html in (anonymous, signed_in):
        footer = html.split('<footer class="govuk-footer">')[1]
        for name in PAGES:
            assert f'href="{reverse(name)}"' in footer, name
    assert reverse("password_change") in signed_in.split("<footer")[1]
    assert reverse("password_change") not in anonymous.split("<footer")[1]


# -- a failed CSRF check ----------------------------------------------------------------------
def test_a_failed_csrf_check_gets_the_services_own_403_page(alice):
    client = Client(enforce_csrf_checks=True)
    page = client.post(reverse("login"), {"username": alice.username, "password": PASSWORD})
    assert page.status_code == 403
    assert page.templates[0].name == "core/csrf_failure.html"
    html = text(page)
    assert "<title>Sorry, that did not work" in html
    assert "nothing has been saved" in html and "try again" in html
    main = html.split('<main class="govuk-main-wrapper" id="main-content">')[1].split("</main>")[0]
    for word in ("CSRF", "csrf", "token", "Forbidden", "referer", "cookie"):
        assert word not in main, word
    assert "govuk-footer" in html  # the whole branded page, not Django's plain one


def test_the_page_links_back_only_to_this_site(alice):
    client = Client(enforce_csrf_checks=True)
    back = client.post(reverse("login"), {}, HTTP_REFERER="http://testserver/sign-in/?next=/x/")
    assert 'href="http://testserver/sign-in/?next=/x/">Go back to the page' in text(back)
    away = client.post(reverse("login"), {}, HTTP_REFERER="https://evil.example/")
    assert "evil.example" not in text(away) and away.status_code == 403


def test_a_signed_in_form_without_its_csrf_token_changes_nothing(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice, backend="django.contrib.auth.backends.ModelBackend")
    new = "a-fresh-long-passphrase-2026"
    page = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert page.status_code == 403 and "Sorry, that did not work" in text(page)
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


# -- the back link is inside <main> -----------------------------------------------------------
def test_the_back_link_is_inside_main(client, alice):
    for html in (
        text(client.get(reverse("password_reset"))),
        text(login(alice).get(reverse("password_change"))),
    ):
        main = html.split('id="main-content">')[1].split("</main>")[0]
        assert 'class="govuk-back-link"' in main
        assert html.count('class="govuk-back-link"') == 1
