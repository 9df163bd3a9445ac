"""A target date set on a page or through the API is today or later and within 10
years; an unchanged date (an overdue action whose lead changes) is kept. The importer
keeps past dates from existing plans but refuses one before 2000 or more than 10 years
ahead (a typo)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from actions import importing
from actions.forms import TARGET_DATE_PAST, TARGET_DATE_TOO_FAR
from actions.models import Action
from agencies.models import Role
from tests.conftest import login
from tests.factories import in_days, member
from tests.factories.actions import make_action, make_recommendation, make_review


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def today() -> date:
    return timezone.localdate()


def too_far() -> date:
    return today() + relativedelta(years=10, days=1)


def date_fields(day: date) -> dict[str, str]:
    return {
        "target_date_0": str(day.day),
        "target_date_1": str(day.month),
        "target_date_2": str(day.year),
    }


@pytest.fixture
def alex(agency_a):
    return member(agency_a, Role.AGENCY_LEAD, "alex")


@pytest.fixture
def overdue(alice, agency_a, manager):
    # the service records a past date (as the importer and the demo do)
    return make_action(agency=agency_a, lead=alice, by=manager, target_in_days=-30)


# -- pages ------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "error"),
    [
        (lambda: in_days(-1), TARGET_DATE_PAST),
        (lambda: date(1900, 1, 1), TARGET_DATE_PAST),
        (too_far, TARGET_DATE_TOO_FAR),
        (today, None),
        (lambda: today() + relativedelta(years=10), None),
    ],
    ids=["yesterday", "1900", "10 years and a day", "today", "10 years"],
)
def test_creating_on_the_page(manager, alice, agency_a, day, error):
    rec = make_recommendation(make_review(lead_agency=agency_a))
    response = login(manager).post(
        reverse("actions:create") + f"?recommendation={rec.pk}",
        {
            "recommendation": rec.pk,
            "agency": agency_a.pk,
            "lead": alice.pk,
            "description": "Audit ten cases",
            **date_fields(day()),
        },
    )
    if error:
        assert response.status_code == 400
        assert error in response.content.decode()
        assert not Action.objects.exists()
    else:
        assert response.status_code == 302
        assert Action.objects.get().target_date == day()


@pytest.mark.django_db
def test_changing_the_date_on_the_page(overdue, alice, alex, manager):
    url = reverse("actions:edit", args=[overdue.pk])
    client = login(manager)  # issue 9: the target date is the partnership manager's
    text = overdue.description
    for day, error in [(in_days(-1), TARGET_DATE_PAST), (too_far(), TARGET_DATE_TOO_FAR)]:
        response = client.post(
            url, {"description": text, "lead": alice.pk, **date_fields(day), "reason": "Moved"}
        )
        assert response.status_code == 400 and error in response.content.decode()
    # the overdue date unchanged, a new lead: fine
    response = client.post(
        url,
        {
            "description": text,
            "lead": alex.pk,
            **date_fields(overdue.target_date),
            "reason": "Handover",
        },
    )
    assert response.status_code == 302
    overdue.refresh_from_db()
    assert overdue.lead == alex and overdue.target_date == in_days(-30)


# -- API --------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("1900-01-01", TARGET_DATE_PAST),
        ("0001-01-01", TARGET_DATE_PAST),
        (lambda: in_days(-1).isoformat(), TARGET_DATE_PAST),
        (lambda: too_far().isoformat(), TARGET_DATE_TOO_FAR),
        ("9999-12-31", TARGET_DATE_TOO_FAR),
    ],
    ids=["1900", "year 1", "yesterday", "10 years and a day", "9999"],
)
def test_the_api_refuses_a_date_that_makes_no_sense(
    manager, alice, agency_a, overdue, value, error
):
    value = value() if callable(value) else value
    r = api(manager).post(
        "/api/v1/actions/",
        {"agency": agency_a.pk, "lead": "alice", "description": "Audit", "target_date": value},
        format="json",
    )
    assert r.status_code == 400 and r.json() == {"target_date": [error]}
    r = api(alice).post(
        f"/api/v1/actions/{overdue.pk}/details/",
        {"target_date": value, "reason": "Moved"},
        format="json",
    )
    assert r.status_code == 400 and r.json() == {"target_date": [error]}
    overdue.refresh_from_db()
    assert overdue.target_date == in_days(-30)
    assert Action.objects.count() == 1


@pytest.mark.django_db
def test_the_api_keeps_an_unchanged_past_date(overdue, alice, alex, manager):
    r = api(alice).post(
        f"/api/v1/actions/{overdue.pk}/details/",
        {"lead": "alex", "target_date": overdue.target_date.isoformat(), "reason": "Handover"},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["lead"] == "alex" and r.json()["rag"] == "red"
    r = api(manager).post(  # issue 9: the target date is the partnership manager's
        f"/api/v1/actions/{overdue.pk}/details/",
        {"target_date": today().isoformat(), "reason": "New plan"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["target_date"] == today().isoformat()


# -- importing --------------------------------------------------------------------------
def plan(*dates: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(importing.COLUMNS)
    for i, day in enumerate(dates):
        writer.writerow(
            ["Child T serious case review", "1", "", f"1.{i}", f"Action {i}", "CSC", "alice", day]
        )
    return buffer.getvalue().encode()


@pytest.mark.django_db
def test_the_importer_keeps_past_dates_but_refuses_typos(alice, agency_a, manager):
    agency_a.short_name = "CSC"
    agency_a.save()
    make_recommendation(make_review(title="Child T serious case review"))
    result = importing.dry_run(
        file=plan(
            "2024-03-31",  # an existing plan's past date: kept
            "2000-01-01",
            "1999-12-31",
            "0202-03-31",
            too_far().isoformat(),
            (today() + relativedelta(years=10)).isoformat(),
        ),
        filename="plan.csv",
        by=manager,
    )
    assert [(p.row, p.column) for p in result.problems] == [
        (4, "Target date"),
        (5, "Target date"),
        (6, "Target date"),
    ]
    assert result.problems[0].message == importing.DATE_OUT_OF_RANGE.format(
        value="31 December 1999"
    )
    assert [row.target_date for row in result.rows][:2] == [date(2024, 3, 31), date(2000, 1, 1)]


# -- the rule lives in the service ---------------------------------------------------------
@pytest.mark.django_db
def test_the_service_refuses_a_past_date_unless_told_the_plan_is_recorded_as_it_stood(
    alice, agency_a, manager
):
    from django.core.exceptions import ValidationError

    from actions import services

    fields = dict(source=None, agency=agency_a, lead=alice, by=manager, description="Audit")
    with pytest.raises(ValidationError) as refused:
        services.action_create(**fields, target_date=in_days(-1))
    assert refused.value.message_dict == {"target_date": [TARGET_DATE_PAST]}
    with pytest.raises(ValidationError) as refused:
        services.action_create(**fields, target_date=too_far())
    assert refused.value.message_dict == {"target_date": [TARGET_DATE_TOO_FAR]}
    assert not Action.objects.exists()
    # an import or the demo records an existing plan's missed date, inside the window
    kept = services.action_create(**fields, target_date=in_days(-1), allow_past=True)
    assert kept.target_date == in_days(-1)
    with pytest.raises(ValidationError):
        services.action_create(**fields, target_date=date(1999, 12, 31), allow_past=True)
    action = make_action(agency=agency_a, lead=alice, by=manager, target_in_days=30)
    with pytest.raises(ValidationError) as refused:
        services.action_update_details(
            action=action, by=manager, reason="Slipped", target_date=in_days(-2)
        )
    assert refused.value.message_dict == {"target_date": [TARGET_DATE_PAST]}
