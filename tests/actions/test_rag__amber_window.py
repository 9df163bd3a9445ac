"""The amber window is the partnership's setting (``Partnership.amber_window_days``), and
every reader agrees on it: the action page's badge, the list's badge and its
``?rag=amber`` filter, the API's ``rag`` field and filter, the export and the review
page."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from actions.models import Rag
from agencies.models import Partnership
from tests.conftest import login
from tests.factories.actions import make_action, make_recommendation, make_review


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def review(agency_a):
    return make_review(lead_agency=agency_a)


@pytest.fixture
def actions(alice, manager, agency_a, review):
    rec = make_recommendation(review)
    return {
        days: make_action(
            agency=agency_a,
            lead=alice,
            by=manager,
            source=rec,
            target_in_days=days,
            reference=f"D{days}",
            description=f"Due in {days} days",
        )
        for days in (10, 20, 40)
    }


def window(days: int) -> None:
    partnership = Partnership.current()
    partnership.amber_window_days = days
    partnership.save()


def rags_everywhere(alice, review, actions) -> dict[str, dict[int, str]]:
    """Each action's RAG as every reader shows it."""
    by_ref = {f"D{days}": days for days in actions}
    seen: dict[str, dict[int, str]] = {}

    client = login(alice)
    badge = {"Due soon": Rag.AMBER, "On track": Rag.GREEN, "Overdue": Rag.RED}
    seen["page"] = {}
    for days, action in actions.items():
        html = client.get(action.get_absolute_url()).content.decode()
        seen["page"][days] = next(rag for label, rag in badge.items() if label in html)

    amber_page = client.get(reverse("actions:list") + "?rag=amber").content.decode()
    seen["list filter"] = {
        days: Rag.AMBER if f"Due in {days} days" in amber_page else "not amber" for days in actions
    }

    body = api(alice).get("/api/v1/actions/").json()
    seen["api"] = {by_ref[row["reference"]]: row["rag"] for row in body["results"]}
    seen["api detail"] = {
        days: api(alice).get(f"/api/v1/actions/{a.pk}/").json()["rag"]
        for days, a in actions.items()
    }
    amber = api(alice).get("/api/v1/actions/?rag=amber").json()["results"]
    amber_refs = {by_ref[row["reference"]] for row in amber}
    seen["api filter"] = {
        days: Rag.AMBER if days in amber_refs else "not amber" for days in actions
    }

    export = client.get(reverse("actions:export", args=["csv"])).content.decode("utf-8-sig")
    labels = {Rag(r).label: r for r in Rag.values}
    seen["export"] = {
        by_ref[row["Action ref"]]: labels[row["RAG"]] for row in csv.DictReader(io.StringIO(export))
    }
    return seen


def agree(seen: dict[str, dict[int, str]], expected: dict[int, str]) -> None:
    for reader, rags in seen.items():
        if "filter" in reader:
            want = {d: Rag.AMBER if r == Rag.AMBER else "not amber" for d, r in expected.items()}
        else:
            want = expected
        assert rags == want, reader


@pytest.mark.django_db
def test_the_default_window_is_14_days(alice, review, actions):
    agree(
        rags_everywhere(alice, review, actions),
        {10: Rag.AMBER, 20: Rag.GREEN, 40: Rag.GREEN},
    )


@pytest.mark.django_db
def test_a_30_day_window_moves_every_reader(alice, review, actions):
    window(30)
    agree(
        rags_everywhere(alice, review, actions),
        {10: Rag.AMBER, 20: Rag.AMBER, 40: Rag.GREEN},
    )


@pytest.mark.django_db
def test_a_5_day_window_moves_every_reader(alice, review, actions):
    window(5)
    agree(
        rags_everywhere(alice, review, actions),
        {10: Rag.GREEN, 20: Rag.GREEN, 40: Rag.GREEN},
    )


@pytest.mark.django_db
def test_the_review_pages_rag_count_follows_the_window(alice, review, actions):
    from scr.selectors import rag_summary, review_actions_by_recommendation

    window(30)
    total = rag_summary(review_actions_by_recommendation(user=alice, review=review))
    assert total == {Rag.AMBER: 2, Rag.GREEN: 1}


@pytest.mark.django_db
def test_an_action_read_on_its_own_follows_the_window(actions):
    from actions.models import Action

    window(30)
    assert Action.objects.get(pk=actions[20].pk).rag() == Rag.AMBER
