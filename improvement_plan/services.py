"""Every change to a plan: its transitions, a milestone met, a line's commentary."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from actions.models import Action, Milestone, follow_milestones
from actions.permissions import may_update
from actions.signals import action_details_changed
from core.transitions import TransitionForbidden, TransitionRefused, run_transition
from improvement_plan.models import Plan, ProgressCommentary, RecommendationLine

NOT_PERMITTED = "Only the partnership manager may change the plan's status."
NOT_NOW = "The plan cannot take this step in its current status."
MILESTONE_NOT_PERMITTED = "Only the action's lead may record its milestones."
MILESTONE_CLOSED = "The action is closed: its milestones cannot change."
COMPLETED_IN_FUTURE = "The date met must be today or in the past"
COMMENTARY_EMPTY = "Enter the commentary"
APPROVER_EMPTY = "Enter who approved the plan"


def _plan_actions(plan: Plan) -> Any:
    lines = RecommendationLine.objects.filter(objective__plan=plan).values("pk")
    return Action.objects.filter(
        source_content_type=ContentType.objects.get_for_model(RecommendationLine),
        source_object_id__in=lines,
    )


@transaction.atomic
def plan_consult(*, plan: Plan, by: Any) -> Plan:
    return run_transition(plan, "consult", by=by, refused=NOT_NOW, forbidden=NOT_PERMITTED)  # type: ignore[no-any-return]


@transaction.atomic
def plan_approve(*, plan: Plan, by: Any, approved_by: str, on: date | None = None) -> Plan:
    if not approved_by.strip():
        raise ValidationError({"approved_by": APPROVER_EMPTY})
    return run_transition(  # type: ignore[no-any-return]
        plan,
        "approve",
        by=by,
        refused=NOT_NOW,
        forbidden=NOT_PERMITTED,
        approved_by=approved_by.strip(),
        on=on or timezone.localdate(),
    )


@transaction.atomic
def plan_activate(*, plan: Plan, by: Any, on: date | None = None) -> Plan:
    """Make the plan active: from ``on`` its actions are reminded and escalated as any
    action is, but only about what falls due from then on (``Action.reminders_from``);
    nothing that fell due before is sent."""
    on = on or timezone.localdate()
    run_transition(plan, "activate", by=by, refused=NOT_NOW, forbidden=NOT_PERMITTED, on=on)
    _plan_actions(plan).update(reminders_held=False, reminders_from=on)
    return plan


@transaction.atomic
def plan_close(*, plan: Plan, by: Any, on: date | None = None) -> Plan:
    on = on or timezone.localdate()
    run_transition(plan, "close", by=by, refused=NOT_NOW, forbidden=NOT_PERMITTED, on=on)
    _plan_actions(plan).update(reminders_held=True)
    return plan


@transaction.atomic
def milestone_record(
    *, milestone: Milestone, by: Any, completed_on: date | None, today: date | None = None
) -> Milestone:
    """Record a milestone met (``completed_on``) or open again (None); the action's
    target date, and so its RAG, follow its next open milestone."""
    today = today or timezone.localdate()
    action = (
        Action.objects.select_for_update(of=("self",))
        .select_related("agency")
        .get(pk=milestone.action_id)
    )
    if not may_update(action, by):
        raise TransitionForbidden(MILESTONE_NOT_PERMITTED)
    if not action.is_open:
        raise TransitionRefused(MILESTONE_CLOSED)
    if completed_on is not None and completed_on > today:
        raise ValidationError({"completed_on": COMPLETED_IN_FUTURE})
    milestone.completed_on = completed_on
    milestone.completed_by = by if completed_on else None
    milestone.save(update_fields=["completed_on", "completed_by"])
    if follow_milestones(action):
        Action.objects.filter(pk=action.pk).update(target_date=action.target_date)
        # the workflow layer moves the work task's due date with it
        action_details_changed.send(sender=Action, action=action, fields={"target_date"}, by=by)
    return milestone


@transaction.atomic
def commentary_save(
    *, line: RecommendationLine, by: Any, period: date, text: str
) -> ProgressCommentary:
    if not by.has_perm("actions.manage_plan") and not any(
        may_update(a, by)
        for a in Action.objects.filter(
            source_content_type=ContentType.objects.get_for_model(RecommendationLine),
            source_object_id=line.pk,
        ).select_related("agency")
    ):
        raise TransitionForbidden("Only the partnership manager or a lead may comment.")
    if not text.strip():
        raise ValidationError({"text": COMMENTARY_EMPTY})
    found, _ = ProgressCommentary.objects.update_or_create(
        line=line, period=period.replace(day=1), defaults={"text": text.strip(), "by": by}
    )
    return found
