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
from actions.permissions import may_update
from actions.signals import action_created, action_details_changed
from audits.models import AuditForm, FormState
from audits.signals import audit_form_assigned, audit_forms_opened
from challenge_log import selectors as challenge_selectors
from challenge_log.models import Challenge, ChallengeState, Responder
from challenge_log.signals import challenge_stage_opened
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

    @classmethod
    def holder_may_keep(cls, task: Any, user: Any) -> bool:
        """The named lead of a partnership-owned action keeps its work task while they
        hold a partnership role (``lead_may_take_work``), whatever else they lose."""
        action = task.process.artifact
        return (
            task.flow_task.name == "work"
            and action is not None
            and action.lead_id == user.pk
            and lead_may_take_work(action, task)
        )

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
        action = activation.process.artifact
        if lead_may_take_work(action, activation.task):
            return action.lead
        return None

    def learning_check_moment(self, activation: Any) -> datetime:
        """The start of the day the check falls due, read from the record (the truth)."""
        action = activation.process.artifact
        due = action.learning_check_due_on or timezone.localdate()
        return timezone.make_aware(datetime.combine(due, time.min))

    def open_learning_check(self, activation: Any) -> None:
        action_services.action_learning_check_fall_due(action=activation.process.artifact)


def lead_may_take_work(action: Action, task: Any) -> bool:
    """Whether the action's named lead may hold its work task: they hold the task's
    permission (``update_action`` on the action's agency), or the action is the
    partnership's own and they lead it in a partnership role (``may_update``: the Chair,
    the partnership manager), which grants no permission on the partnership's agency, so
    the work would otherwise wait in a queue only that agency's leads see."""
    lead = action.lead
    if lead is None:
        return False
    return can_pick_up(lead, task) or may_update(action, lead)


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
            if lead_may_take_work(action, task):
                record_task_event(task, REASSIGNED, by=by, to=lead, holder=task.owner_id)
                if task.status == STATUS.NEW:
                    activation.assign(user=lead)
                else:
                    activation.reassign(user=lead)
            elif task.status == STATUS.ASSIGNED:
                record_task_event(task, RELEASED, by=by, holder=task.owner_id)
                activation.unassign()


# -- the challenge log ---------------------------------------------------------------------
CS = ChallengeState


def _challenged_agency(process: Any) -> Any:
    return process.artifact.challenged_agency


def _raiser_agency(process: Any) -> Any:
    return process.artifact.raised_by_agency


def _awaiting(responder: str) -> Any:
    def test(activation: Any) -> bool:
        challenge = activation.process.artifact
        stage = challenge.stage
        return bool(
            challenge.state == CS.AWAITING_RESPONSE
            and stage is not None
            and stage.responder == responder
        )

    return test


class ChallengeFlow(RecordFlow):
    """One stage of a challenge (professional difference or strategic challenge).

    A flow runs for each stage: it starts when the stage opens (``challenge_stage_opened``:
    raised, or escalated) and routes the response to the challenged agency's people who
    hold the stage's permission there (practitioner, manager, designated or senior lead),
    or at the last stage the Chair's decision to the Chair; once answered, the raiser
    accepts the response or escalates it (a task assigned to them). An escalation, by
    hand or by the scheduler on a missed deadline, ends this stage's flow; the next
    stage's starts. A withdrawn challenge cancels it."""

    process_title = "Challenge"
    record_model = Challenge
    record_agency_field = "challenged_agency"
    # The response waits at one of four nodes, by the stage's responder permission (a
    # task carries one literal permission, which the indexed queues read); the map names
    # the first, the others are completed alike (below).
    node_states = {"respond": {CS.AWAITING_RESPONSE}, "consider": {CS.RESPONDED}}
    cancel_states = {CS.WITHDRAWN}
    due_dates = {
        "respond": lambda challenge: challenge.deadline,
        "respond_manager": lambda challenge: challenge.deadline,
        "respond_senior": lambda challenge: challenge.deadline,
        "decide": lambda challenge: challenge.deadline,
    }

    @classmethod
    def record_queryset(cls) -> Any:
        return Challenge.objects.select_related("challenged_agency", "raised_by_agency", "stage")

    @classmethod
    def visible_records(cls, user: Any) -> Any:
        return challenge_selectors.challenge_list(user=user).order_by()

    start = flow.StartHandle(this.start_process).Next(this.route)

    route = (
        flow.Switch()
        .Case(this.respond, _awaiting(Responder.PRACTITIONER))
        .Case(this.respond_manager, _awaiting(Responder.MANAGER))
        .Case(this.respond_senior, _awaiting(Responder.SENIOR))
        .Case(this.decide, _awaiting(Responder.CHAIR))
        .Case(this.consider, lambda activation: activation.process.artifact.state == CS.RESPONDED)
        .Default(this.end)
    )

    respond = (
        flow.View(None)
        .Annotation(title="Respond to the challenge")
        .Permission("agencies.respond_to_challenge", obj=_challenged_agency)
        .onCreate(this.on_task_created)
        .Next(this.route)
    )

    respond_manager = (
        flow.View(None)
        .Annotation(title="Respond to the challenge (manager)")
        .Permission("agencies.respond_challenge_manager", obj=_challenged_agency)
        .onCreate(this.on_task_created)
        .Next(this.route)
    )

    respond_senior = (
        flow.View(None)
        .Annotation(title="Respond to the challenge (designated or senior lead)")
        .Permission("agencies.respond_challenge_senior", obj=_challenged_agency)
        .onCreate(this.on_task_created)
        .Next(this.route)
    )

    decide = (
        flow.View(None)
        .Annotation(title="Decide the challenge")
        .Permission("challenge_log.decide_challenge")
        .onCreate(this.on_task_created)
        .Next(this.route)
    )

    consider = (
        flow.View(None)
        .Annotation(title="Accept the response or escalate")
        .Permission("agencies.raise_challenge", obj=_raiser_agency)
        .Assign(lambda activation: activation.process.artifact.raised_by)
        .Next(this.route)
    )

    end = flow.End()


