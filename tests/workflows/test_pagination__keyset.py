"""Task lists are read by keyset (issue 13): each page is the rows after (or before) the
last one shown, in (due date, task) order, so no task is skipped or shown twice across
pages, even when many share a due date; a cursor that is not one shows the first page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.factories.actions import make_action
from tests.workflows.conftest import in_the_queue
from workflows import selectors, views
from workflows.models import TaskDue

pytestmark = pytest.mark.django_db
User = get_user_model()


def fresh(user):
    return User.objects.get(pk=user.pk)


@pytest.fixture
def tied(alice, agency_a, manager):
    """Nine open tasks of agency A: seven due on one day, two on another."""
    day = timezone.localdate() + timedelta(days=30)
    tasks = []
    for i in range(9):
        action = make_action(agency=agency_a, lead=alice, by=manager, description=f"Work {i}")
        task = in_the_queue(action)
        due = day if i < 7 else day - timedelta(days=1)
        TaskDue.objects.filter(task=task).update(due_on=due, sort_on=due)
        tasks.append(task.pk)
    return tasks


def expected(user) -> list[int]:
    return list(
        selectors.queue_rows(user=user)
        .order_by(*selectors.SORT_KEY)
        .values_list("task_id", flat=True)
    )


def test_forward_pages_cover_every_task_once_when_due_dates_tie(tied, alice):
    user = fresh(alice)
    seen: list[int] = []
    after = None
    pages = 0
    while True:
        page = selectors.keyset_page(selectors.queue_rows(user=user), after=after, size=2)
        seen += [t.pk for t in page]
        pages += 1
        if not page.has_next:
            break
        assert page.last_key is not None
        after = selectors.format_cursor(page.last_key)
    assert seen == expected(user)
    assert sorted(seen) == sorted(tied)
    assert pages == 5


def test_backward_pages_cover_every_task_once(tied, alice):
    user = fresh(alice)
    rows = selectors.queue_rows(user=user)
    last = selectors.keyset_page(rows, number=5, size=2)  # by offset: the last page
    assert not last.has_next and last.has_previous
    seen = [t.pk for t in last]
    page = last
    while page.has_previous:
        assert page.first_key is not None
        page = selectors.keyset_page(rows, before=selectors.format_cursor(page.first_key), size=2)
        seen = [t.pk for t in page] + seen
    assert seen == expected(user)


def test_a_task_added_meanwhile_does_not_shift_the_next_page(tied, alice, agency_a, manager):
    user = fresh(alice)
    first = selectors.keyset_page(selectors.queue_rows(user=user), size=3)
    assert first.last_key is not None
    # a task due before everything shown arrives: the next page does not repeat a row
    early = in_the_queue(make_action(agency=agency_a, lead=alice, by=manager))
    TaskDue.objects.filter(task=early).update(
        due_on=timezone.localdate(), sort_on=timezone.localdate()
    )
    second = selectors.keyset_page(
        selectors.queue_rows(user=user), after=selectors.format_cursor(first.last_key), size=3
    )
    assert not {t.pk for t in first} & {t.pk for t in second}
    assert expected(user)[4:7] == [t.pk for t in second]


def test_the_pages_next_links_walk_the_queue_without_gaps(tied, alice, as_user, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = as_user(alice)
    url = "/?queue=1"
    seen: list[int] = []
    for _ in range(10):
        response = client.get(url)
        assert response.status_code == 200
        page = response.context["queue"]
        seen += [t.pk for t in page]
        if not page.has_next:
            break
        assert "queue_after=" in page.next_query
        url = "/?" + page.next_query
    assert seen == expected(fresh(alice))
    # only the tab asked for is listed; the others are counted
    assert response.context["shown"] == "queue"
    counts = {tab["name"]: tab["count_label"] for tab in response.context["tabs"]}
    assert counts == {"inbox": "0", "queue": str(len(seen)), "overdue": "0"}


def test_team_tasks_next_links_walk_without_gaps(tied, alice, mo, as_user, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    client = as_user(mo)
    url = "/tasks/team/"
    seen: list[int] = []
    while True:
        page = client.get(url).context["team"]
        seen += [t.pk for t in page]
        if not page.has_next:
            break
        url = "/tasks/team/?" + page.next_query
    assert sorted(seen) == sorted(tied) and len(seen) == len(set(seen))


@pytest.mark.parametrize("cursor", ["nonsense", "2026-13-45.1", "2026-01-01.x", ""])
def test_a_cursor_that_is_not_one_shows_the_first_page(tied, alice, as_user, cursor):
    response = as_user(alice).get("/", {"queue_after": cursor, "queue_before": cursor})
    assert response.status_code == 200
    assert [t.pk for t in response.context["queue"]] == expected(fresh(alice))[: views.PAGE_SIZE]


def test_counts_are_bounded(alice, agency_a, manager, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_BOUND", 3)
    for i in range(5):
        in_the_queue(make_action(agency=agency_a, lead=alice, by=manager, description=f"W {i}"))
    page = selectors.keyset_page(selectors.queue_rows(user=fresh(alice)), size=2)
    assert page.count == 4 and page.count_label == "3+"
