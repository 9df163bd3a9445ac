"""The actions list's search and filters in a real browser, and a step refused because
another tab took it first: accessible, with the GOV.UK error patterns."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from actions import services
from actions.models import ActionState as S
from tests.browser.pages import assert_accessible, assert_error_summary, check_page, submit
from tests.factories.actions import make_action

pytestmark = pytest.mark.browser


@pytest.fixture
def actions(alice, manager, agency_a):
    return [
        make_action(
            agency=agency_a,
            lead=alice,
            by=manager,
            reference="1.1",
            description="Deliver neglect training",
        ),
        make_action(
            agency=agency_a,
            lead=alice,
            by=manager,
            reference="1.2",
            description="Audit strategy meetings",
        ),
    ]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_search_and_an_invalid_filter(request, javascript, sign_in, manager, actions, agency_a):
    page = request.getfixturevalue("page" if javascript else "nojs_page")
    sign_in(page, manager)
    check_page(page, "/actions/")
    page.get_by_label("Search").fill("NEGLECT")
    submit(page.get_by_role("button", name="Apply filters"))
    assert "Deliver neglect training" in page.content()
    assert "Audit strategy meetings" not in page.content()
    assert_accessible(page)

    check_page(page, f"/actions/?state=bogus&agency={agency_a.pk}&q=audit")
    assert_error_summary(page, links_to=["id_state"], js=javascript)
    assert page.get_by_label("Search").input_value() == "audit"
    assert "Audit strategy meetings" in page.content()  # the valid filters applied
    assert "Deliver neglect training" not in page.content()


def test_a_step_another_tab_took_first(sign_in, context, page, manager, actions):
    """Two tabs on one action; "Cancel action" in the first, then in the second: the
    second lands back on the action page with the reason in the error banner."""
    action = actions[0]
    sign_in(page, manager)
    url = f"/actions/{action.pk}/"
    second = context.new_page()
    second.goto(url)
    page.goto(url)
    page.get_by_label("Why is the action being cancelled?").fill("Duplicate")
    submit(page.get_by_role("button", name="Cancel action"))
    submit(page.get_by_role("button", name="Yes, cancel action"))  # the confirm page
    second.get_by_label("Why is the action being cancelled?").fill("Duplicate")
    submit(second.get_by_role("button", name="Cancel action"))
    confirm = second.get_by_role("button", name="Yes, cancel action")
    if confirm.count():  # the state is checked before or after confirming: either way
        submit(confirm)
    assert urlparse(second.url).path == url
    banner = second.locator(".govuk-error-summary")
    assert banner.count() == 1 and services.ALREADY_CLOSED in banner.inner_text()
    assert banner.evaluate("el => el.contains(document.activeElement)")  # focused
    assert (
        second.locator("a[href^='#']").evaluate_all(
            "links => links.filter(a => a.closest('.govuk-error-summary'))"
        )
        == []
    )
    assert_accessible(second)
    action.refresh_from_db()
    assert action.state == S.CANCELLED
