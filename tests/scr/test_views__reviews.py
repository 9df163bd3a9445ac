"""Review pages: creation by the partnership manager, pseudonyms never names, the rapid
review deadline in working days, CDOP modifiable factors, and scoping."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from scr import services
from scr.models import DeathCategory, Review
from tests.conftest import login
from tests.factories.actions import make_action, make_recommendation, make_review


@pytest.mark.django_db
def test_rapid_review_due_is_15_working_days_after_notification():
    review = Review(kind="rapid", title="t", pseudonym="Child T", notified_on=date(2026, 12, 14))
    # 15 working days from Mon 14 Dec 2026 skip Christmas, Boxing Day (observed Mon 28th)
    # and New Year's Day: Thu 7 Jan 2027.
    assert review.rapid_review_due == date(2027, 1, 7)


@pytest.mark.django_db
@pytest.mark.parametrize("pseudonym", ["Child T", "Child AB", "Children L and M", "Baby Q"])
def test_pseudonyms_accepted(pseudonym, manager):
    services.review_create(by=manager, kind="scr", title="t", pseudonym=pseudonym)


@pytest.mark.django_db
@pytest.mark.parametrize("pseudonym", ["Tommy Smith", "Child Tommy", "T", "child t"])
def test_names_refused(pseudonym, manager):
    with pytest.raises(ValidationError) as exc:
        services.review_create(by=manager, kind="scr", title="t", pseudonym=pseudonym)
    assert "pseudonym" in exc.value.message_dict
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_manager_creates_review_recommendation_and_factor(manager):
    client = login(manager)
    bad = client.post(
        reverse("scr:create"), {"kind": "cdop", "title": "x", "pseudonym": "Tom Jones"}
    )
    assert bad.status_code == 400 and b"never a name" in bad.content
    category = DeathCategory.objects.first()
    ok = client.post(
        reverse("scr:create"),
        {
            "kind": "cdop",
            "title": "CDOP learning 2026/3",
            "pseudonym": "Child K",
            "death_category": category.pk,
        },
    )
    assert ok.status_code == 302
    review = Review.objects.get()
    r = client.post(
        reverse("scr:recommendation-add", args=[review.pk]),
        {"rec-number": "1", "rec-text": "Safe sleep advice at every contact"},
    )
    assert r.status_code == 302
    dup = client.post(
        reverse("scr:recommendation-add", args=[review.pk]),
        {"rec-number": "1", "rec-text": "again"},
    )
    assert dup.status_code == 400 and services.DUPLICATE_NUMBER.encode() in dup.content
    f = client.post(
        reverse("scr:factor-add", args=[review.pk]),
        {
            "factor-domain": "family",
            "factor-description": "Co-sleeping after alcohol",
            "factor-influence": "2",
            "factor-learning": "Repeat advice",
        },
    )
    assert f.status_code == 302
    page = client.get(review.get_absolute_url())
    assert b"Modifiable" in page.content and b"Co-sleeping" in page.content
    assert category.name.encode() in page.content


@pytest.mark.django_db
def test_only_the_manager_may_create(alice, agency_a):
    assert login(alice).get(reverse("scr:create")).status_code == 403
    review = make_review(lead_agency=agency_a)
    assert (
        login(alice)
        .post(
            reverse("scr:recommendation-add", args=[review.pk]),
            {"rec-number": "1", "rec-text": "x"},
        )
        .status_code
        == 403
    )


@pytest.mark.django_db
def test_review_shows_only_the_users_agency_actions(alice, charlie, manager, agency_a, agency_b):
    review = make_review(lead_agency=agency_a)
    rec = make_recommendation(review)
    mine = make_action(
        agency=agency_a, lead=alice, by=manager, source=rec, description="CSC action"
    )
    theirs = make_action(
        agency=agency_b, lead=charlie, by=manager, source=rec, description="Police action"
    )
    page = login(charlie).get(review.get_absolute_url())  # charlie sees it via his action
    assert page.status_code == 200
    assert theirs.description.encode() in page.content
    assert mine.description.encode() not in page.content
    assert login(manager).get(review.get_absolute_url()).content.count(b"action") > 0


@pytest.mark.django_db
def test_review_list_is_paginated_and_keeps_the_kind_filter(manager):
    from scr.models import ReviewKind
    from scr.views import PAGE_SIZE

    for n in range(PAGE_SIZE + 2):
        make_review(title=f"Rapid review {n:03}", pseudonym=f"Child R{n}", kind=ReviewKind.RAPID)
    make_review(title="An SCR", kind=ReviewKind.SCR)
    client = login(manager)
    first = client.get(reverse("scr:list"), {"kind": ReviewKind.RAPID}).content.decode()
    assert "Page 1 of 2" in first
    assert "An SCR" not in first
    assert f"?kind={ReviewKind.RAPID}&amp;page=2" in first
    second = client.get(reverse("scr:list"), {"kind": ReviewKind.RAPID, "page": 2})
    assert second.content.decode().count("Rapid review 0") == 2
    assert client.get(reverse("scr:list"), {"page": "nonsense"}).status_code == 200


@pytest.mark.django_db
def test_each_recommendations_actions_table_is_captioned_with_its_number(manager, alice, agency_a):
    review = make_review(lead_agency=agency_a)
    for number in (1, 2):
        make_action(
            agency=agency_a, lead=alice, by=manager, source=make_recommendation(review, number)
        )
    page = login(manager).get(review.get_absolute_url()).content.decode()
    assert "Actions for recommendation 1</caption>" in page
    assert "Actions for recommendation 2</caption>" in page
