"""The challenge log's forms (GOV.UK, through crispy-forms-gds). The rules are the
services'; these forms only read what people type and say what is missing."""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout
from django import forms

from agencies.casework import CaseReferenceField, IdentifyingDetailsMixin
from agencies.models import Agency
from challenge_log import permissions, services
from challenge_log.models import Area, ChallengeKind, Urgency

PARTNERSHIP = ""  # the "raised for" choice of a partnership role: no agency


class GdsForm(forms.Form):
    layout: tuple[Any, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        if self.layout:
            self.helper.layout = Layout(*self.layout)


def _text(label: str, required: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        widget=forms.Textarea,
        help_text=help_text,
        error_messages={"required": required},
    )


class RaiseForm(IdentifyingDetailsMixin, GdsForm):
    identifying_fields = ("summary", "outcome_sought")

    kind = forms.ChoiceField(
        label="What kind of challenge is this?",
        choices=ChallengeKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of challenge this is"},
    )
    raised_by_agency = forms.ChoiceField(
        label="Raised for",
        error_messages={"required": "Choose the agency you raise it for"},
    )
    challenged_agency = forms.ModelChoiceField(
        label="Agency challenged",
        queryset=Agency.objects.none(),
        empty_label="Choose an agency",
        error_messages={
            "required": "Choose the agency you are challenging",
            "invalid_choice": "Choose the agency you are challenging",
        },
    )
    case_reference = CaseReferenceField(
        required=False,
        label="Case reference (professional differences only)",
    )
    area = forms.ChoiceField(
        label="Area of disagreement",
        choices=Area.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the area of disagreement"},
    )
    summary = _text(
        "What happened",
        "Enter what happened",
        "The decision you disagree with and why. Name the child only by the case reference.",
    )
    outcome_sought = _text("The outcome you seek", "Enter the outcome you seek")
    urgency = forms.ChoiceField(
        label="Urgency",
        choices=Urgency.choices,
        initial=Urgency.STANDARD,
        widget=forms.RadioSelect,
        help_text="A child at risk of significant harm shortens every deadline.",
        error_messages={"required": "Choose how urgent this is"},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(a.pk), a.name) for a in services.raisable_agencies(user)]
        if user.has_perm(permissions.RAISE_STRATEGIC):
            choices.append((PARTNERSHIP, "The safeguarding partnership (strategic only)"))
        raised_for: Any = self.fields["raised_by_agency"]
        raised_for.choices = choices
        if len(choices) == 1:
            self.fields["raised_by_agency"].initial = choices[0][0]
        self.fields["raised_by_agency"].required = not (
            len(choices) == 1 and choices[0][0] == PARTNERSHIP
        )
        challenged: Any = self.fields["challenged_agency"]
        challenged.queryset = Agency.objects.filter(is_active=True).order_by("name")
        self._user = user
        self.helper.layout = Layout(
            Field.radios("kind", legend_size="m"),
            Field.select("raised_by_agency"),
            Field.select("challenged_agency"),
            Field.text("case_reference", field_width=20),
            Field.radios("area", legend_size="s"),
            Field.textarea("summary", rows=5),
            Field.textarea("outcome_sought", rows=3),
            Field.radios("urgency", legend_size="s"),
            Field.checkbox(self.confirm_field),
        )

    def clean_raised_by_agency(self) -> Agency | None:
        value = self.cleaned_data.get("raised_by_agency") or PARTNERSHIP
        if value == PARTNERSHIP:
            return None
        return services.raisable_agencies(self._user).get(pk=int(value))


class RespondForm(GdsForm):
    text = _text("Your response", "Enter your response", "Your agency's answer at this stage.")
    layout = (Field.textarea("text", rows=4),)


class ResolveForm(IdentifyingDetailsMixin, GdsForm):
    identifying_fields: tuple[str, ...] = ("outcome_for_child", "vignette", "learning")
    outcome_for_child = _text(
        "The outcome", "Enter the outcome", "For the child, or for the partnership."
    )
    vignette = _text(
        "A short vignette",
        "Enter a short vignette",
        "How the challenge went and what it changed, for the partnership to reuse: no "
        "names, dates of birth or addresses.",
    )
    learning = forms.CharField(
        label="Learning (optional)",
        required=False,
        widget=forms.Textarea,
        help_text="The partnership manager can turn it into a shared action.",
    )
    layout: tuple[Any, ...] = (
        Field.textarea("outcome_for_child", rows=3),
        Field.textarea("vignette", rows=3),
        Field.textarea("learning", rows=3),
        Field.checkbox("checked_identifying_details"),
    )


class DecideForm(ResolveForm):
    identifying_fields = ("decision", "outcome_for_child", "vignette", "learning")
    decision = _text("Your decision and its reasons", "Enter your decision and its reasons")
    field_order = ["decision", "outcome_for_child", "vignette", "learning"]
    layout = (
        Field.textarea("decision", rows=4),
        Field.textarea("outcome_for_child", rows=3),
        Field.textarea("vignette", rows=3),
        Field.textarea("learning", rows=3),
        Field.checkbox("checked_identifying_details"),
    )


class ReasonForm(GdsForm):
    reason = _text("Reason", "Enter the reason")
    layout = (Field.textarea("reason", rows=3),)


class PeriodForm(GdsForm):
    """The report's period (from and to, both optional): ``?start=2026-04-01&end=...``."""

    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "The end of the period must be after its start")
        return data
