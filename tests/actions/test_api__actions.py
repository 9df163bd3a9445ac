"""The actions API: same services as the pages, and the error contract."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from actions import services
from actions.models import ActionState as S
from tests.factories.actions import make_action, make_recommendation, make_review, pdf


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def action(alice, manager, agency_a):
    rec = make_recommendation(make_review(lead_agency=agency_a))
    return make_action(agency=agency_a, lead=alice, by=manager, source=rec)


@pytest.mark.django_db
def test_walk_through_the_api(action, alice, li):
    base = f"/api/v1/actions/{action.pk}/"
    assert api(alice).post(base + "start/", {}, format="json").status_code == 200
    assert (
        api(alice).post(base + "progress/", {"text": "Half done"}, format="json").status_code == 200
    )
    r = api(alice).post(
        base + "evidence/", {"description": "Register", "file": pdf()}, format="multipart"
    )
    assert r.status_code == 201 and r.json()["file_type"] == "PDF"
    assert (
        api(alice).post(base + "submit/", {}, format="json").json()["state"] == S.EVIDENCE_SUBMITTED
    )
    assert (
        api(li).post(base + "return/", {"reason": "More"}, format="json").json()["state"]
        == S.RETURNED
    )


@pytest.mark.django_db
def test_error_contract(action, alice, charlie, li):
    base = f"/api/v1/actions/{action.pk}/"
    # 409: a step the current state does not allow; nothing changes
    r = api(alice).post(base + "sign-off/", {}, format="json")
    assert r.status_code == 409 and r.json()["detail"] == services.NOT_ACCEPTED
    # 400 with field errors
    r = api(li).post(base + "learning-check/", {"method": "nonsense"}, format="json")
    assert r.status_code == 400 and {"method", "evidence", "verdict"} <= set(r.json())
    # 403: visible, but not allowed
    r = api(li).post(base + "start/", {}, format="json")
    assert r.status_code == 403
    # 404: another agency's record, for reading and for acting
    assert api(charlie).get(base).status_code == 404
    assert api(charlie).post(base + "start/", {}, format="json").status_code == 404
    assert api(charlie).get("/api/v1/actions/").json()["count"] == 0
    assert api(alice).get("/api/v1/actions/abc/").status_code == 404
    assert api(alice).get("/api/v1/actions/?state=bogus").status_code == 400
    action.refresh_from_db()
    assert action.state == S.ASSIGNED


@pytest.mark.django_db
def test_create_needs_the_manager_and_valid_fields(alice, manager, agency_a):
    body = {
        "agency": agency_a.pk,
        "lead": "alice",
        "description": "Audit",
        "target_date": "2027-03-31",
    }
    assert api(alice).post("/api/v1/actions/", body, format="json").status_code == 403
    r = api(manager).post("/api/v1/actions/", body, format="json")  # answers nothing
    assert r.status_code == 400 and "Say what the action answers" in r.json()["source"][0]
    rec = make_recommendation(make_review(title="API review", lead_agency=agency_a), 1)
    body["recommendation"] = rec.pk
    r = api(manager).post("/api/v1/actions/", body, format="json")
    assert r.status_code == 201 and r.json()["state"] == S.ASSIGNED
    r = api(manager).post("/api/v1/actions/", {"agency": agency_a.pk}, format="json")
    assert r.status_code == 400 and "lead" in r.json()


@pytest.mark.django_db
def test_reviews_and_learning_checks_are_scoped(action, alice, charlie, manager):
    assert len(api(alice).get("/api/v1/reviews/").json()["results"]) == 1
    assert api(charlie).get("/api/v1/reviews/").json()["results"] == []
    assert api(manager).get("/api/v1/reviews/").json()["count"] == 1
    assert api(charlie).get("/api/v1/learning-checks/").json()["count"] == 0
    assert api(charlie).get("/api/v1/recommendations/").json()["count"] == 0
