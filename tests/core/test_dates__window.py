"""core.dates: the one window every date keeps (from 2000, no more than 10 years ahead),
used alike by the pages' date input, the API's date and the importer; GOV.UK sentences
for every way a date can be wrong, however long or odd what was typed; and date
arithmetic that answers None at the calendar's ends instead of raising OverflowError."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from django import forms
from django.utils import timezone
from rest_framework import serializers

from actions import importing
from actions.forms import TARGET_DATE_PAST, TARGET_DATE_TOO_FAR, ActionForm
from core import dates
from core.dates import ApiDateField, DateInputField
from core.workdays import add_working_days, is_working_day, working_days_between
from scr.forms import ReviewForm
from tests.factories.actions import make_recommendation, make_review

TODAY = date(2026, 5, 20)


# -- the window ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (date(1, 1, 1), "Date notified must be 2000 or later"),
        (date(1999, 12, 31), "Date notified must be 2000 or later"),
        (date(2000, 1, 1), None),
        (TODAY, None),
        (date(2036, 5, 20), None),
        (date(2036, 5, 21), "Date notified must be within 10 years from today"),
        (date(9999, 12, 28), "Date notified must be within 10 years from today"),
        (date.max, "Date notified must be within 10 years from today"),
    ],
)
def test_the_window(value, problem):
    assert dates.window_problem(value, "Date notified", on=TODAY) == problem
    assert dates.in_window(value, on=TODAY) is (problem is None)


def test_the_window_from_the_calendar_s_last_day():
    assert dates.latest(date.max) == date.max
    assert dates.latest(date(2024, 2, 29)) == date(2034, 2, 28)


# -- arithmetic at the calendar's ends -----------------------------------------------------
def test_adding_days_and_months_past_the_calendar_is_none():
    assert dates.add_days(date(9999, 12, 30), 1) == date.max
    assert dates.add_days(date.max, 1) is None
    assert dates.add_days(date.min, -1) is None
    assert dates.add_days(date.max, 10**9) is None
    assert dates.add_months(date(9999, 6, 30), 6) == date(9999, 12, 30)
    assert dates.add_months(date(9999, 12, 28), 1) is None
    assert dates.add_months(date.min, -1) is None
    assert dates.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


@pytest.mark.parametrize(
    "start", [date(9999, 12, 1), date(9999, 12, 28), date(9999, 12, 31), date(9999, 12, 25)]
)
def test_working_days_near_the_last_day_never_overflow(start):
    assert add_working_days(start, 30) is None
    assert add_working_days(start, 10**6) is None
    assert add_working_days(start, 0) == start
    assert add_working_days(start, -1) is not None
    assert working_days_between(start, date.max) >= 0
    assert working_days_between(date.max, start) <= 0
    assert is_working_day(date.max) in (True, False)


def test_working_days_near_the_first_day_never_overflow():
    assert add_working_days(date(1, 1, 5), -15) is None
    assert add_working_days(date.min, -1) is None
    assert add_working_days(date.min, 1) == date(1, 1, 2)


def test_working_days_up_to_the_last_day_still_count():
    # Friday 31 December 9999 is the calendar's last working day
    assert add_working_days(date(9999, 12, 29), 2) == date.max
    assert add_working_days(date(9999, 12, 29), 3) is None
    assert working_days_between(date(9999, 12, 29), date.max) == 2


# -- the pages' date input -----------------------------------------------------------------
class OneDate(forms.Form):
    when = DateInputField(label="Date notified (optional)", required=False)


class RequiredDate(forms.Form):
    when = DateInputField(label="Target date")


def errors(form_class: type[forms.Form], day: str, month: str, year: str) -> list[str]:
    form = form_class({"when_0": day, "when_1": month, "when_2": year})
    assert not form.is_valid()
    return [str(e) for e in form.errors["when"]]


def box_errors(form: forms.Form) -> list[list[str]]:
    field = form.fields["when"]
    assert isinstance(field, DateInputField)
    return [list(getattr(f.widget, "errors", [])) for f in field.fields]


PYTHON = ["out of range", "set_int_max_str_digits", "invalid literal", "must be in", "int()"]


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("31", "2", "2027", "Date notified must be a real date"),
        ("29", "2", "2027", "Date notified must be a real date"),
        ("0", "5", "2027", "Date notified must be a real date"),
        ("32", "1", "2027", "Date notified must be a real date"),
        ("1", "13", "2027", "Date notified must be a real date"),
        ("1", "0", "2027", "Date notified must be a real date"),
        ("x", "5", "2027", "Date notified must be a real date"),
        ("1", "May", "2027", "Date notified must be a real date"),
        ("-1", "5", "2027", "Date notified must be a real date"),
        ("1.5", "5", "2027", "Date notified must be a real date"),
        ("²", "5", "2027", "Date notified must be a real date"),
        ("١٢", "5", "2027", "Date notified must be a real date"),
        ("001", "5", "2027", "Date notified must be a real date"),
        ("9" * 5000, "5", "2027", "Date notified must be a real date"),
        ("1", "9" * 5000, "2027", "Date notified must be a real date"),
        ("1", "5", "27", "Enter the year as 4 digits"),
        ("1", "5", "20270", "Enter the year as 4 digits"),
        ("1", "5", "9" * 5000, "Enter the year as 4 digits"),
        ("1", "5", "0000", "Date notified must be a real date"),
        ("1", "5", "1999", "Date notified must be 2000 or later"),
        ("28", "12", "9999", "Date notified must be within 10 years from today"),
    ],
)
def test_every_error_is_a_sentence_for_the_user(day, month, year, message):
    found = errors(OneDate, day, month, year)
    assert found == [message]
    assert not any(p in message for p in PYTHON)


def test_an_error_about_one_box_is_tied_to_it():
    form = OneDate({"when_0": "1", "when_1": "5", "when_2": "9" * 5000})
    assert not form.is_valid()
    assert box_errors(form) == [[], [], ["Enter the year as 4 digits"]]
    form = OneDate({"when_0": "x", "when_1": "5", "when_2": "2027"})
    assert not form.is_valid()
    assert box_errors(form) == [["Date notified must be a real date"], [], []]
    # a date that does not exist is about the whole date (the summary links to the day)
    form = OneDate({"when_0": "31", "when_1": "2", "when_2": "2027"})
    assert not form.is_valid()
    assert box_errors(form) == [[], [], []]


def test_a_missing_part_is_named():
    assert errors(OneDate, "1", "", "2027") == ["Enter the month"]
    assert errors(OneDate, "", "5", "") == ["Enter the day", "Enter the year"]
    assert errors(RequiredDate, "", "", "") == ["Enter the target date"]
    assert OneDate({"when_0": " ", "when_1": "", "when_2": ""}).is_valid()


def test_a_good_date_with_spaces_and_leading_zeros():
    form = OneDate({"when_0": " 05 ", "when_1": "03", "when_2": " 2027"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["when"] == date(2027, 3, 5)


def test_a_megabyte_in_a_box_is_not_sent_back():
    huge = "9" * 1_000_000
    form = OneDate({"when_0": "1", "when_1": "5", "when_2": huge})
    html = str(form["when"])
    assert len(html) < 2000 and huge[:13] not in html


def test_the_forms_use_the_shared_input():
    assert isinstance(ReviewForm.base_fields["notified_on"], DateInputField)
    assert isinstance(ReviewForm.base_fields["published_on"], DateInputField)
    assert isinstance(ActionForm.base_fields["target_date"], DateInputField)


@pytest.mark.django_db
def test_a_target_date_says_its_own_rule():
    before, after = date(1999, 12, 31), timezone.localdate() + relativedelta(years=10, days=1)
    for day, message in [(before, TARGET_DATE_PAST), (after, TARGET_DATE_TOO_FAR)]:
        form = ActionForm(
            {
                "target_date_0": str(day.day),
                "target_date_1": str(day.month),
                "target_date_2": str(day.year),
            }
        )
        assert not form.is_valid()
        assert form.errors["target_date"] == [message]


# -- the API's date ------------------------------------------------------------------------
class DateBody(serializers.Serializer):
    when = ApiDateField(name="Date notified")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("9999-12-28", "Date notified must be within 10 years from today"),
        ("1999-12-31", "Date notified must be 2000 or later"),
        (
            "2027-02-30",
            "Date notified must be a real date in the form YYYY-MM-DD, for example 2027-03-31",
        ),
        (
            "9" * 5000,
            "Date notified must be a real date in the form YYYY-MM-DD, for example 2027-03-31",
        ),
        (
            "2027-03-31T10:00:00",
            "Date notified must be a real date in the form YYYY-MM-DD, for example 2027-03-31",
        ),
    ],
)
def test_the_api_date(value, message):
    body = DateBody(data={"when": value})
    assert not body.is_valid()
    assert body.errors == {"when": [message]}


def test_the_api_date_takes_the_window():
    body = DateBody(data={"when": "2000-01-01"})
    assert body.is_valid() and body.validated_data["when"] == date(2000, 1, 1)


# -- the importer ----------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_importer_keeps_the_same_window(alice, agency_a, manager, monkeypatch):
    agency_a.short_name = "CSC"
    agency_a.save()
    make_recommendation(make_review(title="Child T serious case review"))
    # a narrower window (as if the rule changed) narrows the importer's too
    monkeypatch.setattr(dates, "YEARS_AHEAD", 2)
    three_years = (timezone.localdate() + relativedelta(years=3)).isoformat()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(importing.COLUMNS)
    writer.writerow(
        ["Child T serious case review", "1", "", "1.1", "Action", "CSC", "alice", three_years]
    )
    result = importing.dry_run(file=buffer.getvalue().encode(), filename="plan.csv", by=manager)
    assert [(p.row, p.column) for p in result.problems] == [(2, "Target date")]
