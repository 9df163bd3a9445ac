"""Someone who may no longer take a task does not keep it: when their membership is
removed or moved to another agency, their role changes, they leave the L&I group or
their account is closed, every open task they held that they may no longer pick up goes
back to the queue (not their inbox), it is logged, and the agency's managers are told
through the outbox."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from viewflow.workflow.status import STATUS

from actions.models import ActionState as S
from agencies.models import Membership, Role
from agencies.roles import PartnershipRole
from core.models import Notification
from tests.factories import ActionFactory, member, walk_to
from tests.workflows.conftest import in_the_queue
from workflows import services
from workflows.base import open_tasks
from workflows.selectors import task_inbox, task_queue, task_team, task_visible

User = get_user_model()


def fresh(user):
    return User.objects.get(pk=user.pk)


def held(task) -> tuple[str, str | None]:
    task.refresh_from_db()
    return task.status, (task.owner.username if task.owner_id else None)


def told(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user))


@pytest.fixture
def claimed(task_a, alice):
    """Agency A's work task, picked up by its lead alice."""
    services.task_claim(task=task_a, by=alice)
    return task_a


def assert_back_in_the_queue(task, *, left, colleague) -> None:
    assert held(task) == (STATUS.NEW, None)
    assert task.pk not in {t.pk for t in task_inbox(user=fresh(left))}
    assert task.pk in {t.pk for t in task_queue(user=fresh(colleague))}


def test_membership_deleted_releases_the_task_and_tells_the_agencys_managers(
    claimed, alice, alex, mo, mike, as_user, caplog
):
    with caplog.at_level(logging.WARNING, logger="workflows.services"):
        alice.memberships.get().delete()
    assert_back_in_the_queue(claimed, left=alice, colleague=alex)
    assert f"Task {claimed.pk}" in caplog.text and "alice" in caplog.text
    # her inbox no longer lists it, and she cannot open it (404)
    assert as_user(fresh(alice)).get(f"/tasks/{claimed.pk}/").status_code == 404
    # the managers of agency A who may reassign its tasks are told: mo, and alex (an
    # agency lead may reassign too); never agency B's manager, never alice
    (note,) = told(mo)
    assert note.subject == (
        f"Tasks back in {claimed.process.artifact.agency}'s queue: "
        f"{alice.get_full_name()} can no longer take them"
    )
    assert f"Do the work and submit evidence for {claimed.process.artifact}" in note.body
    assert len(told(alex)) == 1
    assert told(mike) == [] and told(alice) == []


def test_membership_moved_to_another_agency_releases_the_task(
    claimed, alice, alex, mo, agency_b, charlie
):
    membership = alice.memberships.get()
    membership.agency = agency_b
    membership.save()
    assert_back_in_the_queue(claimed, left=alice, colleague=alex)
    assert len(told(mo)) == 1
    assert told(charlie) == []  # her new agency's people are not told about A's task


def test_role_changed_to_one_that_cannot_do_the_work_releases_the_task(claimed, alice, alex, mo):
    membership = alice.memberships.get()
    membership.role = Role.PRACTITIONER
    membership.save()
    assert_back_in_the_queue(claimed, left=alice, colleague=alex)
    assert len(told(mo)) == 1


def test_account_deactivated_releases_the_task(claimed, alice, alex, mo):
    alice.is_active = False
    alice.save()
    assert_back_in_the_queue(claimed, left=alice, colleague=alex)
    assert len(told(mo)) == 1


def test_a_save_that_does_not_touch_access_releases_nothing(claimed, alice, mo):
    alice.first_name = "Alicia"
    alice.save()
    User.objects.get(pk=alice.pk).save(update_fields=["last_login"])
    assert held(claimed) == (STATUS.ASSIGNED, "alice")
    assert told(mo) == []


def test_a_task_still_within_reach_stays(claimed, alice, agency_a, mo):
    # alice gains, then loses, a second role: she is still an agency lead of A
    extra = Membership.objects.create(user=alice, agency=agency_a, role=Role.AUDITOR)
    extra.delete()
    assert held(claimed) == (STATUS.ASSIGNED, "alice")
    assert told(mo) == []


def test_only_the_tasks_of_the_agency_left_are_released(
    claimed, alice, agency_b, charlie, manager, mo, mike
):
    # alice also leads agency B and holds one of its tasks; she leaves agency A only
    Membership.objects.create(user=alice, agency=agency_b, role=Role.AGENCY_LEAD)
    action_b = ActionFactory(agency=agency_b, lead=charlie, by=manager)
    task_b = in_the_queue(action_b)
    services.task_claim(task=task_b, by=fresh(alice))
    Membership.objects.get(user=alice, agency=claimed.process.artifact.agency).delete()
    assert held(claimed) == (STATUS.NEW, None)
    assert held(task_b) == (STATUS.ASSIGNED, "alice")
    assert len(told(mo)) == 1 and told(mike) == []


def test_leaving_the_li_group_releases_a_review_task_and_tells_the_partnership_manager(
    action_a, alice, li, manager, mo
):
    colleague = member(action_a.agency, Role.AUDITOR, "lia")
    colleague.groups.add(Group.objects.get(name=PartnershipRole.LEARNING_AND_IMPROVEMENT))
    walk_to(action_a, S.EVIDENCE_SUBMITTED, lead=alice)
    review = open_tasks(action_a).get()
    services.task_claim(task=review, by=li)

    li.groups.clear()
    assert held(review) == (STATUS.NEW, None)
    assert review.pk in {t.pk for t in task_queue(user=fresh(colleague))}
    # a review task has no agency: the partnership manager (who may reassign every
    # task) is told, not an agency's manager
    assert len(told(manager)) == 1 and told(mo) == []


def test_removing_users_from_the_group_side_releases_too(action_a, alice, li, manager):
    walk_to(action_a, S.EVIDENCE_SUBMITTED, lead=alice)
    review = open_tasks(action_a).get()
    services.task_claim(task=review, by=li)
    Group.objects.get(name=PartnershipRole.LEARNING_AND_IMPROVEMENT).user_set.remove(li)
    assert held(review) == (STATUS.NEW, None)


def test_with_no_manager_in_the_agency_the_partnership_manager_is_told(claimed, alice, manager):
    alice.memberships.get().delete()
    assert held(claimed) == (STATUS.NEW, None)
    assert len(told(manager)) == 1


def test_released_task_shows_in_the_team_tab_of_a_manager(claimed, alice, mo):
    alice.memberships.get().delete()
    team = {t.pk: t for t in task_team(user=fresh(mo))}
    assert team[claimed.pk].owner_id is None
    assert claimed.pk in {t.pk for t in task_visible(user=fresh(mo))}


def test_release_is_idempotent(claimed, alice, mo):
    alice.memberships.get().delete()
    assert services.release_tasks_out_of_reach(user=alice) == []
    assert len(told(mo)) == 1
