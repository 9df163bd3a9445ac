"""A review's dates keep the window every date keeps (core.dates: from 2000, no more than
10 years ahead), on the page, in the API and in the service. A review notified on 28
December 9999 used to be saved; its rapid review due date then overflowed, and the
review list (API), its page and its edit page answered 500 to everyone who could see it.
A date stored out of range before the rule existed no longer breaks anything."""

from __future__ import annotations

from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from scr import services
from scr.models import Review, ReviewChange
from tests.conftest import login
from tests.factories.actions import make_review

NOTIFIED_TOO_FAR = "Date notified must be within 10 years from today"
PUBLISHED_TOO_EARLY = "Date published must be 2000 or later"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def new_review(**dates: str) -> dict[str, str]:
    data = {
        "kind": "rapid",
        "title": "Child T rapid review",
        "pseudonym": "Child T",
        "lead_agency": "",
        "lead_reviewer": "",
        "death_category": "",
        "summary": "",
        **{f"{field}_{i}": "" for field in ("notified_on", "published_on") for i in range(3)},
    }
    data.update(dates)
    return data


def boxes(field: str, day: str, month: str, year: str) -> dict[str, str]:
    return {f"{field}_0": day, f"{field}_1": month, f"{field}_2": year}


# -- refused on the way in -------------------------------------------------------------------
@pytest.mark.django_db
def test_the_page_refuses_a_review_notified_in_9999(manager):
    response = login(manager).post(
        reverse("scr:create"), new_review(**boxes("notified_on", "28", "12", "9999"))
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f'<a href="#id_notified_on_0">{NOTIFIED_TOO_FAR}</a>' in html
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_the_page_takes_the_window_s_edges(manager):
    latest = timezone.localdate() + relativedelta(years=10)
    response = login(manager).post(
        reverse("scr:create"),
        new_review(
            **boxes("notified_on", "1", "1", "2000"),
            **boxes("published_on", str(latest.day), str(latest.month), str(latest.year)),
        ),
    )
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.notified_on, review.published_on) == (date(2000, 1, 1), latest)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("notified_on", "9999-12-28", NOTIFIED_TOO_FAR),
        ("published_on", "1999-12-31", PUBLISHED_TOO_EARLY),
        ("published_on", "0001-01-01", PUBLISHED_TOO_EARLY),
    ],
)
def test_the_api_refuses_a_date_out_of_the_window(manager, field, value, error):
    body = {"kind": "rapid", "title": "Child T rapid review", "pseudonym": "Child T"}
    r = api(manager).post("/api/v1/reviews/", {**body, field: value}, format="json")
    assert r.status_code == 400 and r.json() == {field: [error]}
    assert not Review.objects.exists()
    review = make_review()
    r = api(manager).patch(f"/api/v1/reviews/{review.pk}/", {field: value}, format="json")
    assert r.status_code == 400 and r.json() == {field: [error]}
    review.refresh_from_db()
    assert getattr(review, field) is None and not ReviewChange.objects.exists()


@pytest.mark.django_db
def test_the_api_says_what_a_date_looks_like(manager):
    review = make_review()
    for value in ["28/12/2027", "2027-02-30", "9" * 5000, "10000-01-01"]:
        r = api(manager).patch(
            f"/api/v1/reviews/{review.pk}/", {"notified_on": value}, format="json"
        )
        assert r.status_code == 400
        assert r.json() == {
            "notified_on": [
                "Date notified must be a real date in the form YYYY-MM-DD, for example 2027-03-31"
            ]
        }


@pytest.mark.django_db
def test_the_service_keeps_the_window_too(manager):
    with pytest.raises(ValidationError) as caught:
        services.review_create(
            by=manager,
            kind="rapid",
            title="Child T rapid review",
            pseudonym="Child T",
            notified_on=date(9999, 12, 28),
        )
    assert caught.value.message_dict == {"notified_on": [NOTIFIED_TOO_FAR]}
    review = make_review()
    with pytest.raises(ValidationError) as caught:
        services.review_update(review=review, by=manager, published_on=date(1999, 12, 31))
    assert caught.value.message_dict == {"published_on": [PUBLISHED_TOO_EARLY]}
    assert not Review.objects.filter(published_on__isnull=False).exists()


# -- a date stored before the rule ---------------------------------------------------------
@pytest.fixture
def stored_9999(agency_a):
    review = make_review(kind="rapid", lead_agency=agency_a)
    # as a review saved before the window was checked: written past every check
    Review.objects.filter(pk=review.pk).update(notified_on=date(9999, 12, 28))
    review.refresh_from_db()
    return review


@pytest.mark.django_db
def test_a_stored_9999_breaks_nothing(stored_9999, manager, chair, alice):
    assert stored_9999.rapid_review_due is None
    for user in (manager, chair, alice):
        r = api(user).get("/api/v1/reviews/")
        assert r.status_code == 200
        [row] = r.json()["results"]
        assert row["notified_on"] == "9999-12-28" and row["rapid_review_due"] is None
        r = api(user).get(f"/api/v1/reviews/{stored_9999.pk}/")
        assert r.status_code == 200 and r.json()["rapid_review_due"] is None
        client = login(user)
        assert client.get(reverse("scr:list")).status_code == 200
        page = client.get(reverse("scr:review", args=[stored_9999.pk]))
        assert page.status_code == 200
        assert "28 December 9999" in page.content.decode()
        assert "Not known" in page.content.decode()
    edit = login(manager).get(reverse("scr:review-edit", args=[stored_9999.pk]))
    assert edit.status_code == 200
    assert 'name="notified_on_2" value="9999"' in edit.content.decode()


@pytest.mark.django_db
def test_a_stored_9999_is_corrected_not_kept(stored_9999, manager):
    client = login(manager)
    url = reverse("scr:review-edit", args=[stored_9999.pk])
    kept = new_review(
        title="Child T rapid review, renamed", **boxes("notified_on", "28", "12", "9999")
    )
    response = client.post(url, kept)
    assert response.status_code == 400
    assert NOTIFIED_TOO_FAR in response.content.decode()
    r = api(manager).patch(
        f"/api/v1/reviews/{stored_9999.pk}/", {"title": "Renamed"}, format="json"
    )
    assert r.status_code == 400 and r.json() == {"notified_on": [NOTIFIED_TOO_FAR]}
    response = client.post(url, new_review(**boxes("notified_on", "14", "12", "2026")))
    assert response.status_code == 302
    stored_9999.refresh_from_db()
    assert stored_9999.notified_on == date(2026, 12, 14)
    change = ReviewChange.objects.get()
    assert change.fields["notified_on"] == ["28 December 9999", "14 December 2026"]
    assert change.fields["rapid_review_due"] == ["not recorded", "7 January 2027"]


# -- what the review form says ---------------------------------------------------------------
@pytest.mark.django_db
def test_the_review_form_speaks_to_the_user(manager):
    response = login(manager).post(
        reverse("scr:create"),
        new_review(
            **boxes("notified_on", "31", "2", "2027"),
            **boxes("published_on", "1", "5", "9" * 5000),
        ),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert '<a href="#id_notified_on_0">Date notified must be a real date</a>' in html
    assert '<a href="#id_published_on_2">Enter the year as 4 digits</a>' in html
    for python in ["out of range", "set_int_max_str_digits", "Exceeds the limit"]:
        assert python not in html
    assert "9" * 13 not in html
    assert not Review.objects.exists()
