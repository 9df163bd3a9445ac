"""Reviews that produce recommendations, whose actions live in ``actions``."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse

from core.dates import window_problem
from core.models import ChangeRecord, TimeStampedModel
from core.workdays import add_working_days

RAPID_REVIEW_WORKING_DAYS = 15
# A review's dates by the name their messages use ("Date notified must be 2000 or later").
REVIEW_DATE_NAMES = {"notified_on": "Date notified", "published_on": "Date published"}

# A pseudonym, never a name: "Child T", "Child AB", "Children L and M", "Family Q".
pseudonym_validator = RegexValidator(
    r"^(Child|Children|Young person|Sibling group|Family|Baby) [A-Z][A-Z0-9]{0,2}"
    r"( (and|&) [A-Z][A-Z0-9]{0,2})*$",
    "Enter a pseudonym such as “Child T” or “Children L and M”: a word like Child "
    "followed by capital letters, never a name",
)


class ReviewKind(models.TextChoices):
    SCR = "scr", "Serious case review"
    CSPR = "cspr", "Local child safeguarding practice review"
    NATIONAL = "national", "National review"
    RAPID = "rapid", "Rapid review"
    CDOP = "cdop", "CDOP learning"
    OTHER = "other", "Other learning review"


class Review(TimeStampedModel):
    kind = models.CharField(max_length=20, choices=ReviewKind.choices)
    title = models.CharField(max_length=200)
    pseudonym = models.CharField(max_length=40, validators=[pseudonym_validator])
    notified_on = models.DateField("notified to the national panel", null=True, blank=True)
    published_on = models.DateField(null=True, blank=True)
    lead_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_reviews",
    )
    lead_reviewer = models.CharField(
        max_length=200, blank=True, help_text="Independent reviewer or review chair"
    )
    summary = models.TextField(blank=True)
    # Published to the partnership: every member of every agency may then read the
    # review's summary and recommendations (its actions stay with their agencies). Set
    # once, by scr.services.review_publish (the partnership manager).
    learning_published_at = models.DateTimeField(
        "published to the partnership", null=True, blank=True, editable=False
    )
    learning_published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    # CDOP learning only
    death_category = models.ForeignKey(
        "DeathCategory", on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        ordering = ["-created"]
        permissions = [("manage_review", "Create and edit reviews (partnership manager)")]

    def __str__(self) -> str:
        return f"{self.title} ({self.pseudonym})"

    def get_absolute_url(self) -> str:
        return reverse("scr:review", args=[self.pk])

    @property
    def is_published_to_partnership(self) -> bool:
        return self.learning_published_at is not None

    def clean(self) -> None:
        # Every way in (pages, API, admin) saves through full_clean: the dates' window
        # (core.dates) holds even for a caller that skipped its form's check.
        errors = {}
        for field, name in REVIEW_DATE_NAMES.items():
            value = getattr(self, field)
            problem = window_problem(value, name) if isinstance(value, date) else None
            if problem:
                errors[field] = problem
        if errors:
            raise ValidationError(errors)

    @property
    def rapid_review_due(self) -> date | None:
        """A rapid review is due 15 working days after notification (None when not
        notified, or notified so far ahead, from before dates were checked, that the
        due date would be past the calendar's end)."""
        if self.notified_on is None:
            return None
        return add_working_days(self.notified_on, RAPID_REVIEW_WORKING_DAYS)


# The one rule for a recommendation's number, whichever way it comes in (the pages, the
# API and the plan importer all save through scr.services, which runs full_clean).
RECOMMENDATION_NUMBER_MIN = 1
RECOMMENDATION_NUMBER_MAX = 999


class Recommendation(TimeStampedModel):
    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="recommendations")
    number = models.PositiveSmallIntegerField(
        validators=[
            MinValueValidator(RECOMMENDATION_NUMBER_MIN),
            MaxValueValidator(RECOMMENDATION_NUMBER_MAX),
        ]
    )
    text = models.TextField()

    class Meta:
        ordering = ["review", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "number"], name="unique_recommendation_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.review.pseudonym} recommendation {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("scr:review", args=[self.review_id]) + f"#recommendation-{self.number}"


class DeathCategory(models.Model):
    """The configurable list of CDOP categories of death."""

    name = models.CharField(max_length=200, unique=True)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "death categories"

    def __str__(self) -> str:
        return self.name


class FactorDomain(models.TextChoices):
    CHILD = "child", "Factors intrinsic to the child"
    FAMILY = "family", "Factors in the family and social environment"
    ENVIRONMENT = "environment", "Factors in the physical environment"
    SERVICES = "services", "Factors in service provision"


class Influence(models.IntegerChoices):
    NOT_KNOWN = 0, "Information not available"
    NONE = 1, "No factors identified, or factors unlikely to have contributed"
    CONTRIBUTED = 2, "Factors that may have contributed to the death"


class ModifiableFactor(models.Model):
    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="factors")
    domain = models.CharField(max_length=20, choices=FactorDomain.choices)
    description = models.TextField()
    influence = models.PositiveSmallIntegerField(choices=Influence.choices)
    learning = models.TextField(blank=True)

    class Meta:
        ordering = ["review", "domain", "pk"]

    def __str__(self) -> str:
        return f"{self.get_domain_display()}: {self.description[:40]}"

    @property
    def is_modifiable(self) -> bool:
        return self.influence == Influence.CONTRIBUTED


# What a change to a review or a recommendation may touch, in the order History lists them.
REVIEW_CHANGE_LABELS = {
    "kind": "Kind of review",
    "title": "Title",
    "pseudonym": "Pseudonym",
    "lead_agency": "Lead agency",
    "lead_reviewer": "Lead reviewer",
    "notified_on": "Notified to the national panel",
    "rapid_review_due": "Rapid review due",
    "published_on": "Published",
    "death_category": "Category of death",
    "summary": "Summary",
    "learning_published_at": "Published to the partnership",
}
RECOMMENDATION_CHANGE_LABELS = {"number": "Number", "text": "Recommendation"}


class ReviewChange(ChangeRecord):
    """One correction to a review's details, or (with ``recommendation``) to one of its
    recommendations. Written by ``scr.services.review_update`` and
    ``scr.services.recommendation_update``."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="changes")
    recommendation = models.ForeignKey(
        Recommendation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
    )

    what = "A change to a review"

    def __str__(self) -> str:
        return f"Change to {self.recommendation or self.review} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def title(self) -> str:
        if self.recommendation is None:
            if "learning_published_at" in self.fields:
                return "Published to the partnership"
            return "Review details changed"
        # the number as this change left it (it may have been changed again since)
        number = self.fields.get("number", [None, None])[1]
        return f"Recommendation {number or self.recommendation.number} changed"

    def lines(self) -> list[str]:
        """``["Published: not recorded → 3 March 2027", ...]``"""
        labels = (
            REVIEW_CHANGE_LABELS if self.recommendation_id is None else RECOMMENDATION_CHANGE_LABELS
        )
        return self.lines_for(labels)
