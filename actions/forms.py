from __future__ import annotations

from datetime import date
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from actions.models import Action, ImpactMethod, Verdict

# The target-date rule is the action service's (today or later, inside the window every
# date keeps); the forms show its messages.
from actions.services import (
    TARGET_DATE_MAX_YEARS,
    TARGET_DATE_PAST,
    TARGET_DATE_TOO_FAR,
    ExtensionChoice,
    target_date_problem,
)
from actions.validators import MAX_EVIDENCE_BYTES
from agencies.models import Agency
from agencies.selectors import members_with
from core import dates

__all__ = ["TARGET_DATE_MAX_YEARS", "TARGET_DATE_PAST", "TARGET_DATE_TOO_FAR"]


def latest_target_date(today: date | None = None) -> date:
    return dates.latest(today)


def target_date_field() -> dates.DateInputField:
    """The GOV.UK date input for a target date: the window's messages are the target
    date's own (a date before 2000 is also before today)."""
    return dates.DateInputField(
        label="Target date",
        help_text="For example, 31 3 2027",
        error_messages={"before_window": TARGET_DATE_PAST, "after_window": TARGET_DATE_TOO_FAR},
    )


class GdsForm(forms.Form):
    """A form rendered by crispy-forms-gds, without its own <form> tag (the template
    supplies it, so one page can hold several forms)."""

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


class ProgressForm(GdsForm):
    text = forms.CharField(
        label="Progress update",
        widget=forms.Textarea,
        error_messages={"required": "Enter the progress update"},
        help_text="What has been done since the last update, and what is next.",
    )
    layout = (Field.textarea("text", rows=4),)


class EvidenceForm(GdsForm):
    description = forms.CharField(
        label="Describe the evidence",
        widget=forms.Textarea,
        error_messages={"required": "Describe the evidence"},
        help_text="What it shows about the action being delivered and its impact.",
    )
    file = forms.FileField(
        label="Upload a file (optional)",
        required=False,
        help_text=f"PDF, Word, Excel, PowerPoint, OpenDocument, CSV, text, PNG or JPEG, "
        f"up to {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB. Never include a child's name.",
    )
    layout = (Field.textarea("description", rows=3), Field("file"))


class ReturnForm(GdsForm):
    reason = forms.CharField(
        label="Why is the evidence being returned?",
        widget=forms.Textarea,
        error_messages={"required": "Enter the reason for returning the evidence"},
    )
    layout = (Field.textarea("reason", rows=3),)


class CancelForm(GdsForm):
    reason = forms.CharField(
        label="Why is the action being cancelled?",
        widget=forms.Textarea,
        error_messages={"required": "Enter the reason for cancelling the action"},
    )
    layout = (Field.textarea("reason", rows=3),)


class ExtensionAskForm(GdsForm):
    new_target_date = dates.DateInputField(
        label="New target date",
        help_text="After the current target date. For example, 31 3 2027",
        error_messages={"before_window": TARGET_DATE_PAST, "after_window": TARGET_DATE_TOO_FAR},
    )
    reason = forms.CharField(
        label="Why is more time needed?",
        widget=forms.Textarea,
        error_messages={"required": "Enter the reason for the extension"},
    )
    layout = (Field("new_target_date"), Field.textarea("reason", rows=3))


class ExtensionDecideForm(GdsForm):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=ExtensionChoice.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to approve or refuse the extension"},
    )
    reason = forms.CharField(
        label="Reason for your decision",
        widget=forms.Textarea,
        error_messages={"required": "Enter the reason for the decision"},
    )
    layout = (Field.radios("decision", legend_size=Size.SMALL), Field.textarea("reason", rows=3))


