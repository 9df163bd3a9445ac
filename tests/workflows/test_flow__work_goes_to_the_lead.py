"""Issue 9, "A lead's day": the work task of an action goes to its named lead (not the
agency's queue), follows the lead when the lead changes, and sign-off stays a queue of
the agency's leads."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from viewflow.workflow.status import STATUS

from actions.models import ActionState as S
from actions.services import action_update_details
from core.timeline import timeline
from tests.factories import walk_to
from workflows.base import open_tasks
from workflows.models import TaskDue
from workflows.selectors import task_inbox, task_queue

User = get_user_model()


def fresh(user):
    return User.objects.get(pk=user.pk)


def test_the_work_task_opens_assigned_to_the_named_lead(action_a, alice, alex):
    task = open_tasks(action_a).get()
    assert task.flow_task.name == "work"
    assert task.status == STATUS.ASSIGNED and task.owner_id == alice.pk
    assert task.pk in {t.pk for t in task_inbox(user=fresh(alice))}
    # not offered to the lead's colleague to pick up
    assert task.pk not in {t.pk for t in task_queue(user=fresh(alex))}
    row = TaskDue.objects.get(task=task)
    assert row.owner_id == alice.pk and row.held and row.is_open


def test_my_work_shows_the_lead_their_own_work_under_assigned_to_me(action_a, alice, as_user):
    response = as_user(alice).get("/?tab=inbox")
    assert response.status_code == 200
    assert action_a.reference in response.content.decode()
    assert [t.pk for t in response.context["inbox"].object_list] == [open_tasks(action_a).get().pk]


def test_a_new_lead_takes_over_the_open_work_task(action_a, alice, alex, manager):
    action_update_details(action=action_a, by=manager, reason="Alice moved teams", lead=alex)
    task = open_tasks(action_a).get()
    assert task.status == STATUS.ASSIGNED and task.owner_id == alex.pk
    assert TaskDue.objects.get(task=task).owner_id == alex.pk
    assert task.pk in {t.pk for t in task_inbox(user=fresh(alex))}
    assert task.pk not in {t.pk for t in task_inbox(user=fresh(alice))}
    entries = [e.title for e in timeline(action_a)]
    assert "Task reassigned" in entries


def test_a_new_lead_takes_over_a_work_task_waiting_in_the_queue(task_a, action_a, alex, manager):
    assert task_a.owner_id is None  # put back in the queue by the fixture
    action_update_details(action=action_a, by=manager, reason="Alex takes it on", lead=alex)
    task_a.refresh_from_db()
    assert task_a.owner_id == alex.pk and task_a.status == STATUS.ASSIGNED


def test_changing_only_the_target_date_leaves_the_holder(action_a, alice, manager):
    from datetime import timedelta

    action_update_details(
        action=action_a,
        by=manager,
        reason="More time",
        target_date=action_a.target_date + timedelta(days=7),
    )
    assert open_tasks(action_a).get().owner_id == alice.pk


def test_sign_off_stays_in_the_agency_leads_queue(action_a, alice, alex):
    walk_to(action_a, S.ACCEPTED, lead=alice)
    task = open_tasks(action_a).get()
    assert task.flow_task.name == "sign_off"
    assert task.owner_id is None and task.status == STATUS.NEW
    assert task.pk in {t.pk for t in task_queue(user=fresh(alex))}
