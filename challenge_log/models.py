"""The challenge log: professional differences about a child, escalated stage by stage to
the partnership Chair, and strategic challenges between partners.

States (``ChallengeState``)::

    raised -> awaiting_response -> responded -> resolved
    responded -> escalated -> awaiting_response        (the raiser is not satisfied)
    awaiting_response -> escalated -> awaiting_response (the deadline passed: the scheduler)
    awaiting_response -> resolved_by_chair             (at the last stage: the Chair decides)
    raised, awaiting_response, responded, escalated -> withdrawn   (the raiser, with a reason)

Each stage (``Stage``, configurable by the partnership) names who responds (a permission
on the challenged agency, or the Chair's partnership-wide ``decide_challenge``) and its
deadline in working days (fewer when a child is at risk of significant harm). Transition
methods change memory only; ``challenge_log.services`` owns every transition.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django_fsm import ConcurrentTransitionMixin, FSMField

from challenge_log import permissions
from core.models import TimeStampedModel
from core.transitions import logged_transition
from core.workdays import add_working_days


class Responder(models.TextChoices):
    """Who responds at a stage: a permission on the challenged agency, or the Chair."""

    PRACTITIONER = "agencies.respond_to_challenge", "A practitioner of the challenged agency"
    MANAGER = "agencies.respond_challenge_manager", "A manager of the challenged agency"
    SENIOR = (
        "agencies.respond_challenge_senior",
        "A designated or senior lead of the challenged agency",
    )
    CHAIR = "challenge_log.decide_challenge", "The partnership Chair"


class Stage(models.Model):
    """One stage of escalation. The partnership may rename stages, change who responds
    and the working days each allows; the last stage (the highest number) is the end of
    the road: nothing escalates past it."""

    number = models.PositiveSmallIntegerField(
        unique=True, validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    name = models.CharField(max_length=100)
    responder = models.CharField(max_length=60, choices=Responder.choices)
    working_days = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Working days allowed for a response (bank holidays excluded).",
    )
    urgent_working_days = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Working days allowed when a child is at risk of significant harm.",
    )

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Stage {self.number}: {self.name}"

    @property
    def is_chair(self) -> bool:
        return self.responder == Responder.CHAIR

    def days_for(self, urgent: bool) -> int:
        return min(self.urgent_working_days, self.working_days) if urgent else self.working_days

    def deadline_from(self, day: date, *, urgent: bool) -> date | None:
        return add_working_days(day, self.days_for(urgent))


class ChallengeKind(models.TextChoices):
    PROFESSIONAL = "professional", "Professional difference about a child"
    STRATEGIC = "strategic", "Strategic challenge between partners"


class Area(models.TextChoices):
    THRESHOLDS = "thresholds", "Levels of need or thresholds"
    ROLES = "roles", "Roles and responsibilities"
    ACTION = "action", "The need for action"
    PLANS = "plans", "Progressing plans and communication"
    STRATEGIC = "strategic", "Strategic contribution"
    OTHER = "other", "Other"


class Urgency(models.TextChoices):
    STANDARD = "standard", "Standard"
    URGENT = "urgent", "A child is at risk of significant harm"


class ChallengeState(models.TextChoices):
    RAISED = "raised", "Raised"
    AWAITING_RESPONSE = "awaiting_response", "Awaiting response"
    RESPONDED = "responded", "Responded"
    ESCALATED = "escalated", "Escalated"
    RESOLVED = "resolved", "Resolved"
    RESOLVED_BY_CHAIR = "resolved_by_chair", "Resolved by the Chair"
    WITHDRAWN = "withdrawn", "Withdrawn"


S = ChallengeState
OPEN_STATES = [S.RAISED, S.AWAITING_RESPONSE, S.RESPONDED, S.ESCALATED]
RESOLVED_STATES = [S.RESOLVED, S.RESOLVED_BY_CHAIR]
CLOSED_STATES = [*RESOLVED_STATES, S.WITHDRAWN]


class Challenge(ConcurrentTransitionMixin, TimeStampedModel):
    kind = models.CharField(max_length=20, choices=ChallengeKind.choices)
    # A professional difference names the child's case by a pseudonymous reference that
    # matches the partnership's pattern (agencies.casework), never by a name.
    case_reference = models.CharField(max_length=60, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="challenges_raised"
    )
    # None: raised by a partnership role (a strategic challenge from the Chair, say).
    raised_by_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="challenges_raised",
    )
    challenged_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="challenges_received"
    )
    area = models.CharField(max_length=20, choices=Area.choices)
    summary = models.TextField("what happened")
    outcome_sought = models.TextField()
    urgency = models.CharField(max_length=20, choices=Urgency.choices, default=Urgency.STANDARD)
    raised_on = models.DateField()

    state = FSMField(default=S.RAISED, choices=S.choices, protected=True, db_index=True)
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    stage_opened_on = models.DateField(null=True, blank=True)
    deadline = models.DateField(null=True, blank=True)
    # The deadline the scheduler escalated the challenge for last: its conditional
    # update is what makes a missed deadline escalate once, however many passes run.
    missed_deadline = models.DateField(null=True, blank=True, editable=False)
    escalations = models.PositiveSmallIntegerField(default=0)
    highest_stage = models.PositiveSmallIntegerField(default=0)

    # The resolution
    resolved_on = models.DateField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision = models.TextField(blank=True, help_text="The Chair's decision and reasons")
    outcome_for_child = models.TextField(blank=True)
    vignette = models.TextField(
        blank=True,
        help_text="A short account the partnership may reuse, without identifying details",
    )
    learning = models.TextField(blank=True)
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_on", "-pk"]
        permissions = [
            ("decide_challenge", "Decide challenges at the last stage (the Chair)"),
            ("view_all_challenges", "See every agency's challenges and the reports"),
            ("raise_strategic_challenge", "Raise a strategic challenge for the partnership"),
        ]
        indexes = [
            models.Index(fields=["state", "deadline"], name="challenge_state_deadline"),
            models.Index(fields=["raised_by_agency", "-raised_on"], name="challenge_raiser_idx"),
            models.Index(fields=["challenged_agency", "-raised_on"], name="challenge_against_idx"),
            # the list (newest first) walks these in order and stops after a page, the
            # open tab reading only the open rows however many closed ones years leave
            models.Index(fields=["-raised_on", "-id"], name="challenge_list_idx"),
            # (selectors.challenge_list asks for OPEN_STATES with in_literal, in this order,
            # so SQLite walks it too: core.lookups)
            models.Index(
                fields=["-raised_on", "-id"],
                name="challenge_open_list_idx",
                condition=models.Q(state__in=[state.value for state in OPEN_STATES]),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"CH-{self.pk}" if self.pk else "New challenge"

    def get_absolute_url(self) -> str:
        return reverse("challenges:detail", args=[self.pk])

    @property
    def is_case_level(self) -> bool:
        return self.kind == ChallengeKind.PROFESSIONAL

    @property
    def is_urgent(self) -> bool:
        return self.urgency == Urgency.URGENT

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def raiser_agency_name(self) -> str:
        agency = self.raised_by_agency
        return agency.name if agency is not None else "The safeguarding partnership"

    def is_overdue(self, today: date) -> bool:
        return (
            self.state == S.AWAITING_RESPONSE
            and self.deadline is not None
            and self.deadline < today
        )

    # -- transitions (memory only; challenge_log.services runs them) ----------------------
    @logged_transition(field=state, source=[S.RAISED, S.ESCALATED], target=S.AWAITING_RESPONSE)
    def open_stage(self, *, stage: Stage, today: date, **kwargs: Any) -> None:
        self.stage = stage
        self.stage_opened_on = today
        self.deadline = stage.deadline_from(today, urgent=self.is_urgent)
        self.highest_stage = max(self.highest_stage, stage.number)

    @logged_transition(
        field=state,
        source=S.AWAITING_RESPONSE,
        target=S.RESPONDED,
        permission=permissions.may_respond,
        conditions=[lambda c: c.stage is not None and not c.stage.is_chair],
    )
    def respond(self, **kwargs: Any) -> None:
        pass

    @logged_transition(
        field=state,
        source=S.RESPONDED,
        target=S.RESOLVED,
        permission=permissions.may_act_for_raiser,
    )
    def resolve(
        self, *, today: date, outcome_for_child: str, vignette: str, learning: str, **kwargs: Any
    ) -> None:
        self._record_resolution(today, kwargs.get("by"), outcome_for_child, vignette, learning)

    @logged_transition(
        field=state,
        source=[S.AWAITING_RESPONSE, S.RESPONDED],
        target=S.ESCALATED,
        conditions=[lambda c: c.stage is not None and not c.stage.is_chair],
    )
    def escalate(self, **kwargs: Any) -> None:
        self.escalations += 1

    @logged_transition(
        field=state,
        source=S.AWAITING_RESPONSE,
        target=S.RESOLVED_BY_CHAIR,
        permission=permissions.may_decide,
        conditions=[lambda c: c.stage is not None and c.stage.is_chair],
    )
    def decide(
        self,
        *,
        today: date,
        decision: str,
        outcome_for_child: str,
        vignette: str,
        learning: str,
        **kwargs: Any,
    ) -> None:
        self.decision = decision
        self._record_resolution(today, kwargs.get("by"), outcome_for_child, vignette, learning)

    @logged_transition(
        field=state,
        source=OPEN_STATES,
        target=S.WITHDRAWN,
        permission=permissions.may_act_for_raiser,
    )
    def withdraw(self, *, today: date, reason: str, **kwargs: Any) -> None:
        self.withdrawn_reason = reason
        self.deadline = None

    def _record_resolution(
        self, today: date, by: Any, outcome_for_child: str, vignette: str, learning: str
    ) -> None:
        self.resolved_on = today
        self.resolved_by = by
        self.outcome_for_child = outcome_for_child
        self.vignette = vignette
        self.learning = learning
        self.deadline = None


class ChallengeResponse(models.Model):
    """A response at a stage, by someone of the challenged agency who may respond there."""

    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="responses")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    text = models.TextField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"Response to {self.challenge} at stage {self.stage.number}"
