"""The flows of every loop, one class each. Each routes people to move a domain record;
the record's state decides where the flow goes next (see ``workflows.base``)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.dispatch import receiver
from django.utils import timezone
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.status import STATUS

from actions import services as action_services
from actions.models import WORK_STATES, Action, ActionState
from actions.signals import action_created, action_details_changed
from core.workdays import add_working_days
from workflows.base import (
    RecordFlow,
    lock_task,
    open_tasks,
    refresh_due_dates,
    start_flow,
    state_switch,
)
from workflows.services import can_pick_up
from workflows.timeline import REASSIGNED, RELEASED, record_task_event

S = ActionState


def _agency(process: Any) -> Any:
    return process.artifact.agency


def _in_working_days(n: int) -> Any:
    return lambda record: add_working_days(timezone.localdate(), n)


class ActionFlow(RecordFlow):
    """SCR / CSPR / audit / challenge / plan action follow-up.

    The agency lead does the work and submits evidence; the Learning and Improvement
    group accepts or returns it; the agency lead signs off; a timer opens the learning
    check when it falls due (six months after sign-off, per partnership); the L&I group
    decides embedded, partly embedded (another check later) or not embedded (the work
    reopens).
    """

    process_title = "Action follow-up"
    record_model = Action
    # Where the process waits in each state of the action; the rest (embedded) end it.
    node_states = {
        "work": set(WORK_STATES),
        "review": {S.EVIDENCE_SUBMITTED},
        "sign_off": {S.ACCEPTED},
        "wait_for_check": {S.SIGNED_OFF, S.PARTLY_EMBEDDED},
        "learning_check": {S.LEARNING_CHECK_DUE},
    }
    cancel_states = {S.CANCELLED}
    due_dates = {
        "work": lambda action: action.target_date,
        "review": _in_working_days(10),
        "sign_off": _in_working_days(10),
        "learning_check": _in_working_days(20),
    }
    due_date_fields = {"work": {"target_date"}}

    @classmethod
    def record_queryset(cls) -> Any:
        return Action.objects.select_related("agency")

    start = flow.StartHandle(this.start_process).Next(this.route)

    route = state_switch(node_states)

    work = (
        flow.View(None)
        .Annotation(title="Do the work and submit evidence")
        .Permission("agencies.update_action", obj=_agency)
        .Assign(this.work_owner)
        .onCreate(this.on_task_created)
        .Next(this.route)
    )

    review = (
        flow.View(None)
        .Annotation(title="Review the evidence")
        .Permission("actions.review_evidence")
        .onCreate(this.on_task_created)
        .Next(this.route)
    )

    sign_off = (
        flow.View(None)
        .Annotation(title="Sign off the action")
        .Permission("agencies.sign_off_action", obj=_agency)
        .onCreate(this.on_task_created)
        .Next(this.route)
    )

    wait_for_check = flow.Timer(this.learning_check_moment).Next(this.open_check)

    open_check = flow.Function(this.open_learning_check).Next(this.route)

    learning_check = (
        flow.View(None)
        .Annotation(title="Run the learning check")
        .Permission("actions.run_learning_check")
        .onCreate(this.on_task_created)
        .Next(this.route)
    )

    end = flow.End()

    def work_owner(self, activation: Any) -> Any:
        """The work goes to the action's named lead (issue 9), while they may take it;
        else it waits in the agency's queue. Sign-off stays a queue: any of the agency's
        leads holding ``sign_off_action`` signs off, not necessarily the named lead (a
        designated lead may do the work without being the one who signs it off)."""
        lead = activation.process.artifact.lead
        if lead is not None and can_pick_up(lead, activation.task):
            return lead
        return None

    def learning_check_moment(self, activation: Any) -> datetime:
        """The start of the day the check falls due, read from the record (the truth)."""
        action = activation.process.artifact
        due = action.learning_check_due_on or timezone.localdate()
        return timezone.make_aware(datetime.combine(due, time.min))

    def open_learning_check(self, activation: Any) -> None:
        action_services.action_learning_check_fall_due(action=activation.process.artifact)


@receiver(action_created, dispatch_uid="workflows.start_action_flow")
def _start_action_flow(sender: Any, action: Action, **kwargs: Any) -> None:
    start_flow(action)


@receiver(action_details_changed, dispatch_uid="workflows.refresh_action_due_dates")
def _refresh_action_due_dates(sender: Any, action: Action, fields: set[str], **kwargs: Any) -> None:
    refresh_due_dates(action, fields)


@receiver(action_details_changed, dispatch_uid="workflows.work_follows_the_lead")
def _work_follows_the_lead(
    sender: Any, action: Action, fields: set[str], by: Any = None, **kwargs: Any
) -> None:
    """A new lead takes over the open work task (as the work task goes to the named lead
    when it opens); a lead who may not take it leaves it in the agency's queue. Inside
    the change's transaction, noted on the action's history."""
    if "lead" not in fields:
        return
    for task in open_tasks(action):
        if task.flow_task.name != "work":
            continue
        lock_task(task)
        if task.status not in (STATUS.NEW, STATUS.ASSIGNED) or task.owner_id == action.lead_id:
            continue
        lead = action.lead
        with task.activation() as activation:
            if lead is not None and can_pick_up(lead, task):
                record_task_event(task, REASSIGNED, by=by, to=lead, holder=task.owner_id)
                if task.status == STATUS.NEW:
                    activation.assign(user=lead)
                else:
                    activation.reassign(user=lead)
            elif task.status == STATUS.ASSIGNED:
                record_task_event(task, RELEASED, by=by, holder=task.owner_id)
                activation.unassign()
