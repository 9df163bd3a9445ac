"""Challenges, made through ``challenge_log.services`` so each has a real history and flow.

* ``make_challenge(raiser=..., against=..., **fields)``: raised and awaiting a response at
  the first stage (``kind="strategic"`` starts at the senior leads' stage);
* ``respond(challenge)``: answered by someone of the challenged agency who may respond
  at its stage (made if need be);
* ``walk_challenge_to(challenge, stage_number)``: responded to and escalated by hand up to
  that stage.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from agencies.models import Agency, Role
from challenge_log import services
from challenge_log.models import Area, Challenge, ChallengeKind, Responder
from tests.factories.agencies import member

# Which role holds each stage's responder permission.
RESPONDER_ROLES = {
    Responder.PRACTITIONER: Role.PRACTITIONER,
    Responder.MANAGER: Role.MANAGER,
    Responder.SENIOR: Role.DESIGNATED_LEAD,
}


def make_challenge(
    *,
    raiser: Any,
    against: Agency,
    agency: Agency | None = None,
    kind: str = ChallengeKind.PROFESSIONAL,
    summary: str = "Strategy discussion declined after a second notification",
    case_reference: str = "LCS-104233",
    area: str = Area.ACTION,
    today: date | None = None,
    **kwargs: Any,
) -> Challenge:
    if agency is None and not kwargs.pop("partnership", False):
        agency = raiser.memberships.first().agency
    if kind == ChallengeKind.STRATEGIC:
        case_reference = ""
        if area == Area.ACTION:
            area = Area.STRATEGIC
    return services.challenge_raise(
        by=raiser,
        kind=kind,
        raised_by_agency=agency,
        challenged_agency=against,
        area=area,
        summary=summary,
        outcome_sought=kwargs.pop("outcome_sought", "A joint strategy discussion"),
        case_reference=case_reference,
        today=today,
        **kwargs,
    )


def responder_for(challenge: Challenge) -> Any:
    """Someone of the challenged agency who may respond at the challenge's stage."""
    stage = challenge.stage
    assert stage is not None and not stage.is_chair
    existing = [u for u in services.stage_responders(challenge) if u.pk != challenge.raised_by_id]
    if existing:
        return existing[0]
    return member(challenge.challenged_agency, RESPONDER_ROLES[Responder(stage.responder)])


def respond(challenge: Challenge, text: str = "We have looked again", by: Any = None) -> Challenge:
    return services.challenge_respond(
        challenge=challenge, by=by or responder_for(challenge), text=text
    )


def walk_challenge_to(
    challenge: Challenge, stage_number: int, today: date | None = None
) -> Challenge:
    while challenge.stage is not None and challenge.stage.number < stage_number:
        respond(challenge)
        services.challenge_escalate(
            challenge=challenge, by=challenge.raised_by, reason="Not resolved", today=today
        )
    return challenge
