"""Issue 9, "Published learning for every partner": a review published to the
partnership is read by every member of every agency (its summary and recommendations);
each action on it stays sealed to its agency (others see that it exists, its agency and
its RAG, never its description, updates, evidence or page); an unpublished review stays
with the agencies involved and the partnership roles. Only the partnership manager
publishes, once, and who and when are kept."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from rest_framework.test import APIClient

from agencies.models import Role
from core.transitions import TransitionForbidden, TransitionRefused
from scr import services
from scr.models import Review, ReviewChange
from tests.conftest import login
from tests.factories import AgencyFactory, UserFactory, member
from tests.factories.actions import make_action, make_recommendation, make_review

SECRET = "Sealed neglect audit of twelve families"


@pytest.fixture
def review(agency_a):
    review = make_review(title="Child T serious case review", lead_agency=agency_a)
    review.summary = "Poor school attendance was recorded but not brought together."
    review.save()
    return review


@pytest.fixture
def action(review, agency_a, alice, manager):
    rec = make_recommendation(review, 1, "Record the child's daily life at every contact")
    return make_action(
        agency=agency_a,
        lead=alice,
        by=manager,
        source=rec,
        reference="T1.1",
        description=SECRET,
        target_in_days=-3,  # overdue: its RAG shows
    )


@pytest.fixture
def schools(db):
    return AgencyFactory(name="Barnet schools")


@pytest.fixture
def dsl(schools):
    return member(schools, Role.DESIGNATED_LEAD, "school.dsl")


def page(user, review):
    return login(user).get(review.get_absolute_url())


@pytest.mark.django_db
def test_an_unpublished_review_stays_with_the_agencies_involved(review, action, dsl, charlie):
    for user in (dsl, charlie):
        assert page(user, review).status_code == 404
        assert review.title not in login(user).get(reverse("scr:list")).content.decode()


@pytest.mark.django_db
def test_a_published_review_is_read_by_every_partner_with_its_actions_sealed(
    review, action, dsl, manager
):
    services.review_publish(review=review, by=manager)
    listing = login(dsl).get(reverse("scr:list")).content.decode()
    assert review.title in listing and "Published to the partnership" in listing
    response = page(dsl, review)
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(review.summary) in html
    assert escape("Record the child's daily life at every contact") in html
    # the action exists, for its agency, with its RAG; nothing more
    assert escape(action.agency.name) in html and "Overdue" in html
    assert SECRET not in html and "T1.1" not in html
    assert action.get_absolute_url() not in html
    assert login(dsl).get(action.get_absolute_url()).status_code == 404
    assert login(dsl).get(reverse("action-detail", args=[action.pk])).status_code == 404
    # and the actions list, filtered to the review, shows the school none of them
    listed = login(dsl).get(reverse("actions:list") + f"?review={review.pk}")
    assert SECRET not in listed.content.decode()


@pytest.mark.django_db
def test_the_agency_involved_still_sees_its_action_in_full(review, action, alice, manager):
    services.review_publish(review=review, by=manager)
    html = page(alice, review).content.decode()
    assert SECRET in html and action.get_absolute_url() in html
    assert "Other agencies" not in html


@pytest.mark.django_db
def test_someone_in_no_agency_reads_nothing(review, action, manager):
    services.review_publish(review=review, by=manager)
    outsider = UserFactory(username="outsider")
    assert page(outsider, review).status_code == 404


@pytest.mark.django_db
def test_the_api_follows_the_same_rule(review, action, dsl, manager):
    client = APIClient()
    client.force_authenticate(dsl)
    assert client.get(reverse("review-detail", args=[review.pk])).status_code == 404
    services.review_publish(review=review, by=manager)
    body = client.get(reverse("review-detail", args=[review.pk])).json()
    assert body["summary"] == review.summary and body["learning_published_at"]
    assert client.get(reverse("action-detail", args=[action.pk])).status_code == 404


# -- publishing ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_partnership_manager_publishes_after_a_confirm_page(review, manager):
    client = login(manager)
    assert "Publish" in page(manager, review).content.decode()
    url = reverse("scr:review-publish", args=[review.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Yes, publish to the partnership" in confirm.content.decode()
    assert Review.objects.get(pk=review.pk).learning_published_at is None
    done = client.post(url, follow=True)
    assert done.redirect_chain[-1][0] == review.get_absolute_url()
    review.refresh_from_db()
    assert review.learning_published_at is not None
    assert review.learning_published_by == manager
    change = ReviewChange.objects.get(review=review)
    assert change.title == "Published to the partnership" and change.by == manager
    html = done.content.decode()
    assert "is published to the partnership" in html
    # a second time: said so, nothing changes
    again = client.post(url, follow=True)
    assert services.ALREADY_PUBLISHED in again.content.decode()
    assert ReviewChange.objects.filter(review=review).count() == 1
    assert client.get(url).status_code == 302


@pytest.mark.django_db
def test_only_the_partnership_manager_may_publish(review, alice, chair, charlie):
    url = reverse("scr:review-publish", args=[review.pk])
    assert login(alice).post(url).status_code == 403  # sees it (her agency leads it)
    assert login(chair).post(url).status_code == 403
    assert login(charlie).post(url).status_code == 404  # does not see it
    with pytest.raises(TransitionForbidden):
        services.review_publish(review=review, by=alice)
    review.refresh_from_db()
    assert review.learning_published_at is None


@pytest.mark.django_db
def test_publishing_twice_is_refused_by_the_service(review, manager):
    services.review_publish(review=review, by=manager)
    with pytest.raises(TransitionRefused):
        services.review_publish(review=review, by=manager)


@pytest.mark.django_db
def test_a_correction_cannot_publish(review, manager):
    assert "learning_published_at" not in services.REVIEW_EDITABLE
    with pytest.raises(TypeError):
        services.review_update(review=review, by=manager, learning_published_at=None)


# -- cost ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_published_review_costs_the_same_queries_for_few_and_many_sealed_actions(
    review, manager, dsl
):
    services.review_publish(review=review, by=manager)
    recs = [make_recommendation(review, n) for n in (2, 3)]
    client = login(dsl)

    def add(n: int) -> None:
        for i in range(n):
            agency = AgencyFactory.create()
            lead = member(agency, Role.AGENCY_LEAD)
            make_action(agency=agency, lead=lead, by=manager, source=recs[i % 2])

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(review.get_absolute_url()).status_code == 200
        return len(ctx)

    add(2)
    queries()  # caches warmed (content types, the session)
    few = queries()
    add(20)
    assert queries() == few
