"""Inbox, queue, overdue and visibility: agency B never sees agency A's tasks, the
Learning and Improvement group sees review tasks, and lists cost the same number of
queries at 2 and at 7 actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from actions.models import ActionState as S
from tests.factories import ActionFactory, walk_to
from tests.workflows.conftest import in_the_queue
from workflows import services
from workflows.base import open_tasks
from workflows.models import TaskDue
from workflows.selectors import task_inbox, task_overdue, task_queue, task_visible

User = get_user_model()


def fresh(user):
    return User.objects.get(pk=user.pk)


def boxes(user) -> dict[str, set[int]]:
    user = fresh(user)
    return {
        "inbox": {t.pk for t in task_inbox(user=user)},
        "queue": {t.pk for t in task_queue(user=user)},
        "overdue": {t.pk for t in task_overdue(user=user)},
        "visible": {t.pk for t in task_visible(user=user)},
    }


def work_task(action):
    return in_the_queue(action)


def set_due(task, day) -> None:
    # as the app writes a due date: with ``sort_on``, which the lists walk
    TaskDue.objects.filter(task=task).update(due_on=day, sort_on=day)


def make_overdue(task, days: int = 3) -> None:
    set_due(task, timezone.localdate() - timedelta(days=days))


@pytest.fixture
def action_b(charlie, agency_b, manager):
    """Agency B's action (``action_a`` comes from tests/workflows/conftest.py)."""
    return ActionFactory(
        agency=agency_b,
        lead=charlie,
        by=manager,
        description="Train custody staff on the threshold document",
    )


def test_the_work_task_is_in_agency_as_queue_and_no_one_elses(action_a, alice, bob, charlie):
    task = work_task(action_a)
    assert task.pk in boxes(alice)["queue"]
    assert task.pk not in boxes(bob)["queue"]  # a practitioner cannot update actions
    assert boxes(charlie) == {"inbox": set(), "queue": set(), "overdue": set(), "visible": set()}


def test_agency_b_never_sees_agency_as_tasks_in_any_box(action_a, action_b, alice, charlie):
    task_a, task_b = work_task(action_a), work_task(action_b)
    make_overdue(task_a)
    make_overdue(task_b)
    # queued
    assert boxes(charlie) == {
        "inbox": set(),
        "queue": {task_b.pk},
        "overdue": {task_b.pk},
        "visible": {task_b.pk},
    }
    assert boxes(alice) == {
        "inbox": set(),
        "queue": {task_a.pk},
        "overdue": {task_a.pk},
        "visible": {task_a.pk},
    }
    # claimed
    services.task_claim(task=task_a, by=alice)
    services.task_claim(task=task_b, by=charlie)
    assert boxes(charlie) == {
        "inbox": {task_b.pk},
        "queue": set(),
        "overdue": {task_b.pk},
        "visible": {task_b.pk},
    }
    assert boxes(alice) == {
        "inbox": {task_a.pk},
        "queue": set(),
        "overdue": {task_a.pk},
        "visible": {task_a.pk},
    }


def test_a_practitioner_sees_agency_tasks_but_cannot_pick_them_up(action_a, bob):
    task = work_task(action_a)
    assert boxes(bob) == {"inbox": set(), "queue": set(), "overdue": set(), "visible": {task.pk}}


def test_overdue_holds_only_tasks_due_before_today(action_a, alice):
    task = work_task(action_a)
    assert task.due.due_on == action_a.target_date
    assert task.pk not in boxes(alice)["overdue"]
    set_due(task, timezone.localdate())
    assert task.pk not in boxes(alice)["overdue"]  # due today is not overdue
    make_overdue(task, days=1)
    assert task.pk in boxes(alice)["overdue"]


def test_someone_elses_claimed_task_is_not_in_my_queue_or_overdue(action_a, alice, agency_a):
    from agencies.models import Role
    from tests.factories import member

    colleague = member(agency_a, Role.AGENCY_LEAD, "alex")
    task = work_task(action_a)
    make_overdue(task)
    services.task_claim(task=task, by=colleague)
    got = boxes(alice)
    assert got["inbox"] == got["queue"] == got["overdue"] == set()
    assert got["visible"] == {task.pk}  # still visible to a lead of the same agency


