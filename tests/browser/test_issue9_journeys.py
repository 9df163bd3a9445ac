"""Issue 9's journeys in a real browser, each with and without JavaScript and axe-clean:
a lead asks for an extension and the partnership manager approves it (the action stays
overdue until then); cancelling and signing off through their confirm pages; returned
evidence shown at the top, then evidence added at once; the Notifications page. And the
lists at a 390px viewport: nothing wider than the screen."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from actions.models import ActionState as S
from core.models import Notification
from tests.browser.pages import assert_accessible, check_page, screenshot, submit
from tests.factories import EvidenceItemFactory, walk_to
from tests.factories.actions import make_action, make_recommendation, make_review

pytestmark = pytest.mark.browser

BOTH = pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
PHONE = {"width": 390, "height": 844}


def browser_page(request, javascript: bool):
    return request.getfixturevalue("page" if javascript else "nojs_page")


def text(page) -> str:
    return " ".join(page.locator("main").inner_text().split())


def tags(page) -> list[str]:
    return [" ".join(t.split()) for t in page.locator("main .govuk-tag").all_inner_texts()]


@pytest.fixture
def review(agency_a):
    return make_review(title="Child T practice review", lead_agency=agency_a)


@pytest.fixture
def overdue(alice, manager, review):
    """LM1.1, overdue: its target date three weeks ago."""
    return make_action(
        agency=review.lead_agency,
        lead=alice,
        by=manager,
        source=make_recommendation(review),
        reference="LM1.1",
        description="Audit the neglect pathway",
        target_in_days=-21,
    )


@pytest.fixture
def action(alice, manager, review):
    return make_action(
        agency=review.lead_agency,
        lead=alice,
        by=manager,
        source=make_recommendation(review, 2),
        reference="LM2.1",
        description="Deliver neglect training to all front-line staff",
    )


# -- an extension: asked by the lead, approved by the manager -----------------------------
@BOTH
def test_a_lead_asks_for_an_extension_and_the_manager_approves_it(
    request, javascript, sign_in, alice, manager, overdue
):
    page = browser_page(request, javascript)
    url = f"/actions/{overdue.pk}/"
    original = overdue.target_date
    sign_in(page, alice)
    check_page(page, url, title="Action LM1.1")
    assert "Overdue" in tags(page)
    step = page.locator("#step-ask_extension")
    # nothing filled in: the error summary, and nothing asked
    submit(step.get_by_role("button", name="Ask for an extension"))
    assert page.locator(".govuk-error-summary").count() == 1
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    new_date = timezone.localdate() + timedelta(days=120)
    step = page.locator("#step-ask_extension")
    step.get_by_label("Day").fill(str(new_date.day))
    step.get_by_label("Month").fill(str(new_date.month))
    step.get_by_label("Year").fill(str(new_date.year))
    step.get_by_label("Why is more time needed?").fill("Staffing gaps")
    submit(step.get_by_role("button", name="Ask for an extension"))
    assert urlparse(page.url).path == url
    assert "Extension asked for" in text(page)
    # still overdue, the date unchanged, until the manager decides
    assert "Overdue" in tags(page)
    overdue.refresh_from_db()
    assert overdue.target_date == original and overdue.extensions == 0
    assert_accessible(page)
    assert Notification.objects.filter(
        recipient=manager, subject=f"Extension asked for {overdue}"
    ).exists()

    page.context.clear_cookies()
    sign_in(page, manager)
    check_page(page, url)
    assert "Overdue" in tags(page)
    decide = page.locator("#step-decide_extension")
    decide.get_by_label("Approve the new target date").check()
    decide.get_by_label("Reason for your decision").fill("Agreed at the board")
    submit(decide.get_by_role("button", name="Record decision"))
    assert urlparse(page.url).path == url
    assert_accessible(page)
    overdue.refresh_from_db()
    assert overdue.target_date == new_date and overdue.extensions == 1
    assert "Overdue" not in tags(page)
    assert f"{new_date:%-d %b %Y}" in text(page)
    if javascript:
        screenshot(page, "issue9-extension-approved")


# -- cancelling and signing off: a confirm page first ------------------------------------
@BOTH
def test_cancel_goes_through_its_confirm_page(request, javascript, sign_in, manager, action):
    page = browser_page(request, javascript)
    url = f"/actions/{action.pk}/"
    sign_in(page, manager)
    check_page(page, url)
    step = page.locator("#step-cancel")
    step.get_by_label("Why is the action being cancelled?").fill("Superseded by the new plan")
    submit(step.get_by_role("button", name="Cancel action"))
    # the confirm page: a GOV.UK warning, nothing done yet
    assert page.locator("h1").inner_text().startswith("Cancel action: are you sure?")
    assert page.locator(".govuk-warning-text").count() == 1
    assert_accessible(page)
    action.refresh_from_db()
    assert action.state == S.ASSIGNED
    # "No, go back" changes nothing
    submit(page.get_by_role("link", name=f"No, go back to {action}"))
    assert urlparse(page.url).path == url
    action.refresh_from_db()
    assert action.state == S.ASSIGNED
    step = page.locator("#step-cancel")
    step.get_by_label("Why is the action being cancelled?").fill("Superseded by the new plan")
    submit(step.get_by_role("button", name="Cancel action"))
    submit(page.get_by_role("button", name="Yes, cancel action"))
    assert urlparse(page.url).path == url
    action.refresh_from_db()
    assert action.state == S.CANCELLED
    assert tags(page).count("Cancelled") == 1  # one tag, not "Cancelled Cancelled"
    assert_accessible(page)


@BOTH
def test_sign_off_goes_through_its_confirm_page(request, javascript, sign_in, alice, li, action):
    EvidenceItemFactory(action=action, description="Attendance register")
    walk_to(action, S.ACCEPTED, li=li)
    page = browser_page(request, javascript)
    url = f"/actions/{action.pk}/"
    sign_in(page, alice)
    check_page(page, url)
    submit(page.locator("#step-sign_off").get_by_role("button", name="Sign off"))
    assert page.locator("h1").inner_text().startswith("Sign off: are you sure?")
    assert "cannot be undone" in text(page)
    assert_accessible(page)
    action.refresh_from_db()
    assert action.state == S.ACCEPTED
    submit(page.get_by_role("button", name="Yes, sign off"))
    assert urlparse(page.url).path == url
    action.refresh_from_db()
    assert action.state == S.SIGNED_OFF
    assert "Signed off" in tags(page)
    assert_accessible(page)


# -- returned evidence: the reason at the top, evidence added at once ---------------------
@BOTH
def test_returned_evidence_banner_then_add_evidence(
    request, javascript, sign_in, alice, li, action
):
    EvidenceItemFactory(action=action, description="Attendance register")
    walk_to(action, S.EVIDENCE_SUBMITTED)
    from actions import services

    services.action_return_evidence(action=action, by=li, reason="The register is unsigned")
    page = browser_page(request, javascript)
    url = f"/actions/{action.pk}/"
    sign_in(page, alice)
    check_page(page, url)
    banner = page.locator(".govuk-notification-banner").filter(has_text="Evidence returned")
    assert banner.count() == 1
    assert "The register is unsigned" in " ".join(banner.inner_text().split())
    # the banner comes before the page's steps
    assert page.locator("main").inner_html().index("Evidence returned") < page.locator(
        "main"
    ).inner_html().index("What you can do next")
    # no "Start work" first: evidence can be added now
    step = page.locator("#step-evidence")
    step.get_by_label("Describe the evidence").fill("Signed register, March session")
    submit(step.get_by_role("button", name="Add evidence"))
    assert urlparse(page.url).path == url
    action.refresh_from_db()
    assert action.state == S.IN_PROGRESS
    assert "Signed register, March session" in text(page)
    assert_accessible(page)
    submit(page.locator("#step-submit").get_by_role("button", name="Submit for review"))
    action.refresh_from_db()
    assert action.state == S.EVIDENCE_SUBMITTED
    # the L&I group is told, once per submission (two submissions now)
    assert (
        Notification.objects.filter(recipient=li, subject=f"Evidence to review: {action}").count()
        == 2
    )


# -- the Notifications page -----------------------------------------------------------------
@BOTH
def test_the_notifications_page_lists_what_was_sent_to_me(
    request, javascript, sign_in, alice, manager, charlie, overdue
):
    from actions import services

    services.action_ask_extension(
        action=overdue,
        by=alice,
        new_target_date=timezone.localdate() + timedelta(days=90),
        reason="Staffing gaps",
    )
    Notification.objects.create(recipient=charlie, subject="Not for the manager", body=".")
    page = browser_page(request, javascript)
    sign_in(page, manager)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Notifications").click()
    page.wait_for_load_state("load")
    assert urlparse(page.url).path == "/notifications/"
    check_page(page, "/notifications/", title="Notifications")
    assert f"Extension asked for {overdue}" in text(page)
    assert "Not for the manager" not in text(page)
    assert "Waiting to send" in tags(page)
    submit(page.get_by_role("link", name=f"Extension asked for {overdue}"))
    assert urlparse(page.url).path == f"/actions/{overdue.pk}/"
    page.set_viewport_size(PHONE)
    fits(page, "/notifications/")


# -- the lists at 390px ---------------------------------------------------------------------
def fits(page, url: str) -> None:
    """At a phone's width the page is no wider than the screen, and still axe-clean."""
    check_page(page, url)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{url} is {width}px wide at a {PHONE['width']}px viewport"


