"""Themed multi-agency case audits, and the form engine they are built on.

The form engine (grading scales, templates, versions, sections, questions) is general:
a practice-week observation uses it today, the Section 11 / Section 175 self-assessments
will later. ``audits.formengine`` reads and validates answers against it.

Audit states (``AuditState``)::

    planning -> sampling -> in_progress -> moderation -> findings_drafted
        -> signed_off -> closed

Form states (``FormState``), one form per sampled case and participating agency::

    assigned -> in_progress -> submitted -> accepted
    submitted -> returned -> in_progress      (the moderator's reason)

Transition methods change memory only; ``audits.services`` owns every transition.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django_fsm import ConcurrentTransitionMixin, FSMField

from audits import permissions
from core.models import TimeStampedModel
from core.transitions import logged_transition


# -- the form engine ------------------------------------------------------------------------
class GradingScale(models.Model):
    """A grading scale, as data: Ofsted's four points, the 2025 five points, RAG, met."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Grade(models.Model):
    """One point of a scale; ``order`` 1 is the best, and the steps between two grades
    are the difference of their orders."""

    scale = models.ForeignKey(GradingScale, on_delete=models.CASCADE, related_name="grades")
    code = models.SlugField(max_length=50)
    label = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField()
    good_or_better = models.BooleanField(
        help_text="Counts as good or better in the findings (e.g. Ofsted's good and outstanding)."
    )

    class Meta:
        ordering = ["scale", "order"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "code"], name="unique_grade_code"),
            models.UniqueConstraint(fields=["scale", "order"], name="unique_grade_order"),
        ]

    def __str__(self) -> str:
        return self.label


class TemplateKind(models.TextChoices):
    AUDIT = "audit", "Case audit"
    OBSERVATION = "observation", "Practice-week observation"
    SELF_ASSESSMENT = "self_assessment", "Self-assessment"


