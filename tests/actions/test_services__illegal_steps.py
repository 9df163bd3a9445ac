"""Illegal steps are refused with a clear message and change nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django_fsm_log.models import StateLog

from actions import services
from actions.models import ActionState as S
from core.transitions import TransitionForbidden, TransitionRefused
from tests.factories import ActionFactory, walk_to


@pytest.fixture
def action(alice, manager):
    return ActionFactory(agency=alice.memberships.first().agency, lead=alice, by=manager)


def logs(action):
    return StateLog.objects.for_(action).count()


@pytest.mark.django_db
def test_sign_off_before_acceptance_is_refused(action, alice):
    services.action_start_work(action=action, by=alice)
    before = logs(action)
    with pytest.raises(TransitionRefused) as exc:
        services.action_sign_off(action=action, by=alice)
    assert exc.value.message == services.NOT_ACCEPTED
    action.refresh_from_db()
    assert action.state == S.IN_PROGRESS and logs(action) == before


@pytest.mark.django_db
def test_embedded_without_impact_evidence_is_refused(action, alice, li):
    walk_to(action, S.LEARNING_CHECK_DUE, li=li)
    with pytest.raises(ValidationError) as exc:
        services.action_record_learning_check(
            action=action, by=li, method="survey", evidence="  ", verdict="embedded"
        )
    assert exc.value.message_dict["evidence"] == [services.EMBEDDED_NEEDS_EVIDENCE]
    action.refresh_from_db()
    assert action.state == S.LEARNING_CHECK_DUE
    assert action.learning_checks.get().verdict == ""


@pytest.mark.django_db
def test_evidence_on_a_cancelled_action_is_refused(action, alice, manager):
    services.action_start_work(action=action, by=alice)
    services.action_cancel(action=action, by=manager, reason="Duplicate of 3.2")
    with pytest.raises(TransitionRefused) as exc:
        services.action_add_evidence(action=action, by=alice, description="late")
    assert exc.value.message == services.CANCELLED_NO_CHANGES
    assert not action.evidence.exists()


@pytest.mark.django_db
def test_submit_without_evidence_is_refused(action, alice):
    services.action_start_work(action=action, by=alice)
    with pytest.raises(TransitionRefused) as exc:
        services.action_submit_evidence(action=action, by=alice)
    assert exc.value.message == services.NO_EVIDENCE


@pytest.mark.django_db
def test_only_the_owning_agency_lead_may_work_or_sign_off(action, alice, charlie, bob, li):
    with pytest.raises(TransitionForbidden):
        services.action_start_work(action=action, by=charlie)
    with pytest.raises(TransitionForbidden):
        services.action_start_work(action=action, by=bob)
    services.action_start_work(action=action, by=alice)
    services.action_add_evidence(action=action, by=alice, description="x")
    services.action_submit_evidence(action=action, by=alice)
    with pytest.raises(TransitionForbidden):
        services.action_accept_evidence(action=action, by=alice)  # not L&I
    services.action_accept_evidence(action=action, by=li)
    with pytest.raises(TransitionForbidden):
        services.action_sign_off(action=action, by=charlie)
    with pytest.raises(TransitionForbidden):
        services.action_sign_off(action=action, by=li)
    action.refresh_from_db()
    assert action.state == S.ACCEPTED


@pytest.mark.django_db
def test_cancel_needs_a_reason_and_the_manager(action, alice, manager):
    with pytest.raises(ValidationError):
        services.action_cancel(action=action, by=manager, reason=" ")
    with pytest.raises(TransitionForbidden):
        services.action_cancel(action=action, by=alice, reason="no")
    services.action_cancel(action=action, by=manager, reason="Superseded")
    with pytest.raises(TransitionRefused) as exc:
        services.action_cancel(action=action, by=manager, reason="again")
    assert exc.value.message == services.ALREADY_CLOSED


@pytest.mark.django_db
def test_partly_embedded_schedules_another_check(action, alice, li):
    walk_to(action, S.LEARNING_CHECK_DUE, li=li)
    check = services.action_record_learning_check(
        action=action,
        by=li,
        method="survey",
        evidence="60% of staff aware",
        verdict="partly_embedded",
    )
    action.refresh_from_db()
    assert action.state == S.PARTLY_EMBEDDED
    assert check.next_check_on == action.learning_check_due_on


@pytest.mark.django_db
def test_lead_must_belong_to_the_owning_agency(alice, charlie, manager):
    with pytest.raises(ValidationError) as exc:
        ActionFactory(agency=alice.memberships.first().agency, lead=charlie, by=manager)
    assert exc.value.message_dict["lead"] == [services.LEAD_NOT_IN_AGENCY]
