"""Which steps a user may take on an action now: decides which forms the page shows.
The services check again; this only avoids offering a step that would be refused."""

from __future__ import annotations

from typing import Any

from django_fsm import can_proceed, has_transition_perm

from actions.models import Action, ActionState
from agencies.selectors import user_can

S = ActionState


def available_steps(action: Action, user: Any) -> set[str]:
    steps: set[str] = set()
    can_update = user_can(user, "update_action", action.agency_id)
    if can_update and can_proceed(action.start_work):
        steps.add("start")
    if can_update and action.state == S.IN_PROGRESS:
        steps.update({"progress", "evidence", "submit"})
    if action.state == S.EVIDENCE_SUBMITTED and user.has_perm("actions.review_evidence"):
        steps.update({"accept", "return"})
    if can_proceed(action.sign_off) and has_transition_perm(action.sign_off, user):
        steps.add("sign_off")
    if action.state == S.LEARNING_CHECK_DUE and user.has_perm("actions.run_learning_check"):
        steps.add("learning_check")
    if action.is_open and user.has_perm("actions.cancel_action"):
        steps.add("cancel")
    return steps


def can_download_evidence(action: Action, user: Any) -> bool:
    return user_can(user, "download_evidence", action.agency_id)


def editable_fields(action: Action, user: Any) -> set[str]:
    """The details of ``action`` that ``user`` may change (state aside): the partnership
    manager all of them, an agency lead of the owning agency the lead and target date."""
    if user.has_perm("actions.manage_plan"):
        return {"description", "lead", "target_date"}
    if user_can(user, "update_action", action.agency_id):
        return {"lead", "target_date"}
    return set()


def can_edit_details(action: Action, user: Any) -> bool:
    return action.is_open and bool(editable_fields(action, user))


def lead_cannot_act(action: Action) -> str | None:
    """Why the named lead of an open action can no longer act on it (left the agency,
    lost the agency lead role, account closed), or ``None`` if they can."""
    from agencies.models import Membership

    lead = action.lead
    if not action.is_open or user_can(lead, "update_action", action.agency_id):
        return None
    name = lead.get_full_name() or lead.get_username()
    if not lead.is_active:
        return f"The named lead, {name}, no longer has an account."
    if Membership.objects.filter(user=lead, agency_id=action.agency_id).exists():
        return f"The named lead, {name}, is no longer an agency lead of {action.agency.name}."
    return f"The named lead, {name}, is no longer a member of {action.agency.name}."
