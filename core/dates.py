"""The one rule for every date the product accepts, and date arithmetic that cannot fail.

**The window.** A date entered on a page, sent to the API or read from an imported plan
is from 1 January 2000 (:data:`EARLIEST`) and no more than :data:`YEARS_AHEAD` years
after today. A field may add its own rule inside it (an action's new target date is
today or later: ``actions.services.target_date_problem``), never widen it. Without it a
review notified on 28 December 9999 was saved and its rapid review due date overflowed,
so every page and list showing the review failed.

**The fields.** :class:`DateInputField` is the GOV.UK date input (day, month and year
boxes) for every form: each error is a sentence for the user ("Date notified must be a
real date", "Enter the year as 4 digits"), never Python's own ("day is out of range for
month"), however long or odd the input. :class:`ApiDateField` is the API's date
(``YYYY-MM-DD``), with the same window.

**Arithmetic.** :func:`add_days` and :func:`add_months` answer ``None`` instead of
raising ``OverflowError`` past 31 December 9999 (or before 1 January of year 1), so a
date derived from one stored before the window existed is shown as unknown, not a 500.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from crispy_forms_gds.fields import DateInputField as GdsDateInputField
from crispy_forms_gds.widgets import DateInputWidget as GdsDateInputWidget
from dateutil.relativedelta import relativedelta
from django import forms
from django.utils import timezone
from rest_framework import serializers

EARLIEST = date(2000, 1, 1)
YEARS_AHEAD = 10

# What each kind of error says; ``{name}`` is the field's name in a sentence ("Date
# notified"), ``{years}`` YEARS_AHEAD.
BEFORE_WINDOW = "{name} must be 2000 or later"
AFTER_WINDOW = "{name} must be within {years} years from today"
NOT_REAL = "{name} must be a real date"
REQUIRED = "Enter the {lower}"
MISSING_DAY = "Enter the day"
MISSING_MONTH = "Enter the month"
MISSING_YEAR = "Enter the year"
YEAR_DIGITS = "Enter the year as 4 digits"
API_FORMAT = "{name} must be a real date in the form YYYY-MM-DD, for example 2027-03-31"

_DIGITS = re.compile(r"[0-9]+")
# The boxes: how many digits each takes (a day or month may be written 05).
_MAX_DIGITS = (2, 2, 4)
# What a box keeps of what was typed (more than any valid box holds).
_ECHO = 12


# -- the window ----------------------------------------------------------------------------
def today() -> date:
    return timezone.localdate()


def latest(on: date | None = None) -> date:
    """The last date the window takes (``YEARS_AHEAD`` years from ``on``, default today)."""
    return add_months(on or today(), 12 * YEARS_AHEAD) or date.max


def window_problem(value: date, name: str = "The date", on: date | None = None) -> str | None:
    """Why ``value`` is outside the window, as a sentence about ``name``; or None."""
    if value < EARLIEST:
        return BEFORE_WINDOW.format(name=name, years=YEARS_AHEAD)
    if value > latest(on):
        return AFTER_WINDOW.format(name=name, years=YEARS_AHEAD)
    return None


def in_window(value: date, on: date | None = None) -> bool:
    return window_problem(value, on=on) is None


# -- arithmetic that cannot overflow --------------------------------------------------------
def add_days(day: date, days: int) -> date | None:
    """``day`` plus ``days`` (may be negative), or None past the calendar's ends."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return None


def add_months(day: date, months: int) -> date | None:
    """``day`` plus ``months`` calendar months (the 31st becomes the month's last day), or
    None past the calendar's ends."""
    try:
        return day + relativedelta(months=months)
    except (OverflowError, ValueError):
        return None


# -- the form field ------------------------------------------------------------------------
def _sentence_name(label: Any) -> str:
    name = str(label or "The date").strip()
    return name.removesuffix("(optional)").strip()


