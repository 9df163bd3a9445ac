"""Who is told is read from the grants through ``agencies.selectors`` only, the same way
whoever may take the step is decided: a permission held directly counts as one held
through a group. And what they are told is a plain-text template."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from actions import services
from actions.models import ActionState as S
from agencies.selectors import users_holding
from core.models import Notification
from tests.factories import UserFactory, walk_to
from tests.factories.actions import make_action


def told(user) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("subject", flat=True))


@pytest.fixture
def checker(db):
    """Given ``actions.run_learning_check`` (and the right to read every agency's
    records) as their own permissions, in no group."""
    return UserFactory(
        username="checker",
        permissions=["actions.run_learning_check", "agencies.view_agency_records"],
    )


@pytest.mark.django_db
def test_someone_given_run_learning_check_directly_is_told_a_check_is_due(
    agency_a, alice, li, manager, checker
):
    assert checker.has_perm("actions.run_learning_check")  # so may record the check
    action = make_action(agency=agency_a, lead=alice, by=manager)
    walk_to(action, S.LEARNING_CHECK_DUE, li=li)
    assert told(checker) == [f"Learning check due: {action}"]
    assert f"Learning check due: {action}" in told(li)  # the group's members still are

    services.action_send_reminders(timezone.localdate() + timedelta(days=8))
    assert f"Learning check still due: {action}" in told(checker)
    assert f"Learning check still due: {action}" in told(li)


@pytest.mark.django_db
def test_a_holder_who_may_not_read_the_agencys_records_is_not_told(agency_a, alice, li, manager):
    blind = UserFactory(username="blind", permissions=["actions.run_learning_check"])
    action = make_action(agency=agency_a, lead=alice, by=manager)
    walk_to(action, S.LEARNING_CHECK_DUE, li=li)
    assert told(blind) == []


@pytest.mark.django_db
def test_escalations_go_to_whoever_manages_the_plan_not_whoever_may_cancel(
    agency_a, alice, manager
):
    canceller = UserFactory(
        username="canceller",
        permissions=["actions.cancel_action", "agencies.view_agency_records"],
    )
    planner = UserFactory(
        username="planner", permissions=["actions.manage_plan", "agencies.view_agency_records"]
    )
    action = make_action(agency=agency_a, lead=alice, by=manager, target_in_days=-60)
    services.action_send_reminders(timezone.localdate())
    escalated = [s for s in told(planner) if "working days" in s]
    assert len(escalated) == 1 and str(action) in escalated[0]
    assert [s for s in told(manager) if "working days" in s] == escalated  # by the group
    assert told(canceller) == []


@pytest.mark.django_db
def test_users_holding_reads_own_and_group_permissions_not_superuser_status(li, checker):
    UserFactory(username="root", is_superuser=True)
    gone = UserFactory(username="gone", is_active=False, permissions=["actions.run_learning_check"])
    holders = set(users_holding("actions.run_learning_check").values_list("username", flat=True))
    assert holders == {"li", "checker"}
    assert gone.username not in holders


@pytest.mark.django_db
def test_bodies_are_rendered_as_plain_text_from_templates(agency_a, alice, ann, manager):
    assert "'" in agency_a.name  # "Barnet Children's Social Care"
    action = make_action(
        agency=agency_a,
        lead=alice,
        by=manager,
        target_in_days=-3,
        description='Audit <strategy> meetings & "section 47" enquiries',
    )
    services.action_send_reminders(timezone.localdate())
    body = Notification.objects.get(recipient=alice).body
    due = action.target_date
    assert body == (
        f"{action} for Barnet Children's Social Care was due on {due:%d %B %Y}.\n\n"
        'Audit <strategy> meetings & "section 47" enquiries'
    )
