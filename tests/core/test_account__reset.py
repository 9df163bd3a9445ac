"""Forgotten password: the link goes through the outbox, the page answers the same for
any address, the link works once and expires, and a reset ends the account's API tokens
and other sessions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agencies.models import ApiToken
from agencies.tokens import issue_token
from core.models import Notification
from tests.conftest import login
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "a-fresh-long-passphrase-2026"
LINK = re.compile(r"https?://[^/\s]+(/password/reset/[^\s]+/)")


def ask(client: Client, email: str):
    return client.post(reverse("password_reset"), {"email": email})


def reset_path(user) -> str:
    note = Notification.objects.filter(recipient=user).latest("pk")
    found = LINK.search(note.body)
    assert found, note.body
    return found.group(1)


def choose(client: Client, path: str, password: str = NEW, again: str | None = None):
    """Open the link (Django swaps the token for a session one), then send the form."""
    opened = client.get(path)
    assert opened.status_code == 302, opened.status_code
    return client.post(
        opened["Location"], {"new_password1": password, "new_password2": again or password}
    )


def test_the_form_is_a_govuk_page(client):
    page = client.get(reverse("password_reset"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<title>Reset your password" in html
    assert 'autocomplete="email"' in html and 'name="submission_token"' in html
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()


def test_a_known_address_queues_exactly_one_notification(client, alice):
    answer = ask(client, alice.email.upper())  # addresses match whatever their case
    assert answer.status_code == 302 and answer["Location"] == reverse("password_reset_done")
    notes = Notification.objects.all()
    assert [n.recipient for n in notes] == [alice]
    note = notes.get()
    assert note.status == Notification.Status.PENDING  # the outbox sends it, not the page
    assert "Reset your password" in note.subject
    assert "works once, for 1 hour" in note.body
    assert "/password/reset/" in note.body and alice.username in note.body


def test_an_unknown_address_gets_the_same_answer_and_nothing_is_queued(client, alice):
    known = ask(client, alice.email)
    unknown = ask(Client(), "nobody@example.org")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert Notification.objects.count() == 1
    sent = client.get(known["Location"])
    assert sent.status_code == 200 and "Check your email" in sent.content.decode()


def test_an_inactive_account_is_sent_nothing(client, alice):
    alice.is_active = False
    alice.save()
    assert ask(client, alice.email)["Location"] == reverse("password_reset_done")
    assert not Notification.objects.exists()


def test_an_account_is_sent_at_most_three_links_an_hour(client, alice, settings):
    assert settings.PASSWORD_RESET_PER_HOUR == 3
    for _ in range(5):
        assert ask(client, alice.email)["Location"] == reverse("password_reset_done")
    assert Notification.objects.filter(recipient=alice).count() == 3
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        ask(client, alice.email)
    assert Notification.objects.filter(recipient=alice).count() == 4


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter your email address"),
        ("not-an-address", "Enter an email address in the correct format"),
        ("x" * 250 + "@example.org", "Email address must be 254 characters or fewer"),
    ],
)
def test_a_bad_address_gets_a_govuk_error(client, email, message):
    page = ask(client, email)
    html = page.content.decode()
    assert page.status_code == 200
    assert "<title>Error: Reset your password" in html
    assert "govuk-error-summary" in html and 'href="#id_email"' in html
    assert message in html and 'aria-describedby="id_email-hint id_email-error"' in html
    assert not Notification.objects.exists()


def test_the_link_sets_a_new_password_once(client, alice):
    ask(client, alice.email)
    path = reset_path(alice)
    done = choose(Client(), path)
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    alice.refresh_from_db()
    assert alice.check_password(NEW)
    assert "Your password has been reset" in Client().get(done["Location"]).content.decode()

    again = Client().get(path, follow=True)
    html = again.content.decode()
    assert again.status_code == 200 and "This link has stopped working" in html
    assert "Choose a new password" not in html


def test_the_link_expires(client, alice, settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 60 * 60
    ask(client, alice.email)
    path = reset_path(alice)
    with time_machine.travel(timezone.now() + timedelta(minutes=59)):
        assert Client().get(path).status_code == 302  # still good
    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=5)):
        page = Client().get(path, follow=True)
        html = page.content.decode()
        assert "This link has stopped working" in html and "new_password1" not in html
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_the_new_password_is_checked_with_govuk_errors(client, alice):
    ask(client, alice.email)
    path = reset_path(alice)
    browser = Client()
    page = choose(browser, path, password="short", again="different")
    html = page.content.decode()
    assert page.status_code == 200 and "<title>Error: Choose a new password" in html
    assert "The passwords do not match" in html
    # the password rules' errors are on the new password, not on its confirmation
    assert 'href="#id_new_password1"' in html and "at least 12 characters" in html
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)

    empty = browser.post(page.request["PATH_INFO"], {})
    assert "Enter a new password" in empty.content.decode()
    assert "Enter your new password again" in empty.content.decode()


def test_a_reset_deletes_the_accounts_api_tokens_and_ends_its_sessions(client, alice, charlie):
    issue_token(user=alice)
    issue_token(user=alice)
    issue_token(user=charlie)
    elsewhere = login(alice)
    assert elsewhere.get(reverse("home")).status_code == 200
    ask(client, alice.email)
    choose(Client(), reset_path(alice))
    assert not ApiToken.objects.filter(user=alice).exists()
    assert ApiToken.objects.filter(user=charlie).count() == 1  # nobody else's
    assert elsewhere.get(reverse("home"))["Location"].startswith(reverse("login"))