class FormTemplate(TimeStampedModel):
    """A form, across its versions. The questions live on a version."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=TemplateKind.choices, default=TemplateKind.AUDIT)
    theme = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def latest_version(self) -> FormTemplateVersion | None:
        return self.versions.order_by("-number").first()


class FormTemplateVersion(TimeStampedModel):
    """One version of a template. Once a form has been answered on it, a change makes a
    new version (``formengine.version_for_change``); answered forms keep theirs."""

    template = models.ForeignKey(FormTemplate, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    scale = models.ForeignKey(GradingScale, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=200, blank=True, help_text="What changed")
    # Audits use published versions only; a draft is being edited (``audits.services``:
    # ``template_draft``, ``template_publish``). Versions made before the editor, by the
    # starters or by an import are published.
    published = models.BooleanField(default=True)

    class Meta:
        ordering = ["template", "number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="unique_template_version")
        ]

    def __str__(self) -> str:
        return f"{self.template.name}, version {self.number}"


class Section(models.Model):
    version = models.ForeignKey(
        FormTemplateVersion, on_delete=models.CASCADE, related_name="sections"
    )
    order = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    help_text = models.TextField(blank=True)

    class Meta:
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "order"], name="unique_section_order")
        ]

    def __str__(self) -> str:
        return self.title


class AnswerType(models.TextChoices):
    GRADE = "grade", "A grade on the template's scale"
    YES_NO = "yes_no", "Yes, no or not applicable"
    NUMBER = "number", "A number"
    DATE = "date", "A date"
    CHOICE = "choice", "One of a list"
    TEXT = "text", "Free text"


class Question(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=500)
    help_text = models.TextField(blank=True)
    answer_type = models.CharField(max_length=10, choices=AnswerType.choices)
    required = models.BooleanField(default=True)
    choices = models.JSONField(default=list, blank=True, help_text="For a choice: its options")
    # Shown only to agencies of these kinds (``agencies.AgencyKind`` values); empty: all.
    # Kinds, not agencies, so a template travels to another partnership.
    agency_kinds = models.JSONField(default=list, blank=True)
    # The form's overall judgement: what the findings' share of good-or-better reads.
    overall = models.BooleanField(default=False)

    class Meta:
        ordering = ["section", "order"]
        constraints = [
            models.UniqueConstraint(fields=["section", "order"], name="unique_question_order")
        ]

    def __str__(self) -> str:
        return self.text

    def shown_to(self, agency_kind: str) -> bool:
        return not self.agency_kinds or agency_kind in self.agency_kinds


# -- the audit ------------------------------------------------------------------------------
class AuditState(models.TextChoices):
    PLANNING = "planning", "Planning"
    SAMPLING = "sampling", "Sampling"
    IN_PROGRESS = "in_progress", "Forms in progress"
    MODERATION = "moderation", "Moderation"
    FINDINGS_DRAFTED = "findings_drafted", "Findings drafted"
    SIGNED_OFF = "signed_off", "Signed off"
    CLOSED = "closed", "Closed"


class FormState(models.TextChoices):
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned"
    ACCEPTED = "accepted", "Accepted"


A = AuditState
F = FormState
# The forms' work is open: an auditor may save answers.
EDITABLE_FORM_STATES = [F.ASSIGNED, F.IN_PROGRESS, F.RETURNED]


class Audit(ConcurrentTransitionMixin, TimeStampedModel):
    title = models.CharField(max_length=200)
    theme = models.CharField(max_length=100)
    template_version = models.ForeignKey(
        FormTemplateVersion, on_delete=models.PROTECT, related_name="audits"
    )
    period_start = models.DateField("period from")
    period_end = models.DateField("period to")
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_audits"
    )
    agencies = models.ManyToManyField("agencies.Agency", related_name="audits")
    target_percent = models.PositiveSmallIntegerField(
        default=75, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    forms_due_on = models.DateField(null=True, blank=True)
    sampling_criteria = models.TextField(blank=True)
    # A random sample: the list it was drawn from, how many and the seed, so it can be
    # drawn again and checked (``audits.sampling``).
    sample_size = models.PositiveIntegerField(null=True, blank=True)
    random_seed = models.BigIntegerField(null=True, blank=True)
    sample_population = models.JSONField(default=list, blank=True)
    gaps_reason = models.TextField(blank=True)
    strengths = models.TextField(blank=True)
    areas_to_develop = models.TextField(blank=True)
    state = FSMField(default=A.PLANNING, choices=A.choices, protected=True, db_index=True)
    signed_off_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        permissions = [("manage_audit", "Plan, sample, moderate and sign off audits")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("audits:detail", args=[self.pk])

    @logged_transition(
        field=state, source=A.PLANNING, target=A.SAMPLING, permission=permissions.may_manage
    )
    def start_sampling(self, **kwargs: Any) -> None:
        pass

    @logged_transition(
        field=state, source=A.SAMPLING, target=A.IN_PROGRESS, permission=permissions.may_manage
    )
    def open_forms(self, **kwargs: Any) -> None:
        pass

    @logged_transition(
        field=state, source=A.IN_PROGRESS, target=A.MODERATION, permission=permissions.may_manage
    )
    def start_moderation(self, *, gaps_reason: str = "", **kwargs: Any) -> None:
        self.gaps_reason = gaps_reason

    @logged_transition(
        field=state,
        source=[A.MODERATION, A.FINDINGS_DRAFTED],
        target=A.FINDINGS_DRAFTED,
        permission=permissions.may_manage,
    )
    def draft_findings(self, *, strengths: str, areas_to_develop: str, **kwargs: Any) -> None:
        self.strengths = strengths
        self.areas_to_develop = areas_to_develop

    @logged_transition(
        field=state,
        source=A.FINDINGS_DRAFTED,
        target=A.SIGNED_OFF,
        permission=permissions.may_manage,
    )
    def sign_off(self, *, at: Any, **kwargs: Any) -> None:
        self.signed_off_at = at

    @logged_transition(
        field=state, source=A.SIGNED_OFF, target=A.CLOSED, permission=permissions.may_manage
    )
    def close(self, **kwargs: Any) -> None:
        pass


class AuditCase(models.Model):
    """One sampled case: a pseudonymous case reference, never a name."""

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="cases")
    reference = models.CharField(max_length=60)

    class Meta:
        ordering = ["audit", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "reference"], name="unique_case_reference")
        ]

    def __str__(self) -> str:
        return self.reference


class AuditForm(ConcurrentTransitionMixin, TimeStampedModel):
    """One agency's form for one case."""

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="forms")
    case = models.ForeignKey(AuditCase, on_delete=models.PROTECT, related_name="forms")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_forms",
    )
    state = FSMField(default=F.ASSIGNED, choices=F.choices, protected=True)
    returned_reason = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    # The last reminder sent ("before" / "after" the due date), so a sweep sends each once.
    reminded = models.CharField(max_length=10, blank=True)
    # My audit forms' order, kept by the database from the state: the work still to do
    # first (assigned, in progress, returned), then what waits for moderation, then the
    # accepted; the list walks auditform_mine_idx in that order and stops after a page
    work_order = models.GeneratedField(
        expression=models.Case(
            models.When(state__in=[s.value for s in EDITABLE_FORM_STATES], then=models.Value(0)),
            models.When(state=F.SUBMITTED.value, then=models.Value(1)),
            default=models.Value(2),
        ),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["audit", "case__reference", "agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["case", "agency"], name="unique_form_per_agency")
        ]
        indexes = [
            models.Index(fields=["agency", "state"]),
            models.Index(fields=["audit", "state"]),
            models.Index(fields=["state", "due_on"]),
            models.Index(
                fields=["work_order", "due_on", "audit", "case", "id"], name="auditform_mine_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Case {self.case.reference}, {self.agency.label}"

    def get_absolute_url(self) -> str:
        return reverse("audits:form", args=[self.pk])

    @property
    def editable(self) -> bool:
        return self.state in EDITABLE_FORM_STATES

    @logged_transition(
        field=state,
        source=[F.ASSIGNED, F.RETURNED],
        target=F.IN_PROGRESS,
        permission=permissions.may_complete,
    )
    def start(self, **kwargs: Any) -> None:
        # Whoever starts a form holds it (until the flow's task passes it on).
        if self.assignee_id is None and getattr(kwargs.get("by"), "pk", None):
            self.assignee = kwargs["by"]

    @logged_transition(
        field=state, source=F.IN_PROGRESS, target=F.SUBMITTED, permission=permissions.may_complete
    )
    def submit(self, *, at: Any, **kwargs: Any) -> None:
        self.submitted_at = at
        self.returned_reason = ""

    @logged_transition(
        field=state, source=F.SUBMITTED, target=F.ACCEPTED, permission=permissions.may_moderate
    )
    def accept(self, **kwargs: Any) -> None:
        pass

    @logged_transition(
        field=state, source=F.SUBMITTED, target=F.RETURNED, permission=permissions.may_moderate
    )
    def return_form(self, *, reason: str, **kwargs: Any) -> None:
        self.returned_reason = reason


class Answer(models.Model):
    """One answer on a form; which of the value fields holds it follows the question's
    answer type (``formengine``)."""

    form = models.ForeignKey(AuditForm, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    grade = models.ForeignKey(Grade, on_delete=models.PROTECT, null=True, blank=True)
    text = models.TextField(blank=True)  # free text, yes/no/na, a choice
    number = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["form", "question"], name="unique_answer")]

    def __str__(self) -> str:
        return f"Answer to {self.question_id} on form {self.form_id}"


class AuditRecommendation(TimeStampedModel):
    """A recommendation of the findings; sign-off makes each a shared action."""

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="recommendations")
    number = models.PositiveSmallIntegerField()
    text = models.TextField()
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    target_date = models.DateField()

    class Meta:
        ordering = ["audit", "number"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "number"], name="unique_audit_recommendation")
        ]

    def __str__(self) -> str:
        return f"{self.audit.title} recommendation {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("audits:findings", args=[self.audit_id]) + f"#recommendation-{self.number}"
