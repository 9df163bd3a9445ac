"""My work: inbox, queue and overdue, the assets it loads, and picking up a task with and
without JavaScript."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.browser.pages import assert_accessible, check_page, screenshot, submit, success_banner

pytestmark = pytest.mark.browser


def test_home_with_tasks_is_accessible_and_styled(page, sign_in, alice, work_tasks):
    sign_in(page, alice)
    check_page(page, "/", title="My work")

    # GOV.UK Frontend's JavaScript ran (tabs) and its CSS and fonts loaded from /assets/
    assert page.locator("body.govuk-frontend-supported").count() == 1
    # My work shows one list at a time (issue 13): the tabs are links, the shown one current
    inbox_tab = page.get_by_role("link", name="Assigned to me (1)")
    assert inbox_tab.get_attribute("aria-current") == "page"
    font = page.evaluate("""async () => { await document.fonts.ready;
        return getComputedStyle(document.querySelector('h1')).fontFamily; }""")
    assert "GDS Transport" in font, font
    loaded = page.evaluate("""async () => { await document.fonts.ready;
        return [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family); }""")
    assert any("GDS Transport" in f for f in loaded), loaded
    for path in (
        "/assets/govuk/govuk-frontend.min.css",
        "/assets/moj/moj-frontend.min.css",
        "/assets/css/app.css",
        "/assets/govuk/govuk-frontend.min.js",
        "/assets/js/init.js",
    ):
        assert page.request.get(path).status == 200, path
    button_colour = page.evaluate(
        "getComputedStyle(document.querySelector('.govuk-button')).backgroundColor"
    )
    assert button_colour not in ("", "rgba(0, 0, 0, 0)"), button_colour

    # every tab passes axe, not only the first
    for name in ("I can pick up (2)", "Overdue (1)"):
        submit(page.get_by_role("link", name=name))
        assert page.get_by_role("link", name=name).get_attribute("aria-current") == "page"
        assert_accessible(page)
    submit(page.get_by_role("link", name="Assigned to me (1)"))
    screenshot(page, "home")


def test_no_crown_anywhere(page, sign_in, alice):
    sign_in(page, alice)
    check_page(page, "/")
    html = page.content()
    assert "govuk-logo" not in html and "crown" not in html.lower()
    assert (
        page.locator("header")
        .first.inner_text()
        .strip()
        .startswith("Barnet Safeguarding Children Partnership")
    )
    icon = page.locator("link[rel=icon]").first.get_attribute("href")
    assert icon and "favicon.ico" not in icon and "govuk" not in icon
    assert page.request.get(icon).status == 200
    assert page.request.get("/favicon.ico").status in (200, 404)
    body = page.request.get(icon).text()
    assert "crown" not in body.lower()


def test_pick_up_a_task_with_javascript(page, sign_in, alice, work_tasks):
    sign_in(page, alice)
    submit(page.get_by_role("link", name="I can pick up (2)"))
    submit(page.locator("#queue").get_by_role("button", name="Pick up").first)
    assert "You have picked up" in success_banner(page)
    assert page.get_by_role("link", name="Assigned to me (2)").count() == 1
    assert_accessible(page)


def test_home_and_pick_up_without_javascript(nojs_page, sign_in, alice, work_tasks):
    page = nojs_page
    sign_in(page, alice)
    check_page(page, "/")
    # without JavaScript too, each tab is a link to its own list
    assert page.locator("#inbox").is_visible()
    submit(page.get_by_role("link", name="I can pick up (2)"))
    queue = page.locator("#queue")
    assert queue.get_by_role("row").count() == 3  # header + 2
    submit(queue.get_by_role("button", name="Pick up").first)
    assert urlparse(page.url).path == "/"
    assert "You have picked up" in success_banner(page)
    assert page.locator("#queue").get_by_role("row").count() == 2  # header + 1
    submit(page.get_by_role("link", name="Assigned to me (2)"))
    assert page.locator("#inbox").get_by_role("row").count() == 3  # header + 2
    # and put it back
    submit(page.locator("#inbox").get_by_role("button", name="Release").first)
    assert "back in the queue" in success_banner(page)
    assert_accessible(page)


def test_my_work_flags_an_action_whose_lead_left_and_links_to_change_it(
    page, sign_in, manager, alice, work_tasks
):
    """The partnership manager's My work says which actions' named lead can no longer
    act, and "change the lead" opens the action's details form."""
    alice.memberships.get().delete()
    sign_in(page, manager)
    check_page(page, "/", title="My work")
    banner = page.get_by_role("region", name="Important")
    heading = "3 open actions have a named lead who can no longer act on them"
    assert heading in banner.inner_text()
    assert banner.get_by_text("is no longer a member of").count() == 3
    action = work_tasks["claimed"].process.artifact
    submit(banner.get_by_role("link", name=f"change the lead of {action}"))
    assert urlparse(page.url).path == f"/actions/{action.pk}/edit/"
