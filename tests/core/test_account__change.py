"""Change your password, signed in: the current one is required, errors are GOV.UK's,
this session stays signed in, every other session and every API token ends."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from agencies.models import ApiToken
from agencies.tokens import issue_token
from core.submissions import new_token
from tests.conftest import login
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "a-fresh-long-passphrase-2026"
URL = "/password/change/"


def change(client: Client, old: str = PASSWORD, new: str = NEW, again: str | None = None, **extra):
    data = {"old_password": old, "new_password1": new, "new_password2": again or new, **extra}
    return client.post(URL, data)


def test_the_url():
    assert reverse("password_change") == URL


def test_anonymous_people_are_sent_to_sign_in(client):
    answer = client.get(URL)
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("login"))
    assert client.post(URL, {})["Location"].startswith(reverse("login"))


def test_the_form_is_a_govuk_page(alice):
    page = login(alice).get(URL)
    html = page.content.decode()
    assert page.status_code == 200 and "<title>Change your password" in html
    assert 'autocomplete="current-password"' in html
    assert html.count('autocomplete="new-password"') == 2
    assert 'data-module="govuk-password-input"' in html
    assert 'name="submission_token"' in html
    assert "Use at least 12 characters" in html


def test_the_current_password_is_required(alice):
    client = login(alice)
    page = change(client, old="not-my-password")
    html = page.content.decode()
    assert page.status_code == 200 and "<title>Error: Change your password" in html
    assert "govuk-error-summary" in html and 'href="#id_old_password"' in html
    assert "Your current password is not right" in html
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_an_empty_form_names_every_field(alice):
    html = login(alice).post(URL, {}).content.decode()
    for field, message in [
        ("id_old_password", "Enter your current password"),
        ("id_new_password1", "Enter a new password"),
        ("id_new_password2", "Enter your new password again"),
    ]:
        assert f'href="#{field}"' in html and message in html
        assert f'id="{field}-error"' in html


def test_the_new_password_follows_the_rules(alice):
    client = login(alice)
    html = change(client, new="12345678901234").content.decode()
    assert "entirely numeric" in html and 'href="#id_new_password1"' in html
    html = change(client, again="something-else-entirely").content.decode()
    assert "The passwords do not match" in html and 'href="#id_new_password2"' in html
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_a_change_keeps_this_session_and_ends_the_others(alice, charlie):
    mine, elsewhere = login(alice), login(alice)
    issue_token(user=alice)
    issue_token(user=charlie)
    done = change(mine)
    assert done.status_code == 302 and done["Location"] == reverse("home")
    alice.refresh_from_db()
    assert alice.check_password(NEW)
    home = mine.get(reverse("home"))
    assert home.status_code == 200
    assert "Your password has been changed" in home.content.decode()
    assert elsewhere.get(reverse("home"))["Location"].startswith(reverse("login"))
    # API tokens end with the old password (as they do at sign-out); nobody else's
    assert not ApiToken.objects.filter(user=alice).exists()
    assert ApiToken.objects.filter(user=charlie).count() == 1


def test_a_wrong_current_password_keeps_the_tokens(alice):
    issue_token(user=alice)
    change(login(alice), old="not-my-password")
    assert ApiToken.objects.filter(user=alice).count() == 1


def test_the_same_form_sent_twice_changes_it_once(alice):
    client = login(alice)
    token = new_token()
    assert change(client, submission_token=token)["Location"] == reverse("home")
    again = change(client, old=NEW, new="yet-another-passphrase-99", submission_token=token)
    assert again.status_code == 302 and again["Location"] == reverse("home")
    assert "You already changed your password" in client.get(reverse("home")).content.decode()
    alice.refresh_from_db()
    assert alice.check_password(NEW)
