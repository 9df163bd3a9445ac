"""API tokens (agencies/tokens.py): issued with a password, stored only as a digest,
expiring, revocable by their owner and by an administrator, deleted when the account is
deactivated and when its owner signs out of the web."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from agencies.models import ApiToken
from agencies.tokens import digest
from tests.factories import PASSWORD, UserFactory

ISSUE = "/api/v1/auth/token/"
TOKENS = "/api/v1/auth/tokens/"
SOME_LIST = "/api/v1/agencies/"


def issue(username: str, password: str = PASSWORD, **extra) -> dict:
    response = Client().post(ISSUE, {"username": username, "password": password, **extra})
    assert response.status_code == 200, response.content
    return response.json()


def with_token(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def works(key: str) -> bool:
    status = with_token(key).get(SOME_LIST).status_code
    assert status in (200, 401, 403), status  # 403: DRF's answer when session auth is first
    return status == 200


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)


# -- issuing --------------------------------------------------------------------------------
def test_a_token_is_issued_for_a_password_and_stored_only_as_a_digest(alice):
    before = timezone.now()
    body = issue("alice", name="export script")
    assert works(body["token"])
    token = ApiToken.objects.get(user=alice)
    assert token.pk == body["id"]
    assert token.digest == digest(body["token"]) != body["token"]
    assert token.prefix == body["token"][:8]
    assert token.name == "export script"
    # no column holds the key itself
    assert body["token"] not in str(list(ApiToken.objects.values()))
    # eight hours by default, as a web session
    assert before + timedelta(hours=8) <= token.expires <= timezone.now() + timedelta(hours=8)


def test_each_request_gets_its_own_token(alice):
    first, second = issue("alice")["token"], issue("alice")["token"]
    assert first != second
    assert works(first) and works(second)


@pytest.mark.parametrize(
    "data, field",
    [
        ({"username": "alice", "password": "nope"}, "non_field_errors"),
        ({"username": "nobody", "password": PASSWORD}, "non_field_errors"),
        ({"username": "alice"}, "password"),
        ({"password": PASSWORD}, "username"),
        ({"username": "alice", "password": PASSWORD, "name": "x" * 101}, "name"),
    ],
)
def test_bad_requests_get_no_token(alice, data, field):
    response = Client().post(ISSUE, data)
    assert response.status_code == 400
    assert field in response.json()
    assert not ApiToken.objects.exists()


def test_an_inactive_account_gets_no_token(alice):
    alice.is_active = False
    alice.save()
    response = Client().post(ISSUE, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_a_locked_out_username_gets_a_429_and_no_token(alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(ISSUE, {"username": "alice", "password": "nope"})
    response = Client().post(ISSUE, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert "detail" in response.json()
    assert not ApiToken.objects.exists()


# -- expiry ---------------------------------------------------------------------------------
def test_an_expired_token_is_refused(alice):
    key = issue("alice")["token"]
    ApiToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    response = with_token(key).get(SOME_LIST)
    assert response.status_code in (401, 403)
    assert "expired" in response.json()["detail"]


def test_the_lifetime_is_a_setting(alice, settings):
    settings.API_TOKEN_TTL = 60
    body = issue("alice")
    token = ApiToken.objects.get(pk=body["id"])
    assert token.expires - token.created == timedelta(seconds=60)


def test_using_a_token_does_not_extend_it_but_records_when(alice):
    key = issue("alice")["token"]
    expires = ApiToken.objects.get().expires
    assert works(key)
    token = ApiToken.objects.get()
    assert token.expires == expires
    assert token.last_used is not None


def test_issuing_clears_the_users_expired_tokens(alice, charlie):
    issue("alice")
    issue("charlie")
    ApiToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    issue("alice")
    assert ApiToken.objects.filter(user=alice).count() == 1
    assert ApiToken.objects.filter(user=charlie).count() == 1  # not someone else's


@pytest.mark.parametrize(
    "header",
    ["Token", "Token a b", "Token 0000000000000000000000000000000000000000", b"Token \xff\xfe"],
)
def test_malformed_or_unknown_tokens_are_refused(db, header):
    client = Client(HTTP_AUTHORIZATION=header)
    assert client.get(SOME_LIST).status_code in (401, 403)


# -- the owner: list and revoke ----------------------------------------------------------------
def test_the_owner_lists_their_own_live_tokens_only(alice, charlie):
    mine = issue("alice", name="laptop")
    issue("alice")
    issue("charlie")
    expired = issue("alice")
    ApiToken.objects.filter(pk=expired["id"]).update(expires=timezone.now())

    response = with_token(mine["token"]).get(TOKENS)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert sorted(r["id"] for r in rows) == sorted(
        ApiToken.objects.filter(user=alice, expires__gt=timezone.now()).values_list("pk", flat=True)
    )
    assert len(rows) == 2
    (current,) = [r for r in rows if r["current"]]
    assert current["id"] == mine["id"]
    assert current["name"] == "laptop"
    assert current["prefix"] == mine["token"][:8]
    assert "token" not in rows[0] and "digest" not in rows[0]


def test_the_list_works_from_a_signed_in_page_session_too(alice, as_user):
    issue("alice")
    response = as_user(alice).get(TOKENS)
    assert response.status_code == 200
    assert [r["current"] for r in response.json()["results"]] == [False]


def test_the_owner_revokes_a_token_by_its_id(alice):
    keep, drop = issue("alice"), issue("alice")
    response = with_token(keep["token"]).delete(f"{TOKENS}{drop['id']}/")
    assert response.status_code == 204
    assert not works(drop["token"])
    assert works(keep["token"])


def test_someone_elses_token_is_a_404_and_survives(alice, charlie):
    mine, theirs = issue("alice"), issue("charlie")
    response = with_token(mine["token"]).delete(f"{TOKENS}{theirs['id']}/")
    assert response.status_code == 404
    assert works(theirs["token"])


def test_delete_on_the_token_endpoint_revokes_the_token_in_use(alice):
    used, other = issue("alice"), issue("alice")
    assert with_token(used["token"]).delete(ISSUE).status_code == 204
    assert not works(used["token"])
    assert works(other["token"])


def test_delete_on_the_token_endpoint_without_a_token_is_a_400(alice, as_user):
    issue("alice")
    response = as_user(alice).delete(ISSUE)
    assert response.status_code == 400
    assert "detail" in response.json()
    assert ApiToken.objects.count() == 1


def test_anonymous_callers_cannot_list_or_revoke(alice):
    token = issue("alice")
    assert Client().get(TOKENS).status_code in (401, 403)
    assert Client().delete(f"{TOKENS}{token['id']}/").status_code in (401, 403)
    assert Client().delete(ISSUE).status_code in (401, 403)
    assert works(token["token"])


# -- the administrator ---------------------------------------------------------------------------
def test_an_administrator_revokes_a_token_in_the_admin(alice, admin_user, as_user):
    token = issue("alice")
    admin = as_user(admin_user)
    assert admin.get("/admin/agencies/apitoken/").status_code == 200
    assert admin.get(f"/admin/auth/user/{alice.pk}/change/").status_code == 200
    response = admin.post(f"/admin/agencies/apitoken/{token['id']}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not works(token["token"])


def test_the_admin_cannot_issue_or_edit_a_token(alice, admin_user, as_user):
    token = issue("alice", name="before")
    admin = as_user(admin_user)
    assert admin.get("/admin/agencies/apitoken/add/").status_code == 403
    admin.post(f"/admin/agencies/apitoken/{token['id']}/change/", {"name": "after"})
    assert ApiToken.objects.get().name == "before"


# -- deactivation and signing out ----------------------------------------------------------------
@pytest.mark.parametrize("update_fields", [None, ["is_active"]])
def test_deactivating_the_account_deletes_its_tokens(alice, charlie, update_fields):
    key = issue("alice")["token"]
    issue("charlie")
    alice.is_active = False
    alice.save(update_fields=update_fields)
    assert not ApiToken.objects.filter(user=alice).exists()
    assert ApiToken.objects.filter(user=charlie).exists()
    assert not works(key)


def test_an_inactive_users_token_is_refused_even_if_it_survived(alice):
    """A bulk update skips the signal: the authentication checks the account too."""
    key = issue("alice")["token"]
    get_user_model().objects.filter(pk=alice.pk).update(is_active=False)
    assert ApiToken.objects.filter(user=alice).exists()
    assert not works(key)


def test_signing_out_of_the_web_deletes_all_the_users_tokens(alice, charlie):
    keys = [issue("alice")["token"], issue("alice")["token"]]
    theirs = issue("charlie")["token"]
    browser = Client()
    assert browser.post("/sign-in/", {"username": "alice", "password": PASSWORD}).status_code == 302
    assert browser.post("/sign-out/").status_code == 302
    assert not any(works(key) for key in keys)
    assert not ApiToken.objects.filter(user=alice).exists()
    assert works(theirs)


def test_a_password_sign_in_does_not_delete_tokens(db):
    user = UserFactory(username="dora")
    key = issue("dora")["token"]
    assert Client().post("/sign-in/", {"username": "dora", "password": PASSWORD}).status_code == 302
    assert works(key)
    assert user.api_tokens.count() == 1
