"""Fixtures shared by the task page and task API tests: one action (and its open work
task) per agency, a second lead and a manager of agency A, a manager of agency B."""

from __future__ import annotations

import pytest

from agencies.models import Role
from tests.factories import ActionFactory, member
from workflows.base import open_tasks
from workflows.services import task_release


@pytest.fixture
def action_a(alice, agency_a, manager):
    return ActionFactory(agency=agency_a, lead=alice, by=manager)


@pytest.fixture
def action_b(charlie, agency_b, manager):
    return ActionFactory(agency=agency_b, lead=charlie, by=manager)


def in_the_queue(action):
    """The action's work task, put back in its agency's queue by its lead: it opens
    assigned to the named lead (issue 9), and these tests exercise the shared queue."""
    task = open_tasks(action).get()
    task_release(task=task, by=action.lead)
    task.refresh_from_db()
    return task


@pytest.fixture
def task_a(action_a):
    return in_the_queue(action_a)


@pytest.fixture
def task_b(action_b):
    return in_the_queue(action_b)


@pytest.fixture
def alex(agency_a):
    """A second agency lead of agency A."""
    return member(agency_a, Role.AGENCY_LEAD, "alex")


@pytest.fixture
def mo(agency_a):
    """A manager of agency A: may reassign its tasks, may not do its actions' work."""
    return member(agency_a, Role.MANAGER, "mo")


@pytest.fixture
def mike(agency_b):
    """A manager of agency B."""
    return member(agency_b, Role.MANAGER, "mike")