class LearningCheckForm(GdsForm):
    method = forms.ChoiceField(
        label="How was impact tested?",
        choices=ImpactMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how impact was tested"},
    )
    evidence = forms.CharField(
        label="Impact evidence",
        widget=forms.Textarea,
        help_text="What the re-audit, survey, focus group, indicator or case sampling found.",
        error_messages={"required": "Enter the impact evidence"},
    )
    verdict = forms.ChoiceField(
        label="Is the learning embedded?",
        choices=Verdict.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the learning is embedded"},
    )
    layout = (
        Field.radios("method", legend_size=Size.SMALL),
        Field.textarea("evidence", rows=4),
        Field.radios("verdict", legend_size=Size.SMALL),
    )


class LeadChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        agencies = ", ".join(m.agency.label for m in obj.memberships.all())
        return f"{obj.get_full_name() or obj.username} ({agencies})"


class ActionForm(GdsForm):
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.filter(is_active=True),
        label="Owning agency",
        error_messages={"required": "Choose the owning agency"},
    )
    lead = LeadChoiceField(
        queryset=get_user_model().objects.none(),
        label="Named lead",
        help_text="A member of the owning agency.",
        error_messages={"required": "Choose the named lead"},
    )
    reference = forms.CharField(label="Reference (optional)", required=False, max_length=30)
    description = forms.CharField(
        label="Action", widget=forms.Textarea, error_messages={"required": "Describe the action"}
    )
    target_date = target_date_field()
    layout = (
        Field.select("agency"),
        Field.select("lead"),
        Field.text("reference", field_width=10),
        Field.textarea("description", rows=3),
        Field("target_date"),
    )

    def clean_target_date(self) -> date:
        value: date = self.cleaned_data["target_date"]
        problem = target_date_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return value

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lead = self.fields["lead"]
        assert isinstance(lead, forms.ModelChoiceField)
        lead.queryset = (
            get_user_model()
            .objects.filter(is_active=True, memberships__isnull=False)
            .distinct()
            .order_by("first_name", "last_name", "username")
            .prefetch_related("memberships__agency")
        )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


class ActionDetailsForm(GdsForm):
    """Change an open action's details. Built for one action and user: only the fields
    in ``editable`` are offered (the page shows the rest read-only); each starts at the
    action's current value."""

    description = forms.CharField(
        label="Action", widget=forms.Textarea, error_messages={"required": "Describe the action"}
    )
    lead = PersonChoiceField(
        queryset=get_user_model().objects.none(),
        label="Named lead",
        empty_label=None,
        error_messages={"required": "Choose the named lead"},
    )
    target_date = target_date_field()
    reason = forms.CharField(
        label="Why are you making this change?",
        widget=forms.Textarea,
        help_text="This is kept in the action's history.",
        error_messages={"required": "Enter the reason for the change"},
    )

    def __init__(self, *args: Any, action: Action, editable: set[str], **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "description": action.description,
                "lead": action.lead_id,
                "target_date": action.target_date,
            },
        )
        super().__init__(*args, **kwargs)
        self.action = action
        for name in ("description", "lead", "target_date"):
            if name not in editable:
                del self.fields[name]
        if "lead" in self.fields:
            lead = self.fields["lead"]
            assert isinstance(lead, forms.ModelChoiceField)
            lead.help_text = f"An agency lead of {action.agency.name}."
            # Whoever may lead the owning agency's actions, and the current lead even if
            # their role has changed since (so the form can be saved without changing it).
            lead.queryset = (
                get_user_model()
                .objects.filter(
                    Q(pk__in=members_with(action.agency_id, "update_action").values("pk"))
                    | Q(pk=action.lead_id)
                )
                .order_by("first_name", "last_name", "username")
            )
        layout = {
            "description": Field.textarea("description", rows=4),
            "lead": Field.select("lead"),
            "target_date": Field("target_date"),
            "reason": Field.textarea("reason", rows=3),
        }
        self.helper.layout = Layout(*(layout[name] for name in self.fields))

    def clean_target_date(self) -> date:
        value: date = self.cleaned_data["target_date"]
        # An overdue action keeps its date when only the lead changes: only a new date
        # must make sense.
        if value != self.action.target_date:
            problem = target_date_problem(value)
            if problem:
                raise forms.ValidationError(problem)
        return value
