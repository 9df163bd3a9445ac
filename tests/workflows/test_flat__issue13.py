"""Flat at scale (issue 13), what was added last: My work in at most 15 queries (every
tab's page and count in one query, their tasks in one more); the visibility terms as
literal agency ids; a new task's due date written in one UPDATE; the outbox sending
past 200 a pass, in chunks, with one UPDATE per chunk; PostgreSQL without JIT."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import outbox
from core.models import Notification
from tests.factories.actions import make_action
from tests.workflows.test_queries__scale import PAGES, count, fresh, grow
from workflows import selectors
from workflows.base import open_tasks
from workflows.models import TaskDue
from workflows.views import TABS

pytestmark = pytest.mark.django_db

GOAL = 15


@pytest.mark.parametrize("url", PAGES)
def test_my_work_and_team_tasks_cost_at_most_15_queries(
    url, alice, charlie, manager, agency_a, agency_b, as_user
):
    grow(8, alice=alice, charlie=charlie, manager=manager, agency_a=agency_a, agency_b=agency_b)
    client = as_user(alice)
    assert client.get(url).status_code == 200  # warm (content types)
    queries = count(lambda: client.get(url))
    assert queries <= GOAL, (url, queries)


def test_every_tab_is_read_in_one_query_and_their_tasks_in_one_more(
    alice, charlie, manager, agency_a, agency_b
):
    grow(8, alice=alice, charlie=charlie, manager=manager, agency_a=agency_a, agency_b=agency_b)
    user = fresh(alice)
    specs = [
        selectors.ListSpec(rows=rows_for(user=user), key=key) for rows_for, key in TABS.values()
    ]
    selectors.agency_grants(user)
    user.has_perm("agencies.update_action")  # the grants and permissions: read first
    with CaptureQueriesContext(connection) as ctx:
        inbox, queue, overdue = selectors.keyset_pages(specs)
    # the keys and counts of every tab; the tasks; their actions (one kind of record)
    assert len(ctx) == 3, [q["sql"][:120] for q in ctx.captured_queries]
    assert "UNION ALL" in ctx.captured_queries[0]["sql"]
    assert inbox.count == 4 and queue.count == 4 and overdue.count == 3
    assert {t.pk for t in inbox} and all(t.owner_id == alice.pk for t in inbox)


def test_the_first_page_and_the_count_are_one_walk(alice, charlie, manager, agency_a, agency_b):
    """Past the first page (a cursor), the count is a walk of its own."""
    grow(8, alice=alice, charlie=charlie, manager=manager, agency_a=agency_a, agency_b=agency_b)
    user = fresh(alice)
    first = selectors.keyset_page(selectors.queue_rows(user=user), size=2)
    assert first.count == 4 and len(first) == 2 and first.has_next
    second = selectors.keyset_page(
        selectors.queue_rows(user=user), size=2, after=selectors.format_cursor(first.last_key)
    )
    assert second.count == 4 and len(second) == 2 and not second.has_next


def test_visibility_terms_name_the_agencies_not_a_subquery(alice, agency_a):
    from workflows.flows import ActionFlow

    sql = str(ActionFlow.visible_records(fresh(alice)).query)
    assert "guardian" not in sql and "objectpermission" not in sql
    assert f"IN ({agency_a.pk})" in sql


def test_a_new_tasks_due_date_is_written_with_one_update(alice, agency_a, manager):
    action = make_action(agency=agency_a, lead=alice, by=manager, target_in_days=10)
    task = open_tasks(action).get()
    row = TaskDue.objects.get(task=task)
    assert row.due_on == action.target_date and row.sort_on == action.target_date


# -- the outbox -------------------------------------------------------------------------
def queue(n: int, user) -> None:
    outbox.notify_many(
        outbox.Message(recipients=[user], subject=f"S {i}", body="B", dedupe_key=f"k-{i}")
        for i in range(n)
    )


def test_a_pass_sends_past_200_in_chunks_with_one_update_each(alice, mailoutbox, monkeypatch):
    monkeypatch.setattr(outbox, "CHUNK", 40)
    queue(130, alice)
    with CaptureQueriesContext(connection) as ctx:
        assert outbox.send_pending(limit=1000) == (130, 0)
    assert len(mailoutbox) == 130
    assert Notification.objects.filter(status=Notification.Status.SENT).count() == 130
    updates = [q for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]
    # per chunk of 40 (four chunks): the claim's lease and the outcome, one UPDATE each
    assert len(updates) == 8, [q["sql"][:80] for q in updates]


def test_the_rate_is_a_setting(alice, mailoutbox, settings):
    settings.OUTBOX_SEND_PER_PASS = 25
    queue(60, alice)
    assert outbox.send_pending() == (25, 0)
    assert outbox.send_pending() == (25, 0)
    assert outbox.send_pending() == (10, 0)


def test_a_pass_stops_claiming_when_its_time_is_up(alice, mailoutbox, monkeypatch):
    monkeypatch.setattr(outbox, "CHUNK", 10)
    queue(30, alice)
    assert outbox.send_pending(limit=1000, seconds=0) == (0, 0)
    assert Notification.objects.filter(status=Notification.Status.PENDING).count() == 30


def test_the_default_rate_sends_a_days_reminders_within_minutes(settings):
    # issue 13: 10,162 reminders for 5,000 overdue actions; one pass a minute
    assert 10_162 / settings.OUTBOX_SEND_PER_PASS <= 5


@pytest.mark.postgres
def test_postgresql_runs_without_jit():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's JIT: runs in the PostgreSQL pass of make test")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_overdue_uses_the_due_date(alice, agency_a, manager):
    action = make_action(agency=agency_a, lead=alice, by=manager, target_in_days=-2)
    task = open_tasks(action).get()
    row = TaskDue.objects.get(task=task)
    assert row.due_on == timezone.localdate() - timedelta(days=2)
    page = selectors.keyset_page(
        selectors.overdue_rows(user=fresh(alice)), key=selectors.OVERDUE_KEY
    )
    assert [t.pk for t in page] == [task.pk]
