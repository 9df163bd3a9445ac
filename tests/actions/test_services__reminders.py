"""Reminders through the outbox: overdue actions to the lead and designated leads, long
overdue ones to the partnership manager once, learning checks due weekly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from actions import services
from actions.models import ActionState as S
from core.models import Notification
from tests.factories import ActionFactory, in_days, walk_to


def subjects_for(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("subject", flat=True))


@pytest.mark.django_db
def test_overdue_reminds_lead_and_designated_lead_once_a_week(alice, ann, bob, manager, charlie):
    action = ActionFactory(
        agency=alice.memberships.first().agency, lead=alice, by=manager, target_date=in_days(-3)
    )
    today = timezone.localdate()
    services.action_send_reminders(today)
    services.action_send_reminders(today)  # same week: nothing new
    assert subjects_for(alice) == [f"Overdue action: {action}"]
    assert subjects_for(ann) == [f"Overdue action: {action}"]
    assert subjects_for(bob) == [] and subjects_for(charlie) == []
    assert subjects_for(manager) == []  # only 3 days late
    services.action_send_reminders(today + timedelta(days=7))
    assert len(subjects_for(alice)) == 2


@pytest.mark.django_db
def test_more_than_20_working_days_overdue_is_flagged_to_the_manager_once(alice, manager):
    action = ActionFactory(
        agency=alice.memberships.first().agency, lead=alice, by=manager, target_date=in_days(-40)
    )
    services.action_send_reminders(timezone.localdate())
    services.action_send_reminders(timezone.localdate() + timedelta(days=7))
    flagged = [s for s in subjects_for(manager) if "working days" in s]
    assert len(flagged) == 1 and str(action) in flagged[0]
    action.refresh_from_db()
    assert action.escalated_at is not None


@pytest.mark.django_db
def test_learning_check_due_reminds_lead_designated_lead_and_li(alice, ann, li, manager):
    action = ActionFactory(agency=alice.memberships.first().agency, lead=alice, by=manager)
    walk_to(action, S.LEARNING_CHECK_DUE, li=li)
    for user in (alice, ann, li):
        assert f"Learning check due: {action}" in subjects_for(user)
    services.action_send_reminders(timezone.localdate())  # it was just announced
    assert not any("still due" in s for s in subjects_for(alice))
    services.action_send_reminders(timezone.localdate() + timedelta(days=8))
    for user in (alice, ann, li):
        assert f"Learning check still due: {action}" in subjects_for(user)


@pytest.mark.django_db
def test_reminders_follow_the_receive_reminders_grant(alice, ann, amy, bob, manager, agency_a):
    """Who receives an agency's reminders is read from the grants (``receive_reminders``),
    not from role names: its agency leads and designated leads, nobody else, and a
    designated lead who leaves stops receiving them."""
    from agencies.models import Membership, Role
    from tests.factories import member

    other_lead = member(agency_a, Role.AGENCY_LEAD, "alex")
    action = ActionFactory(agency=agency_a, lead=alice, by=manager, target_date=in_days(-3))
    services.action_send_reminders(timezone.localdate())
    told = {n.recipient.username for n in Notification.objects.select_related("recipient")}
    assert told == {"alice", "ann", "alex"}
    assert bob.username not in told and amy.username not in told

    Membership.objects.get(user=ann).delete()  # ann leaves: her grants go
    Notification.objects.all().delete()
    services.action_send_reminders(timezone.localdate() + timedelta(days=7))
    told = {n.recipient.username for n in Notification.objects.select_related("recipient")}
    assert told == {"alice", other_lead.username}
    assert str(action) in Notification.objects.first().subject
