"""The challenge log's demo (``manage.py load_demo``, after the agencies and reviews):
challenges at each stage, one overdue (the scheduler escalates it on its next pass), two
resolved (one by the Chair), one strategic; the ``chair`` persona has decisions waiting.

Made through the services, with dates in the past, so each has a true history.
Idempotent: nothing is made if the demo's challenges exist (by their summaries)."""

from __future__ import annotations

from typing import Any

from agencies.demo import CSC, POLICE, ROYAL_FREE, SCHOOLS
from challenge_log import services
from challenge_log.models import Area, Challenge, ChallengeKind, Urgency
from core.demo import DemoContext
from core.workdays import add_working_days

MARK = "[demo]"


def _raise(
    ctx: DemoContext,
    key: str,
    *,
    by: str,
    agency: str | None,
    against: str,
    days_ago: int,
    **kw: Any,
) -> Challenge:
    summary = f"{kw.pop('summary')} {MARK}{key}"
    existing = Challenge.objects.filter(summary=summary).first()
    if existing is not None:
        return existing
    kw.setdefault("kind", ChallengeKind.PROFESSIONAL)
    kw.setdefault("urgency", Urgency.STANDARD)
    kw.setdefault(
        "outcome_sought", "A joint strategy discussion and a decision recorded on both systems."
    )
    start = add_working_days(ctx.today, -days_ago) or ctx.today
    return services.challenge_raise(
        by=ctx.people[by],
        raised_by_agency=ctx.agencies[agency] if agency else None,
        challenged_agency=ctx.agencies[against],
        summary=summary,
        today=start,
        **kw,
    )


