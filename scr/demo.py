"""The demo's reviews (registered in ``ScrConfig.ready``, run by ``manage.py load_demo``
after the agencies' demo): two reviews with recommendations and actions in every
interesting state, and a CDOP learning record with its modifiable factors.

Idempotent: titles are the keys of the reviews, and a review that already exists keeps
its recommendations and actions untouched. The actions are made through
``actions.services`` (``actions.demo``); two of them ask for their learning check to be
brought due, which the workflows demo does last.
"""

from __future__ import annotations

from typing import Any

from actions import services
from actions.demo import bring_learning_check_due, create_action, walk_to_sign_off
from actions.models import Action, ImpactMethod, Verdict
from agencies.demo import CSC, ICB, POLICE, ROYAL_FREE
from core.demo import DemoContext
from scr.models import (
    DeathCategory,
    FactorDomain,
    Influence,
    ModifiableFactor,
    Recommendation,
    Review,
    ReviewKind,
)

# Titles are the idempotency keys of the reviews; descriptions those of the actions.
CHILD_T = "Child T serious case review"
CHILDREN_LM = "Children L and M local child safeguarding practice review"
BABY_R = "Baby R CDOP learning record"

# The two actions whose learning check the demo brings forward: one left due, one
# recorded as embedded.
CHECK_DUE = (
    "Embed the Graded Care Profile 2 in every neglect assessment and supervise its use monthly"
)
CHECK_DONE = (
    "Brief every response officer on recognising coercive control when "
    "attending domestic abuse incidents"
)


def load(ctx: DemoContext) -> None:
    _child_t(ctx)
    _children_l_and_m(ctx)
    _baby_r(ctx)
    for description, then in ((CHECK_DUE, None), (CHECK_DONE, _record_embedded(ctx))):
        action = Action.objects.filter(description=description).order_by("pk").first()
        if action is not None:
            bring_learning_check_due(ctx, action, then=then)


def _record_embedded(ctx: DemoContext) -> Any:
    def record(action: Action) -> None:
        services.action_record_learning_check(
            action=action,
            by=ctx.people["qa"],
            method=ImpactMethod.CASE_SAMPLING,
            evidence="Dip sample of 20 domestic abuse incidents with children: "
            "coercive control considered and recorded in 18; all "
            "high-risk households referred to the MARAC.",
            verdict=Verdict.EMBEDDED,
        )

    return record


def _review(ctx: DemoContext, *, title: str, **fields: Any) -> tuple[Review, bool]:
    review = Review.objects.filter(title=title).order_by("pk").first()
    if review is not None:
        return review, False
    review = Review(title=title, **fields)
    review.full_clean()
    review.save()
    ctx.say(f"Review: {title}")
    return review, True


def _recommendations(review: Review, texts: list[str]) -> list[Recommendation]:
    return [
        Recommendation.objects.create(review=review, number=n, text=text)
        for n, text in enumerate(texts, start=1)
    ]


