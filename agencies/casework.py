"""Case-level records: the kit every loop that holds judgements about a child uses (audit
forms and their sampled cases, professional differences about a child).

- ``validate_case_reference(value)`` / ``CaseReferenceField``: a case is named by a
  pseudonymous reference that matches the partnership's pattern
  (``Partnership.case_reference_pattern``), never by a name. The default pattern needs a
  digit, so "Jane Smith" or "JANESMITH" is refused.
- ``identifying_details(text)``: what in free text looks like a name, a date of birth, an
  NHS number or a postcode. A warning, not a refusal: ``IdentifyingDetailsMixin`` makes a
  form stop once, say what it found in which answer, and save only when the person ticks
  that they checked.
- ``log_opening(...)``: every opening of a case-level record is logged (who, when, which
  record, which agency's case); the partnership manager reads the log per agency and per
  case at ``/agencies/case-openings/`` (``agencies.view_case_openings``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError

from agencies.models import Agency, CaseOpening, Partnership

DEFAULT_HINT = "The child's case number in your agency's system, for example LCS-104233."
CASE_REFERENCE_MAX = 30


def case_reference_rule() -> tuple[re.Pattern[str], str]:
    partnership = Partnership.current()
    try:
        pattern = re.compile(partnership.case_reference_pattern)
    except re.error:  # a broken setting must not let anything through
        pattern = re.compile(Partnership._meta.get_field("case_reference_pattern").default)
    return pattern, partnership.case_reference_hint or DEFAULT_HINT


def normalise_case_reference(value: str) -> str:
    return " ".join(str(value).split()).upper()


def validate_case_reference(value: str) -> str:
    """The reference, normalised (upper case, spaces squeezed), or ``ValidationError``
    with a message that does not repeat what was typed."""
    ref = normalise_case_reference(value)
    if not ref:
        raise ValidationError("Enter the case reference", code="required")
    if len(ref) > CASE_REFERENCE_MAX:
        raise ValidationError(
            f"Case reference must be {CASE_REFERENCE_MAX} characters or fewer", code="max_length"
        )
    pattern, hint = case_reference_rule()
    if not pattern.fullmatch(ref):
        raise ValidationError(
            "Enter the case reference from your agency's system, not a name. " + hint,
            code="invalid_case_reference",
        )
    return ref


class CaseReferenceField(forms.CharField):
    """A form field for a pseudonymous case reference, with the partnership's hint."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Case reference")
        kwargs.setdefault("max_length", 60)
        super().__init__(**kwargs)
        if not self.help_text:
            try:
                self.help_text = case_reference_rule()[1]
            except Exception:  # no database yet (import time, migrations)
                self.help_text = DEFAULT_HINT

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if value in self.empty_values:
            return ""
        return validate_case_reference(value)


