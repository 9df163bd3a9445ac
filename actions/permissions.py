"""Who may do what to an action, written once, through ``agencies.selectors``.

The steps' declarations (``actions.steps``: the page, the API and "What you can do
next"), the model's transitions (which ``core.transitions.run_transition`` checks in the
services) and the services' own guards all call these; nothing else states them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agencies.models import AgencyKind, Membership
from agencies.selectors import agencies_for, has_partnership_wide, user_can
from core.memo import remembered

if TYPE_CHECKING:
    from actions.models import Action


def _can(user: Any, perm: str, agency_id: int | None) -> bool:
    # ``user_can``, asked once per step (the page's check and the transition's are one)
    key = ("user_can", getattr(user, "pk", None), perm, agency_id)
    return remembered(key, lambda: user_can(user, perm, agency_id))


# -- who may take each step (whatever the action's state) -----------------------------
def is_partnership_owned(action: Action) -> bool:
    """Owned by the partnership itself (its business unit, the Chair), not an agency."""
    return action.agency_id is not None and action.agency.kind == AgencyKind.PARTNERSHIP


def may_update(action: Action, user: Any) -> bool:
    """The lead's work (start, progress, evidence, submit): an agency lead of its agency;
    for an action the partnership owns, also its named lead while they hold a
    partnership role."""
    if _can(user, "update_action", action.agency_id):
        return True
    return (
        getattr(user, "pk", None) is not None
        and user.pk == action.lead_id
        and is_partnership_owned(action)
        and has_partnership_wide(user, "view_agency_records")
    )


def may_add_evidence(action: Action, user: Any) -> bool:
    """Whoever may update the action, and an agency lead of a contributing agency."""
    if may_update(action, user):
        return True
    if action.pk is None or not getattr(user, "is_authenticated", False):
        return False
    return action.contributing_agencies.filter(
        pk__in=agencies_for(user, "update_action").values("pk")
    ).exists()


def may_sign_off(action: Action, user: Any) -> bool:
    return _can(user, "sign_off_action", action.agency_id)


def may_review_evidence(action: Action, user: Any) -> bool:
    """Accept or return evidence: the Learning and Improvement group (partnership-wide)."""
    return bool(user.has_perm("actions.review_evidence"))


def may_run_learning_check(action: Action, user: Any) -> bool:
    return bool(user.has_perm("actions.run_learning_check"))


def may_cancel(action: Action, user: Any) -> bool:
    """The partnership manager."""
    return bool(user.has_perm("actions.cancel_action"))


# -- the rest of the action page ------------------------------------------------------
def can_download_evidence(action: Action, user: Any) -> bool:
    return user_can(user, "download_evidence", action.agency_id)


def editable_fields(action: Action, user: Any) -> set[str]:
    """The details of ``action`` that ``user`` may change (state aside): the partnership
    manager all of them, an agency lead of the owning agency the lead (a lead asks for
    an extension of the target date instead: ``may_ask_extension``)."""
    if user.has_perm("actions.manage_plan"):
        return {"description", "lead", "target_date"}
    if may_update(action, user):
        return {"lead"}
    return set()


def may_ask_extension(action: Action, user: Any) -> bool:
    """An agency lead of the action's agency."""
    return may_update(action, user)


def may_decide_extension(action: Action, user: Any) -> bool:
    """The partnership manager."""
    return bool(user.has_perm("actions.manage_plan"))


def can_edit_details(action: Action, user: Any) -> bool:
    return action.is_open and bool(editable_fields(action, user))


def lead_cannot_act(action: Action) -> str | None:
    """Why the named lead of an open action can no longer act on it (left the agency,
    lost the agency lead role, account closed), or ``None`` if they can."""
    lead = action.lead
    if not action.is_open or may_update(action, lead):
        return None
    name = lead.get_full_name() or lead.get_username()
    if not lead.is_active:
        return f"The named lead, {name}, no longer has an account."
    if Membership.objects.filter(user=lead, agency_id=action.agency_id).exists():
        return f"The named lead, {name}, may no longer lead the actions of {action.agency.name}."
    return f"The named lead, {name}, is no longer a member of {action.agency.name}."