def load(ctx: DemoContext) -> None:
    people = ctx.people
    if Challenge.objects.filter(summary__contains=MARK).exists():
        return

    # Stage 1, awaiting the police's practitioners.
    _raise(
        ctx,
        "s1",
        by="csc.manager",
        agency=CSC,
        against=POLICE,
        days_ago=1,
        case_reference="LCS-104233",
        area=Area.ACTION,
        summary="Police declined a joint visit after a second domestic abuse notification.",
    )
    # Overdue at stage 1: the scheduler escalates it to stage 2 on its next pass.
    _raise(
        ctx,
        "overdue",
        by="school.dsl",
        agency=SCHOOLS,
        against=CSC,
        days_ago=8,
        case_reference="SCH-22871",
        area=Area.THRESHOLDS,
        summary=(
            "The front door stepped a referral down to early help despite disclosures at school."
        ),
    )
    # Stage 2, after a response the raiser did not accept.
    c = _raise(
        ctx,
        "s2",
        by="health.lead",
        agency=ROYAL_FREE,
        against=CSC,
        days_ago=6,
        case_reference="RF-55120",
        area=Area.PLANS,
        summary="Discharge planning went ahead without the child protection plan's core group.",
    )
    services.challenge_respond(
        challenge=c,
        by=people["csc.lead"],
        text="The core group was told by e-mail; we consider that enough.",
    )
    services.challenge_escalate(
        challenge=c,
        by=people["health.lead"],
        reason="An e-mail is not a core group decision.",
        today=add_working_days(ctx.today, -2),
    )
    # Stage 3 (designated or senior leads), escalated twice.
    c = _raise(
        ctx,
        "s3",
        by="police.officer",
        agency=POLICE,
        against=CSC,
        days_ago=12,
        case_reference="MPS-7781",
        area=Area.ROLES,
        urgency=Urgency.URGENT,
        summary="Disagreement over who convenes the strategy discussion for a missing child.",
    )
    services.challenge_respond(
        challenge=c,
        by=people["csc.manager"],
        text="Police should convene: the child was reported missing to them.",
    )
    services.challenge_escalate(
        challenge=c,
        by=people["police.lead"],
        reason="Working Together says the local authority convenes.",
        today=add_working_days(ctx.today, -10),
    )
    services.challenge_respond(challenge=c, by=people["csc.manager"], text="We maintain our view.")
    services.challenge_escalate(
        challenge=c,
        by=people["police.lead"],
        reason="Still not resolved.",
        today=add_working_days(ctx.today, -1),
    )
    # At the Chair (stage 4): the chair persona's decisions waiting.
    for key, agency, by, against, ref, summary in (
        (
            "chair1",
            CSC,
            "csc.lead",
            ROYAL_FREE,
            "LCS-100871",
            "Health did not share the pre-birth assessment in time for the conference.",
        ),
        (
            "chair2",
            POLICE,
            "police.lead",
            CSC,
            "MPS-8120",
            "Threshold for a section 47 enquiry after a third police protection.",
        ),
    ):
        c = _raise(
            ctx,
            key,
            by=by,
            agency=agency,
            against=against,
            days_ago=15,
            case_reference=ref,
            area=Area.THRESHOLDS if key == "chair2" else Area.PLANS,
            summary=summary,
        )
        for _ in range(3):
            responder = services.stage_responders(c)
            responder = [u for u in responder if u.pk != c.raised_by_id]
            if not responder:
                break
            services.challenge_respond(
                challenge=c,
                by=responder[0],
                text="We have reviewed the case and stand by the decision.",
            )
            services.challenge_escalate(
                challenge=c,
                by=people[by],
                reason="Not resolved at this level.",
                today=add_working_days(ctx.today, -4),
            )
    # Resolved at stage 1.
    c = _raise(
        ctx,
        "resolved",
        by="police.lead",
        agency=POLICE,
        against=ROYAL_FREE,
        days_ago=20,
        case_reference="MPS-6650",
        area=Area.PLANS,
        summary="The trust did not invite police to the discharge planning meeting.",
    )
    services.challenge_respond(
        challenge=c,
        by=people["health.lead"],
        text="Agreed: an invitation has gone out and the meeting moved.",
    )
    services.challenge_resolve(
        challenge=c,
        by=people["police.lead"],
        outcome_for_child=(
            "Police joined the discharge planning meeting; the safety plan names both agencies."
        ),
        vignette=(
            "A hospital discharge went ahead without the police; a "
            "challenge brought them into the planning meeting within two days."
        ),
        learning=(
            "Discharge planning invitations should include the "
            "police when there is a police protection on file."
        ),
        today=add_working_days(ctx.today, -17),
    )
    # Resolved by the Chair.
    c = _raise(
        ctx,
        "decided",
        by="csc.lead",
        agency=CSC,
        against=SCHOOLS,
        days_ago=30,
        case_reference="LCS-098812",
        area=Area.THRESHOLDS,
        summary=(
            "The school declined to refer a child "
            "self-harming to CAMHS, judging it below threshold."
        ),
    )
    for _ in range(3):
        responder = [u for u in services.stage_responders(c) if u.pk != c.raised_by_id]
        if not responder:
            break
        services.challenge_respond(
            challenge=c, by=responder[0], text="The referral does not meet our threshold."
        )
        services.challenge_escalate(
            challenge=c,
            by=people["csc.lead"],
            reason="Not resolved.",
            today=add_working_days(ctx.today, -25),
        )
    if c.state == "awaiting_response" and c.stage is not None and c.stage.is_chair:
        services.challenge_decide(
            challenge=c,
            by=people["chair"],
            decision=(
                "The school refers to CAMHS today: the self-harm and "
                "the social worker's concerns together meet the threshold."
            ),
            outcome_for_child=(
                "Assessed within five working days; a CAMHS worker joined the child in need plan."
            ),
            vignette=(
                "Two agencies read a threshold differently; the Chair's "
                "decision set out how self-harm and school concerns combine."
            ),
            learning="Threshold guidance to say how concerns from several agencies combine.",
            today=add_working_days(ctx.today, -20),
        )
    # A strategic challenge, answered.
    c = _raise(
        ctx,
        "strategic",
        by="manager",
        agency=None,
        against=POLICE,
        days_ago=5,
        kind=ChallengeKind.STRATEGIC,
        area=Area.STRATEGIC,
        summary="Police data returns for the quarter's scorecard were six weeks late.",
        outcome_sought="Returns on time from next quarter, with a named analyst.",
    )
    services.challenge_respond(
        challenge=c,
        by=people["police.lead"],
        text="An analyst is named and the return is scheduled for the fifth working day.",
    )
    ctx.notes.append(
        "Challenge log: the chair persona has decisions waiting; one, from Barnet "
        "schools, missed its deadline and the scheduler escalated it to stage 2."
    )
