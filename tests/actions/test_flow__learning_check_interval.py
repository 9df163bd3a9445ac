"""The learning check falls due the configured number of months after sign-off (the
partnership's setting, six by default), fired by the scheduler's timer; "partly embedded"
sets up another check the same interval on, which the timer fires again."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from actions import services
from actions.models import ActionState as S
from actions.models import LearningCheck
from agencies.models import Partnership
from tests.factories import ActionFactory
from workflows.base import open_tasks
from workflows.scheduler import run_pass


def moved_on(days: int):
    return time_machine.travel(timezone.now() + timedelta(days=days), tick=False)


@pytest.mark.django_db
def test_check_falls_due_after_the_partnerships_interval(agency_a, alice, manager, li):
    partnership = Partnership.current()
    partnership.learning_check_months = 3
    partnership.save()

    action = ActionFactory(agency=agency_a, lead=alice, by=manager, li=li, state=S.SIGNED_OFF)
    assert action.learning_check_due_on == timezone.localdate() + relativedelta(months=3)

    with moved_on(80):  # before three months: nothing
        assert run_pass().timers_fired == 0
    action.refresh_from_db()
    assert action.state == S.SIGNED_OFF

    with moved_on(95):
        assert run_pass().timers_fired == 1
    action.refresh_from_db()
    assert action.state == S.LEARNING_CHECK_DUE
    assert action.learning_checks.get().due_on == action.learning_check_due_on


@pytest.mark.django_db
def test_default_interval_is_six_months(agency_a, alice, manager, li):
    action = ActionFactory(agency=agency_a, lead=alice, by=manager, li=li, state=S.SIGNED_OFF)
    assert action.learning_check_due_on == timezone.localdate() + relativedelta(months=6)
    with moved_on(95):
        assert run_pass().timers_fired == 0
    action.refresh_from_db()
    assert action.state == S.SIGNED_OFF


@pytest.mark.django_db
def test_partly_embedded_brings_another_check_through_the_timer(agency_a, alice, manager, li):
    action = ActionFactory(agency=agency_a, lead=alice, by=manager, li=li, state=S.SIGNED_OFF)
    with moved_on(190):
        assert run_pass().timers_fired == 1
        action.refresh_from_db()
        services.action_record_learning_check(
            action=action,
            by=li,
            method="focus_group",
            evidence="Practitioners describe the tool; supervision notes do not yet use it",
            verdict="partly_embedded",
        )
        action.refresh_from_db()
        first = action.learning_checks.get()
        assert first.next_check_on == timezone.localdate() + relativedelta(months=6)
        assert action.state == S.PARTLY_EMBEDDED
        assert not open_tasks(action).exists()

    with moved_on(300):  # less than six months after the first check: nothing yet
        assert run_pass().timers_fired == 0
    with moved_on(190 + 190):
        assert run_pass().timers_fired == 1
        action.refresh_from_db()
        assert action.state == S.LEARNING_CHECK_DUE
        assert [t.flow_task.name for t in open_tasks(action)] == ["learning_check"]
    assert LearningCheck.objects.filter(action=action).count() == 2
    assert LearningCheck.objects.filter(action=action, verdict="").count() == 1
