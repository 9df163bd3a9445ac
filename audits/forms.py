"""The audit pages' forms (GOV.UK, crispy-forms-gds). Field names are the services'
argument names, so a step's ``cleaned_data`` goes straight to its service."""

from __future__ import annotations

from typing import Any, cast

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.contrib.auth import get_user_model

from agencies.casework import IdentifyingDetailsMixin
from agencies.models import Agency
from agencies.selectors import users_holding
from audits.models import FormTemplateVersion
from core import dates


class GdsForm(forms.Form):
    """A form rendered without its own <form> tag (the template supplies it)."""

    layout: tuple[Any, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        if self.layout:
            self.helper.layout = Layout(*self.layout)


class NoteForm(GdsForm):
    note = forms.CharField(
        label="Comment (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    layout = (Field.textarea("note", rows=2),)


class GapsForm(GdsForm):
    gaps_reason = forms.CharField(
        label="Reason for any gaps (needed if some forms are not accepted)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the audit moves to moderation without every form accepted.",
    )
    layout = (Field.textarea("gaps_reason", rows=3),)


class ReturnForm(GdsForm):
    reason = forms.CharField(
        label="Reason for returning the form",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason for returning the form"},
        help_text="The auditor sees this at the top of the form.",
    )
    layout = (Field.textarea("reason", rows=3),)


def _version_choices() -> Any:
    # Only published versions: a draft is still being edited (``services.template_draft``).
    return (
        FormTemplateVersion.objects.filter(published=True)
        .select_related("template")
        .order_by("template__name", "-number")
    )


class PersonChoiceField(forms.ModelChoiceField):
    """A person, shown by their full name (or username)."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


def _choice(form: forms.Form, name: str) -> forms.ModelChoiceField:
    """The form's model choice field ``name`` (to set its queryset)."""
    return cast(forms.ModelChoiceField, form.fields[name])


class AuditCreateForm(GdsForm):
    title = forms.CharField(max_length=200, error_messages={"required": "Enter the audit's title"})
    theme = forms.CharField(
        max_length=100,
        help_text="For example: neglect, child sexual exploitation, a JTAI theme.",
        error_messages={"required": "Enter the theme"},
    )
    template_version = forms.ModelChoiceField(
        queryset=FormTemplateVersion.objects.none(),
        label="Form template",
        error_messages={"required": "Choose the form template"},
    )
    period_start = dates.DateInputField(label="Period from", help_text="For example, 1 4 2026")
    period_end = dates.DateInputField(label="Period to", help_text="For example, 30 6 2026")
    forms_due_on = dates.DateInputField(
        label="Forms due by (optional)", required=False, help_text="For example, 31 7 2026"
    )
    lead = PersonChoiceField(
        queryset=get_user_model().objects.none(),
        label="Audit lead",
        error_messages={"required": "Choose the audit lead"},
    )
    agencies = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Participating agencies",
        error_messages={"required": "Choose at least one participating agency"},
    )
    target_percent = forms.IntegerField(
        label="Target: cases good or better (%)",
        initial=75,
        min_value=1,
        max_value=100,
        error_messages={
            "required": "Enter the target percentage",
            "invalid": "Enter the target as a whole number, like 75",
            "min_value": "The target must be between 1 and 100",
            "max_value": "The target must be between 1 and 100",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
    )
    sampling_criteria = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Sampling criteria (optional)",
        help_text="How cases will be chosen, for example: children on a plan for neglect "
        "for more than six months, open to at least two agencies.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "template_version").queryset = _version_choices()
        _choice(self, "lead").queryset = users_holding("audits.manage_audit").order_by("username")
        _choice(self, "agencies").queryset = Agency.objects.filter(is_active=True).order_by("name")


class SampleByHandForm(GdsForm):
    references = forms.CharField(
        label="Case references, one a line",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Pseudonymous case references only, never a name.",
        error_messages={"required": "Enter at least one case reference"},
    )
    criteria = forms.CharField(
        label="Sampling criteria (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_references(self) -> list[str]:
        return [line for line in self.cleaned_data["references"].splitlines() if line.strip()]


class SampleRandomForm(GdsForm):
    file = forms.FileField(
        label="List of case references (CSV or Excel)",
        help_text="One column headed “Case reference”.",
        error_messages={"required": "Choose the file with the list of cases"},
    )
    size = forms.IntegerField(
        label="How many cases to sample",
        min_value=1,
        max_value=2000,
        error_messages={
            "required": "Enter how many cases to sample",
            "invalid": "Enter a whole number, like 20",
            "min_value": "Sample at least one case",
            "max_value": "Sample at most 2000 cases",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
    )
    seed = forms.IntegerField(
        label="Random seed (optional)",
        required=False,
        min_value=0,
        max_value=2**53,
        help_text="Leave empty for a new one. Enter a seed used before to draw the same "
        "sample again.",
        error_messages={"invalid": "Enter the seed as a whole number"},
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    criteria = forms.CharField(
        label="Sampling criteria (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NarrativeForm(GdsForm):
    strengths = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter the strengths found"},
    )
    areas_to_develop = forms.CharField(
        label="Areas to develop",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter the areas to develop"},
    )


class RecommendationForm(GdsForm):
    text = forms.CharField(
        label="Recommendation",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the recommendation"},
    )
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(), error_messages={"required": "Choose the agency"}
    )
    lead = PersonChoiceField(
        queryset=get_user_model().objects.none(),
        label="Named lead",
        help_text="An agency lead of the agency chosen.",
        error_messages={"required": "Choose the named lead"},
    )
    target_date = dates.DateInputField(label="Target date", help_text="For example, 31 3 2027")

    def __init__(self, *args: Any, audit: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "agency").queryset = audit.agencies.order_by("name")
        _choice(self, "lead").queryset = (
            get_user_model()
            .objects.filter(memberships__agency__in=audit.agencies.all(), is_active=True)
            .distinct()
            .order_by("username")
        )


class TemplateImportForm(GdsForm):
    file = forms.FileField(
        label="Template file (JSON)",
        error_messages={"required": "Choose the template file"},
    )


class IdentifyingCheck(IdentifyingDetailsMixin, forms.Form):
    """Mixed into a section's form: its free-text answers are checked for what looks
    like a name or a date of birth (``agencies.casework``) before they are saved."""
