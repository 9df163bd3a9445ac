"""The whole life of an action, walked through the services with two agencies: the flow
follows every step, the timer fires when time moves forward, and not embedded reopens it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_fsm_log.models import StateLog
from viewflow.workflow.status import STATUS

from actions import services
from actions.models import ActionState as S
from actions.models import LearningCheck
from tests.factories.actions import make_action, make_recommendation, make_review, pdf
from workflows.base import open_tasks, process_for
from workflows.scheduler import run_pass
from workflows.selectors import task_inbox, task_queue


def open_task_names(action):
    return sorted(t.flow_task.name for t in open_tasks(action))


@pytest.mark.django_db(transaction=False)
def test_whole_life_with_return_timer_and_reopen(alice, charlie, li, manager):
    review = make_review(lead_agency=alice.memberships.first().agency)
    rec = make_recommendation(review)
    action = make_action(
        agency=alice.memberships.first().agency, lead=alice, by=manager, source=rec
    )
    other = make_action(
        agency=charlie.memberships.first().agency, lead=charlie, by=manager, source=rec
    )

    assert process_for(action) is not None
    assert open_task_names(action) == ["work"]
    # the work task is assigned to alice, its lead (issue 9), never seen by charlie
    assert list(task_inbox(user=alice).filter(process__artifact_object_id=action.pk))
    assert not task_inbox(user=charlie).filter(process__artifact_object_id=action.pk).exists()
    assert task_inbox(user=charlie).filter(process__artifact_object_id=other.pk).exists()

    services.action_start_work(action=action, by=alice)
    services.action_report_progress(action=action, by=alice, text="Training booked")
    services.action_add_evidence(action=action, by=alice, description="Register", file=pdf())
    services.action_submit_evidence(action=action, by=alice)
    assert action.state == S.EVIDENCE_SUBMITTED
    assert open_task_names(action) == ["review"]
    assert task_queue(user=li).filter(process__artifact_object_id=action.pk).exists()

    services.action_return_evidence(action=action, by=li, reason="Attendance figures missing")
    assert action.state == S.RETURNED
    assert open_task_names(action) == ["work"]

    services.action_start_work(action=action, by=alice)
    services.action_add_evidence(action=action, by=alice, description="Attendance: 92%")
    services.action_submit_evidence(action=action, by=alice)
    services.action_accept_evidence(action=action, by=li)
    assert open_task_names(action) == ["sign_off"]

    services.action_sign_off(action=action, by=alice)
    assert action.state == S.SIGNED_OFF
    assert open_task_names(action) == []
    assert action.learning_check_due_on is not None

    # Nothing fires before the check is due.
    run_pass()
    action.refresh_from_db()
    assert action.state == S.SIGNED_OFF

    with time_machine.travel(timezone.now() + timedelta(days=190), tick=False):
        result = run_pass()
        assert result.timers_fired == 1
        action.refresh_from_db()
        assert action.state == S.LEARNING_CHECK_DUE
        assert open_task_names(action) == ["learning_check"]
        assert LearningCheck.objects.filter(action=action, verdict="").count() == 1
        # the scheduler is idempotent: a second pass fires nothing more
        assert run_pass().timers_fired == 0

        services.action_record_learning_check(
            action=action,
            by=li,
            method="re_audit",
            evidence="Re-audit: 3 of 10 cases good",
            verdict="not_embedded",
        )
        action.refresh_from_db()
        assert action.state == S.NOT_EMBEDDED
        assert open_task_names(action) == ["work"]

        services.action_start_work(action=action, by=alice)
        assert action.state == S.IN_PROGRESS

    transitions = list(
        StateLog.objects.for_(action)
        .order_by("timestamp", "pk")
        .values_list("transition", flat=True)
    )
    assert transitions == [
        "start_work",
        "submit_evidence",
        "return_evidence",
        "start_work",
        "submit_evidence",
        "accept",
        "sign_off",
        "learning_check_fall_due",
        "mark_not_embedded",
        "start_work",
    ]
    # charlie's action never moved
    other.refresh_from_db()
    assert other.state == S.ASSIGNED


@pytest.mark.django_db
def test_cancel_cancels_the_process(alice, manager):
    action = make_action(agency=alice.memberships.first().agency, lead=alice, by=manager)
    services.action_cancel(action=action, by=manager, reason="Superseded by the new plan")
    assert action.state == S.CANCELLED
    assert process_for(action) is None
    assert not task_inbox(user=alice).exists()
    assert not task_queue(user=alice).exists()


@pytest.mark.django_db
def test_completing_a_task_assigns_it_to_whoever_acted(alice, manager):
    action = make_action(agency=alice.memberships.first().agency, lead=alice, by=manager)
    task = open_tasks(action).get()
    assert task.status == STATUS.ASSIGNED and task.owner == alice  # its lead's (issue 9)
    services.action_start_work(action=action, by=alice)
    services.action_add_evidence(action=action, by=alice, description="Notes")
    services.action_submit_evidence(action=action, by=alice)
    task.refresh_from_db()
    assert task.status == STATUS.DONE
    assert task.owner == alice
