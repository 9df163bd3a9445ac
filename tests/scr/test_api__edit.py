"""PATCH /api/v1/reviews/<id>/ and /api/v1/recommendations/<id>/: the same services as
the pages, and the API's error contract (400 field errors, 403, 404; PUT is 405)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from scr import api as scr_api
from scr import services
from scr.models import ReviewChange
from tests.factories.actions import make_action, make_recommendation, make_review


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def review(agency_a):
    return make_review(lead_agency=agency_a)


@pytest.fixture
def rec(review):
    return make_recommendation(review, number=1, text="Improve information sharing")


@pytest.mark.django_db
def test_manager_patches_a_review(manager, review, agency_b):
    url = f"/api/v1/reviews/{review.pk}/"
    r = api(manager).patch(
        url,
        {"published_on": "2027-03-03", "notified_on": "2026-12-14", "lead_agency": agency_b.pk},
        format="json",
    )
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["published_on"] == "2027-03-03"
    assert body["rapid_review_due"] == "2027-01-07"  # the derived date followed
    assert body["lead_agency"] == agency_b.pk
    assert body["title"] == "Child T serious case review"  # untouched
    review.refresh_from_db()
    assert review.published_on == date(2027, 3, 3)
    change = ReviewChange.objects.get()
    assert change.by == manager
    assert set(change.fields) == {"published_on", "notified_on", "lead_agency", "rapid_review_due"}


@pytest.mark.django_db
def test_review_patch_errors(manager, review):
    url = f"/api/v1/reviews/{review.pk}/"
    # 400 with field errors, from the serializer and from the model's validation
    r = api(manager).patch(url, {"pseudonym": "Tommy Smith", "kind": "nonsense"}, format="json")
    assert r.status_code == 400 and {"pseudonym", "kind"} <= set(r.json())
    r = api(manager).patch(url, {"title": ""}, format="json")
    assert r.status_code == 400 and "title" in r.json()
    # nothing changed
    r = api(manager).patch(url, {"title": review.title}, format="json")
    assert r.status_code == 400
    assert r.json() == {"non_field_errors": [services.NOTHING_CHANGED]}
    assert api(manager).patch(url, {}, format="json").status_code == 400
    # PUT is not offered
    r = api(manager).put(url, {"title": "Whole"}, format="json")
    assert r.status_code == 405
    review.refresh_from_db()
    assert review.title == "Child T serious case review"
    assert not ReviewChange.objects.exists()


@pytest.mark.django_db
def test_review_patch_403_and_404(alice, charlie, li, review):
    url = f"/api/v1/reviews/{review.pk}/"
    # 403: sees it (her agency leads it), may not change it, even with a bad body
    for user in (alice, li):
        r = api(user).patch(url, {"title": "Changed"}, format="json")
        assert r.status_code == 403 and r.json()["detail"] == services.NOT_PERMITTED
    assert api(alice).patch(url, {"pseudonym": "Tommy"}, format="json").status_code == 403
    # 404: charlie's agency neither leads it nor holds an action on it
    assert api(charlie).get(url).status_code == 404
    assert api(charlie).patch(url, {"title": "Changed"}, format="json").status_code == 404
    assert api(charlie).patch("/api/v1/reviews/99999/", {"title": "x"}).status_code == 404
    review.refresh_from_db()
    assert review.title == "Child T serious case review"
    assert not ReviewChange.objects.exists()


@pytest.mark.django_db
def test_manager_patches_a_recommendation(manager, review, rec):
    url = f"/api/v1/recommendations/{rec.pk}/"
    r = api(manager).patch(url, {"text": "Share information daily"}, format="json")
    assert r.status_code == 200
    assert r.json() == {
        "id": rec.pk,
        "review": review.pk,
        "number": 1,
        "text": "Share information daily",
    }
    # sending the review it already belongs to is fine
    r = api(manager).patch(url, {"number": 3, "review": review.pk}, format="json")
    assert r.status_code == 200 and r.json()["number"] == 3
    assert [c.fields for c in ReviewChange.objects.order_by("pk")] == [
        {"text": ["Improve information sharing", "Share information daily"]},
        {"number": ["1", "3"]},
    ]


@pytest.mark.django_db
def test_recommendation_patch_errors(manager, alice, charlie, review, rec):
    make_recommendation(review, number=2, text="Another")
    other = make_review(title="Children L and M review", pseudonym="Children L and M")
    url = f"/api/v1/recommendations/{rec.pk}/"
    r = api(manager).patch(url, {"number": 2}, format="json")
    assert r.status_code == 400 and r.json() == {"number": [services.DUPLICATE_NUMBER]}
    r = api(manager).patch(url, {"number": 0, "text": ""}, format="json")
    assert r.status_code == 400 and {"number", "text"} <= set(r.json())
    r = api(manager).patch(url, {"review": other.pk, "text": "Moved"}, format="json")
    assert r.status_code == 400 and r.json() == {"review": [scr_api.MOVE_REFUSED]}
    r = api(manager).patch(url, {"text": "Improve information sharing"}, format="json")
    assert r.status_code == 400 and r.json() == {"non_field_errors": [services.NOTHING_CHANGED]}
    assert api(manager).put(url, {"number": 1, "text": "x"}, format="json").status_code == 405
    assert api(alice).patch(url, {"text": "x"}, format="json").status_code == 403
    assert api(charlie).patch(url, {"text": "x"}, format="json").status_code == 404
    rec.refresh_from_db()
    assert (rec.review, rec.number, rec.text) == (review, 1, "Improve information sharing")
    assert not ReviewChange.objects.exists()


@pytest.mark.django_db
def test_charlie_with_an_action_sees_but_may_not_patch(charlie, manager, agency_b, review, rec):
    make_action(agency=agency_b, lead=charlie, by=manager, source=rec)
    assert api(charlie).get(f"/api/v1/reviews/{review.pk}/").status_code == 200
    assert (
        api(charlie).patch(f"/api/v1/reviews/{review.pk}/", {"title": "x"}, format="json")
    ).status_code == 403
    assert (
        api(charlie).patch(f"/api/v1/recommendations/{rec.pk}/", {"text": "x"}, format="json")
    ).status_code == 403


@pytest.mark.django_db
def test_the_schema_has_patch_and_no_put_and_generates_without_warnings(tmp_path, alice):
    # --fail-on-warn: any drf-spectacular warning or error fails the command
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "s.yml"))
    schema = api(alice).get("/api/v1/schema/?format=json").json()
    for path in ("/api/v1/reviews/{id}/", "/api/v1/recommendations/{id}/"):
        assert "patch" in schema["paths"][path]
        assert "put" not in schema["paths"][path]