class DateInputWidget(GdsDateInputWidget):
    """The three boxes. What comes back in a box is cut to a few characters: a box
    longer than a year can never be valid, and the page that says so need not repeat a
    megabyte of it."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        values = super().value_from_datadict(data, files, name)
        return [v.strip()[:_ECHO] if isinstance(v, str) else v for v in values]


class DateInputField(GdsDateInputField):
    """The GOV.UK date input (day, month and year boxes), for every form's dates.

    ``name`` is what the messages call the date (default: the label without
    "(optional)"). The window's two messages can be replaced by a field with a stricter
    rule of its own, through ``error_messages`` keys ``before_window`` and
    ``after_window`` (an action's target date says "must be today or in the future").
    Errors about one box are tied to it (the error summary links to that box)."""

    widget = DateInputWidget

    def __init__(self, *, name: str | None = None, **kwargs: Any) -> None:
        messages = kwargs.pop("error_messages", None) or {}
        kwargs.setdefault("require_all_fields", False)
        super().__init__(**kwargs)
        name = name or _sentence_name(self.label)
        self.error_messages.update(
            {
                "required": REQUIRED.format(lower=name[:1].lower() + name[1:]),
                "invalid": NOT_REAL.format(name=name),
                "before_window": BEFORE_WINDOW.format(name=name, years=YEARS_AHEAD),
                "after_window": AFTER_WINDOW.format(name=name, years=YEARS_AHEAD),
                **messages,
            }
        )

    def _refuse(self, message: str, box: int | None = None) -> forms.ValidationError:
        if box is not None:
            self.fields[box].widget.errors = [message]  # the summary links to the box
        return forms.ValidationError(message, code="invalid")

    def clean(self, value: Any) -> date | None:
        if self.disabled and not isinstance(value, list | tuple):
            value = self.widget.decompress(value)
        for field in self.fields:
            field.widget.errors = []
        if not isinstance(value, list | tuple):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        boxes = [v.strip() if isinstance(v, str) else "" for v in (*value, "", "", "")[:3]]
        if not any(boxes):
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return None
        missing = [i for i, text in enumerate(boxes) if not text]
        if missing:
            errors = [(MISSING_DAY, MISSING_MONTH, MISSING_YEAR)[i] for i in missing]
            for i, message in zip(missing, errors, strict=True):
                self.fields[i].widget.errors = [message]
            raise forms.ValidationError(errors, code="incomplete")
        # Checked as text first: int() of a 5,000-digit string is Python's own error.
        for i, text in enumerate(boxes):
            if not _DIGITS.fullmatch(text) or (i < 2 and len(text) > _MAX_DIGITS[i]):
                raise self._refuse(self.error_messages["invalid"], box=i)
        if len(boxes[2]) != _MAX_DIGITS[2]:
            raise self._refuse(YEAR_DIGITS, box=2)
        day, month, year = (int(text) for text in boxes)
        try:
            out = date(year, month, day)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        self.validate_window(out)
        self.run_validators(out)
        return out

    def validate_window(self, value: date) -> None:
        problem = window_problem(value)
        if problem:
            key = "before_window" if value < EARLIEST else "after_window"
            raise forms.ValidationError(self.error_messages[key], code=key)


# -- the API field -------------------------------------------------------------------------
class ApiDateField(serializers.DateField):
    """The API's date (``YYYY-MM-DD``) within the window. ``name`` is what the messages
    call it; ``error_messages`` keys ``before_window`` and ``after_window`` replace the
    window's messages for a field with a stricter rule of its own."""

    def __init__(self, *, name: str = "The date", **kwargs: Any) -> None:
        messages = kwargs.pop("error_messages", None) or {}
        super().__init__(**kwargs)
        self.error_messages.update(
            {
                "invalid": API_FORMAT.format(name=name),
                "datetime": API_FORMAT.format(name=name),
                "before_window": BEFORE_WINDOW.format(name=name, years=YEARS_AHEAD),
                "after_window": AFTER_WINDOW.format(name=name, years=YEARS_AHEAD),
                **messages,
            }
        )

    def to_internal_value(self, value: Any) -> date:
        if isinstance(value, str) and len(value) > 40:  # no date is longer: no parsing
            self.fail("invalid", format="YYYY-MM-DD")
        out: date = super().to_internal_value(value)
        if window_problem(out):
            self.fail("before_window" if out < EARLIEST else "after_window")
        return out
