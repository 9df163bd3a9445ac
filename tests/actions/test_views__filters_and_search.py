"""The actions list's filters and search: a filter that is not valid is shown on its
field (GOV.UK error message, error summary linking to it) while the valid ones still
apply; ``q`` searches the reference and description, on the page, in the export and in
the API, only among the actions the user may see."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tests.conftest import login
from tests.factories.actions import make_action


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def actions(alice, charlie, manager, agency_a, agency_b):
    return {
        "a": make_action(
            agency=agency_a,
            lead=alice,
            by=manager,
            reference="CSC-7",
            description="Deliver NEGLECT training to the front door",
        ),
        "a2": make_action(
            agency=agency_a,
            lead=alice,
            by=manager,
            reference="CSC-8",
            description="Audit strategy meetings",
        ),
        "b": make_action(
            agency=agency_b,
            lead=charlie,
            by=manager,
            reference="MPS-1",
            description="Brief sergeants on neglect indicators",
        ),
    }


def listed(html: str, actions: dict) -> set[str]:
    return {key for key, action in actions.items() if f">{action}</a>" in html}


def exported(response) -> set[str]:
    text = response.content.decode("utf-8-sig")
    return {row["Action ref"] for row in csv.DictReader(io.StringIO(text))}


# -- an invalid filter ------------------------------------------------------------------
@pytest.mark.django_db
def test_an_invalid_filter_is_shown_and_the_valid_ones_still_apply(actions, manager, agency_a):
    url = reverse("actions:list") + f"?state=bogus&agency={agency_a.pk}"
    response = login(manager).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert listed(html, actions) == {"a", "a2"}  # the agency filter applied
    assert "<title>Error: Actions" in html
    assert 'href="#id_state">Choose a state from the list</a>' in html
    assert 'id="id_state-error" class="govuk-error-message"' in html
    assert 'class="govuk-select govuk-!-width-full govuk-select--error" id="id_state"' in html
    assert 'aria-describedby="id_state-error"' in html
    # the chosen agency stays selected
    assert f'<option value="{agency_a.pk}" selected>' in html
    # the export follows the screen
    export = login(manager).get(
        reverse("actions:export", args=["csv"]) + f"?state=bogus&agency={agency_a.pk}"
    )
    assert exported(export) == {"CSC-7", "CSC-8"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("agency=%C2%B2", "agency"),
        ("agency=99999999999999999999", "agency"),
        ("review=abc", "review"),
        ("rag=purple", "rag"),
        ("q=" + "x" * 101, "q"),
        ("q=%00", "q"),
    ],
)
def test_each_invalid_filter_is_an_error_on_its_field(actions, manager, query, field):
    response = login(manager).get(reverse("actions:list") + "?" + query)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}-error" class="govuk-error-message"' in html
    assert listed(html, actions) == {"a", "a2", "b"}


@pytest.mark.django_db
def test_a_review_charlie_may_not_see_is_not_a_choice(actions, charlie, alice, agency_a):
    from tests.factories.actions import make_review

    hidden = make_review(title="Hidden review", lead_agency=agency_a)
    response = login(charlie).get(reverse("actions:list") + f"?review={hidden.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose a review from the list" in html and "Hidden review" not in html
    # the same message as for a review that does not exist
    missing = login(charlie).get(reverse("actions:list") + "?review=987654")
    assert "Choose a review from the list" in missing.content.decode()


@pytest.mark.django_db
def test_no_filters_no_errors(actions, manager):
    html = login(manager).get(reverse("actions:list")).content.decode()
    assert "There is a problem" not in html and "govuk-error-message" not in html
    assert listed(html, actions) == {"a", "a2", "b"}


# -- search -----------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("neglect", {"a", "b"}),  # any case, in the description
        ("NEGLECT front", {"a", "b"} - {"b"}),  # every word
        ("csc-7", {"a"}),  # the reference
        ("mps", {"b"}),
        ("  ", {"a", "a2", "b"}),  # blank: no search
        ("safeguarding", set()),
        ("50%", set()),  # wildcards are literal
        ("_", set()),
    ],
)
def test_search_on_the_page_in_the_export_and_the_api(actions, manager, q, found):
    page = login(manager).get(reverse("actions:list"), {"q": q})
    assert page.status_code == 200 and listed(page.content.decode(), actions) == found
    export = login(manager).get(reverse("actions:export", args=["csv"]), {"q": q})
    assert exported(export) == {actions[k].reference for k in found}
    body = api(manager).get("/api/v1/actions/", {"q": q}).json()
    assert {row["reference"] for row in body["results"]} == {actions[k].reference for k in found}


@pytest.mark.django_db
def test_the_search_box_keeps_what_was_typed(actions, manager):
    html = login(manager).get(reverse("actions:list"), {"q": 'neglect "training"'}).content
    assert b'value="neglect &quot;training&quot;"' in html


@pytest.mark.django_db
def test_charlie_searching_for_agency_as_words_finds_nothing(actions, charlie):
    for q in ("front door", "CSC-7", "strategy", "Audit"):
        page = login(charlie).get(reverse("actions:list"), {"q": q})
        assert listed(page.content.decode(), actions) == set(), q
        assert b"0 actions." in page.content
        export = login(charlie).get(reverse("actions:export", args=["xlsx"]), {"q": q})
        assert export.status_code == 200 and b"front door" not in export.content
        assert api(charlie).get("/api/v1/actions/", {"q": q}).json()["count"] == 0
    # his own, the control
    page = login(charlie).get(reverse("actions:list"), {"q": "neglect"})
    assert listed(page.content.decode(), actions) == {"b"}


@pytest.mark.django_db
def test_a_search_is_one_bounded_query(actions, manager):
    """However many words are typed, the list is one query with at most ten of them."""
    client = api(manager)
    client.get("/api/v1/actions/?q=warm")  # warm caches
    with CaptureQueriesContext(connection) as ctx:
        r = client.get("/api/v1/actions/", {"q": " ".join("abcdefghijklmnopqrstuvwxyz")})
    assert r.status_code == 200
    listing = [q["sql"] for q in ctx.captured_queries if 'FROM "actions_action"' in q["sql"]]
    # the count (nothing matches, so no page is read) with 10 words x 2 columns
    assert len(listing) == 1 and listing[0].count("LIKE") == 20, listing
