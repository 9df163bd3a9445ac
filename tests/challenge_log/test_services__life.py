"""The whole life of a challenge, through the services (as the pages and API call them)."""

from __future__ import annotations

from datetime import date

import pytest
from django_fsm_log.models import StateLog
from viewflow.workflow.status import STATUS

from challenge_log import services
from challenge_log.models import ChallengeKind, ChallengeState, Urgency
from core.models import Notification
from tests.factories.challenge_log import make_challenge, respond
from workflows.base import open_tasks, process_for
from workflows.scheduler import run_pass

S = ChallengeState
pytestmark = pytest.mark.django_db


def _task(challenge):
    return open_tasks(challenge).get()


def test_resolved_at_stage_1(bob, charlie, manager, agency_b):
    c = make_challenge(raiser=bob, against=agency_b, today=date(2027, 3, 1))
    assert c.state == S.AWAITING_RESPONSE and c.stage.number == 1
    assert c.deadline == date(2027, 3, 8)  # 5 working days from Monday 1 March
    task = _task(c)
    assert task.flow_task.name == "respond"
    assert task.owner_permission == "agencies.respond_to_challenge"
    assert task.owner_permission_obj_pk == str(agency_b.pk)
    assert task.due.due_on == c.deadline
    # the challenged agency's responders and the partnership manager were told
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert {"charlie", "manager"} <= told and "bob" not in told

    services.challenge_respond(challenge=c, by=charlie, text="Agreed: visit booked")
    assert c.state == S.RESPONDED
    consider = _task(c)
    assert consider.flow_task.name == "consider" and consider.owner_id == bob.pk
    assert Notification.objects.filter(recipient=bob, subject__contains="responded").exists()

    services.challenge_resolve(
        challenge=c,
        by=bob,
        outcome_for_child="A joint visit took place the next day.",
        vignette="A declined joint visit was reinstated within a day.",
        learning="Joint visits after a second notification",
        today=date(2027, 3, 3),
    )
    c.refresh_from_db()
    assert c.state == S.RESOLVED and c.resolved_on == date(2027, 3, 3) and c.resolved_by == bob
    assert not open_tasks(c).exists()
    assert Notification.objects.filter(recipient=charlie, subject__contains="resolved").exists()
    assert list(StateLog.objects.for_(c).values_list("state", flat=True)) == [
        "awaiting_response",
        "responded",
        "resolved",
    ]


def test_escalated_by_hand_to_stage_2(bob, charlie, molly, agency_b):
    c = make_challenge(raiser=bob, against=agency_b, today=date(2027, 3, 1))
    respond(c, by=charlie)
    services.challenge_escalate(
        challenge=c, by=bob, reason="A visit is still needed", today=date(2027, 3, 2)
    )
    c.refresh_from_db()
    assert c.state == S.AWAITING_RESPONSE and c.stage.number == 2 and c.escalations == 1
    assert c.deadline == date(2027, 3, 9)
    task = _task(c)
    assert task.flow_task.name == "respond_manager"
    assert task.owner_permission == "agencies.respond_challenge_manager"
    # the practitioner's turn is over: only a manager (or lead) of B may respond now
    assert not services.permissions.may_respond(c, member_practitioner(agency_b))
    services.challenge_respond(challenge=c, by=molly, text="Visit booked")
    assert c.state == S.RESPONDED


def member_practitioner(agency):
    from agencies.models import Role
    from tests.factories import member

    return member(agency, Role.PRACTITIONER, "pat")


def test_missed_deadlines_across_a_bank_holiday_weekend_up_to_the_chair(
    bob, charlie, chair, manager, agency_b
):
    """Escalated by hand to stage 2 on Christmas Eve 2026; its deadline runs over
    Christmas, the substitute Boxing Day and New Year's Day; then two missed deadlines
    in a row take it to the Chair, who decides."""
    c = make_challenge(raiser=bob, against=agency_b, today=date(2026, 12, 22))
    respond(c, by=charlie)
    services.challenge_escalate(challenge=c, by=bob, reason="No", today=date(2026, 12, 24))
    c.refresh_from_db()
    # Thursday 24 December + 5 working days: 29, 30, 31 December, 4 and 5 January
    assert c.stage.number == 2 and c.deadline == date(2027, 1, 5)

    assert run_pass(today=date(2027, 1, 5)).sweeps["challenge_escalations"] == 0
    c.refresh_from_db()
    assert c.stage.number == 2

    assert run_pass(today=date(2027, 1, 6)).sweeps["challenge_escalations"] == 1
    c.refresh_from_db()
    assert c.state == S.AWAITING_RESPONSE and c.stage.number == 3
    assert c.deadline == date(2027, 1, 13)
    assert _task(c).flow_task.name == "respond_senior"
    log = StateLog.objects.for_(c).order_by("-pk")[1]
    assert log.state == "escalated" and log.by is None and "deadline" in log.description
    for who in (bob, charlie, manager):
        assert Notification.objects.filter(
            recipient=who, subject__contains="escalated to Stage 3"
        ).exists(), who

    assert services.challenge_escalate_overdue(date(2027, 1, 14)) == 1
    c.refresh_from_db()
    assert c.stage.number == 4 and c.stage.is_chair and c.highest_stage == 4
    assert c.deadline == date(2027, 1, 28)  # 10 working days at the Chair's stage
    assert _task(c).flow_task.name == "decide"
    assert Notification.objects.filter(recipient=chair, subject__contains="Stage 4").exists()

    # the last stage: a missed deadline reminds, once, and escalates nothing
    assert services.challenge_escalate_overdue(date(2027, 2, 1)) == 0
    assert services.challenge_escalate_overdue(date(2027, 2, 1)) == 0
    assert Notification.objects.filter(recipient=chair, subject__contains="overdue").count() == 1

    services.challenge_decide(
        challenge=c,
        by=chair,
        decision="The police attend: the threshold is met.",
        outcome_for_child="A joint visit took place.",
        vignette="Two agencies disagreed on a joint visit; the Chair decided.",
        today=date(2027, 2, 2),
    )
    c.refresh_from_db()
    assert c.state == S.RESOLVED_BY_CHAIR and c.decision.startswith("The police")
    assert process_for(c) is None
    assert not open_tasks(c).exists()


def test_withdrawn(bob, agency_b):
    c = make_challenge(raiser=bob, against=agency_b)
    task = _task(c)
    services.challenge_withdraw(challenge=c, by=bob, reason="Resolved by talking")
    c.refresh_from_db()
    assert c.state == S.WITHDRAWN and c.withdrawn_reason == "Resolved by talking"
    task.refresh_from_db()
    assert task.status == STATUS.CANCELED


def test_strategic_challenge_answered(manager, charlie, agency_b):
    c = make_challenge(
        raiser=manager, against=agency_b, kind=ChallengeKind.STRATEGIC, partnership=True
    )
    assert c.raised_by_agency is None and c.stage.number == 3  # the senior leads' stage
    assert _task(c).flow_task.name == "respond_senior"
    services.challenge_respond(challenge=c, by=charlie, text="Returns on time from Q4")
    services.challenge_resolve(
        challenge=c,
        by=manager,
        outcome_for_child="Returns on time",
        vignette="A late data return was put right.",
    )
    assert c.state == S.RESOLVED


def test_urgent_shortens_the_deadline(bob, agency_b):
    c = make_challenge(raiser=bob, against=agency_b, urgency=Urgency.URGENT, today=date(2027, 3, 1))
    assert c.deadline == date(2027, 3, 2)
