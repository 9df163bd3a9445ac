from __future__ import annotations

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.layout import Field, Size
from django import forms

from actions.forms import GdsForm
from agencies.models import Agency
from scr.models import DeathCategory, FactorDomain, Influence, ReviewKind, pseudonym_validator


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
        required=False,
        require_all_fields=False,
        help_text="A rapid review is due 15 working days later.",
    )
    published_on = DateInputField(
        label="Date published (optional)", required=False, require_all_fields=False
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


class RecommendationForm(GdsForm):
    number = forms.IntegerField(
        label="Number",
        min_value=1,
        max_value=999,
        error_messages={"required": "Enter the recommendation's number"},
    )
    text = forms.CharField(
        label="Recommendation",
        widget=forms.Textarea,
        error_messages={"required": "Enter the recommendation"},
    )
    layout = (Field.text("number", field_width=4), Field.textarea("text", rows=3))


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
