"""Reassigning a task (a manager of the task's agency), with and without JavaScript."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from agencies.models import Role
from tests.browser.pages import (
    assert_accessible,
    assert_error_summary,
    check_page,
    submit,
    success_banner,
)
from tests.factories import member

pytestmark = pytest.mark.browser


@pytest.fixture
def agency_manager(agency_a):
    return member(agency_a, Role.MANAGER, "mo", first_name="Mo", last_name="Khan")


@pytest.fixture
def second_lead(agency_a):
    return member(agency_a, Role.AGENCY_LEAD, "alex", first_name="Alex", last_name="Lee")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_reassign_as_agency_manager(
    request, javascript, sign_in, agency_manager, alice, second_lead, work_tasks
):
    page = request.getfixturevalue("page" if javascript else "nojs_page")
    sign_in(page, agency_manager)
    task = work_tasks["claimed"]
    url = f"/tasks/{task.pk}/reassign/"
    check_page(page, url, title="Reassign task")
    assert page.get_by_role("group").count() == 1
    # the current holder (alice) is not offered: only the other agency lead
    assert page.get_by_role("radio").count() == 1
    assert page.get_by_role("radio", name="Alex Lee").count() == 1

    submit(page.get_by_role("button", name="Reassign"))
    assert urlparse(page.url).path == url
    assert_error_summary(page, links_to=["id_assignee"], js=javascript)
    assert_accessible(page)

    page.get_by_role("radio", name="Alex Lee").check()
    submit(page.get_by_role("button", name="Reassign"))
    assert urlparse(page.url).path == "/"
    assert "is now with Alex Lee" in success_banner(page)
    assert_accessible(page)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_team_tasks_reassign_and_release(
    request, javascript, sign_in, agency_manager, alice, second_lead, work_tasks
):
    """A manager follows My work's link to Team tasks: every open task of the agency (who
    holds it, when it is due, overdue marked); reassigns one from there and comes back to
    the page, and releases another; every step passes axe."""
    page = request.getfixturevalue("page" if javascript else "nojs_page")
    sign_in(page, agency_manager)
    check_page(page, "/", title="My work")
    submit(page.get_by_role("link", name="see every open task of your team"))
    assert urlparse(page.url).path == "/tasks/team/"
    assert page.title().startswith("Team tasks")
    assert_accessible(page)
    team = page.locator("#team")
    assert team.get_by_role("row").count() == 4  # the header and three tasks
    assert team.get_by_text("Overdue", exact=True).count() == 1
    assert team.get_by_text("Unassigned").count() == 2
    assert team.get_by_role("link", name="Reassign").count() == 3

    claimed = work_tasks["claimed"]
    link = team.locator(f'a[href^="/tasks/{claimed.pk}/reassign/"]')
    submit(link)
    assert urlparse(page.url).path == f"/tasks/{claimed.pk}/reassign/"
    assert_accessible(page)
    page.get_by_role("radio", name="Alex Lee").check()
    submit(page.get_by_role("button", name="Reassign"))
    assert urlparse(page.url).path == "/tasks/team/"
    assert urlparse(page.url).fragment == "team"
    assert "is now with Alex Lee" in success_banner(page)
    assert team.get_by_role("row", name="Alex Lee").count() == 1
    assert_accessible(page)

    # release the task alex now holds: back in the queue, still on the page
    submit(team.get_by_role("row", name="Alex Lee").get_by_role("button", name="Release"))
    assert "is back in the queue" in success_banner(page)
    assert team.get_by_text("Unassigned").count() == 3
    assert_accessible(page)
