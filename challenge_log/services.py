"""Writes to challenges: one function per transition, each through
``core.transitions.run_transition`` (409 for a state that does not allow it, 403 for a
person who may not, the log, the concurrency guard, ``record_transitioned``).

Both parties (the raiser and the challenged agency's responders at the stage) and the
partnership manager are told, through ``core.outbox``, of every response, escalation and
outcome. The scheduler escalates a challenge whose deadline passed with no response
(:func:`challenge_escalate_overdue`), once per missed deadline."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from agencies.casework import identifying_details, validate_case_reference
from agencies.models import Agency
from agencies.selectors import agency_grants, members_with, user_can, users_holding
from challenge_log import permissions
from challenge_log.models import (
    Area,
    Challenge,
    ChallengeKind,
    ChallengeResponse,
    ChallengeState,
    Responder,
    Stage,
    Urgency,
)
from challenge_log.signals import challenge_stage_opened
from core.outbox import Message, notify_many
from core.transitions import TransitionForbidden, TransitionRefused, run_transition

logger = logging.getLogger(__name__)
S = ChallengeState

# -- messages (the tests reuse them) ------------------------------------------------------
NOT_PERMITTED_RAISE = "You cannot raise a challenge for that agency."
NOT_PERMITTED_STRATEGIC = (
    "Only a partnership role or an agency's designated or senior lead can raise a strategic "
    "challenge."
)
PARTNERSHIP_STRATEGIC_ONLY = (
    "The partnership raises strategic challenges only: a professional difference about a "
    "child is raised for an agency by one of its people."
)
SAME_AGENCY = "Choose another agency: an agency cannot challenge itself"
NO_CASE_REFERENCE_FOR_STRATEGIC = "A strategic challenge is about a partner, not a child's case"
STRATEGIC_AREA_ONLY = (
    "A professional difference about a child cannot be about strategic contribution"
)
REQUIRED = "Enter {what}"
NOT_YOUR_TURN = (
    "You cannot respond to this challenge at its current stage: it is for someone of the "
    "challenged agency who may respond at that stage."
)
NOT_AWAITING = "This challenge is not waiting for a response now."
NOT_RESPONDED = "This challenge has no response to accept or escalate now."
PAST_THE_CHAIR = "This challenge is with the partnership Chair: it cannot be escalated further."
NOT_AT_CHAIR = "Only a challenge at the Chair's stage waits for the Chair's decision."
NOT_CHAIR = "Only the partnership Chair can decide a challenge at the last stage."
NOT_RAISER = "Only the raiser (or their agency) can accept, escalate or withdraw the challenge."
CLOSED = "This challenge is closed."
IDENTIFYING = "The vignette may identify someone: it holds {found}. Remove it"
NO_STAGES = "The partnership has no stages of escalation set up: ask the partnership manager."


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _text(value: Any) -> str:
    return str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _require(fields: dict[str, str], names: dict[str, str]) -> None:
    errors = {name: REQUIRED.format(what=what) for name, what in names.items() if not fields[name]}
    if errors:
        raise ValidationError(errors)


def stages() -> list[Stage]:
    return list(Stage.objects.order_by("number"))


def first_stage(kind: str) -> Stage:
    """Where a challenge starts: a professional difference at the first stage; a
    strategic challenge at the first stage answered by the agency's senior lead (or, if
    there is none, the first stage)."""
    all_stages = stages()
    if not all_stages:
        raise TransitionRefused(NO_STAGES)
    if kind == ChallengeKind.STRATEGIC:
        for stage in all_stages:
            if stage.responder == Responder.SENIOR:
                return stage
    return all_stages[0]


def next_stage(stage: Stage) -> Stage | None:
    return Stage.objects.filter(number__gt=stage.number).order_by("number").first()


# -- who is told --------------------------------------------------------------------------
def stage_responders(challenge: Challenge) -> list[Any]:
    """Who may respond at the challenge's current stage: the challenged agency's members
    holding the stage's permission there, or the Chair (everyone holding
    ``decide_challenge``)."""
    stage = challenge.stage
    if stage is None:
        return []
    if stage.is_chair:
        return list(users_holding(Responder.CHAIR))
    return list(members_with(challenge.challenged_agency_id, stage.responder))


def partnership_managers() -> list[Any]:
    # The partnership manager is the one who sees every challenge and manages the plan.
    return list(users_holding("actions.manage_plan"))


def _tell(
    challenge: Challenge,
    *,
    event: str,
    subject: str,
    recipients: Iterable[Any],
    key: str,
    **context: Any,
) -> int:
    body = render_to_string(
        f"challenge_log/emails/{event}.txt", {"challenge": challenge, **context}
    ).strip()
    return notify_many(
        [
            Message(
                recipients=list(recipients),
                subject=f"{challenge.reference}: {subject}",
                body=body,
                dedupe_key=f"challenge-{challenge.pk}-{key}",
            )
        ]
    )


def _both_parties(challenge: Challenge) -> list[Any]:
    return [challenge.raised_by, *stage_responders(challenge), *partnership_managers()]


# -- raising ------------------------------------------------------------------------------
def raisable_agencies(user: Any) -> Any:
    """The agencies ``user`` may raise a challenge for (by a membership)."""
    ids = agency_grants(user).get("raise_challenge", frozenset())
    return Agency.objects.filter(pk__in=ids, is_active=True).order_by("name")


@transaction.atomic
def challenge_raise(
    *,
    by: Any,
    kind: str,
    raised_by_agency: Agency | None,
    challenged_agency: Agency,
    area: str,
    summary: str,
    outcome_sought: str,
    urgency: str = Urgency.STANDARD,
    case_reference: str = "",
    today: date | None = None,
) -> Challenge:
    """Raise a challenge and open its first stage (its deadline counted in working days
    from ``today``). Nothing is saved if anything is refused."""
    today = _today(today)
    if kind not in ChallengeKind.values:
        raise ValidationError({"kind": "Choose what kind of challenge this is"})
    if raised_by_agency is None:
        if not by.has_perm(permissions.RAISE_STRATEGIC):
            raise TransitionForbidden(NOT_PERMITTED_RAISE)
        if kind != ChallengeKind.STRATEGIC:
            raise TransitionForbidden(PARTNERSHIP_STRATEGIC_ONLY)
    elif not user_can(by, "raise_challenge", raised_by_agency):
        raise TransitionForbidden(NOT_PERMITTED_RAISE)
    senior = raised_by_agency is not None and (
        user_can(by, "respond_challenge_senior", raised_by_agency)
        or by.has_perm(permissions.RAISE_STRATEGIC)
    )
    if kind == ChallengeKind.STRATEGIC and raised_by_agency is not None and not senior:
        raise TransitionForbidden(NOT_PERMITTED_STRATEGIC)
    fields = {"summary": _text(summary), "outcome_sought": _text(outcome_sought)}
    _require(fields, {"summary": "what happened", "outcome_sought": "the outcome you seek"})
    errors: dict[str, str] = {}
    if raised_by_agency is not None and challenged_agency.pk == raised_by_agency.pk:
        errors["challenged_agency"] = SAME_AGENCY
    if area not in Area.values:
        errors["area"] = "Choose the area of disagreement"
    elif kind == ChallengeKind.PROFESSIONAL and area == Area.STRATEGIC:
        errors["area"] = STRATEGIC_AREA_ONLY
    if urgency not in Urgency.values:
        errors["urgency"] = "Choose how urgent this is"
    reference = ""
    if kind == ChallengeKind.PROFESSIONAL:
        try:
            reference = validate_case_reference(case_reference or "")
        except ValidationError as exc:
            errors["case_reference"] = exc.messages[0]
    elif _text(case_reference):
        errors["case_reference"] = NO_CASE_REFERENCE_FOR_STRATEGIC
    if errors:
        raise ValidationError(errors)
    stage = first_stage(kind)
    challenge = Challenge(
        kind=kind,
        case_reference=reference,
        raised_by=by,
        raised_by_agency=raised_by_agency,
        challenged_agency=challenged_agency,
        area=area,
        urgency=urgency,
        raised_on=today,
        **fields,
    )
    challenge.full_clean(exclude=["state"])
    challenge.save()
    _open_stage(challenge, stage, today=today, by=by, comment="Raised")
    _tell(
        challenge,
        event="raised",
        subject=f"a challenge to {challenge.challenged_agency.name}",
        recipients=[*stage_responders(challenge), *partnership_managers()],
        key=f"raised-{stage.number}",
    )
    return challenge


def _open_stage(challenge: Challenge, stage: Stage, *, today: date, by: Any, comment: str) -> None:
    run_transition(
        challenge,
        "open_stage",
        by=by,
        refused=NOT_AWAITING,
        check_permission=False,
        comment=comment,
        stage=stage,
        today=today,
    )
    # A domain app does not import the workflow layer: the stage's flow starts from this.
    challenge_stage_opened.send(sender=Challenge, challenge=challenge)


# -- responding ---------------------------------------------------------------------------
@transaction.atomic
def challenge_respond(*, challenge: Challenge, by: Any, text: str) -> Challenge:
    """The challenged agency's response at the current stage."""
    if challenge.state != S.AWAITING_RESPONSE:
        raise TransitionRefused(CLOSED if not challenge.is_open else NOT_AWAITING)
    if not permissions.may_respond(challenge, by):
        raise TransitionForbidden(NOT_YOUR_TURN)
    text = _text(text)
    _require({"text": text}, {"text": "your response"})
    stage = challenge.stage
    assert stage is not None
    run_transition(
        challenge, "respond", by=by, refused=NOT_AWAITING, forbidden=NOT_YOUR_TURN, comment=text
    )
    ChallengeResponse.objects.create(challenge=challenge, stage=stage, by=by, text=text)
    _tell(
        challenge,
        event="responded",
        subject=f"{challenge.challenged_agency.name} responded",
        recipients=_both_parties(challenge),
        key=f"responded-{stage.number}-{challenge.escalations}",
        response=text,
        by_name=_person(by),
    )
    return challenge


