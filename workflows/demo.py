"""The demo's last step (registered in ``WorkflowsConfig.ready``, run by ``manage.py
load_demo`` after the other demos have committed): the learning checks other demos asked
for (``actions.demo.bring_learning_check_due``) fall due now, not in six months.

This lives in ``workflows`` because it needs the flows running: a domain app never
imports the workflow layer.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from actions.demo import CheckDue, learning_checks_due
from actions.models import Action, ActionState
from core.demo import DemoContext
from workflows.base import process_for
from workflows.scheduler import run_pass


def bring_learning_checks_due(ctx: DemoContext) -> None:
    """Make the asked-for learning checks due, without waiting six months.

    Only the flow's timer moves an action from signed off to learning check due: it runs
    the system transition (logged), opens the LearningCheck row, queues the reminders
    and creates the Learning and Improvement group's task. Setting the state by hand
    would skip all of that and leave the flow waiting on a timer six months away, so the
    demo moves the due date and the timer into the past and lets the scheduler fire it,
    just as cron would on the day.

    Idempotent: only actions that are signed off and never had a learning check are
    brought forward, so a second run (or a check the demo user has since recorded) is
    left alone.
    """
    yesterday = ctx.today - timedelta(days=1)
    brought: list[CheckDue] = []
    for request in learning_checks_due(ctx):
        action = request.action
        action.refresh_from_db()
        if action.state != ActionState.SIGNED_OFF or action.learning_checks.exists():
            continue
        process = process_for(action)
        timers = Task.objects.filter(
            process=process, flow_task_type="TIMER", status=STATUS.SCHEDULED
        )
        if process is None or not timers.exists():
            continue
        with transaction.atomic():
            Action.objects.filter(pk=action.pk).update(learning_check_due_on=yesterday)
            timers.update(scheduled=timezone.now() - timedelta(minutes=1))
        brought.append(request)
    if not brought:
        return
    result = run_pass()
    ctx.say(f"Scheduler pass: {result}")

    for request in brought:
        if request.then is None:
            continue
        request.action.refresh_from_db()
        if request.action.state == ActionState.LEARNING_CHECK_DUE:
            request.then(request.action)