def _child_t(ctx: DemoContext) -> None:
    agencies, people = ctx.agencies, ctx.people
    review, created = _review(
        ctx,
        title=CHILD_T,
        kind=ReviewKind.SCR,
        pseudonym="Child T",
        lead_agency=agencies[CSC],
        notified_on=ctx.in_days(-420),
        published_on=ctx.in_days(-200),
        lead_reviewer="Independent reviewer commissioned by the partnership",
        summary=(
            "Child T, aged 4, lived with chronic neglect that several agencies saw "
            "in part but no one saw whole. Home conditions, missed health "
            "appointments and poor school attendance were each recorded, but "
            "were not brought together, and the child's own experience of daily "
            "life was rarely described."
        ),
    )
    if not created:
        return
    rec1, rec2, rec3 = _recommendations(
        review,
        [
            "Every agency should record what daily life is like for the child at each "
            "contact, in the child's own words where possible.",
            "Strategy discussions must include health and police information gathered "
            "before the meeting, and record what each agency shared.",
            "Neglect should be assessed with a shared tool (Graded Care Profile 2) so "
            "that agencies describe the same child in the same terms.",
        ],
    )
    manager, qa = people["manager"], people["qa"]
    csc, police, health = people["csc.lead"], people["police.lead"], people["health.lead"]

    # assigned: nothing done yet
    create_action(
        ctx,
        source=rec1,
        agency=agencies[CSC],
        lead=csc,
        by=manager,
        reference="T1.1",
        target_in_days=75,
        description="Add a 'child's lived experience' section to every "
        "children's social care visit record",
    )

    # in progress, with a progress update
    a = create_action(
        ctx,
        source=rec1,
        agency=agencies[POLICE],
        lead=police,
        by=manager,
        reference="T1.2",
        target_in_days=60,
        description="Add the voice of the child to police Merlin (Coming to Notice) reports",
    )
    services.action_start_work(action=a, by=police)
    services.action_report_progress(
        action=a,
        by=police,
        text="Merlin template change agreed with the MASH; briefing to sergeants booked.",
    )

    # evidence submitted, waiting for the L&I group
    a = create_action(
        ctx,
        source=rec2,
        agency=agencies[ROYAL_FREE],
        lead=health,
        by=manager,
        reference="T2.1",
        target_in_days=30,
        description="Named nurse to attend or send a written health "
        "summary to every strategy discussion",
    )
    services.action_start_work(action=a, by=health)
    services.action_add_evidence(
        action=a,
        by=health,
        description="Audit of the last 40 strategy discussions: health present or "
        "written summary provided in 37 (93%).",
    )
    services.action_submit_evidence(action=a, by=health, note="Ready for review.")

    # accepted, waiting for the agency lead's sign-off
    a = create_action(
        ctx,
        source=rec2,
        agency=agencies[POLICE],
        lead=police,
        by=manager,
        reference="T2.2",
        target_in_days=45,
        description="Police information checks completed and shared "
        "before every strategy discussion",
    )
    services.action_start_work(action=a, by=police)
    services.action_add_evidence(
        action=a,
        by=police,
        description="MASH standard operating procedure, section 4.3, revised; dip "
        "sample of 25 strategy discussions shows checks shared in all.",
    )
    services.action_submit_evidence(action=a, by=police)
    services.action_accept_evidence(action=a, by=qa, note="Clear and sufficient.")

    # signed off: its learning check is six months away
    a = create_action(
        ctx,
        source=rec3,
        agency=agencies[ROYAL_FREE],
        lead=health,
        by=manager,
        reference="T3.2",
        target_in_days=20,
        description="Train health visitors and school nurses in the Graded Care Profile 2",
    )
    walk_to_sign_off(
        a, lead=health, qa=qa, evidence="Training register: 58 of 61 staff trained (95%)."
    )

    # signed off, then its learning check brought forward (see load)
    a = create_action(
        ctx,
        source=rec3,
        agency=agencies[CSC],
        lead=csc,
        by=manager,
        reference="T3.1",
        target_in_days=15,
        description=CHECK_DUE,
    )
    walk_to_sign_off(
        a,
        lead=csc,
        qa=qa,
        evidence="Practice standard issued; monthly supervision template now asks about GCP2 use.",
    )


