"""``manage.py load_demo``: a demo partnership like the seed's (Barnet), idempotent.

It creates the partner agencies, one persona per role (all with ``DEMO_PASSWORD``), two
reviews and a CDOP learning record, and actions in every interesting state. Actions are
made only through ``actions.services``, exactly as the pages and the API make them, so
each one has a real transition log and a real viewflow process with open tasks.

Running it again changes nothing: agencies, people and memberships are looked up by
name, a review that already exists keeps its recommendations and actions untouched, and
the learning checks are only brought forward on actions that never had one.

This lives in ``workflows`` (not in a domain app) because it needs the flows running:
a domain app never imports the workflow layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from actions import services
from actions.models import Action, ActionState, ImpactMethod, Verdict
from agencies.grants import ensure_partnership_groups
from agencies.models import Agency, AgencyKind, Membership, Partnership, Role
from agencies.roles import PartnershipRole
from scr.models import (
    DeathCategory,
    FactorDomain,
    Influence,
    ModifiableFactor,
    Recommendation,
    Review,
    ReviewKind,
)
from workflows.base import process_for
from workflows.scheduler import run_pass

S = ActionState

# The one password of every demo persona. Demo only: never load the demo into a live
# install (the README says so too).
DEMO_PASSWORD = "safeguarding-demo-2026"

CSC = "Barnet Children's Social Care"
POLICE = "Metropolitan Police (North West BCU)"
ICB = "NHS North Central London ICB"
ROYAL_FREE = "Royal Free London NHS Foundation Trust"
SCHOOLS = "Barnet schools"
CAMHS = "Barnet CAMHS"
PROBATION = "Probation Service (Barnet)"
VCS = "Barnet Community Together Network"

# name -> (short name, kind)
AGENCIES: dict[str, tuple[str, str]] = {
    CSC: ("Barnet CSC", AgencyKind.CHILDRENS_SOCIAL_CARE),
    POLICE: ("Met Police NW BCU", AgencyKind.POLICE),
    ICB: ("NCL ICB", AgencyKind.HEALTH_COMMISSIONER),
    ROYAL_FREE: ("Royal Free", AgencyKind.HEALTH_PROVIDER),
    SCHOOLS: ("Schools", AgencyKind.EDUCATION),
    CAMHS: ("CAMHS", AgencyKind.HEALTH_PROVIDER),
    PROBATION: ("Probation", AgencyKind.PROBATION),
    VCS: ("Community Together", AgencyKind.VOLUNTARY_SECTOR),
}


@dataclass(frozen=True)
class Persona:
    username: str
    first_name: str
    last_name: str
    groups: tuple[str, ...] = ()
    agency: str | None = None
    role: str | None = None
    superuser: bool = False


PERSONAS: list[Persona] = [
    Persona("admin", "Robin", "Hale", superuser=True),
    Persona("chair", "Margaret", "Hollis", groups=(PartnershipRole.CHAIR,)),
    Persona("manager", "Daniel", "Osei", groups=(PartnershipRole.PARTNERSHIP_MANAGER,)),
    Persona(
        "qa",
        "Priya",
        "Raman",
        groups=(PartnershipRole.QA_ANALYST, PartnershipRole.LEARNING_AND_IMPROVEMENT),
    ),
    Persona("police.lead", "Helen", "Carter", agency=POLICE, role=Role.AGENCY_LEAD),
    Persona("police.auditor", "Tom", "Whitfield", agency=POLICE, role=Role.AUDITOR),
    Persona("police.officer", "Jordan", "Blake", agency=POLICE, role=Role.PRACTITIONER),
    Persona("health.lead", "Aisha", "Khan", agency=ROYAL_FREE, role=Role.AGENCY_LEAD),
    Persona("health.auditor", "Fiona", "McLeod", agency=ROYAL_FREE, role=Role.AUDITOR),
    Persona("csc.lead", "Marcus", "Bennett", agency=CSC, role=Role.AGENCY_LEAD),
    Persona("csc.auditor", "Sarah", "Lewis", agency=CSC, role=Role.AUDITOR),
    Persona("csc.manager", "Chloe", "Adeyemi", agency=CSC, role=Role.MANAGER),
    Persona("school.dsl", "Gareth", "Evans", agency=SCHOOLS, role=Role.DESIGNATED_LEAD),
]

# Titles are the idempotency keys of the reviews; descriptions those of the actions.
CHILD_T = "Child T serious case review"
CHILDREN_LM = "Children L and M local child safeguarding practice review"
BABY_R = "Baby R CDOP learning record"

# The two actions whose learning check the demo brings forward (see _bring_checks_due).
CHECK_DUE = (
    "Embed the Graded Care Profile 2 in every neglect assessment and supervise its use monthly"
)
CHECK_DONE = (
    "Brief every response officer on recognising coercive control when "
    "attending domestic abuse incidents"
)


class Command(BaseCommand):
    help = "Load the demo partnership, personas, reviews and actions (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = int(options.get("verbosity", 1))
        with transaction.atomic():
            ensure_partnership_groups()
            Partnership.current()
            agencies = self._agencies()
            people = self._people(agencies)
            self._child_t(agencies, people)
            self._children_l_and_m(agencies, people)
            self._baby_r(agencies)
        # Outside the transaction above: the scheduler pass takes its own locks and
        # sends mail, which must not happen for data that could still roll back.
        self._bring_checks_due(people)
        self._say(
            f"Demo partnership ready. Every persona's password is {DEMO_PASSWORD!r} (demo only)."
        )

    # -- helpers -------------------------------------------------------------------
    def _say(self, text: str) -> None:
        if self.verbosity:
            self.stdout.write(text)

    @staticmethod
    def _today() -> date:
        return timezone.localdate()

    def _in_days(self, n: int) -> date:
        return self._today() + timedelta(days=n)

    # -- agencies and people -------------------------------------------------------
    def _agencies(self) -> dict[str, Agency]:
        out = {}
        for name, (short_name, kind) in AGENCIES.items():
            out[name], created = Agency.objects.get_or_create(
                name=name, defaults={"short_name": short_name, "kind": kind}
            )
            if created:
                self._say(f"Agency: {name}")
        return out

    def _people(self, agencies: dict[str, Agency]) -> dict[str, Any]:
        User = get_user_model()
        out = {}
        for p in PERSONAS:
            user, created = User.objects.get_or_create(
                username=p.username,
                defaults={
                    "first_name": p.first_name,
                    "last_name": p.last_name,
                    "email": f"{p.username}@example.org",
                    "is_staff": p.superuser,
                    "is_superuser": p.superuser,
                },
            )
            if created:
                # Only when created: a second run must not reset a password someone
                # has changed (and would rewrite the hash with a new salt).
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                self._say(f"Persona: {p.username}")
            if p.groups:
                user.groups.add(*Group.objects.filter(name__in=p.groups))
            if p.agency and p.role:
                # Saving a membership syncs the user's grants on the agency (signals).
                Membership.objects.get_or_create(user=user, agency=agencies[p.agency], role=p.role)
            out[p.username] = user
        return out

    # -- reviews -------------------------------------------------------------------
    def _review(self, *, title: str, **fields: Any) -> tuple[Review, bool]:
        review = Review.objects.filter(title=title).order_by("pk").first()
        if review is not None:
            return review, False
        review = Review(title=title, **fields)
        review.full_clean()
        review.save()
        self._say(f"Review: {title}")
        return review, True

    def _recommendations(self, review: Review, texts: list[str]) -> list[Recommendation]:
        return [
            Recommendation.objects.create(review=review, number=n, text=text)
            for n, text in enumerate(texts, start=1)
        ]

    def _action(
        self,
        *,
        source: Recommendation,
        agency: Agency,
        lead: Any,
        by: Any,
        description: str,
        target_in_days: int,
        reference: str,
    ) -> Action:
        return services.action_create(
            source=source,
            agency=agency,
            lead=lead,
            by=by,
            description=description,
            reference=reference,
            target_date=self._in_days(target_in_days),
        )

    def _child_t(self, agencies: dict[str, Agency], people: dict[str, Any]) -> None:
        review, created = self._review(
            title=CHILD_T,
            kind=ReviewKind.SCR,
            pseudonym="Child T",
            lead_agency=agencies[CSC],
            notified_on=self._in_days(-420),
            published_on=self._in_days(-200),
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
        rec1, rec2, rec3 = self._recommendations(
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
        self._action(
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
        a = self._action(
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
        a = self._action(
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
        a = self._action(
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
        a = self._action(
            source=rec3,
            agency=agencies[ROYAL_FREE],
            lead=health,
            by=manager,
            reference="T3.2",
            target_in_days=20,
            description="Train health visitors and school nurses in the Graded Care Profile 2",
        )
        self._walk_to_sign_off(
            a, lead=health, qa=qa, evidence="Training register: 58 of 61 staff trained (95%)."
        )

        # signed off, then its learning check brought forward (see _bring_checks_due)
        a = self._action(
            source=rec3,
            agency=agencies[CSC],
            lead=csc,
            by=manager,
            reference="T3.1",
            target_in_days=15,
            description=CHECK_DUE,
        )
        self._walk_to_sign_off(
            a,
            lead=csc,
            qa=qa,
            evidence="Practice standard issued; monthly supervision "
            "template now asks about GCP2 use.",
        )

    def _children_l_and_m(self, agencies: dict[str, Agency], people: dict[str, Any]) -> None:
        review, created = self._review(
            title=CHILDREN_LM,
            kind=ReviewKind.CSPR,
            pseudonym="Children L and M",
            lead_agency=agencies[POLICE],
            notified_on=self._in_days(-300),
            published_on=self._in_days(-90),
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
        rec1, rec2, rec3 = self._recommendations(
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
        a = self._action(
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
            text="Referral tracker built; staffing gaps in the safeguarding hub have "
            "delayed roll-out.",
        )

        # signed off, learning check brought forward and recorded as embedded
        a = self._action(
            source=rec1,
            agency=agencies[POLICE],
            lead=police,
            by=manager,
            reference="LM1.2",
            target_in_days=-10,
            description=CHECK_DONE,
        )
        self._walk_to_sign_off(
            a,
            lead=police,
            qa=qa,
            evidence="Coercive control briefing delivered to 212 of 230 response officers.",
        )

        # due within 14 days (amber)
        a = self._action(
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
            target_date=self._in_days(10),
        )

        # returned by the L&I group for more evidence
        a = self._action(
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
            description="Team managers briefed on the escalation "
            "policy at the March practice forum.",
        )
        services.action_submit_evidence(action=a, by=csc)
        services.action_return_evidence(
            action=a,
            by=qa,
            reason="A briefing shows the policy was explained, not that it is used: send "
            "the challenge log entries for the last quarter.",
        )

    def _walk_to_sign_off(self, action: Action, *, lead: Any, qa: Any, evidence: str) -> None:
        services.action_start_work(action=action, by=lead)
        services.action_report_progress(action=action, by=lead, text="Work under way.")
        services.action_add_evidence(action=action, by=lead, description=evidence)
        services.action_submit_evidence(action=action, by=lead)
        services.action_accept_evidence(action=action, by=qa)
        services.action_sign_off(action=action, by=lead, note="Complete.")

    def _baby_r(self, agencies: dict[str, Agency]) -> None:
        category = (
            DeathCategory.objects.filter(name="Sudden unexpected, unexplained death").first()
            or DeathCategory.objects.order_by("order").first()
        )
        review, created = self._review(
            title=BABY_R,
            kind=ReviewKind.CDOP,
            pseudonym="Baby R",
            lead_agency=agencies[ICB],
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

    # -- the learning checks ---------------------------------------------------------
    def _bring_checks_due(self, people: dict[str, Any]) -> None:
        """Make one learning check due, and one done, without waiting six months.

        Only the flow's timer moves an action from signed off to learning check due: it
        runs the system transition (logged), opens the LearningCheck row, queues the
        reminders and creates the Learning and Improvement group's task. Setting the
        state by hand would skip all of that and leave the flow waiting on a timer six
        months away, so the demo moves the due date and the timer into the past and
        lets the scheduler fire it, just as cron would on the day.

        Idempotent: only actions that are signed off and never had a learning check are
        brought forward, so a second run (or a check the demo user has since recorded)
        is left alone.
        """
        yesterday = self._today() - timedelta(days=1)
        brought: list[Action] = []
        for description in (CHECK_DUE, CHECK_DONE):
            action = Action.objects.filter(description=description).order_by("pk").first()
            if action is None or action.state != S.SIGNED_OFF or action.learning_checks.exists():
                continue
            process = process_for(action)
            timers = Task.objects.filter(
                process=process, flow_task_type="TIMER", status=STATUS.SCHEDULED
            )
            if process is None or not timers.exists():
                continue
            with transaction.atomic():
                Action.objects.filter(pk=action.pk).update(learning_check_due_on=yesterday)
                timers.update(scheduled=timezone.now() - timedelta(minutes=1))
            brought.append(action)
        if not brought:
            return
        result = run_pass()
        self._say(f"Scheduler pass: {result}")

        done = Action.objects.filter(description=CHECK_DONE).order_by("pk").first()
        if done is not None and done in brought:
            done.refresh_from_db()
            if done.state == S.LEARNING_CHECK_DUE:
                services.action_record_learning_check(
                    action=done,
                    by=people["qa"],
                    method=ImpactMethod.CASE_SAMPLING,
                    evidence="Dip sample of 20 domestic abuse incidents with children: "
                    "coercive control considered and recorded in 18; all "
                    "high-risk households referred to the MARAC.",
                    verdict=Verdict.EMBEDDED,
                )
