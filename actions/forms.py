from __future__ import annotations

from datetime import date
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size
from django import forms
from django.contrib.auth import get_user_model
from django.utils.html import escape

from actions.models import Action, ImpactMethod, Verdict

# The target-date rule is the action service's (today or later, inside the window every
# date keeps); the forms show its messages.
from actions.services import (
    LEAD_ROLES,
    TARGET_DATE_MAX_YEARS,
    TARGET_DATE_PAST,
    TARGET_DATE_TOO_FAR,
    ExtensionChoice,
    target_date_problem,
)
from actions.validators import MAX_EVIDENCE_BYTES
from agencies.models import Agency, AgencyKind, Membership
from agencies.selectors import holder_q, members_with, users_holding
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
    # A key of ``actions.impact`` ("audits.audit:12"): any text is taken here, and
    # the service checks it is one the person may cite for this action now.
    cites = forms.CharField(
        label="Impact evidence from another record (optional)",
        required=False,
        max_length=120,
        widget=forms.Select(choices=[("", "None")]),
        help_text="A later audit's findings, say: the re-audit closes the loop.",
    )
    layout = (
        Field.radios("method", legend_size=Size.SMALL),
        Field.textarea("evidence", rows=4),
        Field.radios("verdict", legend_size=Size.SMALL),
        Field.select("cites"),
    )

    def offer_citations(self, offered: list[tuple[str, str]]) -> None:
        """The records this check may cite (``actions.impact.choices``, for the action
        and the reader). Without any (and no error to show on it) the question is not
        asked."""
        if not offered and "cites" not in self.errors:
            del self.fields["cites"]
            self.helper.layout = Layout(*self.layout[:-1])
            return
        widget: Any = self.fields["cites"].widget
        widget.choices = [("", "None"), *offered]