# -- identifying details in free text -------------------------------------------------------

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DATE = re.compile(
    rf"\b(\d{{1,2}}[/.-]\d{{1,2}}[/.-](\d{{2}}|\d{{4}})"
    rf"|\d{{1,2}}(st|nd|rd|th)?\s+({_MONTHS})\.?\s+\d{{4}})\b",
    re.IGNORECASE,
)
_BIRTH_WORDS = re.compile(r"\b(d\.?o\.?b\.?|date of birth|born on|born in \d{4})\b", re.IGNORECASE)
_NHS_NUMBER = re.compile(r"\b\d{3}\s?\d{3}\s?\d{4}\b")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_TITLE_NAME = re.compile(r"\b(Mr|Mrs|Ms|Miss|Mx|Master)\.?\s+[A-Z][a-z'-]+")
_NAMED = re.compile(r"\b(called|named|name is)\s+[A-Z][a-z'-]+", re.IGNORECASE)
# Two capitalised words in a row inside a sentence ("... seen by Jane Smith at ..."):
_CAPITALISED_PAIR = re.compile(r"(?<=[a-z,;:] )([A-Z][a-z'-]+)\s+([A-Z][a-z'-]+)")
_NOT_NAMES = {
    # days, months, the partnership's own vocabulary: a pair made of these is not a name
    *(m.capitalize() for m in _MONTHS.split("|")),
    *(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]),
    *[
        "Child",
        "Children",
        "Social",
        "Care",
        "Services",
        "Police",
        "Health",
        "Trust",
        "Foundation",
        "School",
        "Schools",
        "Early",
        "Help",
        "Conference",
        "Strategy",
        "Meeting",
        "Review",
        "Plan",
        "Protection",
        "Partnership",
        "Board",
        "Safeguarding",
        "Multi",
        "Agency",
        "Hub",
        "Front",
        "Door",
        "Team",
        "Panel",
        "Court",
        "Family",
        "Graded",
        "Profile",
        "Ofsted",
        "Barnet",
        "London",
        "North",
        "South",
        "East",
        "West",
        "Central",
        "NHS",
        "Royal",
        "Free",
        "Hospital",
        "Designated",
        "Lead",
        "Officer",
        "Worker",
        "Visitor",
        "Nurse",
        "Health",
        "Probation",
        "Youth",
        "Justice",
        "Voluntary",
        "Sector",
        "Local",
        "Authority",
        "Council",
        "Manager",
        "Chair",
        "Section",
        "Order",
        "Domestic",
        "Abuse",
        "Exploitation",
        "Missing",
        "Neglect",
        "Care",
        "Leaver",
        "Looked",
        "After",
        "Private",
        "Fostering",
        "Connected",
        "Persons",
        "Disabilities",
        "Mental",
        "Education",
        "Health",
        "And",
        "Plan",
        "Child",
        "In",
        "Need",
    ],
}


def identifying_details(text: str) -> list[str]:
    """What in ``text`` looks identifying, as short descriptions (without repeating the
    text itself). Empty when nothing does."""
    if not text:
        return []
    found: list[str] = []
    if _DATE.search(text) or _BIRTH_WORDS.search(text):
        found.append("a date that could be a date of birth")
    if _NHS_NUMBER.search(text):
        found.append("a number that could be an NHS number")
    if _POSTCODE.search(text):
        found.append("a postcode")
    name = bool(_TITLE_NAME.search(text) or _NAMED.search(text))
    if not name:
        for first, second in _CAPITALISED_PAIR.findall(text):
            if first not in _NOT_NAMES and second not in _NOT_NAMES:
                name = True
                break
    if name:
        found.append("what looks like a person's name")
    return found


if TYPE_CHECKING:  # the mixin goes on a form: type-check it as one
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class IdentifyingDetailsMixin(_FormBase):
    """For a ``forms.Form`` with free-text fields about a child: the first submission that
    holds something identifying stops with an error on each such field, naming what was
    found; ticking "I have checked" lets the next submission save. Set
    ``identifying_fields`` to the names of the fields to check."""

    identifying_fields: tuple[str, ...] = ()
    confirm_field = "checked_identifying_details"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[self.confirm_field] = forms.BooleanField(
            required=False,
            label="I have checked: these answers do not name anyone or give a date of birth",
            help_text="Tick this only if the warning above is wrong.",
        )

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if data.get(self.confirm_field):
            return data
        for name in self.identifying_fields:
            found = identifying_details(str(data.get(name) or ""))
            if found:
                self.add_error(
                    name,
                    "This answer may identify someone: it holds "
                    + " and ".join(found)
                    + ". Remove it, or tick the box to confirm it does not identify anyone",
                )
        return data

    @property
    def warned_identifying(self) -> bool:
        errors = getattr(self, "errors", {})
        return any(name in errors for name in self.identifying_fields)


# -- the openings log -----------------------------------------------------------------------


def log_opening(
    *,
    user: Any,
    record: Any,
    agency: Agency | int | None,
    case_reference: str,
    path: str = "",
) -> CaseOpening | None:
    """Log that ``user`` opened ``record`` (a case-level record of ``agency``'s case)."""
    if not getattr(user, "is_authenticated", False):
        return None
    agency_id = agency.pk if isinstance(agency, Agency) else agency
    return CaseOpening.objects.create(
        user=user,
        agency_id=agency_id,
        case_reference=str(case_reference)[:60],
        record_type=record._meta.label_lower,
        record_id=record.pk,
        record_label=str(record)[:200],
        path=path[:300],
    )