def _resolution(
    outcome_for_child: str, vignette: str, learning: str, checked: bool
) -> dict[str, str]:
    fields = {
        "outcome_for_child": _text(outcome_for_child),
        "vignette": _text(vignette),
        "learning": _text(learning),
    }
    _require(fields, {"outcome_for_child": "the outcome", "vignette": "a short vignette"})
    # The vignette is for reuse: something that looks identifying is refused unless the
    # person has checked it does not identify anyone (the form's tick box).
    found = [] if checked else identifying_details(fields["vignette"])
    if found:
        raise ValidationError({"vignette": IDENTIFYING.format(found=" and ".join(found))})
    return fields


@transaction.atomic
def challenge_resolve(
    *,
    challenge: Challenge,
    by: Any,
    outcome_for_child: str,
    vignette: str,
    learning: str = "",
    checked_identifying_details: bool = False,
    today: date | None = None,
) -> Challenge:
    """The raiser accepts the response: resolved, with the outcome, a vignette the
    partnership may reuse and any learning (which may become a shared action)."""
    if challenge.state != S.RESPONDED:
        raise TransitionRefused(CLOSED if not challenge.is_open else NOT_RESPONDED)
    if not permissions.may_act_for_raiser(challenge, by):
        raise TransitionForbidden(NOT_RAISER)
    fields: dict[str, Any] = _resolution(
        outcome_for_child, vignette, learning, checked_identifying_details
    )
    run_transition(
        challenge,
        "resolve",
        by=by,
        refused=NOT_RESPONDED,
        forbidden=NOT_RAISER,
        comment=fields["outcome_for_child"],
        today=_today(today),
        **fields,
    )
    _tell_outcome(challenge)
    return challenge


