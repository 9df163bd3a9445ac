"""The action page warns when the named lead can no longer act on it (left the agency,
lost the agency lead role, account closed), and links whoever may change the lead to the
page that does it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.models import Membership, Role
from tests.conftest import login
from tests.factories.actions import make_action


@pytest.fixture
def action(agency_a, alice, manager):
    return make_action(agency=agency_a, lead=alice, by=manager)


def warning(client, action) -> str:
    page = client.get(action.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    start = html.find('id="lead-problem"')
    return "" if start < 0 else html[start : html.find("</div>", start)]


@pytest.mark.django_db
def test_no_warning_while_the_lead_can_act(action, manager):
    assert warning(login(manager), action) == ""


@pytest.mark.django_db
def test_lead_who_left_the_agency(action, alice, manager, ann):
    Membership.objects.filter(user=alice).delete()
    text = warning(login(manager), action)
    assert "is no longer a member of Barnet Children&#x27;s Social Care" in text
    assert reverse("actions:edit", args=[action.pk]) in text
    # the agency's designated lead may lead its actions (issue 9), so may change the lead
    text = warning(login(ann), action)
    assert "no longer a member" in text
    assert reverse("actions:edit", args=[action.pk]) in text


@pytest.mark.django_db
def test_lead_who_lost_the_agency_lead_role(action, alice, manager):
    Membership.objects.filter(user=alice).update(role=Role.PRACTITIONER)
    membership = Membership.objects.get(user=alice)
    membership.save()  # re-derives the grants, as the admin does
    assert "may no longer lead the actions of" in warning(login(manager), action)


@pytest.mark.django_db
def test_lead_whose_account_was_closed(action, alice, manager):
    alice.is_active = False
    alice.save()
    assert "no longer has an account" in warning(login(manager), action)


@pytest.mark.django_db
def test_no_warning_on_a_closed_action(action, alice, manager):
    from actions import services

    services.action_cancel(action=action, by=manager, reason="Superseded")
    Membership.objects.filter(user=alice).delete()
    assert warning(login(manager), action) == ""
