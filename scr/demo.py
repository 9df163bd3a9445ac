"""The demo's reviews (registered in ``ScrConfig.ready``, run by ``manage.py load_demo``
after the agencies' demo): two reviews with recommendations and actions in every
interesting state, and a CDOP learning record with its modifiable factors.

Idempotent: titles are the keys of the reviews, and a review that already exists keeps
its recommendations and actions untouched.

The history is spread over the past year and a half, as a real partnership's would be
(``actions.demo.on_day``): Children L and M was published eleven months ago and Child T
eight and a half, their actions were agreed soon after and moved on week by week since,
so no two steps share a minute, an action signed off more than six months ago has its
learning check due by itself, and one signed off last month has its check five months
ahead. Child T is published to the partnership, so every partner (``school.dsl`` too)
reads it; Children L and M is not. The actions are made through
``actions.services`` (``actions.demo``); two of them ask for their learning check to be
brought due, which the workflows demo does last.
"""

from __future__ import annotations

from typing import Any

from actions import services
from actions.demo import bring_learning_check_due, create_action, on_day, walk_to_sign_off
from actions.models import Action, ImpactMethod, Verdict
from agencies.demo import CSC, ICB, POLICE, ROYAL_FREE, SCHOOLS
from core.demo import DemoContext
from scr import services as scr_services
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


def _review(ctx: DemoContext, *, title: str, added: int, **fields: Any) -> tuple[Review, bool]:
    """The review called ``title``, added to the system ``added`` days from today
    (negative: in the past); ``False`` if it was there already."""
    review = Review.objects.filter(title=title).order_by("pk").first()
    if review is not None:
        return review, False
    with on_day(ctx, added, "09:15"):
        review = Review(title=title, **fields)
        review.full_clean()
        review.save()
    ctx.say(f"Review: {title}")
    return review, True


def _publish(ctx: DemoContext, review: Review, days: int) -> None:
    """Publish ``review`` to the partnership ``days`` from today, once (an older demo
    database gets it too)."""
    if review.learning_published_at is None:
        with on_day(ctx, days, "12:30"):
            scr_services.review_publish(review=review, by=ctx.people["manager"])


def _recommendations(
    ctx: DemoContext, review: Review, texts: list[str], days: int
) -> list[Recommendation]:
    with on_day(ctx, days, "09:30"):
        return [
            Recommendation.objects.create(review=review, number=n, text=text)
            for n, text in enumerate(texts, start=1)
        ]


def _child_t(ctx: DemoContext) -> None:
    agencies, people = ctx.agencies, ctx.people
    review, created = _review(
        ctx,
        title=CHILD_T,
        added=-470,
        kind=ReviewKind.SCR,
        pseudonym="Child T",
        lead_agency=agencies[CSC],
        notified_on=ctx.in_days(-480),
        published_on=ctx.in_days(-260),
        lead_reviewer="Independent reviewer commissioned by the partnership",
        summary=(
            "Child T, aged 4, lived with chronic neglect that several agencies saw "
            "in part but no one saw whole. Home conditions, missed health "
            "appointments and poor school attendance were each recorded, but "
            "were not brought together, and the child's own experience of daily "
            "life was rarely described."
        ),
    )
    # every partner reads the published learning (issue 9), older databases too
    _publish(ctx, review, -258)
    if not created:
        return
    rec1, rec2, rec3 = _recommendations(
        ctx,
        review,
        [
            "Every agency should record what daily life is like for the child at each "
            "contact, in the child's own words where possible.",
            "Strategy discussions must include health and police information gathered "
            "before the meeting, and record what each agency shared.",
            "Neglect should be assessed with a shared tool (Graded Care Profile 2) so "
            "that agencies describe the same child in the same terms.",
        ],
        -262,
    )
    manager, qa = people["manager"], people["qa"]
    csc, police, health = people["csc.lead"], people["police.lead"], people["health.lead"]

    # assigned: nothing done yet (added to the plan at last month's board)
    with on_day(ctx, -30, "14:20"):
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
    with on_day(ctx, -255, "10:05"):
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
    with on_day(ctx, -230, "08:50"):
        services.action_start_work(action=a, by=police)
    with on_day(ctx, -41, "16:25"):
        services.action_report_progress(
            action=a,
            by=police,
            text="Merlin template change agreed with the MASH; briefing to sergeants booked.",
        )

    # evidence submitted, waiting for the L&I group
    with on_day(ctx, -255, "10:12"):
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
    with on_day(ctx, -210, "11:30"):
        services.action_start_work(action=a, by=health)
    with on_day(ctx, -12, "15:45"):
        services.action_add_evidence(
            action=a,
            by=health,
            description="Audit of the last 40 strategy discussions: health present or "
            "written summary provided in 37 (93%).",
        )
    with on_day(ctx, -9, "09:10"):
        services.action_submit_evidence(action=a, by=health, note="Ready for review.")

    # accepted, waiting for the agency lead's sign-off
    with on_day(ctx, -255, "10:20"):
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
    with on_day(ctx, -200, "13:40"):
        services.action_start_work(action=a, by=police)
    with on_day(ctx, -33, "10:55"):
        services.action_add_evidence(
            action=a,
            by=police,
            description="MASH standard operating procedure, section 4.3, revised; dip "
            "sample of 25 strategy discussions shows checks shared in all.",
        )
    with on_day(ctx, -32, "17:05"):
        services.action_submit_evidence(action=a, by=police)
    with on_day(ctx, -19, "11:15"):
        services.action_accept_evidence(action=a, by=qa, note="Clear and sufficient.")

    # signed off last month: its learning check is five months away
    with on_day(ctx, -255, "10:31"):
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
        a,
        lead=health,
        qa=qa,
        evidence="Training register: 58 of 61 staff trained (95%).",
        ctx=ctx,
        days=(-190, -120, -62, -61, -47, -40),
    )

    # signed off more than six months ago: its learning check has fallen due (see load)
    with on_day(ctx, -255, "10:44"):
        a = create_action(
            ctx,
            source=rec3,
            agency=agencies[CSC],
            lead=csc,
            by=manager,
            reference="T3.1",
            target_in_days=-190,
            description=CHECK_DUE,
        )
    walk_to_sign_off(
        a,
        lead=csc,
        qa=qa,
        evidence="Practice standard issued; monthly supervision template now asks about GCP2 use.",
        ctx=ctx,
        days=(-250, -238, -224, -223, -214, -206),
    )