@transaction.atomic
def challenge_escalate(
    *, challenge: Challenge, by: Any, reason: str, today: date | None = None
) -> Challenge:
    """The raiser is not satisfied with the response: to the next stage, with a new
    responder and deadline."""
    if challenge.state != S.RESPONDED:
        if challenge.state == S.AWAITING_RESPONSE and challenge.stage and challenge.stage.is_chair:
            raise TransitionRefused(PAST_THE_CHAIR)
        raise TransitionRefused(CLOSED if not challenge.is_open else NOT_RESPONDED)
    if not permissions.may_act_for_raiser(challenge, by):
        raise TransitionForbidden(NOT_RAISER)
    reason = _text(reason)
    _require({"reason": reason}, {"reason": "why the response does not resolve it"})
    _escalate(challenge, by=by, comment=reason, today=_today(today))
    return challenge


def _escalate(challenge: Challenge, *, by: Any, comment: str, today: date) -> Stage:
    stage = challenge.stage
    nxt = next_stage(stage) if stage is not None else None
    if nxt is None:
        raise TransitionRefused(PAST_THE_CHAIR)
    run_transition(
        challenge,
        "escalate",
        by=by,
        refused=PAST_THE_CHAIR,
        check_permission=False,
        comment=comment,
    )
    _open_stage(challenge, nxt, today=today, by=by, comment=f"{nxt}")
    _tell(
        challenge,
        event="escalated",
        subject=f"escalated to {nxt}",
        recipients=_both_parties(challenge),
        key=f"escalated-{nxt.number}",
        reason=comment,
        missed=by is None,
    )
    return nxt


