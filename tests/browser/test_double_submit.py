"""Double clicks in a real browser. Without JavaScript a second click on a submit button
posts the form again while the first post is on its way; the one-time token
(``core.submissions``) makes the second post do nothing and say what the first did. With
JavaScript, GOV.UK Frontend's ``data-prevent-double-click`` ignores the second click."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django_fsm_log.models import StateLog
from playwright.sync_api import Locator, Page, Route

from actions.models import Action
from actions.models import ActionState as S
from core.submissions import ALREADY_SUBMITTED, ALREADY_TAKEN
from tests.factories import in_days, walk_to
from tests.factories.actions import make_action, make_recommendation, make_review

pytestmark = pytest.mark.browser

AT = r"at \d{1,2}:\d\d[ap]m\."


def _wait_for(page: Page, condition: Any, what: str) -> None:
    for _ in range(250):
        if condition():
            return
        page.wait_for_timeout(20)
    raise AssertionError(f"timed out waiting for {what}")


def double_click_without_javascript(page: Page, button: Locator, posts_to: str) -> None:
    """Click ``button`` twice, the second time while the first post is still on its way,
    as a person double-clicking on a slow connection does.

    Made deterministic with Playwright's request interception: the first post reaches
    the server and is answered, but the answer is held back from the browser, so the
    page still shows the form for the second click; then the second post goes through.
    The server thus sees two posts of the same form one after the other (two at the same
    moment are the PostgreSQL tests in tests/actions/test_views__double_submit.py)."""
    held: list[Route] = []

    def hold(route: Route) -> None:
        if route.request.method == "POST":
            held.append(route)
        else:
            route.continue_()

    page.route(re.compile(rf".*{re.escape(posts_to)}$"), hold)
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)  # the mouse, not the locator: Playwright would wait for the page
    _wait_for(page, lambda: len(held) == 1, "the first post")
    first = held[0].fetch(max_redirects=0)  # the server does the work now
    assert first.status == 302, f"the first post answered {first.status}"
    page.mouse.click(x, y)
    _wait_for(page, lambda: len(held) == 2, "the second post")
    held[0].fulfill(response=first)  # the browser dropped it when the second began
    held[1].continue_()
    page.wait_for_load_state("load")
    page.unroute(re.compile(rf".*{re.escape(posts_to)}$"))


def new_action_url(agency) -> str:
    """The new action page for a recommendation (issue 9: an action always answers one)."""
    rec = make_recommendation(make_review(lead_agency=agency))
    return f"/actions/new/?recommendation={rec.pk}"


def fill_new_action(page: Page, agency, lead) -> None:
    page.get_by_label("Owning agency").select_option(label=agency.name)
    page.get_by_label("Named lead").select_option(value=str(lead.pk))
    page.get_by_label("Action", exact=True).fill("Audit ten cases")
    day = in_days(90)
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))


def banner_text(page: Page, kind: str = "Important") -> str:
    """The text of the page's "Important" (or "Success") banner, on one line."""
    banner = page.get_by_role("alert" if kind == "Success" else "region", name=kind)
    return " ".join(banner.inner_text().split())


def test_double_clicked_create_action_without_javascript_creates_one(
    nojs_page, sign_in, manager, alice, agency_a
):
    page = nojs_page
    sign_in(page, manager)
    url = new_action_url(agency_a)
    page.goto(url)
    fill_new_action(page, agency_a, alice)
    double_click_without_javascript(page, page.get_by_role("button", name="Create action"), url)
    action = Action.objects.get()
    assert page.url.endswith(action.get_absolute_url())
    assert re.fullmatch(
        rf"Important {ALREADY_SUBMITTED}: {re.escape(str(action))} was created {AT}",
        banner_text(page),
    )


def test_double_clicked_sign_off_without_javascript_signs_off_once(
    nojs_page, sign_in, alice, manager, li, agency_a
):
    action = make_action(agency=agency_a, lead=alice, by=manager, reference="2.2")
    walk_to(action, S.ACCEPTED, li=li)
    page = nojs_page
    sign_in(page, alice)
    page.goto(action.get_absolute_url())
    page.get_by_role("button", name="Sign off").click()  # issue 9: a confirm page first
    page.wait_for_url(f"**/actions/{action.pk}/steps/sign_off/")
    double_click_without_javascript(
        page,
        page.get_by_role("button", name="Yes, sign off"),
        f"/actions/{action.pk}/steps/sign_off/",
    )
    assert page.url.endswith(action.get_absolute_url())
    text = banner_text(page)
    assert re.fullmatch(
        rf"Important {ALREADY_TAKEN}: you signed off {re.escape(str(action))} {AT}", text
    )
    assert page.locator(".govuk-error-summary").count() == 0  # not "Someone else changed"
    action.refresh_from_db()
    assert action.state == S.SIGNED_OFF
    assert StateLog.objects.for_(action).filter(transition="sign_off").count() == 1


def test_with_javascript_the_second_click_is_ignored(page, sign_in, manager, alice, agency_a):
    """The same two clicks as above, with JavaScript: GOV.UK Frontend's button ignores
    the second (``data-prevent-double-click``), so the browser posts the form once."""
    sign_in(page, manager)
    page.goto(new_action_url(agency_a))
    fill_new_action(page, agency_a, alice)
    held: list[Route] = []

    def hold(route: Route) -> None:
        if route.request.method == "POST":
            held.append(route)
        else:
            route.continue_()

    page.route(re.compile(r".*/actions/new/\?recommendation=\d+$"), hold)
    button = page.get_by_role("button", name="Create action")
    assert button.get_attribute("data-prevent-double-click") == "true"
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    _wait_for(page, lambda: len(held) == 1, "the first post")
    page.mouse.click(x, y)
    page.wait_for_timeout(500)  # a second post would be held by now
    assert len(held) == 1
    with page.expect_navigation(url=re.compile(r"/actions/\d+/$")):
        held[0].continue_()
    assert Action.objects.count() == 1
    assert "created and assigned" in banner_text(page, "Success")
