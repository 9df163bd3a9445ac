"""Who may not do something is told so (403) before their input is read, so the answer
never depends on which usernames, agencies or records exist; and a lead who is not an
agency lead of the agency is the same error whether the account exists or not."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from actions import services
from actions.models import Action, ActionChange
from agencies.models import Role
from tests.factories import in_days, member
from tests.factories.actions import make_action, make_recommendation, make_review


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def action(alice, agency_a, manager):
    return make_action(agency=agency_a, lead=alice, by=manager)


def create_body(agency, lead: str) -> dict:
    return {
        "agency": agency.pk,
        "lead": lead,
        "description": "Audit",
        "target_date": in_days(30).isoformat(),
    }


@pytest.mark.django_db
def test_creating_is_403_for_an_agency_lead_whatever_the_body(alice, charlie, agency_a, agency_b):
    answers = {
        api(alice).post("/api/v1/actions/", body, format="json").content
        for body in (
            create_body(agency_a, "nobody"),
            create_body(agency_a, "charlie"),
            create_body(agency_a, "alice"),
            create_body(agency_b, "charlie"),
            {"agency": 987654, "lead": "x", "recommendation": 987654},
            {},
        )
    }
    assert len(answers) == 1
    r = api(alice).post("/api/v1/actions/", {}, format="json")
    assert r.status_code == 403 and r.json()["detail"] == services.NOT_PERMITTED_CREATE
    assert not Action.objects.exists()


@pytest.mark.django_db
def test_the_lead_of_a_new_action_is_an_agency_lead_of_its_agency(
    manager, alice, bob, charlie, agency_a
):
    for lead in ("nobody", "charlie", "bob"):  # no account, another agency, not a lead
        r = api(manager).post("/api/v1/actions/", create_body(agency_a, lead), format="json")
        assert r.status_code == 400 and r.json() == {"lead": [services.LEAD_NOT_IN_AGENCY]}
    rec = make_recommendation(make_review(title="Leads review", lead_agency=agency_a), 1)
    body = {**create_body(agency_a, "alice"), "recommendation": rec.pk}
    r = api(manager).post("/api/v1/actions/", body, format="json")
    assert r.status_code == 201 and r.json()["lead"] == "alice"


@pytest.mark.django_db
def test_details_are_403_for_who_may_not_change_them_whatever_the_body(action, bob, li, charlie):
    for user in (bob, li):
        answers = {
            (r.status_code, r.content)
            for r in (
                api(user).post(f"/api/v1/actions/{action.pk}/details/", body, format="json")
                for body in (
                    {"lead": "nobody", "reason": "x"},
                    {"lead": "charlie", "reason": "x"},
                    {"lead": "alice", "reason": ""},
                    {"target_date": "not a date"},
                    {},
                )
            )
        }
        assert len(answers) == 1 and answers.pop()[0] == 403
    assert not ActionChange.objects.exists()


@pytest.mark.django_db
def test_an_agency_lead_cannot_tell_who_has_an_account(action, alice, bob, agency_b):
    """Naming someone who is no agency lead of A, whether the account exists, is in
    another agency, is inactive or is A's practitioner: the same 400."""
    inactive = member(agency_b, Role.AGENCY_LEAD, "ivan", is_active=False)
    answers = set()
    for lead in ("nobody", "charlie", inactive.username, "bob", "li"):
        r = api(alice).post(
            f"/api/v1/actions/{action.pk}/details/", {"lead": lead, "reason": "x"}, format="json"
        )
        answers.add((r.status_code, r.content))
    assert answers == {(400, b'{"lead":["' + services.LEAD_NOT_IN_AGENCY.encode() + b'"]}')}
    action.refresh_from_db()
    assert action.lead == alice and not ActionChange.objects.exists()
