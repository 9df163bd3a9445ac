"""A record's history (``core.timeline``): one selector merging every provider's entries
newest first (the transition log, change records, task events, and what a page adds),
in a fixed number of queries whatever the number of events; task reassignments on the
action's page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actions import services
from actions.models import ActionState as S
from agencies.models import Membership, Role
from core.timeline import (
    TimelineEntry,
    register_timeline_provider,
    timeline,
    timeline_providers,
)
from scr.models import ReviewChange
from tests.conftest import login
from tests.factories import in_days, member
from tests.factories.actions import make_action, make_recommendation, make_review
from workflows.base import open_tasks
from workflows.services import task_claim, task_reassign, task_release


@pytest.fixture
def alex(agency_a):
    return member(agency_a, Role.AGENCY_LEAD, "alex")


@pytest.fixture
def action(agency_a, alice, manager):
    action = make_action(agency=agency_a, lead=alice, by=manager)
    # the work task opens held by its lead (issue 9); these tests pick it up from the
    # queue, so it starts there (unassigned quietly: no event on the history)
    task = open_tasks(action).get()
    with task.activation() as activation:
        activation.unassign()
    return action


def name(user) -> str:
    return user.get_full_name() or user.username


def test_core_and_workflows_register_their_providers():
    assert {"core.transition_log", "core.change_records", "workflows.task_events"} <= set(
        timeline_providers()
    )


@pytest.mark.django_db
def test_the_timeline_merges_every_source_newest_first(action, alice, alex, manager):
    services.action_start_work(action=action, by=alice, note="Booked the trainer")
    task = open_tasks(action).get()
    task_claim(task=task, by=alice)
    services.action_update_details(
        action=action, by=manager, reason="Trainer ill", target_date=in_days(90)
    )
    task_reassign(task=open_tasks(action).get(), to=alex, by=manager)
    task_release(task=open_tasks(action).get(), by=alex)
    extra = TimelineEntry(timezone.now() - timedelta(days=1), "Made up", None, "from the page")

    entries = timeline(action, extra=[extra])
    assert [e.title for e in entries] == [
        "Task released",
        "Task reassigned",
        "Details changed",
        "Task picked up",
        "In progress",
        "Made up",
    ]
    released, reassigned, changed, picked, started, _ = entries
    assert released.by == alex and "back in the queue" in released.text
    assert reassigned.by == manager
    assert reassigned.text == (
        f"Do the work and submit evidence: passed from {name(alice)} to {name(alex)}."
    )
    assert changed.by == manager and changed.text == "Reason: Trainer ill"
    assert changed.lines and changed.lines[0].startswith("Target date: ")
    assert picked.by == alice and picked.text == "Do the work and submit evidence."
    assert started.by == alice and started.text == "Booked the trainer"
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)


@pytest.mark.django_db
def test_a_task_put_back_in_the_queue_is_on_the_history(action, alice, alex, manager):
    task_reassign(task=open_tasks(action).get(), to=alex, by=manager)
    Membership.objects.get(user=alex).delete()  # alex leaves: the task goes back
    assert open_tasks(action).get().owner_id is None
    back = timeline(action)[0]
    assert back.title == "Task back in the queue" and back.by is None
    assert back.text == f"Do the work and submit evidence: {name(alex)} can no longer take it."


@pytest.mark.django_db
def test_the_action_page_shows_task_reassignments(action, alice, alex, manager):
    task_claim(task=open_tasks(action).get(), by=alice)
    task_reassign(task=open_tasks(action).get(), to=alex, by=manager)
    html = login(alice).get(action.get_absolute_url()).content.decode()
    assert "Task reassigned" in html and "Task picked up" in html
    assert f"passed from {name(alice)} to {name(alex)}" in html
    assert (
        html.index("Task reassigned") < html.index("Task picked up") < html.index("Action created")
    )


@pytest.mark.django_db
def test_change_records_of_any_model_use_its_title_and_lines(manager, agency_a):
    review = make_review(lead_agency=agency_a)
    rec = make_recommendation(review, 1, "Share information")
    ReviewChange.objects.create(
        review=review, recommendation=rec, by=manager, fields={"text": ["Old", "New"]}
    )
    ReviewChange.objects.create(
        review=review, by=manager, fields={"title": ["Child Q", "Child Q review"]}
    )
    entries = timeline(review)
    assert [e.title for e in entries] == ["Review details changed", "Recommendation 1 changed"]
    assert all(e.text == "" and e.by == manager for e in entries)  # no reason on these
    assert [e.title for e in timeline(rec)] == ["Recommendation 1 changed"]


@pytest.mark.django_db
def test_a_provider_registered_elsewhere_joins_every_records_history(agency_a):
    """A record no flow follows, with no state log and no change records: only what a
    provider registered for it says."""
    at = timezone.now()
    register_timeline_provider(
        "tests.agency_notes",
        lambda record: (
            [TimelineEntry(at, "Noted", None, record.name)]
            if record._meta.label == "agencies.Agency"
            else []
        ),
    )
    try:
        assert [(e.title, e.text) for e in timeline(agency_a)] == [("Noted", agency_a.name)]
    finally:
        from core import timeline as module

        module._providers.pop("tests.agency_notes")


def add_events(action, loops: int, *, alice, alex, manager, offset: int = 0) -> None:
    """``4 * loops`` events: each loop a progress update, a change of details, a task
    picked up and released."""
    for i in range(offset, offset + loops):
        services.action_report_progress(action=action, by=alice, text=f"Step {i}")
        services.action_update_details(
            action=action, by=manager, reason=f"r{i}", target_date=in_days(100 + i)
        )
        task_claim(task=open_tasks(action).get(), by=alice if i % 2 else alex)
        task_release(task=open_tasks(action).get(), by=manager)


def five_then_fifty(action, *, alice, alex, manager):
    """Start the work and one loop (5 events); then yield; then 45 more (50)."""
    services.action_start_work(action=action, by=alice)
    add_events(action, 1, alice=alice, alex=alex, manager=manager)
    yield
    add_events(action, 11, alice=alice, alex=alex, manager=manager, offset=1)
    services.action_report_progress(action=action, by=alice, text="One more")
    yield


@pytest.mark.django_db
def test_the_timeline_costs_the_same_for_5_and_50_events(action, alice, alex, manager):
    steps = five_then_fifty(action, alice=alice, alex=alex, manager=manager)
    next(steps)
    timeline(action)  # warm caches (content types)
    with CaptureQueriesContext(connection) as few:
        assert len(timeline(action)) == 4  # progress updates are the action page's
    next(steps)
    with CaptureQueriesContext(connection) as many:
        assert len(timeline(action)) == 37
    assert len(many) == len(few)


@pytest.mark.django_db
def test_the_action_page_costs_the_same_for_5_and_50_events(action, alice, alex, manager):
    steps = five_then_fifty(action, alice=alice, alex=alex, manager=manager)
    next(steps)
    client = login(alice)
    client.get(action.get_absolute_url())  # warm caches
    with CaptureQueriesContext(connection) as few:
        page = client.get(action.get_absolute_url())
    assert page.content.decode().count('class="moj-timeline__item"') == 5 + 1  # and created
    next(steps)
    with CaptureQueriesContext(connection) as many:
        page = client.get(action.get_absolute_url())
    assert page.content.decode().count('class="moj-timeline__item"') == 50 + 1
    assert len(many) == len(few)


@pytest.mark.django_db
def test_the_action_state_is_still_the_truth(action, alice):
    """The task events ride on viewflow's own saves: nothing else about the task moves."""
    task = open_tasks(action).get()
    task_claim(task=task, by=alice)
    task.refresh_from_db()
    assert task.owner == alice and [e["event"] for e in task.data["events"]] == ["picked_up"]
    action.refresh_from_db()
    assert action.state == S.ASSIGNED
