"""Changing an action's details in a real browser: the link on the action page, the
form with and without JavaScript, the error summary, and the change on the timeline.
No axe violations on any page on the way."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from actions.models import ActionChange
from agencies.models import Role
from tests.browser.pages import (
    assert_accessible,
    assert_error_summary,
    check_page,
    screenshot,
    submit,
    success_banner,
)
from tests.factories import in_days, member
from tests.factories.actions import make_action, make_recommendation, make_review

pytestmark = pytest.mark.browser


@pytest.fixture
def alex(agency_a):
    return member(agency_a, Role.AGENCY_LEAD, "alex", first_name="Alex", last_name="Okafor")


@pytest.fixture
def action(alice, manager, agency_a):
    review = make_review(lead_agency=agency_a)
    return make_action(
        agency=agency_a,
        lead=alice,
        by=manager,
        source=make_recommendation(review),
        reference="1.1",
    )


def fill_date(page, day) -> None:
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_manager_changes_the_details(request, javascript, sign_in, manager, alex, action):
    page = request.getfixturevalue("page" if javascript else "nojs_page")
    sign_in(page, manager)
    url = f"/actions/{action.pk}/"
    check_page(page, url)
    submit(page.get_by_role("link", name="Change details"))
    assert urlparse(page.url).path == f"/actions/{action.pk}/edit/"
    assert page.title().startswith("Change the details of")
    assert_accessible(page)

    # saving without a reason: the error summary, and nothing changes
    fill_date(page, in_days(100))
    submit(page.get_by_role("button", name="Save changes"))
    assert_error_summary(page, links_to=["id_reason"], js=javascript)
    assert_accessible(page)
    assert not ActionChange.objects.exists()
    if javascript:
        screenshot(page, "action-edit-errors")

    # the form kept what was typed; complete it
    assert page.get_by_label("Day").input_value() == str(in_days(100).day)
    page.get_by_label("Action", exact=True).fill("Deliver neglect training to every team")
    page.get_by_label("Named lead").select_option(label="Alex Okafor")
    page.get_by_label("Why are you making this change?").fill("Agreed at the March board")
    submit(page.get_by_role("button", name="Save changes"))
    assert urlparse(page.url).path == url
    assert "have been changed" in success_banner(page)
    timeline = page.locator(".moj-timeline__item", has_text="Details changed")
    assert timeline.count() == 1
    text = timeline.inner_text()
    assert "Agreed at the March board" in text
    assert "Named lead:" in text and "→ Alex Okafor" in text
    assert f"→ {in_days(100):%-d %B %Y}" in text
    assert_accessible(page)
    if javascript:
        screenshot(page, "action-details-changed")
    action.refresh_from_db()
    assert action.lead == alex and action.target_date == in_days(100)


def test_agency_lead_sees_the_description_read_only(sign_in, page, alice, action):
    sign_in(page, alice)
    check_page(page, f"/actions/{action.pk}/edit/")
    assert page.get_by_label("Action", exact=True).count() == 0
    assert "Only the partnership manager can change what the action is." in page.content()
    # saving unchanged is an error about the whole form, linked to its first field
    page.get_by_label("Why are you making this change?").fill("Checking")
    submit(page.get_by_role("button", name="Save changes"))
    assert_error_summary(page, links_to=["id_lead"], fields_marked=False)
    assert "Nothing has changed" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)


def test_a_closed_action_sends_the_user_back_with_a_message(sign_in, page, manager, action):
    from actions import services

    services.action_cancel(action=action, by=manager, reason="Duplicate of 1.2")
    sign_in(page, manager)
    check_page(page, f"/actions/{action.pk}/")
    assert page.get_by_role("link", name="Change details").count() == 0
    page.goto(f"/actions/{action.pk}/edit/")
    assert urlparse(page.url).path == f"/actions/{action.pk}/"
    assert services.CLOSED_NO_EDIT in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