@transaction.atomic
def challenge_decide(
    *,
    challenge: Challenge,
    by: Any,
    decision: str,
    outcome_for_child: str,
    vignette: str,
    learning: str = "",
    checked_identifying_details: bool = False,
    today: date | None = None,
) -> Challenge:
    """The Chair's decision, with reasons, at the last stage."""
    if not permissions.may_decide(challenge, by):
        raise TransitionForbidden(NOT_CHAIR)
    if challenge.state != S.AWAITING_RESPONSE or challenge.stage is None:
        raise TransitionRefused(CLOSED if not challenge.is_open else NOT_AT_CHAIR)
    if not challenge.stage.is_chair:
        raise TransitionRefused(NOT_AT_CHAIR)
    decision = _text(decision)
    _require({"decision": decision}, {"decision": "the decision and its reasons"})
    fields: dict[str, Any] = _resolution(
        outcome_for_child, vignette, learning, checked_identifying_details
    )
    run_transition(
        challenge,
        "decide",
        by=by,
        refused=NOT_AT_CHAIR,
        forbidden=NOT_CHAIR,
        comment=decision,
        today=_today(today),
        decision=decision,
        **fields,
    )
    _tell_outcome(challenge)
    return challenge


def _tell_outcome(challenge: Challenge) -> None:
    responders = [r.by for r in challenge.responses.select_related("by")]
    _tell(
        challenge,
        event="outcome",
        subject="resolved" if challenge.state == S.RESOLVED else "the Chair's decision",
        recipients=[
            challenge.raised_by,
            *responders,
            *stage_responders(challenge),
            *partnership_managers(),
        ],
        key="outcome",
    )


@transaction.atomic
def challenge_withdraw(
    *, challenge: Challenge, by: Any, reason: str, today: date | None = None
) -> Challenge:
    if not challenge.is_open:
        raise TransitionRefused(CLOSED)
    if not permissions.may_act_for_raiser(challenge, by):
        raise TransitionForbidden(NOT_RAISER)
    reason = _text(reason)
    _require({"reason": reason}, {"reason": "why the challenge is withdrawn"})
    recipients = _both_parties(challenge)
    run_transition(
        challenge,
        "withdraw",
        by=by,
        refused=CLOSED,
        forbidden=NOT_RAISER,
        comment=reason,
        today=_today(today),
        reason=reason,
    )
    _tell(challenge, event="withdrawn", subject="withdrawn", recipients=recipients, key="withdrawn")
    return challenge


def _person(user: Any) -> str:
    return str(user.get_full_name() or user.username) if user is not None else "The scheduler"


# -- the scheduler: missed deadlines ------------------------------------------------------
def challenge_escalate_overdue(today: date) -> int:
    """Escalate every challenge whose deadline passed (before ``today``) with no
    response, one transaction each; at the Chair's stage, remind the Chair and the
    partnership manager once per missed deadline instead. Returns how many escalated.

    Once per missed deadline, however many passes run at the same moment: each is
    claimed by a conditional update naming the deadline it missed (see
    :func:`escalate_missed`)."""
    overdue = list(
        Challenge.objects.filter(
            state=S.AWAITING_RESPONSE, deadline__lt=today, stage__isnull=False
        ).values_list("pk", "deadline")
    )
    done = 0
    for pk, deadline in overdue:
        try:
            if escalate_missed(pk=pk, deadline=deadline, today=today):
                done += 1
        except TransitionRefused:  # changed under us: the next pass looks again
            logger.info("Challenge %s changed while escalating; left for the next pass", pk)
    return done


@transaction.atomic
def escalate_missed(*, pk: int, deadline: date, today: date) -> bool:
    """Escalate challenge ``pk`` for missing ``deadline``, unless that has been done.

    The row is locked (PostgreSQL: a second pass waits, then sees the new deadline),
    and claimed by a conditional UPDATE of ``missed_deadline`` that matches only while
    the challenge still awaits a response with that deadline: a pass that read the list
    before another escalated it updates nothing and stops (SQLite, which has no row
    locks, serialises the updates)."""
    qs = Challenge.objects.filter(pk=pk)
    if connection.features.has_select_for_update:
        qs = qs.select_for_update(of=("self",))  # the challenge's row, not its stage's
    challenge = qs.select_related("stage", "challenged_agency", "raised_by").first()
    if challenge is None or challenge.state != S.AWAITING_RESPONSE:
        return False
    if challenge.deadline != deadline or deadline >= today or challenge.stage is None:
        return False
    claimed = (
        Challenge.objects.filter(pk=pk, state=S.AWAITING_RESPONSE, deadline=deadline)
        .exclude(missed_deadline=deadline)
        .update(missed_deadline=deadline)
    )
    if not claimed:
        return False
    challenge.missed_deadline = deadline
    if challenge.stage.is_chair:
        _tell(
            challenge,
            event="chair_overdue",
            subject="the Chair's decision is overdue",
            recipients=[*stage_responders(challenge), *partnership_managers()],
            key=f"chair-overdue-{deadline.isoformat()}",
        )
        return False
    _escalate(
        challenge,
        by=None,
        comment=f"No response by the deadline, {deadline:%-d %B %Y}: escalated by the scheduler",
        today=today,
    )
    return True
