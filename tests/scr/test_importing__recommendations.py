"""The SCR part of the plan import (``scr.importing``, plugged into the action importer
through the source registry): a new recommendation is created through
``scr.services.recommendation_add``, with its permission, and its number keeps the one
rule every way in keeps (1 to 999: a recommendation imported as 1200 could never be
corrected on the pages or in the API)."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError

from actions import importing
from actions.models import Action
from core.tabular import Problem
from scr import importing as scr_importing
from scr import services
from scr.models import RECOMMENDATION_NUMBER_MAX, Recommendation
from tests.factories import UserFactory, in_days
from tests.factories.actions import make_recommendation, make_review

pytestmark = pytest.mark.django_db

HEADER = [
    "Review",
    "Recommendation no.",
    "Recommendation",
    "Action ref",
    "Action",
    "Agency",
    "Lead",
    "Target date",
]
SCR = "Child T serious case review"


@pytest.fixture
def review(agency_a):
    review = make_review(title=SCR, pseudonym="Child T", lead_agency=agency_a)
    make_recommendation(review, 1, "Share information at the front door")
    return review


def plan(*rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def row(number, text, agency, lead, description="Deliver the training"):
    return [SCR, number, text, "", description, agency.name, lead.username, in_days(30).isoformat()]


def test_the_number_rule_is_the_models(review, manager):
    with pytest.raises(ValidationError) as caught:
        services.recommendation_add(review=review, by=manager, number=1000, text="Too far")
    assert "number" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.recommendation_add(review=review, by=manager, number=0, text="Too low")
    made = services.recommendation_add(
        review=review, by=manager, number=RECOMMENDATION_NUMBER_MAX, text="The last one"
    )
    assert made.number == 999


@pytest.mark.parametrize("value", ["1200", "1000", "32767", "99999999999999999999"])
def test_an_import_refuses_a_number_past_999(review, manager, alice, agency_a, value):
    result = importing.dry_run(
        file=plan(row(value, "New one", agency_a, alice)), filename="plan.csv", by=manager
    )
    assert result.problems == [
        Problem(
            2,
            "Recommendation no.",
            scr_importing.RECOMMENDATION_NUMBER_OUT_OF_RANGE.format(value=value),
        )
    ]
    assert "run from 1 to 999" in result.problems[0].message


def test_999_imports(review, manager, alice, agency_a):
    result = importing.import_plan(
        file=plan(row("999", "The last one", agency_a, alice)), filename="plan.csv", by=manager
    )
    assert result.ok, result.problems
    assert Recommendation.objects.get(review=review, number=999).text == "The last one"


def test_new_recommendations_are_created_through_the_service(
    review, manager, alice, agency_a, monkeypatch
):
    calls = []
    real = services.recommendation_add

    def spy(**kwargs):
        calls.append((kwargs["number"], kwargs["by"]))
        return real(**kwargs)

    monkeypatch.setattr(services, "recommendation_add", spy)
    result = importing.import_plan(
        file=plan(
            row("2", "Supervise neglect cases", agency_a, alice),
            row("2", "", agency_a, alice, description="Audit supervision"),
            row("1", "", agency_a, alice),
        ),
        filename="plan.csv",
        by=manager,
    )
    assert result.ok, result.problems
    assert calls == [(2, manager)]  # once for the new recommendation, never for the old
    rec = Recommendation.objects.get(review=review, number=2)
    assert Action.objects.filter(source_object_id=rec.pk).count() == 2


def test_who_may_not_create_recommendations_may_import_only_onto_existing_ones(
    review, alice, agency_a
):
    planner = UserFactory(username="planner")
    planner.user_permissions.add(Permission.objects.get(codename="manage_plan"))
    assert not services.can_manage(planner)
    new = plan(row("5", "A new one", agency_a, alice))
    result = importing.dry_run(file=new, filename="plan.csv", by=planner)
    assert result.problems == [
        Problem(
            2,
            "Recommendation no.",
            scr_importing.RECOMMENDATION_NOT_PERMITTED.format(number=5),
        )
    ]
    result = importing.import_plan(file=new, filename="plan.csv", by=planner)
    assert not result.ok and not Recommendation.objects.filter(number=5).exists()
    assert not Action.objects.exists()
    # onto an existing recommendation: allowed
    result = importing.import_plan(
        file=plan(row("1", "", agency_a, alice)), filename="plan.csv", by=planner
    )
    assert result.ok and Action.objects.count() == 1


def test_the_importer_is_plugged_in_through_the_registry():
    from actions.sources import importers

    (source,) = importers()
    assert source.key == "scr.recommendation"
    assert isinstance(source.importer, scr_importing.RecommendationImporter)
    assert list(importing.plan_table().columns[:3]) == scr_importing.COLUMNS
