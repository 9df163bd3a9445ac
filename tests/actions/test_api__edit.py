"""Changing an action's details through the API (``POST /api/v1/actions/<id>/details/``)
and reading the changes (``GET .../changes/``): the same service as the page, and the
error contract (400 with field errors, 403, 404, 409)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from actions import services
from actions.models import ActionChange
from agencies.models import Role
from core.models import Notification
from tests.factories import in_days, member
from tests.factories.actions import make_action


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def alex(agency_a):
    return member(agency_a, Role.AGENCY_LEAD, "alex")


@pytest.fixture
def action(alice, agency_a, manager):
    return make_action(agency=agency_a, lead=alice, by=manager)


def details(action):
    return f"/api/v1/actions/{action.pk}/details/"


def snapshot(action) -> tuple:
    action.refresh_from_db()
    return (action.description, action.lead_id, action.target_date, action.state)


@pytest.mark.django_db
def test_agency_lead_changes_the_lead_and_date_and_reads_the_change(action, alice, alex):
    # Issue 9: the target date is the partnership manager's; a lead asks for an extension.
    before = snapshot(action)
    r = api(alice).post(
        details(action),
        {"lead": "alex", "target_date": in_days(80).isoformat(), "reason": "Handover"},
        format="json",
    )
    assert r.status_code == 403
    assert r.json()["detail"] == services.NOT_PERMITTED_EDIT_TARGET_DATE
    assert snapshot(action) == before
    r = api(alice).post(details(action), {"lead": "alex", "reason": "Handover"}, format="json")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["lead"] == "alex" and body["target_date"] == before[2].isoformat()
    assert body["rag"] == "green"
    assert Notification.objects.filter(recipient=alex).count() == 1

    r = api(alice).get(f"/api/v1/actions/{action.pk}/changes/")
    assert r.status_code == 200
    [change] = r.json()
    assert change["by"] == "alice" and change["reason"] == "Handover"
    assert set(change["changed"]) == {"lead"}


@pytest.mark.django_db
def test_manager_changes_the_description(action, manager):
    r = api(manager).post(
        details(action), {"description": "Train every team", "reason": "Wider"}, format="json"
    )
    assert r.status_code == 200 and r.json()["description"] == "Train every team"


@pytest.mark.django_db
def test_400_with_field_errors_and_nothing_changes(action, alice, manager, charlie):
    before = snapshot(action)
    # no reason
    r = api(manager).post(details(action), {"target_date": "2027-03-31"}, format="json")
    assert r.status_code == 400 and r.json() == {"reason": [services.EDIT_NEEDS_REASON]}
    r = api(manager).post(
        details(action), {"target_date": "2027-03-31", "reason": " "}, format="json"
    )
    assert r.status_code == 400 and r.json() == {"reason": [services.EDIT_NEEDS_REASON]}
    # not a date, not a person
    r = api(manager).post(
        details(action), {"target_date": "31/13/2027", "lead": "nobody", "reason": "x"}
    )
    assert r.status_code == 400 and {"target_date", "lead"} <= set(r.json())
    # a person who cannot lead this agency's actions
    r = api(manager).post(details(action), {"lead": "charlie", "reason": "x"}, format="json")
    assert r.status_code == 400 and r.json() == {"lead": [services.LEAD_NOT_IN_AGENCY]}
    # nothing changes
    r = api(manager).post(
        details(action), {"lead": "alice", "reason": "Just checking"}, format="json"
    )
    assert r.status_code == 400 and r.json() == {"non_field_errors": [services.NOTHING_CHANGED]}
    r = api(manager).post(details(action), {"description": "", "reason": "x"}, format="json")
    assert r.status_code == 400 and "description" in r.json()
    assert snapshot(action) == before and not ActionChange.objects.exists()


@pytest.mark.django_db
def test_403_for_who_may_not_change_it(action, alice, bob, li):
    before = snapshot(action)
    r = api(alice).post(
        details(action), {"description": "Rewritten", "reason": "Mine now"}, format="json"
    )
    assert r.status_code == 403
    assert r.json()["detail"] == services.NOT_PERMITTED_EDIT_DESCRIPTION
    for user in (bob, li):
        r = api(user).post(
            details(action), {"target_date": "2027-03-31", "reason": "x"}, format="json"
        )
        assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    assert snapshot(action) == before and not ActionChange.objects.exists()


@pytest.mark.django_db
def test_404_for_another_agencys_action(action, charlie):
    before = snapshot(action)
    r = api(charlie).post(details(action), {"target_date": "2027-03-31", "reason": "x"})
    assert r.status_code == 404
    assert api(charlie).get(f"/api/v1/actions/{action.pk}/changes/").status_code == 404
    assert snapshot(action) == before and not ActionChange.objects.exists()


@pytest.mark.django_db
def test_409_for_a_closed_action(action, manager):
    services.action_cancel(action=action, by=manager, reason="Duplicate")
    before = snapshot(action)
    r = api(manager).post(
        details(action), {"target_date": "2027-03-31", "reason": "Late"}, format="json"
    )
    assert r.status_code == 409
    assert r.json() == {"detail": services.CLOSED_NO_EDIT, "code": "transition_not_allowed"}
    assert snapshot(action) == before and not ActionChange.objects.exists()


@pytest.mark.django_db
def test_the_schema_documents_the_change(alice):
    schema = api(alice).get("/api/v1/schema/?format=json").json()
    post = schema["paths"]["/api/v1/actions/{id}/details/"]["post"]
    ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert body["required"] == ["reason"]
    assert {"description", "lead", "target_date", "reason"} == set(body["properties"])
    assert "get" in schema["paths"]["/api/v1/actions/{id}/changes/"]