def _children_l_and_m(ctx: DemoContext) -> None:
    agencies, people = ctx.agencies, ctx.people
    review, created = _review(
        ctx,
        title=CHILDREN_LM,
        added=-545,
        kind=ReviewKind.CSPR,
        pseudonym="Children L and M",
        lead_agency=agencies[POLICE],
        notified_on=ctx.in_days(-560),
        published_on=ctx.in_days(-335),
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
        ctx,
        review,
        [
            "Officers attending domestic abuse incidents should recognise coercive control "
            "and refer every household with children to the MARAC where the risk is high.",
            "Health services should treat a child who is repeatedly not brought to "
            "appointments as a safeguarding concern, not a missed appointment.",
            "Practitioners should use the partnership's escalation policy when they "
            "disagree about thresholds, and managers should record the outcome.",
        ],
        -337,
    )
    manager, qa = people["manager"], people["qa"]
    csc, police, health = people["csc.lead"], people["police.lead"], people["health.lead"]

    # overdue: in progress, its target date five weeks ago
    with on_day(ctx, -330, "11:00"):
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
    with on_day(ctx, -290, "09:35"):
        services.action_start_work(action=a, by=police)
    with on_day(ctx, -52, "14:50"):
        services.action_report_progress(
            action=a,
            by=police,
            text="Referral tracker built; staffing gaps in the safeguarding hub have "
            "delayed roll-out.",
        )

    # signed off, learning check fallen due and recorded as embedded (see load)
    with on_day(ctx, -330, "11:08"):
        a = create_action(
            ctx,
            source=rec1,
            agency=agencies[POLICE],
            lead=police,
            by=manager,
            reference="LM1.2",
            target_in_days=-215,
            description=CHECK_DONE,
        )
    walk_to_sign_off(
        a,
        lead=police,
        qa=qa,
        evidence="Coercive control briefing delivered to 212 of 230 response officers.",
        ctx=ctx,
        days=(-320, -300, -236, -235, -226, -221),
    )

    # due within 14 days (amber): its first date was missed and moved
    with on_day(ctx, -330, "11:16"):
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
    with on_day(ctx, -280, "10:25"):
        services.action_start_work(action=a, by=health)
    with on_day(ctx, -11, "16:40"):
        services.action_report_progress(
            action=a,
            by=health,
            text="Policy drafted; goes to the safeguarding committee next week.",
        )
    with on_day(ctx, -2, "09:05"):
        services.action_update_details(
            action=a,
            by=manager,
            reason="The date was missed: the trust's safeguarding committee moved its "
            "meeting. New date agreed with the agency lead.",
            target_date=ctx.in_days(10),
        )

    # returned by the L&I group for more evidence
    with on_day(ctx, -330, "11:25"):
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
    with on_day(ctx, -270, "13:15"):
        services.action_start_work(action=a, by=csc)
    with on_day(ctx, -26, "12:00"):
        services.action_add_evidence(
            action=a,
            by=csc,
            description="Team managers briefed on the escalation policy at the March "
            "practice forum.",
        )
    with on_day(ctx, -25, "15:30"):
        services.action_submit_evidence(action=a, by=csc)
    with on_day(ctx, -6, "10:45"):
        services.action_return_evidence(
            action=a,
            by=qa,
            reason="A briefing shows the policy was explained, not that it is used: send "
            "the challenge log entries for the last quarter.",
        )

    # a school's action, led by its designated safeguarding lead (issue 9)
    with on_day(ctx, -120, "14:00"):
        a = create_action(
            ctx,
            source=rec3,
            agency=agencies[SCHOOLS],
            lead=people["school.dsl"],
            by=manager,
            reference="LM3.2",
            target_in_days=50,
            description="Brief every school's designated safeguarding lead on the "
            "escalation policy and log each disagreement about thresholds",
        )
    with on_day(ctx, -95, "08:40"):
        services.action_start_work(action=a, by=people["school.dsl"])
    with on_day(ctx, -14, "15:20"):
        services.action_report_progress(
            action=a,
            by=people["school.dsl"],
            text="Briefing given at the autumn DSL network; 31 of 48 schools attended.",
        )


def _baby_r(ctx: DemoContext) -> None:
    category = (
        DeathCategory.objects.filter(name="Sudden unexpected, unexplained death").first()
        or DeathCategory.objects.order_by("order").first()
    )
    review, created = _review(
        ctx,
        title=BABY_R,
        added=-75,
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
