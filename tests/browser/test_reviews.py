"""Correcting a review and its recommendations in a real browser: the "Change" links on the
review page, the forms with and without JavaScript, the GOV.UK error summary, no axe
violations, and the correction in the review's History."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlparse

import pytest

from tests.browser.pages import (
    assert_accessible,
    assert_error_summary,
    check_page,
    screenshot,
    submit,
    success_banner,
)
from tests.factories.actions import make_recommendation, make_review

pytestmark = pytest.mark.browser


@pytest.fixture
def review(agency_a):
    return make_review(lead_agency=agency_a)


@pytest.fixture
def rec(review):
    return make_recommendation(review, number=1, text="Improve information sharing")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_manager_corrects_the_review(request, javascript, sign_in, manager, review):
    page = request.getfixturevalue("page" if javascript else "nojs_page")
    sign_in(page, manager)
    url = f"/reviews/{review.pk}/"
    check_page(page, url)
    submit(page.get_by_role("link", name="Change title"))
    assert urlparse(page.url).path == f"/reviews/{review.pk}/edit/"
    assert_accessible(page)
    # saving without a change is an error about the whole form
    submit(page.get_by_role("button", name="Save changes"))
    assert_error_summary(page, links_to=["id_title"], js=javascript, fields_marked=False)
    # an empty title and a date without its month are errors by their fields
    page.get_by_label("Title").fill("")
    page.locator("#id_published_on_0").fill("3")
    page.locator("#id_published_on_2").fill("2027")
    submit(page.get_by_role("button", name="Save changes"))
    assert_error_summary(page, links_to=["id_title", "id_published_on_1"], js=javascript)
    assert_accessible(page)
    if javascript:
        screenshot(page, "review-edit-errors")
    page.get_by_label("Title").fill("Child T serious case review 2026")
    page.locator("#id_published_on_1").fill("3")
    submit(page.get_by_role("button", name="Save changes"))
    assert urlparse(page.url).path == url
    assert success_banner(page).endswith("Review details updated.")
    history = page.locator(".moj-timeline")
    assert "Review details changed" in history.inner_text()
    assert "Published: not recorded → 3 March 2027" in history.inner_text()
    assert_accessible(page)
    review.refresh_from_db()
    assert review.title == "Child T serious case review 2026"
    assert review.published_on == date(2027, 3, 3)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_manager_corrects_a_recommendation(request, javascript, sign_in, manager, review, rec):
    make_recommendation(review, number=2, text="Audit chronologies")
    page = request.getfixturevalue("page" if javascript else "nojs_page")
    sign_in(page, manager)
    check_page(page, f"/reviews/{review.pk}/")
    submit(page.get_by_role("link", name="Change recommendation 1"))
    assert urlparse(page.url).path == f"/reviews/{review.pk}/recommendations/{rec.pk}/edit/"
    assert_accessible(page)
    page.get_by_label("Number").fill("2")
    submit(page.get_by_role("button", name="Save"))
    assert_error_summary(page, links_to=["id_rec-number"], js=javascript)
    assert_accessible(page)
    page.get_by_label("Number").fill("3")
    page.get_by_label("Recommendation").fill("Share information daily")
    submit(page.get_by_role("button", name="Save"))
    assert urlparse(page.url).path == f"/reviews/{review.pk}/"
    assert success_banner(page).endswith("Recommendation 3 updated.")
    assert "Recommendation 3 changed" in page.locator(".moj-timeline").inner_text()
    assert_accessible(page)
    rec.refresh_from_db()
    assert (rec.number, rec.text) == (3, "Share information daily")


def test_others_have_no_change_links_and_are_refused(sign_in, page, alice, charlie, review, rec):
    sign_in(page, alice)
    check_page(page, f"/reviews/{review.pk}/")
    assert page.get_by_role("link", name="Change title").count() == 0
    assert page.get_by_role("link", name="Change recommendation 1").count() == 0
    check_page(page, f"/reviews/{review.pk}/edit/", status=403)
    page.context.clear_cookies()
    sign_in(page, charlie)
    check_page(page, f"/reviews/{review.pk}/edit/", status=404)
    check_page(page, f"/reviews/{review.pk}/recommendations/{rec.pk}/edit/", status=404)
