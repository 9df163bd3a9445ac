"""The challenge log's API: raising, the steps (403 before the body, 409 for the state),
bad input as 400 with field errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from challenge_log.models import Challenge, ChallengeState
from tests.conftest import login
from tests.factories.challenge_log import make_challenge, walk_challenge_to

pytestmark = pytest.mark.django_db
S = ChallengeState


def post(user, url, data):
    return login(user).post(url, data, content_type="application/json")


def test_raise_respond_and_resolve(bob, charlie, agency_a, agency_b):
    created = post(
        bob,
        reverse("challenge-list"),
        {
            "kind": "professional",
            "raised_by_agency": agency_a.pk,
            "challenged_agency": agency_b.pk,
            "area": "roles",
            "summary": "Who convenes",
            "outcome_sought": "A decision",
            "case_reference": "LCS-1",
        },
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["state"] == "awaiting_response" and created.json()["stage"] == 1
    answered = post(charlie, reverse("challenge-respond", args=[pk]), {"text": "We convene"})
    assert answered.status_code == 200 and answered.json()["state"] == "responded"
    again = post(charlie, reverse("challenge-respond", args=[pk]), {"text": "Again"})
    assert again.status_code == 409
    resolved = post(
        bob,
        reverse("challenge-resolve", args=[pk]),
        {"outcome_for_child": "Convened", "vignette": "Sorted quickly"},
    )
    assert resolved.status_code == 200 and resolved.json()["state"] == "resolved"
    assert login(charlie).get(reverse("challenge-list")).json()["results"][0]["id"] == pk


def test_bad_input_is_a_400_and_changes_nothing(bob, agency_a, agency_b):
    response = post(
        bob,
        reverse("challenge-list"),
        {
            "kind": "professional",
            "raised_by_agency": agency_a.pk,
            "challenged_agency": agency_b.pk,
            "area": "roles",
            "summary": "Who convenes",
            "outcome_sought": "A decision",
            "case_reference": "Jane Smith",
        },
    )
    assert response.status_code == 400 and "case_reference" in response.json()
    assert not Challenge.objects.exists()


def test_permission_before_the_body(bob, charlie, alice, agency_b):
    c = make_challenge(raiser=bob, against=agency_b)
    # alice is of the raising agency: never her turn to respond, whatever she sends
    assert post(alice, reverse("challenge-respond", args=[c.pk]), {}).status_code == 403
    assert post(charlie, reverse("challenge-respond", args=[c.pk]), {}).status_code == 400
    c.refresh_from_db()
    assert c.state == S.AWAITING_RESPONSE


def test_escalating_past_the_chair_is_a_409(bob, chair, agency_b):
    c = make_challenge(raiser=bob, against=agency_b)
    walk_challenge_to(c, 4)
    response = post(bob, reverse("challenge-escalate", args=[c.pk]), {"reason": "More"})
    assert response.status_code == 409
    decided = post(
        chair,
        reverse("challenge-decide", args=[c.pk]),
        {"decision": "Yes", "outcome_for_child": "Visit", "vignette": "Decided"},
    )
    assert decided.status_code == 200 and decided.json()["state"] == "resolved_by_chair"


def test_an_agency_user_names_the_agency_raised_for(bob, agency_b):
    response = post(
        bob,
        reverse("challenge-list"),
        {
            "kind": "professional",
            "challenged_agency": agency_b.pk,
            "area": "roles",
            "summary": "Who convenes",
            "outcome_sought": "A decision",
            "case_reference": "LCS-1",
        },
    )
    assert response.status_code == 400 and "raised_by_agency" in response.json()
    assert not Challenge.objects.exists()


def test_every_api_read_of_a_case_level_challenge_is_logged(bob, charlie, manager, agency_b):
    from agencies.models import CaseOpening

    challenge = make_challenge(raiser=bob, against=agency_b, case_reference="LCS-777")
    strategic = make_challenge(raiser=manager, against=agency_b, kind="strategic", partnership=True)
    url = reverse("challenge-detail", args=[challenge.pk])
    assert login(charlie).get(url).status_code == 200
    opening = CaseOpening.objects.get()
    assert opening.user == charlie and opening.case_reference == "LCS-777"
    assert opening.record_id == challenge.pk and opening.path == url
    # the list, a strategic challenge and a refused step are not openings
    login(charlie).get(reverse("challenge-list"))
    login(charlie).get(reverse("challenge-detail", args=[strategic.pk]))
    post(charlie, reverse("challenge-resolve", args=[challenge.pk]), {})
    assert CaseOpening.objects.count() == 1