@BOTH
def test_the_lists_fit_a_phone(
    request, javascript, sign_in, alice, manager, li, overdue, action, review
):
    EvidenceItemFactory(action=action, description="Attendance register")
    walk_to(action, S.EVIDENCE_SUBMITTED)
    Notification.objects.create(
        recipient=manager,
        subject=f"Action overdue by 15 working days: {overdue}",
        body=".",
        link=overdue.get_absolute_url(),
    )
    page = browser_page(request, javascript)
    page.set_viewport_size(PHONE)
    sign_in(page, manager)
    for url in [
        "/actions/",
        "/actions/?rag=red",
        "/reviews/",
        "/actions/learning-and-improvement/",
        "/notifications/",
    ]:
        fits(page, url)
        # the table is stacked: each cell labelled with its column's heading
        cell = page.locator("table.app-table--responsive tbody td[data-label]").first
        assert cell.count() == 1, url
        label = page.evaluate("c => getComputedStyle(c, '::before').content", cell.element_handle())
        assert label.strip('"') == cell.get_attribute("data-label"), (url, label)
    if javascript:
        screenshot(page, "issue9-actions-at-390")
        # the control: the same list without the pattern is wider than the phone
        page.goto("/actions/")
        page.evaluate(
            "document.querySelectorAll('.app-table--responsive')"
            ".forEach(t => t.classList.remove('app-table--responsive'))"
        )
        assert page.evaluate("document.documentElement.scrollWidth") > PHONE["width"]
