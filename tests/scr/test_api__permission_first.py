"""Adding a review or a recommendation through the API: the permission is checked before
the body (403 whatever is sent), and a review the caller may not see is the same 400 as
one that does not exist."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from scr.models import Recommendation, Review
from tests.factories.actions import make_review


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def hidden(agency_b):
    """A review led by agency B, with nothing of agency A's on it."""
    return make_review(title="B's review", lead_agency=agency_b)


@pytest.mark.django_db
def test_recommendations_are_403_for_who_may_not_add_them_whatever_the_review(
    alice, charlie, hidden
):
    for user in (alice, charlie):
        answers = {
            (r.status_code, r.content)
            for r in (
                api(user).post("/api/v1/recommendations/", body, format="json")
                for body in (
                    {"review": 99, "number": 1, "text": "x"},
                    {"review": hidden.pk, "number": 1, "text": "x"},
                    {"review": "abc"},
                    {},
                )
            )
        }
        assert len(answers) == 1 and answers.pop()[0] == 403
    assert not Recommendation.objects.exists()


@pytest.mark.django_db
def test_a_review_the_caller_cannot_see_is_as_missing_as_one_that_does_not_exist(
    alice, agency_a, hidden
):
    # alice may add recommendations (say, a role that grants it) but does not see B's review
    alice.user_permissions.add(Permission.objects.get(codename="manage_review"))
    alice = type(alice).objects.get(pk=alice.pk)
    missing = 987654
    hidden_answer = api(alice).post(
        "/api/v1/recommendations/", {"review": hidden.pk, "number": 1, "text": "x"}, format="json"
    )
    missing_answer = api(alice).post(
        "/api/v1/recommendations/", {"review": missing, "number": 1, "text": "x"}, format="json"
    )
    assert hidden_answer.status_code == missing_answer.status_code == 400
    assert hidden_answer.content.replace(str(hidden.pk).encode(), b"ID") == (
        missing_answer.content.replace(str(missing).encode(), b"ID")
    )
    # her own agency's review takes it
    own = make_review(title="A's review", lead_agency=agency_a)
    r = api(alice).post(
        "/api/v1/recommendations/", {"review": own.pk, "number": 1, "text": "x"}, format="json"
    )
    assert r.status_code == 201
    assert list(Recommendation.objects.values_list("review", flat=True)) == [own.pk]


@pytest.mark.django_db
def test_creating_a_review_is_403_whatever_the_body(alice):
    before = Review.objects.count()
    answers = {
        (r.status_code, r.content)
        for r in (
            api(alice).post("/api/v1/reviews/", body, format="json")
            for body in (
                {"kind": "scr", "title": "T", "pseudonym": "Child T", "lead_agency": 987654},
                {"kind": "bogus"},
                {},
            )
        )
    }
    assert len(answers) == 1 and answers.pop()[0] == 403
    assert Review.objects.count() == before


@pytest.mark.django_db
def test_the_recommendation_list_filters_by_review(manager, agency_a, agency_b):
    from tests.factories.actions import make_recommendation

    one = make_review(title="One", lead_agency=agency_a)
    two = make_review(title="Two", lead_agency=agency_b)
    make_recommendation(one, 1)
    make_recommendation(two, 1)
    make_recommendation(two, 2)
    client = api(manager)
    assert client.get(f"/api/v1/recommendations/?review={two.pk}").json()["count"] == 2
    assert client.get("/api/v1/recommendations/").json()["count"] == 3
    r = client.get("/api/v1/recommendations/?review=two")
    assert r.status_code == 400 and "review" in r.json()
