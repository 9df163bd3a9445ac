"""Who may do what to a challenge, written once, through ``agencies.selectors``.

The steps (``challenge_log.steps``: pages, API, "What you can do next"), the model's
transitions (checked again by ``core.transitions.run_transition`` in the services) and
the selectors all call these."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agencies.selectors import agency_grants, user_can

if TYPE_CHECKING:
    from challenge_log.models import Challenge

DECIDE = "challenge_log.decide_challenge"
VIEW_ALL = "challenge_log.view_all_challenges"
RAISE_STRATEGIC = "challenge_log.raise_strategic_challenge"


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def sees_all(user: Any) -> bool:
    """The Chair and the partnership manager (and a superuser) see every challenge."""
    return _active(user) and bool(user.has_perm(VIEW_ALL))


def may_see(challenge: Challenge, user: Any) -> bool:
    """The raiser, the raiser's agency and the challenged agency (by a membership: a
    partnership-wide role without ``view_all_challenges`` sees none of them)."""
    if not _active(user):
        return False
    if sees_all(user):
        return True
    if challenge.raised_by_agency_id is None and challenge.raised_by_id == user.pk:
        return True
    mine = agency_grants(user).get("view_agency_records", frozenset())
    return challenge.raised_by_agency_id in mine or challenge.challenged_agency_id in mine


def responder_holds(challenge: Challenge, user: Any, responder: str) -> bool:
    """Whether ``user`` holds a stage's responder permission for ``challenge``."""
    if not _active(user):
        return False
    app_label, codename = responder.split(".", 1)
    if app_label != "agencies":
        return bool(user.has_perm(responder))
    return user_can(user, codename, challenge.challenged_agency_id)


def may_respond(challenge: Challenge, user: Any) -> bool:
    """Respond at the challenge's current stage: whoever holds that stage's permission on
    the challenged agency (never the raiser answering their own challenge)."""
    stage = challenge.stage
    if stage is None or stage.is_chair or user is None or challenge.raised_by_id == user.pk:
        return False
    return responder_holds(challenge, user, stage.responder)


def may_decide(challenge: Challenge, user: Any) -> bool:
    return _active(user) and bool(user.has_perm(DECIDE))


def may_act_for_raiser(challenge: Challenge, user: Any) -> bool:
    """Accept the response, escalate it or withdraw: the raiser, or (if they have moved
    on) someone of the raiser's agency who may raise challenges for it; for a challenge a
    partnership role raised, anyone holding that role's permission to raise one."""
    if not _active(user):
        return False
    if challenge.raised_by_agency_id is None:
        if challenge.raised_by_id == user.pk:
            return True
        return bool(user.has_perm(RAISE_STRATEGIC))
    return user_can(user, "raise_challenge", challenge.raised_by_agency_id)


def may_raise(user: Any) -> bool:
    """Anyone who may raise a challenge for an agency, or a strategic one for the
    partnership."""
    if not _active(user):
        return False
    return bool(agency_grants(user).get("raise_challenge")) or bool(user.has_perm(RAISE_STRATEGIC))
