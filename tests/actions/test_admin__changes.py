"""Changes to actions' details in the Django admin: readable, never added, edited or
deleted there."""

from __future__ import annotations

import pytest

from actions import services
from actions.models import ActionChange
from tests.factories import UserFactory, in_days
from tests.factories.actions import make_action

BASE = "/admin/actions/actionchange/"


@pytest.fixture
def admin_client(as_user, db):
    return as_user(UserFactory(username="root", is_staff=True, is_superuser=True))


@pytest.fixture
def change(alice, agency_a, manager):
    action = make_action(agency=agency_a, lead=alice, by=manager)
    return services.action_update_details(
        action=action, by=manager, reason="Agreed at the board", target_date=in_days(90)
    )


@pytest.mark.django_db
def test_changes_are_listed_and_readable(admin_client, change):
    response = admin_client.get(BASE)
    assert response.status_code == 200 and "Agreed at the board" in response.content.decode()
    response = admin_client.get(f"{BASE}{change.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="_save"' not in page and not response.context["adminform"].form.fields


@pytest.mark.django_db
def test_changes_cannot_be_added_edited_or_deleted(admin_client, change):
    assert admin_client.get(f"{BASE}add/").status_code == 403
    response = admin_client.post(f"{BASE}{change.pk}/change/", {"reason": "rewritten"})
    assert response.status_code == 403
    assert admin_client.post(f"{BASE}{change.pk}/delete/", {"post": "yes"}).status_code == 403
    admin_client.post(
        BASE, {"action": "delete_selected", "_selected_action": [change.pk], "post": "yes"}
    )
    assert ActionChange.objects.get().reason == "Agreed at the board"
    assert "delete_selected" not in admin_client.get(BASE).content.decode()
