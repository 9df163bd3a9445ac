"""Correcting a review and its recommendations: the partnership manager only, validated as
on creation, "Nothing has changed" refused, and every change recorded in History."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from core.transitions import TransitionForbidden
from scr import services
from scr.models import Review, ReviewChange
from tests.factories.actions import make_recommendation, make_review


@pytest.fixture
def review(agency_a):
    return make_review(lead_agency=agency_a)


@pytest.mark.django_db
def test_manager_corrects_review_and_the_change_is_recorded(manager, review, agency_b):
    updated = services.review_update(
        review=review,
        by=manager,
        title="Child T serious case review (2026)",
        lead_agency=agency_b,
        published_on=date(2027, 3, 3),
        pseudonym="Child T",  # unchanged: not recorded
    )
    assert updated.title == "Child T serious case review (2026)"
    assert updated.lead_agency == agency_b
    review.refresh_from_db()
    assert review.published_on == date(2027, 3, 3)
    change = ReviewChange.objects.get()
    assert change.review == review and change.by == manager
    assert change.recommendation is None
    assert change.fields == {
        "title": ["Child T serious case review", "Child T serious case review (2026)"],
        "lead_agency": ["Barnet Children's Social Care", "Metropolitan Police (North West BCU)"],
        "published_on": ["not recorded", "3 March 2027"],
    }
    assert change.title == "Review details changed"
    assert change.lines() == [
        "Title: Child T serious case review → Child T serious case review (2026)",
        "Lead agency: Barnet Children's Social Care → Metropolitan Police (North West BCU)",
        "Published: not recorded → 3 March 2027",
    ]


@pytest.mark.django_db
def test_the_rapid_review_due_date_follows_the_notification_date(manager, review):
    services.review_update(review=review, by=manager, notified_on=date(2026, 12, 14))
    assert review.rapid_review_due == date(2027, 1, 7)  # bank holidays skipped
    services.review_update(review=review, by=manager, notified_on=date(2027, 1, 4))
    review.refresh_from_db()
    assert review.rapid_review_due == date(2027, 1, 25)
    latest, first = ReviewChange.objects.all()
    assert first.fields["rapid_review_due"] == ["not recorded", "7 January 2027"]
    assert latest.fields == {
        "notified_on": ["14 December 2026", "4 January 2027"],
        "rapid_review_due": ["7 January 2027", "25 January 2027"],
    }
    services.review_update(review=review, by=manager, notified_on=None)
    review.refresh_from_db()
    assert review.rapid_review_due is None
    assert ReviewChange.objects.first().fields["rapid_review_due"] == [
        "25 January 2027",
        "not recorded",
    ]


@pytest.mark.django_db
def test_choices_are_recorded_by_their_labels(manager, review):
    services.review_update(review=review, by=manager, kind="cspr")
    assert ReviewChange.objects.get().fields == {
        "kind": ["Serious case review", "Local child safeguarding practice review"]
    }


@pytest.mark.django_db
@pytest.mark.parametrize("pseudonym", ["Tommy Smith", "Child Tommy", ""])
def test_a_name_is_refused_as_on_creation_and_nothing_changes(manager, review, pseudonym):
    with pytest.raises(ValidationError) as exc:
        services.review_update(review=review, by=manager, pseudonym=pseudonym, title="New")
    assert "pseudonym" in exc.value.message_dict
    review.refresh_from_db()
    assert (review.pseudonym, review.title) == ("Child T", "Child T serious case review")
    assert not ReviewChange.objects.exists()


@pytest.mark.django_db
def test_a_failed_correction_leaves_the_callers_instance_alone(manager, review):
    with pytest.raises(ValidationError):
        services.review_update(review=review, by=manager, title="", lead_reviewer="X")
    assert review.title == "Child T serious case review"
    assert review.lead_reviewer == ""


@pytest.mark.django_db
def test_nothing_changed_is_refused(manager, review):
    with pytest.raises(ValidationError) as exc:
        services.review_update(
            review=review, by=manager, title=review.title, pseudonym=review.pseudonym
        )
    assert exc.value.messages == [services.NOTHING_CHANGED]
    with pytest.raises(ValidationError):
        services.review_update(review=review, by=manager)
    assert not ReviewChange.objects.exists()


@pytest.mark.django_db
def test_a_field_that_is_not_a_detail_cannot_be_changed(manager, review):
    with pytest.raises(TypeError):
        services.review_update(review=review, by=manager, created=None)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["alice", "charlie", "chair", "li"])
def test_only_the_partnership_manager_may_correct(request, who, review):
    user = request.getfixturevalue(who)
    rec = make_recommendation(review)
    with pytest.raises(TransitionForbidden):
        services.review_update(review=review, by=user, title="Changed")
    with pytest.raises(TransitionForbidden):
        services.recommendation_update(recommendation=rec, by=user, text="Changed")
    review.refresh_from_db()
    rec.refresh_from_db()
    assert review.title == "Child T serious case review"
    assert rec.text == "Improve information sharing"
    assert not ReviewChange.objects.exists()


@pytest.mark.django_db
def test_manager_corrects_a_recommendation(manager, review):
    rec = make_recommendation(review, number=1)
    updated = services.recommendation_update(
        recommendation=rec, by=manager, number=4, text="  Improve information sharing at MASH  "
    )
    assert (updated.number, updated.text) == (4, "Improve information sharing at MASH")
    change = ReviewChange.objects.get()
    assert change.review == review and change.recommendation == rec
    assert change.fields == {
        "number": ["1", "4"],
        "text": ["Improve information sharing", "Improve information sharing at MASH"],
    }
    assert change.title == "Recommendation 4 changed"
    assert change.lines()[0] == "Number: 1 → 4"


@pytest.mark.django_db
def test_recommendation_number_stays_unique_within_its_review(manager, review):
    rec = make_recommendation(review, number=1)
    make_recommendation(review, number=2, text="Another")
    other = make_review(title="Children L and M review", pseudonym="Children L and M")
    make_recommendation(other, number=3)
    with pytest.raises(ValidationError) as exc:
        services.recommendation_update(recommendation=rec, by=manager, number=2)
    assert exc.value.message_dict == {"number": [services.DUPLICATE_NUMBER]}
    # a number used on another review is fine
    services.recommendation_update(recommendation=rec, by=manager, number=3)
    rec.refresh_from_db()
    assert rec.number == 3


@pytest.mark.django_db
def test_recommendation_validation_and_nothing_changed(manager, review):
    rec = make_recommendation(review)
    with pytest.raises(ValidationError) as exc:
        services.recommendation_update(recommendation=rec, by=manager, text="   ")
    assert "text" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.recommendation_update(
            recommendation=rec, by=manager, number=1, text="Improve information sharing "
        )
    assert exc.value.messages == [services.NOTHING_CHANGED]
    with pytest.raises(TypeError):
        services.recommendation_update(recommendation=rec, by=manager, review=review)
    assert not ReviewChange.objects.exists()


@pytest.mark.django_db
def test_changes_are_append_only(manager, review):
    services.review_update(review=review, by=manager, title="Corrected")
    change = ReviewChange.objects.get()
    with pytest.raises(ValueError):
        change.save()
    with pytest.raises(ValueError):
        change.delete()
    assert Review.objects.get().changes.count() == 1