def _children_l_and_m(ctx: DemoContext) -> None:
    agencies, people = ctx.agencies, ctx.people
    review, created = _review(
        ctx,
        title=CHILDREN_LM,
        kind=ReviewKind.CSPR,
        pseudonym="Children L and M",
        lead_agency=agencies[POLICE],
        notified_on=ctx.in_days(-300),
        published_on=ctx.in_days(-90),
        lead_reviewer="Independent reviewer commissioned by the partnership",
        summary=(
            "Children L and M, aged 7 and 2, lived with domestic abuse and "
            "coercive control. Police attended the home several times; the "
            "younger child was repeatedly not brought to health appointments; a "
            "disagreement between agencies about the threshold for a child "
            "protection enquiry was not escalated."
        ),
    )
    if not created:
        return
    rec1, rec2, rec3 = _recommendations(
        review,
        [
            "Officers attending domestic abuse incidents should recognise coercive control "
            "and refer every household with children to the MARAC where the risk is high.",
            "Health services should treat a child who is repeatedly not brought to "
            "appointments as a safeguarding concern, not a missed appointment.",
            "Practitioners should use the partnership's escalation policy when they "
            "disagree about thresholds, and managers should record the outcome.",
        ],
    )
    manager, qa = people["manager"], people["qa"]
    csc, police, health = people["csc.lead"], people["police.lead"], people["health.lead"]

    # overdue: in progress, its target date five weeks ago
    a = create_action(
        ctx,
        source=rec1,
        agency=agencies[POLICE],
        lead=police,
        by=manager,
        reference="LM1.1",
        target_in_days=-35,
        description="Refer every high-risk domestic abuse household with "
        "children to the MARAC within 48 hours",
    )
    services.action_start_work(action=a, by=police)
    services.action_report_progress(
        action=a,
        by=police,
        text="Referral tracker built; staffing gaps in the safeguarding hub have delayed roll-out.",
    )

    # signed off, learning check brought forward and recorded as embedded (see load)
    a = create_action(
        ctx,
        source=rec1,
        agency=agencies[POLICE],
        lead=police,
        by=manager,
        reference="LM1.2",
        target_in_days=-10,
        description=CHECK_DONE,
    )
    walk_to_sign_off(
        a,
        lead=police,
        qa=qa,
        evidence="Coercive control briefing delivered to 212 of 230 response officers.",
    )

    # due within 14 days (amber)
    a = create_action(
        ctx,
        source=rec2,
        agency=agencies[ROYAL_FREE],
        lead=health,
        by=manager,
        reference="LM2.1",
        target_in_days=-4,
        description="Adopt a 'was not brought' policy for children's "
        "outpatient and community appointments",
    )
    services.action_start_work(action=a, by=health)
    services.action_report_progress(
        action=a,
        by=health,
        text="Policy drafted; goes to the safeguarding committee next week.",
    )
    services.action_update_details(
        action=a,
        by=manager,
        reason="The date was missed: the trust's safeguarding committee moved its "
        "meeting. New date agreed with the agency lead.",
        target_date=ctx.in_days(10),
    )

    # returned by the L&I group for more evidence
    a = create_action(
        ctx,
        source=rec3,
        agency=agencies[CSC],
        lead=csc,
        by=manager,
        reference="LM3.1",
        target_in_days=40,
        description="Record every professional disagreement about "
        "thresholds on the challenge log, with its outcome",
    )
    services.action_start_work(action=a, by=csc)
    services.action_add_evidence(
        action=a,
        by=csc,
        description="Team managers briefed on the escalation policy at the March practice forum.",
    )
    services.action_submit_evidence(action=a, by=csc)
    services.action_return_evidence(
        action=a,
        by=qa,
        reason="A briefing shows the policy was explained, not that it is used: send "
        "the challenge log entries for the last quarter.",
    )


def _baby_r(ctx: DemoContext) -> None:
    category = (
        DeathCategory.objects.filter(name="Sudden unexpected, unexplained death").first()
        or DeathCategory.objects.order_by("order").first()
    )
    review, created = _review(
        ctx,
        title=BABY_R,
        kind=ReviewKind.CDOP,
        pseudonym="Baby R",
        lead_agency=ctx.agencies[ICB],
        death_category=category,
        summary="Sudden unexpected death in infancy at 11 weeks, after co-sleeping on "
        "a sofa. The panel found modifiable factors.",
    )
    if not created:
        return
    for domain, influence, description, learning in [
        (FactorDomain.CHILD, Influence.NONE, "Born at 35 weeks; otherwise well.", ""),
        (
            FactorDomain.FAMILY,
            Influence.CONTRIBUTED,
            "Parent fell asleep with the baby after drinking alcohol; parental smoking.",
            "Safe-sleep advice must cover alcohol and smoking, and be repeated to every "
            "carer, not only the mother.",
        ),
        (
            FactorDomain.ENVIRONMENT,
            Influence.CONTRIBUTED,
            "Overcrowded temporary accommodation with no space for a cot.",
            "Housing officers placing families with infants should check there is a "
            "safe sleeping place.",
        ),
        (
            FactorDomain.SERVICES,
            Influence.CONTRIBUTED,
            "The family moved borough; the health visiting record followed three weeks "
            "late and the safe-sleep assessment was not repeated.",
            "Health visiting transfers must be completed within a week, with a safe-sleep "
            "assessment at the first visit after a move.",
        ),
    ]:
        ModifiableFactor.objects.create(
            review=review,
            domain=domain,
            influence=influence,
            description=description,
            learning=learning,
        )
