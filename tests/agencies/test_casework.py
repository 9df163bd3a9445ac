"""Case-level records: references that cannot hold a name, warnings on identifying free
text, and the log of who opened which case, read by the partnership manager only."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.casework import (
    CaseReferenceField,
    IdentifyingDetailsMixin,
    identifying_details,
    log_opening,
    validate_case_reference,
)
from agencies.models import CaseOpening, Partnership, validate_regular_expression
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["LCS-104233", "lcs 104233".replace(" ", "-"), "123", "A1/22"])
def test_references_that_match_the_pattern_are_kept_normalised(value):
    assert validate_case_reference(value) == value.upper()


@pytest.mark.parametrize("value", ["Jane Smith", "JANESMITH", "", "  ", "AB", "X" * 31 + "1"])
def test_names_and_malformed_references_are_refused_without_echo(value):
    with pytest.raises(ValidationError) as exc:
        validate_case_reference(value)
    message = " ".join(exc.value.messages)
    assert value.strip() == "" or value not in message


def test_the_partnership_sets_the_pattern():
    p = Partnership.current()
    p.case_reference_pattern = r"^CP\d{4}$"
    p.save()
    assert validate_case_reference("cp1234") == "CP1234"
    with pytest.raises(ValidationError):
        validate_case_reference("LCS-104233")


def test_a_broken_pattern_is_refused_in_the_setting_and_falls_back_in_use():
    with pytest.raises(ValidationError):
        validate_regular_expression("([")
    Partnership.objects.update(case_reference_pattern="([")
    assert validate_case_reference("LCS-1") == "LCS-1"
    with pytest.raises(ValidationError):
        validate_case_reference("Jane Smith")


class CaseForm(IdentifyingDetailsMixin, forms.Form):
    identifying_fields = ("notes",)
    case = CaseReferenceField()
    notes = forms.CharField(required=False)


@pytest.mark.parametrize(
    "text, what",
    [
        ("Seen at home on 12/03/2015 by the visitor", "date"),
        ("DOB given at the strategy meeting", "date"),
        ("born on the 3rd", "date"),
        ("The mother, Mrs Patel, attended", "name"),
        ("The school nurse spoke with Jane Smith about attendance", "name"),
        ("a boy called Tom", "name"),
        ("NHS number 943 476 5919 was shared", "NHS"),
        ("The family moved to NW9 5XY", "postcode"),
    ],
)
def test_identifying_details_are_found(text, what):
    found = " ".join(identifying_details(text))
    assert what.lower() in found.lower() or (what == "name" and "name" in found)


@pytest.mark.parametrize(
    "text",
    [
        "Child T was seen by Children's Social Care within the timescale.",
        "The strategy meeting on Monday included the Royal Free and the Police.",
        "Good management oversight; the plan was reviewed in March.",
        "",
    ],
)
def test_ordinary_practice_text_passes(text):
    assert identifying_details(text) == []


def test_the_form_warns_once_and_saves_when_checked():
    data = {"case": "lcs-1", "notes": "seen with Jane Smith"}
    form = CaseForm(data)
    assert not form.is_valid()
    assert "notes" in form.errors and form.warned_identifying
    assert "Jane" not in str(form.errors)
    form = CaseForm({**data, "checked_identifying_details": "on"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["case"] == "LCS-1"


def test_a_name_in_the_case_field_is_refused():
    form = CaseForm({"case": "Jane Smith", "notes": ""})
    assert not form.is_valid()
    assert "not a name" in form.errors["case"][0]


def _log(user, agency, ref, n=1):
    for _ in range(n):
        log_opening(user=user, record=agency, agency=agency, case_reference=ref, path="/x/")


def test_openings_are_logged_and_read_by_the_manager_only(
    agency_a, agency_b, alice, charlie, manager
):
    _log(alice, agency_a, "AAA-1", 2)
    _log(charlie, agency_b, "BBB-2")
    assert CaseOpening.objects.count() == 3
    client = login(manager)
    page = client.get("/agencies/case-openings/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "AAA-1" in body and "BBB-2" in body
    by_agency = client.get(f"/agencies/case-openings/?agency={agency_b.pk}").content.decode()
    assert "BBB-2" in by_agency and "AAA-1" not in by_agency
    by_case = client.get("/agencies/case-openings/?case=aaa-1").content.decode()
    assert "AAA-1" in by_case and "BBB-2" not in by_case
    assert client.get("/agencies/case-openings/?agency=x").status_code == 400
    for user in (alice, charlie):
        assert login(user).get("/agencies/case-openings/").status_code == 403


def test_anonymous_openings_are_not_logged(agency_a):
    from django.contrib.auth.models import AnonymousUser

    assert (
        log_opening(user=AnonymousUser(), record=agency_a, agency=agency_a, case_reference="A1")
        is None
    )


@pytest.mark.parametrize("size", [3, 120])
def test_the_log_costs_the_same_queries_at_any_size(agency_a, alice, manager, size):
    CaseOpening.objects.bulk_create(
        CaseOpening(
            user=alice,
            agency=agency_a,
            case_reference=f"C-{i}",
            record_type="agencies.agency",
            record_id=agency_a.pk,
            record_label=str(agency_a),
        )
        for i in range(size)
    )
    client = login(manager)
    client.get("/agencies/case-openings/")
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/agencies/case-openings/")
    assert page.status_code == 200
    assert len(ctx.captured_queries) <= 12, [q["sql"] for q in ctx.captured_queries]
    if size > 50:
        assert "Older openings" in page.content.decode()
        older = client.get(
            page.context["next_query"] and "/agencies/case-openings/?" + page.context["next_query"]
        )
        assert older.status_code == 200 and "Newest" in older.content.decode()
