"""Bad input is refused clearly and changes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from challenge_log import services
from challenge_log.models import Area, Challenge, ChallengeKind, ChallengeState
from core.models import Notification
from core.transitions import TransitionForbidden, TransitionRefused
from tests.factories.challenge_log import make_challenge, respond, walk_challenge_to
from tests.test_isolation__every_route import fingerprint

pytestmark = pytest.mark.django_db
S = ChallengeState


def refused(call, exc, *args, **kwargs):
    before = fingerprint()
    with pytest.raises(exc) as info, transaction.atomic():
        call(*args, **kwargs)
    assert fingerprint() == before, "a refused step changed something"
    return info.value


def test_a_childs_name_where_the_case_reference_goes(bob, agency_b):
    error = refused(
        make_challenge, ValidationError, raiser=bob, against=agency_b, case_reference="Jane Smith"
    )
    assert "not a name" in error.message_dict["case_reference"][0]
    assert "Jane" not in str(error)
    assert not Challenge.objects.exists() and not Notification.objects.exists()


def test_a_professional_difference_needs_a_case_reference(bob, agency_b):
    error = refused(
        make_challenge, ValidationError, raiser=bob, against=agency_b, case_reference=""
    )
    assert error.message_dict["case_reference"] == ["Enter the case reference"]


def test_an_agency_cannot_challenge_itself_nor_raise_for_another(bob, agency_a, agency_b, charlie):
    error = refused(make_challenge, ValidationError, raiser=bob, against=agency_a)
    assert error.message_dict["challenged_agency"] == [services.SAME_AGENCY]
    refused(make_challenge, TransitionForbidden, raiser=bob, agency=agency_b, against=agency_a)


def test_a_practitioner_cannot_raise_a_strategic_challenge(bob, agency_b):
    refused(
        make_challenge,
        TransitionForbidden,
        raiser=bob,
        against=agency_b,
        kind=ChallengeKind.STRATEGIC,
        area=Area.STRATEGIC,
    )


def test_responding_when_it_is_not_your_agencys_turn(bob, ann, charlie, agency_b):
    c = make_challenge(raiser=bob, against=agency_b)
    # someone of the raising agency
    error = refused(services.challenge_respond, TransitionForbidden, challenge=c, by=ann, text="x")
    assert error.message == services.NOT_YOUR_TURN
    # the right agency, but the challenge has been answered already
    respond(c, by=charlie)
    error = refused(
        services.challenge_respond, TransitionRefused, challenge=c, by=charlie, text="again"
    )
    assert error.message == services.NOT_AWAITING


def test_responding_at_a_stage_that_is_not_yours(bob, charlie, dan, agency_b):
    c = make_challenge(raiser=bob, against=agency_b)
    walk_challenge_to(c, 2)
    error = refused(services.challenge_respond, TransitionForbidden, challenge=c, by=dan, text="x")
    assert error.message == services.NOT_YOUR_TURN


def test_an_empty_response(bob, charlie, agency_b):
    c = make_challenge(raiser=bob, against=agency_b)
    error = refused(
        services.challenge_respond, ValidationError, challenge=c, by=charlie, text="   "
    )
    assert error.message_dict == {"text": ["Enter your response"]}


def test_escalating_past_the_chair(bob, chair, agency_b):
    c = make_challenge(raiser=bob, against=agency_b)
    walk_challenge_to(c, 4)
    assert c.stage.is_chair
    error = refused(
        services.challenge_escalate, TransitionRefused, challenge=c, by=bob, reason="More"
    )
    assert error.message == services.PAST_THE_CHAIR


def test_an_empty_decision_and_a_decision_by_someone_else(bob, alice, chair, agency_b):
    c = make_challenge(raiser=bob, against=agency_b)
    walk_challenge_to(c, 4)
    kwargs = {"outcome_for_child": "Visit", "vignette": "A short account"}
    error = refused(
        services.challenge_decide, ValidationError, challenge=c, by=chair, decision=" ", **kwargs
    )
    assert error.message_dict == {"decision": ["Enter the decision and its reasons"]}
    error = refused(
        services.challenge_decide,
        TransitionForbidden,
        challenge=c,
        by=alice,
        decision="Yes",
        **kwargs,
    )
    assert error.message == services.NOT_CHAIR


def test_the_chair_decides_only_at_the_last_stage(bob, chair, agency_b):
    c = make_challenge(raiser=bob, against=agency_b)
    error = refused(
        services.challenge_decide,
        TransitionRefused,
        challenge=c,
        by=chair,
        decision="Yes",
        outcome_for_child="x",
        vignette="y",
    )
    assert error.message == services.NOT_AT_CHAIR


def test_an_identifying_vignette(bob, charlie, agency_b):
    c = make_challenge(raiser=bob, against=agency_b)
    respond(c, by=charlie)
    error = refused(
        services.challenge_resolve,
        ValidationError,
        challenge=c,
        by=bob,
        outcome_for_child="Visit",
        vignette="The visit to the family at NW9 6AB went ahead.",
    )
    assert "postcode" in error.message_dict["vignette"][0]


def test_only_the_raisers_side_accepts_escalates_or_withdraws(bob, charlie, agency_b):
    c = make_challenge(raiser=bob, against=agency_b)
    respond(c, by=charlie)
    refused(services.challenge_escalate, TransitionForbidden, challenge=c, by=charlie, reason="x")
    refused(services.challenge_withdraw, TransitionForbidden, challenge=c, by=charlie, reason="x")


def test_nothing_is_done_to_a_closed_challenge(bob, agency_b):
    c = make_challenge(raiser=bob, against=agency_b)
    services.challenge_withdraw(challenge=c, by=bob, reason="Sorted")
    error = refused(services.challenge_withdraw, TransitionRefused, challenge=c, by=bob, reason="x")
    assert error.message == services.CLOSED
    assert c.state == S.WITHDRAWN
