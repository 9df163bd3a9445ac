"""The task API: scoped lists, claim, release and reassign through the same services as
the pages, and the error contract (400 with field errors, 403, 404, 409, never 500).
Django's test client re-raises any exception a view lets through, so a 500 fails the
test that caused it."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from actions.models import ActionState
from agencies.models import ApiToken
from agencies.tokens import digest
from tests.factories import PASSWORD, walk_to
from workflows import services

API = "/api/v1/tasks/"


def post(client: Client, task, step: str, data: dict | None = None):
    return client.post(f"{API}{task.pk}/{step}/", data or {}, content_type="application/json")


# -- authentication ---------------------------------------------------------------------
@pytest.mark.parametrize("path", [API, "/api/v1/agencies/"])
def test_anonymous_requests_are_refused(db, path):
    assert Client().get(path).status_code in (401, 403)


def test_anonymous_cannot_claim(task_a):
    assert post(Client(), task_a, "claim").status_code in (401, 403)
    task_a.refresh_from_db()
    assert task_a.owner_id is None


def test_token_from_the_token_endpoint_authenticates(alice, task_a):
    response = Client().post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    assert ApiToken.objects.get(user=alice).digest == digest(token)

    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get(f"{API}?box=queue")
    assert response.status_code == 200
    assert [t["id"] for t in response.json()["results"]] == [task_a.pk]
    # token requests need no CSRF token
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {token}")
    assert post(client, task_a, "claim").status_code == 200


def test_a_wrong_password_gets_no_token(alice):
    response = Client().post("/api/v1/auth/token/", {"username": "alice", "password": "nope"})
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_a_bad_token_is_refused(db):
    client = Client(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    assert client.get(API).status_code in (401, 403)


# -- scoped lists -----------------------------------------------------------------------
def ids(response) -> set[int]:
    assert response.status_code == 200
    return {t["id"] for t in response.json()["results"]}


def test_lists_are_scoped_to_the_callers_agencies(task_a, task_b, alice, charlie, as_user):
    assert ids(as_user(alice).get(f"{API}?box=queue")) == {task_a.pk}
    assert ids(as_user(charlie).get(f"{API}?box=queue")) == {task_b.pk}
    assert ids(as_user(charlie).get(API)) == set()  # inbox
    services.task_claim(task=task_a, by=alice)
    assert ids(as_user(alice).get(API)) == {task_a.pk}
    assert ids(as_user(charlie).get(API)) == set()


def test_task_payload(task_a, action_a, alice, as_user):
    (row,) = as_user(alice).get(f"{API}?box=queue").json()["results"]
    assert row["title"] == "Do the work and submit evidence"
    assert row["status"] == "NEW"
    assert row["owner"] is None
    assert row["record"] == str(action_a)
    assert row["due_on"] == action_a.target_date.isoformat()


def test_a_task_of_another_agency_is_404(task_a, charlie, as_user):
    client = as_user(charlie)
    assert client.get(f"{API}{task_a.pk}/").status_code == 404
    for step in ("claim", "release", "reassign"):
        assert post(client, task_a, step, {"username": "charlie"}).status_code == 404


# -- claim --------------------------------------------------------------------------------
def test_claim(task_a, alice, as_user):
    response = post(as_user(alice), task_a, "claim")
    assert response.status_code == 200
    assert response.json()["owner"] == "alice"
    assert response.json()["status"] == "ASSIGNED"


def test_claiming_a_claimed_task_is_409(task_a, alice, alex, as_user):
    assert post(as_user(alex), task_a, "claim").status_code == 200
    response = post(as_user(alice), task_a, "claim")
    assert response.status_code == 409
    assert response.json() == {
        "detail": services.TASK_ALREADY_TAKEN,
        "code": "transition_not_allowed",
    }
    task_a.refresh_from_db()
    assert task_a.owner.username == "alex"


def test_claim_without_the_tasks_permission_is_403(task_a, bob, as_user):
    response = post(as_user(bob), task_a, "claim")  # sees agency A's tasks, may not do them
    assert response.status_code == 403
    assert response.json()["detail"] == services.TASK_NOT_PERMITTED


# -- release ------------------------------------------------------------------------------
def test_release(task_a, alice, as_user):
    services.task_claim(task=task_a, by=alice)
    response = post(as_user(alice), task_a, "release")
    assert response.status_code == 200
    assert response.json()["owner"] is None


def test_releasing_someone_elses_task_is_403(task_a, alice, bob, as_user):
    services.task_claim(task=task_a, by=alice)
    assert post(as_user(bob), task_a, "release").status_code == 403


def test_releasing_an_unclaimed_task_is_409(task_a, alice, as_user):
    assert post(as_user(alice), task_a, "release").status_code == 409


# -- reassign ------------------------------------------------------------------------------
def test_a_manager_of_the_agency_reassigns(task_a, alice, alex, mo, as_user):
    services.task_claim(task=task_a, by=alice)
    response = post(as_user(mo), task_a, "reassign", {"username": "alex"})
    assert response.status_code == 200
    assert response.json()["owner"] == "alex"


def test_the_partnership_manager_reassigns_an_unclaimed_task(task_a, alex, manager, as_user):
    response = post(as_user(manager), task_a, "reassign", {"username": "alex"})
    assert response.status_code == 200
    assert response.json()["owner"] == "alex"


def test_reassign_without_a_username_is_400_with_field_errors(task_a, mo, as_user):
    response = post(as_user(mo), task_a, "reassign", {})
    assert response.status_code == 400
    assert list(response.json()) == ["username"]


def test_reassign_by_someone_who_is_not_a_manager_is_403(task_a, alex, bob, as_user):
    response = post(as_user(bob), task_a, "reassign", {"username": "alex"})
    assert response.status_code == 403
    assert response.json()["detail"] == services.REASSIGN_NOT_MANAGER
    task_a.refresh_from_db()
    assert task_a.owner_id is None


def test_a_non_manager_cannot_probe_usernames(task_a, bob, as_user):
    # An unknown and a known username must get the same answer from a non-manager.
    client = as_user(bob)
    assert post(client, task_a, "reassign", {"username": "nobody"}).status_code == 403
    assert post(client, task_a, "reassign", {"username": "alice"}).status_code == 403
    assert post(client, task_a, "reassign", {}).status_code == 403


def test_reassign_to_an_unknown_person_is_400(task_a, mo, as_user):
    response = post(as_user(mo), task_a, "reassign", {"username": "nobody"})
    assert response.status_code == 400
    assert list(response.json()) == ["username"]


def test_reassign_to_someone_of_another_agency_is_400(task_a, charlie, mo, as_user):
    response = post(as_user(mo), task_a, "reassign", {"username": "charlie"})
    assert response.status_code == 400
    assert response.json() == {"username": [services.REASSIGN_NOT_ELIGIBLE]}
    task_a.refresh_from_db()
    assert task_a.owner_id is None


def test_reassigning_a_finished_task_is_409(task_a, action_a, alice, alex, mo, as_user):
    walk_to(action_a, ActionState.EVIDENCE_SUBMITTED)  # the work task is done
    response = post(as_user(mo), task_a, "reassign", {"username": "alex"})
    assert response.status_code == 409
    assert response.json()["detail"] == services.TASK_NOT_OPEN


# -- schema and docs ---------------------------------------------------------------------
def test_the_schema_is_an_openapi_document(alice, as_user):
    response = as_user(alice).get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/tasks/{id}/claim/" in schema["paths"]
    assert "/api/v1/tasks/{id}/reassign/" in schema["paths"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_the_docs_page_renders(alice, as_user):
    response = as_user(alice).get("/api/v1/docs/")
    assert response.status_code == 200
    assert "/api/v1/schema/" in response.content.decode()


def test_the_docs_page_loads_nothing_from_another_site(alice, as_user):
    page = as_user(alice).get("/api/v1/docs/").content.decode()
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', page)
    assert external == []
    assert "drf_spectacular_sidecar/redoc" in page