def test_the_li_group_sees_review_tasks_of_every_agency(action_a, action_b, alice, charlie, li):
    walk_to(action_a, S.EVIDENCE_SUBMITTED, lead=alice)
    walk_to(action_b, S.EVIDENCE_SUBMITTED, lead=charlie)
    reviews = {open_tasks(action_a).get().pk, open_tasks(action_b).get().pk}
    assert {t.flow_task.name for t in task_queue(user=fresh(li))} == {"review"}
    assert boxes(li)["queue"] == reviews
    assert reviews <= boxes(li)["visible"]
    # agency leads cannot pick up a review
    assert not boxes(alice)["queue"] & reviews
    assert not boxes(charlie)["queue"] & reviews


def test_an_inactive_user_can_pick_nothing_up(action_a, alice):
    task = work_task(action_a)
    assert boxes(alice)["queue"] == {task.pk}
    alice.is_active = False
    alice.save()
    assert boxes(alice)["queue"] == set()
    assert boxes(alice)["overdue"] == set()


# -- bounded queries ------------------------------------------------------------------
def populate(n: int, *, alice, charlie, manager, agency_a, agency_b) -> None:
    """n actions for each agency: some claimed by their lead, some overdue."""
    for i in range(n):
        a = ActionFactory(agency=agency_a, lead=alice, by=manager, description=f"A work {i}")
        b = ActionFactory(agency=agency_b, lead=charlie, by=manager, description=f"B work {i}")
        if i % 2:
            services.task_claim(task=work_task(a), by=alice)
        if i % 3 == 0:
            make_overdue(work_task(a))
            make_overdue(work_task(b))


def count_queries(func) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx)


SELECTORS = {"queue": task_queue, "inbox": task_inbox, "overdue": task_overdue}


@pytest.mark.parametrize("box", list(SELECTORS))
def test_selector_query_count_does_not_grow_with_the_number_of_tasks(
    box, alice, charlie, manager, agency_a, agency_b, django_assert_num_queries
):
    people = {
        "alice": alice,
        "charlie": charlie,
        "manager": manager,
        "agency_a": agency_a,
        "agency_b": agency_b,
    }
    selector = SELECTORS[box]

    def evaluate():
        rows = list(selector(user=fresh(alice)))
        # everything a task table shows
        for task in rows:
            str(task.flow_task.task_title)
            str(task.process.artifact)
            task.process.artifact.agency.label  # noqa: B018
            getattr(task, "due", None)
            task.owner  # noqa: B018
        return rows

    populate(2, **people)
    evaluate()  # warm caches (content types) that a long-running process holds anyway
    at_two = count_queries(evaluate)
    assert len(evaluate()) >= 1

    populate(5, **people)
    with django_assert_num_queries(at_two):
        rows = evaluate()
    assert len(rows) > 1


def test_home_page_query_count_does_not_grow_with_the_number_of_tasks(
    alice, charlie, manager, agency_a, agency_b, as_user, django_assert_num_queries
):
    people = {
        "alice": alice,
        "charlie": charlie,
        "manager": manager,
        "agency_a": agency_a,
        "agency_b": agency_b,
    }
    client = as_user(alice)
    populate(2, **people)
    assert client.get("/").status_code == 200  # warm
    at_two = count_queries(lambda: client.get("/"))

    populate(5, **people)
    with django_assert_num_queries(at_two):
        response = client.get("/")
    assert response.status_code == 200
    assert "workflows/task_table.html" in [t.name for t in response.templates]
    # My work shows one tab at a time: between them, every task of agency A
    page = "".join(client.get(f"/?tab={tab}").content.decode() for tab in ("inbox", "queue"))
    from actions.models import Action

    for action in Action.objects.filter(agency=agency_a):
        assert f">{escape(action)}</a>" in page
    for action in Action.objects.filter(agency=agency_b):
        assert f">{escape(action)}</a>" not in page


def test_home_page_lists_only_my_agencys_tasks(action_a, action_b, alice, as_user):
    page = as_user(alice).get("/").content.decode()
    assert escape(action_a) in page
    assert escape(action_b) not in page
