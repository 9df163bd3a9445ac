"""The improvement plan: a plan, its objectives, its recommendation lines (each with its
provenance, outcome measures and progress commentary) and the inspections and reviews
the lines answer. A line's actions are shared actions (``actions.Action``, with the line
as their source); its RAG is rolled up from them (``improvement_plan.rag``), never typed.

Plan states (``PlanState``)::

    draft -> consultation -> approved -> active -> closed
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django_fsm import ConcurrentTransitionMixin, FSMField

from core.models import TimeStampedModel
from core.transitions import logged_transition


def may_manage(plan: Plan, user: Any) -> bool:
    return bool(user.has_perm("actions.manage_plan"))


class PlanState(models.TextChoices):
    DRAFT = "draft", "Draft"
    CONSULTATION = "consultation", "In consultation"
    APPROVED = "approved", "Approved"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


P = PlanState


class Plan(ConcurrentTransitionMixin, TimeStampedModel):
    title = models.CharField(max_length=200)
    period = models.CharField(max_length=100, blank=True, help_text="For example 2017 to 2018")
    goal = models.TextField(blank=True)
    owner = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="improvement_plans",
        help_text="Who owns the plan: the partnership itself",
    )
    state = FSMField(default=P.DRAFT, choices=P.choices, protected=True, db_index=True)
    approved_by = models.CharField(
        max_length=200, blank=True, help_text="Who approved it (Ofsted and the DfE)"
    )
    approved_on = models.DateField(null=True, blank=True)
    activated_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("improvement_plan:detail", args=[self.pk])

    @logged_transition(field=state, source=P.DRAFT, target=P.CONSULTATION, permission=may_manage)
    def consult(self, *, by: Any = None, description: str | None = None) -> None:
        pass

    @logged_transition(
        field=state, source=[P.DRAFT, P.CONSULTATION], target=P.APPROVED, permission=may_manage
    )
    def approve(
        self, *, by: Any = None, description: str | None = None, approved_by: str, on: Any
    ) -> None:
        self.approved_by = approved_by
        self.approved_on = on

    @logged_transition(field=state, source=P.APPROVED, target=P.ACTIVE, permission=may_manage)
    def activate(self, *, by: Any = None, description: str | None = None, on: Any) -> None:
        self.activated_on = on

    @logged_transition(field=state, source=P.ACTIVE, target=P.CLOSED, permission=may_manage)
    def close(self, *, by: Any = None, description: str | None = None, on: Any) -> None:
        self.closed_on = on


class Objective(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="objectives")
    number = models.PositiveSmallIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="one_objective_number")
        ]

    def __str__(self) -> str:
        return f"Objective {self.number}"


class InspectionKind(models.TextChoices):
    OFSTED = "ofsted", "Ofsted inspection"
    BOARD_REVIEW = "board_review", "Safeguarding board review"
    OTHER = "other", "Other review"


class Inspection(models.Model):
    """An inspection or review a plan answers: a source record of its own (never a
    child's case review)."""

    kind = models.CharField(max_length=20, choices=InspectionKind.choices)
    title = models.CharField(max_length=200)
    published = models.CharField(max_length=50, blank=True, help_text="As written: 7 July 2017")

    class Meta:
        ordering = ["kind", "pk"]

    def __str__(self) -> str:
        return self.title


class RecommendationLine(models.Model):
    """One row of the plan's table: a recommendation (or one sub-part of it, such as OC
    para 24 b) with its provenance, lead, milestones and outcome measures as written."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    provenance_text = models.CharField(max_length=200, help_text="As written: OR 5 and LR 2,4")
    recommendation = models.TextField()
    sub_part = models.CharField(max_length=2, blank=True, help_text="a, b, c...")
    sub_part_text = models.CharField(max_length=200, blank=True)
    lead_text = models.CharField(max_length=200, blank=True, help_text="As written")
    milestones_text = models.TextField(blank=True, help_text="As written")
    outcome_measures = models.TextField(blank=True, help_text="One a line, as written")

    class Meta:
        ordering = ["objective", "position"]

    def __str__(self) -> str:
        suffix = f" {self.sub_part}" if self.sub_part else ""
        return f"{self.provenance_text}{suffix}"

    def get_absolute_url(self) -> str:
        return reverse("improvement_plan:line", args=[self.pk])

    def measures(self) -> list[str]:
        return [m for m in self.outcome_measures.splitlines() if m.strip()]


class ReferenceKind(models.TextChoices):
    OFSTED_RECOMMENDATION = "OR", "Ofsted recommendation"
    OFSTED_COMMENT = "OC", "Ofsted comment"
    BOARD_REVIEW = "LR", "Safeguarding board review"


class Provenance(models.Model):
    """One structured reference of a line: OR 5, OC para 24 b, LR 2, LR para 8, LR."""

    line = models.ForeignKey(RecommendationLine, on_delete=models.CASCADE, related_name="refs")
    kind = models.CharField(max_length=2, choices=ReferenceKind.choices, db_index=True)
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    paragraph = models.BooleanField(default=False, help_text="A paragraph (para n)")
    sub_part = models.CharField(max_length=2, blank=True)
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, null=True, blank=True, related_name="references"
    )

    class Meta:
        ordering = ["line", "pk"]

    def __str__(self) -> str:
        parts = [self.kind]
        if self.paragraph:
            parts.append("para")
        if self.number is not None:
            parts.append(str(self.number))
        if self.sub_part:
            parts.append(self.sub_part)
        return " ".join(parts)


class ProgressCommentary(models.Model):
    """What the lead reports on a line for one reporting period (a month)."""

    line = models.ForeignKey(
        RecommendationLine, on_delete=models.CASCADE, related_name="commentaries"
    )
    period = models.DateField(help_text="The first day of the reporting month")
    text = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["line", "-period"]
        constraints = [
            models.UniqueConstraint(fields=["line", "period"], name="one_commentary_a_period")
        ]

    def __str__(self) -> str:
        return f"{self.line} {self.period:%B %Y}"