# The other response nodes finish as ``respond`` does: on any move out of awaiting_response.
for _node in ("respond_manager", "respond_senior", "decide"):
    ChallengeFlow.completed_by[_node] = ChallengeFlow.completed_by["respond"]


@receiver(challenge_stage_opened, dispatch_uid="workflows.start_challenge_flow")
def _start_challenge_flow(sender: Any, challenge: Challenge, **kwargs: Any) -> None:
    start_flow(challenge)


# -- themed case audits ---------------------------------------------------------------------
class AuditFormFlow(RecordFlow):
    """One audit form: its agency's auditors complete it (a task in the agency's queue,
    or the auditor who started it); the audit lead and the partnership team
    (``audits.manage_audit``) moderate it, accepting it (the end) or returning it to
    the auditor with a reason."""

    process_title = "Audit form"
    record_model = AuditForm
    node_states = {
        "complete": {FormState.ASSIGNED, FormState.IN_PROGRESS, FormState.RETURNED},
        "moderate": {FormState.SUBMITTED},
    }
    due_dates = {
        "complete": lambda form: form.due_on,
        "moderate": _in_working_days(10),
    }

    @classmethod
    def record_queryset(cls) -> Any:
        return AuditForm.objects.select_related("agency", "audit", "case")

    start = flow.StartHandle(this.start_process).Next(this.route)

    route = state_switch(node_states)

    complete = (
        flow.View(None)
        .Annotation(title="Complete the audit form")
        .Permission("agencies.complete_audit_form", obj=_agency)
        .Assign(this.form_owner)
        .onCreate(this.on_task_created)
        .Next(this.route)
    )

    moderate = (
        flow.View(None)
        .Annotation(title="Moderate the audit form")
        .Permission("audits.manage_audit")
        .onCreate(this.on_task_created)
        .Next(this.route)
    )

    end = flow.End()

    def form_owner(self, activation: Any) -> Any:
        """A returned form goes back to the auditor who holds it; a new one waits in its
        agency's queue for any of its auditors to pick up."""
        holder = activation.process.artifact.assignee
        if holder is not None and can_pick_up(holder, activation.task):
            return holder
        return None


@receiver(audit_forms_opened, dispatch_uid="workflows.start_audit_form_flows")
def _start_audit_form_flows(sender: Any, forms: list[AuditForm], **kwargs: Any) -> None:
    for form in forms:
        start_flow(form)


@receiver(audit_form_assigned, dispatch_uid="workflows.form_follows_its_auditor")
def _form_follows_its_auditor(sender: Any, form: AuditForm, by: Any = None, **kwargs: Any) -> None:
    """The auditor the lead names takes the form's open "complete" task (picked up by
    someone else or waiting in the agency's queue), inside the assignment's transaction,
    noted on the form's history."""
    auditor = form.assignee
    for task in open_tasks(form):
        if task.flow_task.name != "complete":
            continue
        lock_task(task)
        if task.status not in (STATUS.NEW, STATUS.ASSIGNED) or task.owner_id == form.assignee_id:
            continue
        if auditor is None or not can_pick_up(auditor, task):
            continue
        with task.activation() as activation:
            record_task_event(task, REASSIGNED, by=by, to=auditor, holder=task.owner_id)
            if task.status == STATUS.NEW:
                activation.assign(user=auditor)
            else:
                activation.reassign(user=auditor)
