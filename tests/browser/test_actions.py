"""Action, review, list and import pages in a real browser: no axe violations, the forms
work with and without JavaScript, and errors use the GOV.UK error summary."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from actions.models import ActionState as S
from tests.browser.pages import (
    assert_accessible,
    assert_error_summary,
    check_page,
    screenshot,
    submit,
)
from tests.factories import EvidenceItemFactory, ProgressUpdateFactory, walk_to
from tests.factories.actions import make_action, make_recommendation, make_review

pytestmark = pytest.mark.browser


@pytest.fixture
def review(agency_a):
    return make_review(lead_agency=agency_a)


@pytest.fixture
def action(alice, manager, review):
    return make_action(
        agency=review.lead_agency,
        lead=alice,
        by=manager,
        source=make_recommendation(review),
        reference="1.1",
    )


def submitted(action):
    """Evidence submitted after a progress update: the page the L&I group checks shows
    both."""
    ProgressUpdateFactory(action=action, text="Training booked")
    EvidenceItemFactory(action=action, description="Attendance register")
    return walk_to(action, S.EVIDENCE_SUBMITTED)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_lead_starts_work_and_reports_progress(request, javascript, sign_in, alice, action):
    page = request.getfixturevalue("page" if javascript else "nojs_page")
    sign_in(page, alice)
    url = f"/actions/{action.pk}/"
    check_page(page, url)
    submit(page.get_by_role("button", name="Start work"))
    assert urlparse(page.url).path == url
    assert_accessible(page)
    # an empty progress update is an error, shown with the error summary
    submit(page.get_by_role("button", name="Save progress update"))
    assert_error_summary(page, links_to=["id_progress-text"], js=javascript)
    assert_accessible(page)
    page.get_by_label("Progress update").fill("Training booked for March")
    submit(page.get_by_role("button", name="Save progress update"))
    assert urlparse(page.url).path == url
    assert "Training booked for March" in page.content()
    action.refresh_from_db()
    assert action.state == S.IN_PROGRESS
    if javascript:
        screenshot(page, "action-in-progress")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_li_returns_evidence_with_a_reason(request, javascript, sign_in, alice, li, action):
    submitted(action)
    page = request.getfixturevalue("page" if javascript else "nojs_page")
    sign_in(page, li)
    url = f"/actions/{action.pk}/"
    check_page(page, url)
    submit(page.get_by_role("button", name="Return evidence"))
    assert_error_summary(page, links_to=["id_return-reason"], js=javascript)
    assert_accessible(page)
    page.get_by_label("Why is the evidence being returned?").fill("Attendance figures missing")
    submit(page.get_by_role("button", name="Return evidence"))
    action.refresh_from_db()
    assert action.state == S.RETURNED


def test_learning_check_form(sign_in, page, alice, li, action):
    walk_to(submitted(action), S.LEARNING_CHECK_DUE, li=li)
    sign_in(page, li)
    check_page(page, f"/actions/{action.pk}/")
    submit(page.get_by_role("button", name="Record learning check"))
    assert_error_summary(
        page,
        links_to=[
            "id_learning_check-method_1",
            "id_learning_check-evidence",
            "id_learning_check-verdict_1",
        ],
    )
    assert_accessible(page)
    screenshot(page, "learning-check-errors")


def test_lists_review_and_forms_are_accessible(sign_in, page, manager, li, alice, action, review):
    sign_in(page, manager)
    for url in [
        "/actions/",
        "/actions/?rag=red",
        "/reviews/",
        f"/reviews/{review.pk}/",
        "/actions/import/",
        "/reviews/new/",
        f"/actions/new/?recommendation={action.source_object_id}",
    ]:
        check_page(page, url)
    page.goto("/reviews/new/")
    submit(page.get_by_role("button", name="Add review"))
    assert_accessible(page)
    screenshot(page, "review-form-errors")


def test_my_actions(sign_in, page, alice, action):
    sign_in(page, alice)
    check_page(page, "/actions/mine/")


def test_li_queue(sign_in, page, li, alice, action):
    submitted(action)
    sign_in(page, li)
    check_page(page, "/actions/learning-and-improvement/")
