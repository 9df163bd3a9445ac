"""Corrections to reviews in the Django admin: readable, never added, edited or deleted
there (the same read-only admin as the transition log and action changes)."""

from __future__ import annotations

import pytest

from scr import services
from scr.models import ReviewChange
from tests.factories import UserFactory
from tests.factories.actions import make_review

BASE = "/admin/scr/reviewchange/"


@pytest.fixture
def admin_client(as_user, db):
    return as_user(UserFactory(username="root", is_staff=True, is_superuser=True))


@pytest.fixture
def change(manager):
    review = make_review(title="Child T serious case reveiw")
    services.review_update(review=review, by=manager, title="Child T serious case review")
    return ReviewChange.objects.get()


@pytest.mark.django_db
def test_corrections_are_listed_and_readable(admin_client, change):
    response = admin_client.get(BASE)
    assert (
        response.status_code == 200 and "Child T serious case review" in response.content.decode()
    )
    response = admin_client.get(f"{BASE}{change.pk}/change/")
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()


@pytest.mark.django_db
def test_corrections_cannot_be_added_edited_or_deleted(admin_client, change):
    assert admin_client.get(f"{BASE}add/").status_code == 403
    assert admin_client.post(f"{BASE}{change.pk}/change/", {"fields": "{}"}).status_code == 403
    assert admin_client.post(f"{BASE}{change.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ReviewChange.objects.count() == 1
