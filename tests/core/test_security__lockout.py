"""Sign-in lockout behind a reverse proxy (agencies/lockout.py): the client's address is
read from X-Forwarded-For only past the configured number of trusted proxies, a username
is locked per address, and one address trying many usernames is locked as a whole at a
higher limit."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client

from tests.factories import PASSWORD, UserFactory

PROXY = "10.0.0.2"  # what REMOTE_ADDR is for every request behind the proxy
WRONG = "wrong-password"


def sign_in(username: str, password: str, *, forwarded: str | None = None, remote: str = PROXY):
    client = Client(REMOTE_ADDR=remote)
    if forwarded is not None:
        client.defaults["HTTP_X_FORWARDED_FOR"] = forwarded
    response = client.post("/sign-in/", {"username": username, "password": password})
    return client, response


def locked(response) -> bool:
    return response.status_code in (403, 429)


def signed_in(client: Client, response, user) -> bool:
    return response.status_code == 302 and client.session.get(SESSION_KEY) == str(user.pk)


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


# -- the client's address ----------------------------------------------------------------
def test_behind_a_proxy_failures_elsewhere_do_not_lock_the_user_out(
    alice, settings, behind_one_proxy
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in("alice", WRONG, forwarded="198.51.100.1")
    # the address that failed is locked for alice...
    _, response = sign_in("alice", PASSWORD, forwarded="198.51.100.1")
    assert locked(response)
    # ...but alice at her own desk is not, though every request comes from the proxy
    client, response = sign_in("alice", PASSWORD, forwarded="198.51.100.2")
    assert signed_in(client, response, alice)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.1"}


def test_the_client_cannot_push_our_proxy_out_of_the_header(alice, settings, behind_one_proxy):
    """Entries left of the ones our proxies wrote are the client's own: with one proxy,
    the right-most entry is the client's address whatever it put before it."""
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in("alice", WRONG, forwarded=f"192.0.2.{n}, 198.51.100.1")
    _, response = sign_in("alice", PASSWORD, forwarded="192.0.2.99, 198.51.100.1")
    assert locked(response)


def test_a_spoofed_forwarded_header_is_ignored_without_a_trusted_proxy(alice, settings):
    assert settings.TRUSTED_PROXY_COUNT == 0  # the default
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in("alice", WRONG, forwarded=f"192.0.2.{n}", remote="203.0.113.7")
    _, response = sign_in("alice", PASSWORD, forwarded="192.0.2.200", remote="203.0.113.7")
    assert locked(response)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


@pytest.mark.parametrize("forwarded", [None, "", "not-an-address", " , "])
def test_a_missing_or_bad_header_falls_back_to_the_connection(
    alice, settings, behind_one_proxy, forwarded
):
    sign_in("alice", WRONG, forwarded=forwarded, remote="203.0.113.9")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.9"]


def test_two_proxies_take_the_second_entry_from_the_right(alice, settings):
    settings.TRUSTED_PROXY_COUNT = 2
    sign_in("alice", WRONG, forwarded="192.0.2.1, 198.51.100.1, 10.0.0.1")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["198.51.100.1"]


# -- one address, many usernames ---------------------------------------------------------
def test_one_address_trying_many_usernames_is_locked(db, settings, behind_one_proxy):
    bob = UserFactory(username="bob")
    limit = settings.AXES_ADDRESS_FAILURE_LIMIT
    assert limit > settings.AXES_FAILURE_LIMIT
    # one password sprayed over many usernames: never two tries at the same one
    for n in range(limit):
        sign_in(f"user{n}", "Summer2026!", forwarded="198.51.100.66")
    # now that address is refused for everyone, even with the right password
    _, response = sign_in("bob", PASSWORD, forwarded="198.51.100.66")
    assert locked(response)
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    # bob from another address is not
    client, response = sign_in("bob", PASSWORD, forwarded="198.51.100.7")
    assert signed_in(client, response, bob)


def test_an_office_behind_one_address_survives_a_few_typos_each(db, settings, behind_one_proxy):
    """Five people behind one NAT address, each mistyping a few times: below both limits,
    nobody is locked out."""
    people = [UserFactory(username=f"officer{n}") for n in range(5)]
    per_person = settings.AXES_FAILURE_LIMIT - 1
    assert per_person * len(people) < settings.AXES_ADDRESS_FAILURE_LIMIT
    for person in people:
        for _ in range(per_person):
            sign_in(person.username, WRONG, forwarded="198.51.100.80")
    for person in people:
        client, response = sign_in(person.username, PASSWORD, forwarded="198.51.100.80")
        assert signed_in(client, response, person)


def test_signing_in_to_another_account_does_not_reset_the_address(db, settings, behind_one_proxy):
    """An insider with a valid account cannot wipe a spraying run's count by signing in
    between tries: success clears only that username's own failures."""
    insider = UserFactory(username="insider")
    settings.AXES_ADDRESS_FAILURE_LIMIT = 10
    for n in range(9):
        sign_in(f"user{n}", WRONG, forwarded="198.51.100.66")
    client, response = sign_in("insider", PASSWORD, forwarded="198.51.100.66")
    assert signed_in(client, response, insider)
    sign_in("user9", WRONG, forwarded="198.51.100.66")
    _, response = sign_in("insider", PASSWORD, forwarded="198.51.100.66")
    assert locked(response)


def test_the_api_token_endpoint_is_limited_too(alice, settings, behind_one_proxy):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(
            "/api/v1/auth/token/",
            {"username": "alice", "password": WRONG},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="198.51.100.1",
        )
    response = Client().post(
        "/api/v1/auth/token/",
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    assert locked(response)
    assert "token" not in response.content.decode()
