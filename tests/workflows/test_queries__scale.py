"""Flat at scale (issue 13): the queue, inbox, overdue, team tasks and My work cost the
same number of queries at two sizes; My work's "named lead can no longer act" warning
reads ``LeadCannotAct`` (kept by the membership and account signals) rather than every
open action; and on PostgreSQL the queue's first page is an index walk (no Sort)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Membership, Role
from tests.factories.actions import make_action
from tests.workflows.conftest import in_the_queue
from workflows import selectors, services
from workflows.models import LeadCannotAct, TaskDue

pytestmark = pytest.mark.django_db
User = get_user_model()


def fresh(user):
    return User.objects.get(pk=user.pk)


def grow(n, *, alice, charlie, manager, agency_a, agency_b) -> None:
    """n actions per agency: every other one claimed, every third overdue."""
    for i in range(n):
        a = make_action(agency=agency_a, lead=alice, by=manager, description=f"A {i}")
        make_action(agency=agency_b, lead=charlie, by=manager, description=f"B {i}")
        task = in_the_queue(a)
        if i % 2:
            services.task_claim(task=task, by=alice)
        if i % 3 == 0:
            past = timezone.localdate() - timedelta(days=2)
            TaskDue.objects.filter(task=task).update(due_on=past, sort_on=past)


def count(func) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx)


PAGES = ["/", "/?tab=inbox", "/?tab=queue", "/?tab=overdue", "/tasks/team/"]


@pytest.mark.parametrize("url", PAGES)
def test_each_list_costs_the_same_queries_at_two_sizes(
    url, alice, charlie, manager, agency_a, agency_b, as_user, django_assert_num_queries
):
    people = dict(
        alice=alice, charlie=charlie, manager=manager, agency_a=agency_a, agency_b=agency_b
    )
    client = as_user(alice)  # agency lead: inbox, queue, overdue and team tasks
    grow(3, **people)
    assert client.get(url).status_code == 200  # warm (content types)
    small = count(lambda: client.get(url))
    grow(30, **people)  # 33 actions each: more than a page (25)
    with django_assert_num_queries(small):
        response = client.get(url)
    assert response.status_code == 200


def test_the_lead_check_costs_the_same_with_many_open_actions(
    alice, alex, manager, agency_a, as_user, django_assert_num_queries
):
    make_action(agency=agency_a, lead=alice, by=manager)
    alice.memberships.get().delete()
    client = as_user(manager)
    client.get("/")
    few = count(lambda: client.get("/"))
    for i in range(15):
        make_action(agency=agency_a, lead=alex, by=manager, description=f"Other {i}")
    with django_assert_num_queries(few):
        assert "can no longer act" in client.get("/").content.decode()


# -- the flag follows memberships and accounts ------------------------------------------
def flagged(manager) -> set[int]:
    return {a.pk for a in selectors.actions_without_a_lead(user=fresh(manager))}


def test_membership_removed_then_added_back_sets_then_clears_the_flag(
    action_a, alice, agency_a, manager
):
    assert not LeadCannotAct.objects.exists()
    alice.memberships.get().delete()
    assert LeadCannotAct.objects.filter(user=alice, agency=agency_a).exists()
    assert flagged(manager) == {action_a.pk}
    Membership.objects.create(user=alice, agency=agency_a, role=Role.AGENCY_LEAD)
    assert not LeadCannotAct.objects.exists()
    assert flagged(manager) == set()


def test_role_lessened_then_restored(action_a, alice, manager):
    membership = alice.memberships.get()
    membership.role = Role.PRACTITIONER
    membership.save()
    assert flagged(manager) == {action_a.pk}
    membership.role = Role.AGENCY_LEAD
    membership.save()
    assert flagged(manager) == set()


def test_account_closed_then_reopened(action_a, alice, manager):
    alice.is_active = False
    alice.save()
    assert flagged(manager) == {action_a.pk}
    alice.is_active = True
    alice.save()
    assert flagged(manager) == set()


def test_a_new_lead_who_can_act_clears_the_warning(action_a, alice, alex, manager):
    from actions import services as action_services

    alice.memberships.get().delete()
    assert flagged(manager) == {action_a.pk}
    action_services.action_update_details(
        action=action_a, by=manager, reason="Alice moved", lead=alex
    )
    assert flagged(manager) == set()


def test_the_flag_is_not_read_from_every_action(action_a, alice, manager):
    """Without the row, nothing is flagged: My work no longer scans the actions."""
    alice.memberships.get().delete()
    LeadCannotAct.objects.all().delete()
    assert flagged(manager) == set()


# -- PostgreSQL: the queue's first page walks an index -----------------------------------
@pytest.mark.postgres
@pytest.mark.parametrize("agencies", [1, 2])
def test_the_queues_first_page_walks_an_index_without_sorting(
    agencies, alice, charlie, manager, agency_a, agency_b
):
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN plans are PostgreSQL's: runs in the PostgreSQL pass of make test")
    people = dict(
        alice=alice, charlie=charlie, manager=manager, agency_a=agency_a, agency_b=agency_b
    )
    grow(6, **people)
    if agencies == 2:
        Membership.objects.create(user=alice, agency=agency_b, role=Role.AGENCY_LEAD)
    rows = selectors.queue_rows(user=fresh(alice)).order_by(*selectors.SORT_KEY)
    with transaction.atomic(), connection.cursor() as cursor:
        # a table this small would be read whole; what matters is that an index can
        # serve the order (with none, the planner must still sort)
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        plan = rows.values_list("task_id")[:26].explain()
    assert "Sort" not in plan, plan
    assert "wf_due_queue" in plan, plan
