"""Issue 9, the partnership's overview: the Chair finds it from My work and the
navigation, follows a figure to the list behind it (the same number), prints it as an A4
board paper, and reads it on a phone; with and without JavaScript, axe-clean."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from tests.browser.pages import assert_accessible, check_page, screenshot, submit

pytestmark = pytest.mark.browser


@pytest.fixture
def actions(agency_a, agency_b, alice, charlie, manager):
    from tests.factories.actions import make_action

    for days, ref in ((-10, "LM1.1"), (5, "LM2.1"), (60, "T1.1")):
        make_action(agency=agency_a, lead=alice, by=manager, target_in_days=days, reference=ref)
    make_action(agency=agency_b, lead=charlie, by=manager, target_in_days=-3, reference="P1")


def list_count(page) -> int:
    text = page.locator("main").inner_text()
    match = re.search(r"(\d+) actions?\.", text)
    assert match, text[:500]
    return int(match.group(1))


def follow_overdue_figure(page) -> None:
    """From the overview, the RAG table's "Overdue" number opens the list with as many."""
    row = page.get_by_role("table", name="Actions by RAG rating").get_by_role(
        "row", name=re.compile("^Overdue")
    )
    link = row.get_by_role("link")
    shown = int(link.inner_text().split()[0])
    assert shown == 2
    submit(link)
    assert urlparse(page.url).path == "/actions/"
    assert "rag=red" in page.url
    assert list_count(page) == shown
    assert_accessible(page)


def journey(page, sign_in, chair) -> None:
    sign_in(page, chair)
    # My work: the key figures and a link to the overview
    summary = page.locator(
        "section", has=page.get_by_role("heading", name="The partnership at a glance")
    )
    assert summary.count() == 1
    assert "Overdue" in summary.inner_text()
    assert_accessible(page)
    submit(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Overview"))
    check_page(page, page.url, title="Partnership overview")
    assert page.get_by_role("heading", name="Actions by agency and RAG rating").count() == 1
    follow_overdue_figure(page)


def test_chair_overview_with_javascript(page, sign_in, chair, actions):
    journey(page, sign_in, chair)
    screenshot(page, "overview-list")


def test_chair_overview_without_javascript(nojs_page, sign_in, chair, actions):
    journey(nojs_page, sign_in, chair)


def test_print_layout_is_a_clean_document(page, sign_in, chair, actions):
    sign_in(page, chair)
    check_page(page, "/overview/", title="Partnership overview")
    page.emulate_media(media="print")
    hidden = page.evaluate(
        """() => ['.govuk-service-navigation', '.govuk-footer', '.app-no-print',
                  '.govuk-skip-link']
            .map(s => document.querySelector(s))
            .filter(e => e && getComputedStyle(e).display !== 'none')
            .map(e => e.className)"""
    )
    assert hidden == []
    assert page.get_by_role("heading", name="Partnership overview", level=1).is_visible()
    assert page.get_by_role("table", name="Actions by RAG rating").is_visible()
    screenshot(page, "overview-print")
    page.emulate_media(media="screen")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_overview_fits_a_phone(request, sign_in, chair, actions, javascript):
    page = request.getfixturevalue("page" if javascript else "nojs_page")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, chair)
    check_page(page, "/overview/", title="Partnership overview")
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > 391)
            .slice(0, 5).map(e => e.tagName + '.' + e.className)"""
    )
    assert width <= 390, f"the overview is {width}px wide at 390px: {wide}"
    screenshot(page, f"overview-390-{'js' if javascript else 'nojs'}")
