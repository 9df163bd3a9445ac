from __future__ import annotations

from typing import Any

from crispy_forms_gds.layout import Field, Size
from django import forms
from django.db.models import Q

from actions.forms import GdsForm
from agencies.models import Agency
from core.dates import DateInputField
from scr.models import (
    RECOMMENDATION_NUMBER_MAX,
    RECOMMENDATION_NUMBER_MIN,
    REVIEW_DATE_NAMES,
    DeathCategory,
    FactorDomain,
    Influence,
    Recommendation,
    Review,
    ReviewKind,
    pseudonym_validator,
)
from scr.services import RECOMMENDATION_EDITABLE, REVIEW_EDITABLE


class ReviewForm(GdsForm):
    kind = forms.ChoiceField(
        label="Kind of review",
        choices=ReviewKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of review"},
    )
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter the review's title"}
    )
    pseudonym = forms.CharField(
        label="Pseudonym",
        max_length=40,
        validators=[pseudonym_validator],
        help_text="For example “Child T”. Never a name or other identifier.",
        error_messages={"required": "Enter the pseudonym"},
    )
    lead_agency = forms.ModelChoiceField(
        queryset=Agency.objects.filter(is_active=True),
        required=False,
        label="Lead agency (optional)",
    )
    lead_reviewer = forms.CharField(
        label="Lead reviewer (optional)", required=False, max_length=200
    )
    notified_on = DateInputField(
        label="Date notified to the national panel (optional)",
        name=REVIEW_DATE_NAMES["notified_on"],
        required=False,
        help_text="A rapid review is due 15 working days later.",
    )
    published_on = DateInputField(
        label="Date published (optional)",
        name=REVIEW_DATE_NAMES["published_on"],
        required=False,
    )
    death_category = forms.ModelChoiceField(
        queryset=DeathCategory.objects.filter(is_active=True),
        required=False,
        label="Category of death (CDOP learning only)",
    )
    summary = forms.CharField(label="Summary (optional)", required=False, widget=forms.Textarea)
    layout = (
        Field.radios("kind", legend_size=Size.SMALL),
        Field.text("title"),
        Field.text("pseudonym", field_width=20),
        Field.select("lead_agency"),
        Field.text("lead_reviewer"),
        Field("notified_on"),
        Field("published_on"),
        Field.select("death_category"),
        Field.textarea("summary", rows=4),
    )


class ReviewEditForm(ReviewForm):
    """The review form filled in with ``review``'s details. Its current lead agency and
    category of death stay offered even if they have since been made inactive."""

    # Only the order of ``visible_fields``: a whole-form error ("Nothing has changed") in
    # the error summary links to the first of them, and the title is a text input with
    # that id (the radios' ids are numbered).
    field_order = ["title"]

    def __init__(self, *args: Any, review: Review, **kwargs: Any) -> None:
        kwargs.setdefault("initial", forms.model_to_dict(review, fields=REVIEW_EDITABLE))
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["lead_agency"].queryset = Agency.objects.filter(
            Q(is_active=True) | Q(pk=review.lead_agency_id)
        )
        fields["death_category"].queryset = DeathCategory.objects.filter(
            Q(is_active=True) | Q(pk=review.death_category_id)
        )


class RecommendationForm(GdsForm):
    number = forms.IntegerField(
        label="Number",
        min_value=RECOMMENDATION_NUMBER_MIN,
        max_value=RECOMMENDATION_NUMBER_MAX,
        error_messages={"required": "Enter the recommendation's number"},
    )
    text = forms.CharField(
        label="Recommendation",
        widget=forms.Textarea,
        error_messages={"required": "Enter the recommendation"},
    )
    layout = (Field.text("number", field_width=4), Field.textarea("text", rows=3))


class RecommendationEditForm(RecommendationForm):
    def __init__(self, *args: Any, recommendation: Recommendation, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", forms.model_to_dict(recommendation, fields=RECOMMENDATION_EDITABLE)
        )
        super().__init__(*args, **kwargs)


class FactorForm(GdsForm):
    domain = forms.ChoiceField(
        label="Domain",
        choices=FactorDomain.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the domain"},
    )
    description = forms.CharField(
        label="Factor", widget=forms.Textarea, error_messages={"required": "Describe the factor"}
    )
    influence = forms.TypedChoiceField(
        label="Influence",
        choices=Influence.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the influence rating"},
    )
    learning = forms.CharField(label="Learning (optional)", required=False, widget=forms.Textarea)
    layout = (
        Field.radios("domain", legend_size=Size.SMALL),
        Field.textarea("description", rows=2),
        Field.radios("influence", legend_size=Size.SMALL),
        Field.textarea("learning", rows=2),
    )