def person_name(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


def lead_hint(agency: Agency | None = None) -> str:
    """The rule for who may lead, as the hint under a lead list says it: whoever holds
    ``update_action`` on the agency, which its agency leads and designated safeguarding
    leads do (``agencies.roles``)."""
    whose = f"{agency.name}'s" if agency is not None else "the owning agency's"
    return f"Someone who may lead {whose} actions: a member who is its {LEAD_ROLES}."


NOBODY_MAY_LEAD = (
    "Nobody in {agency} may lead its actions yet. An administrator must first give one "
    f"of its members the {LEAD_ROLES} role (in the admin, under Memberships)."
)


def nobody_may_lead(agency: Agency) -> str:
    """What to do when an agency has nobody who may lead its actions."""
    return NOBODY_MAY_LEAD.format(agency=agency.name)


def cannot_lead(user: Any, agency: Agency) -> str:
    return f"{person_name(user)} cannot lead {agency.name}'s actions: choose someone from it"


def eligible_leads(agency_ids: Any = None) -> dict[int, list[Any]]:
    """Who may lead each active agency's actions (``agencies.selectors.holder_q``, the
    rule ``user_can(lead, "update_action", agency)`` decides), by agency id, in one
    query: the active agencies (or ``agency_ids``) with at least one such member."""
    memberships = (
        Membership.objects.filter(agency__is_active=True, user__is_active=True)
        .filter(holder_q("update_action", user="user", agency="agency"))
        .select_related("user")
        .order_by("agency_id", "user__first_name", "user__last_name", "user__username")
    )
    if agency_ids is not None:
        memberships = memberships.filter(agency_id__in=agency_ids)
    found: dict[int, list[Any]] = {}
    for membership in memberships:
        people = found.setdefault(membership.agency_id, [])
        if all(p.pk != membership.user_id for p in people):
            people.append(membership.user)
    # The partnership's own actions may also be led by a holder of a partnership role
    # (the Chair, the partnership manager), as ``services._check_lead`` allows.
    own = Agency.objects.filter(is_active=True, kind=AgencyKind.PARTNERSHIP)
    if agency_ids is not None:
        own = own.filter(pk__in=agency_ids)
    own_ids = list(own.values_list("pk", flat=True))
    roles: list[Any] = []
    if own_ids:
        roles = list(
            users_holding("agencies.view_agency_records").order_by(
                "first_name", "last_name", "username"
            )
        )
    for pk in own_ids if roles else ():
        people = found.setdefault(pk, [])
        people.extend(p for p in roles if all(q.pk != p.pk for q in people))
    return found


class LeadField(forms.TypedChoiceField):
    """The lead list: any id is taken here, the form decides (a lead of another agency
    than the chosen one is refused by name, not as "not one of the choices")."""

    def valid_value(self, value: Any) -> bool:
        return True


class ActionForm(GdsForm):
    """A new action. The lead list offers only people who may lead (``update_action``
    on the agency): grouped by agency, or only the chosen agency's once one is chosen
    (a form sent back with errors; with JavaScript, as soon as it is chosen:
    ``static/js/lead-choice.js``). A lead of another agency is refused by name."""

    agency = forms.ModelChoiceField(
        queryset=Agency.objects.filter(is_active=True),
        label="Owning agency",
        empty_label="Choose the owning agency",
        error_messages={
            "required": "Choose the owning agency",
            "invalid_choice": "Choose the owning agency",
        },
    )
    lead = LeadField(
        coerce=int,
        label="Named lead",
        error_messages={
            "required": "Choose the named lead",
            "invalid_choice": "Choose the named lead from the list",
        },
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
        self.leads = eligible_leads()
        agencies = {a.pk: a for a in Agency.objects.filter(is_active=True).order_by("name")}
        self.chosen = agencies.get(self._chosen_agency_id() or 0)
        lead = self.fields["lead"]
        assert isinstance(lead, forms.TypedChoiceField)
        # every eligible person stays a valid choice (a lead of another agency is then
        # refused by name in clean), whatever is shown
        self.people = {p.pk: p for people in self.leads.values() for p in people}
        if self.chosen is not None:
            people = self.leads.get(self.chosen.pk, [])
            shown = [(self.chosen.name, [(p.pk, person_name(p)) for p in people])]
            lead.help_text = escape(
                lead_hint(self.chosen) if people else nobody_may_lead(self.chosen)
            )
        else:
            shown = [
                (agency.name, [(p.pk, person_name(p)) for p in self.leads[agency.pk]])
                for agency in agencies.values()
                if agency.pk in self.leads
            ]
            lead.help_text = escape(lead_hint())
        lead.choices = [("", "Choose the named lead"), *shown]
        lead.widget.attrs["data-lead-choice"] = "all" if self.chosen is None else "one"
        # what the script says of an agency nobody may lead yet ({agency}: its name)
        lead.widget.attrs["data-nobody"] = NOBODY_MAY_LEAD.format(agency="{agency}")

    def _chosen_agency_id(self) -> int | None:
        value = self.data.get("agency") if self.is_bound else self.initial.get("agency")
        value = getattr(value, "pk", value)
        try:
            return int(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            return None

    def clean_lead(self) -> Any:
        value = self.cleaned_data["lead"]
        person = self.people.get(value)
        if person is None:
            raise forms.ValidationError("Choose the named lead from the list")
        return person

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        agency, lead = data.get("agency"), data.get("lead")
        if agency is not None and agency.pk not in self.leads:
            self.add_error("agency", nobody_may_lead(agency))
        elif (
            agency is not None
            and lead is not None
            and all(p.pk != lead.pk for p in self.leads.get(agency.pk, []))
        ):
            self.add_error("lead", cannot_lead(lead, agency))
        return data


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
        # Whoever may lead the owning agency's actions now (``update_action`` on it),
        # never someone who no longer may (a lead who left is not offered back); where
        # there is nobody, the lead cannot be changed here and the page says who must be
        # added, and where.
        self.nobody_may_lead = ""
        self.lead_left = False
        if "lead" in self.fields:
            lead = self.fields["lead"]
            assert isinstance(lead, forms.ModelChoiceField)
            lead.help_text = escape(lead_hint(action.agency))
            lead.queryset = members_with(action.agency_id, "update_action").order_by(
                "first_name", "last_name", "username"
            )
            eligible = list(lead.queryset)
            self.lead_left = all(p.pk != action.lead_id for p in eligible)
            if not eligible:
                self.nobody_may_lead = nobody_may_lead(action.agency)
                del self.fields["lead"]
            elif self.lead_left:
                lead.empty_label = "Choose the new lead"
                self.initial["lead"] = None
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


class SourceChoiceForm(GdsForm):
    """What a new action answers, asked before anything else (``/actions/new/`` naming
    no source): one of the records of the registered sources (``actions.sources``) the
    user may create actions on, grouped by their parent. Sent by GET: the page it leads
    to names the record as every "Add an action" link does."""

    answers = forms.ChoiceField(
        label="What does the action answer?",
        help_text="An action is always created on a record: a review's recommendation, "
        "for example.",
        error_messages={
            "required": "Choose what the action answers",
            "invalid_choice": "Choose what the action answers",
        },
    )
    layout = (Field.select("answers"),)

    def __init__(
        self, *args: Any, options: list[tuple[str, list[tuple[str, str]]]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        answers = self.fields["answers"]
        assert isinstance(answers, forms.ChoiceField)
        answers.choices = [("", "Choose a record"), *options]

    def clean_answers(self) -> tuple[str, int]:
        key, _, pk = str(self.cleaned_data["answers"]).rpartition(":")
        if not key or not pk.isdigit():
            raise forms.ValidationError("Choose what the action answers")
        return key, int(pk)
