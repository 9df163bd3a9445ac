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
