"""Issue 9 in a real browser: "Who may lead" (the new action page asks what the action
answers, then offers only people who may lead, narrowed to the chosen agency, with and
without JavaScript), "When a lead leaves" (the change of lead offers the agency's
eligible people) and "Published learning for every partner" (``school.dsl`` reads the
published Child T review, its actions sealed, at a desktop and a 390px viewport). No axe
violations on any page on the way."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from actions.models import Action
from agencies.models import Membership, Role
from scr.services import review_publish
from tests.browser.pages import (
    assert_accessible,
    assert_error_summary,
    check_page,
    submit,
    success_banner,
)
from tests.factories import AgencyFactory, in_days, member
from tests.factories.actions import make_action, make_recommendation, make_review

pytestmark = pytest.mark.browser

BOTH = pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
PHONE = {"width": 390, "height": 844}


def browser_page(request, javascript: bool):
    return request.getfixturevalue("page" if javascript else "nojs_page")


def lead_options(page) -> list[str]:
    """The named lead list's people, as the browser offers them now."""
    return [
        " ".join(t.split())
        for t in page.locator("#id_lead option").all_inner_texts()
        if not t.startswith("Choose")
    ]


def fill_date(page, day) -> None:
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))


@pytest.fixture
def review(agency_a):
    review = make_review(title="Child T serious case review", lead_agency=agency_a)
    review.summary = "Poor school attendance was recorded but never brought together."
    review.save()
    return review


@pytest.fixture
def rec(review):
    return make_recommendation(review, 1, "Record the child's daily life at every contact")


@pytest.fixture
def people(agency_a, alice, ann, bob, charlie):
    for user, first, last in (
        (alice, "Alice", "Archer"),
        (ann, "Ann", "Adams"),
        (bob, "Bob", "Baker"),
        (charlie, "Charlie", "Clark"),
    ):
        user.first_name, user.last_name = first, last
        user.save()
    return {"alice": alice, "ann": ann, "bob": bob, "charlie": charlie}


@BOTH
def test_new_action_asks_the_source_then_offers_only_who_may_lead(
    request, javascript, sign_in, manager, rec, people, agency_a, agency_b
):
    page = browser_page(request, javascript)
    sign_in(page, manager)
    check_page(page, "/actions/new/")
    assert page.get_by_role("heading", name="New action").is_visible()
    page.get_by_label("What does the action answer?").select_option(
        value=f"scr.recommendation:{rec.pk}"
    )
    submit(page.get_by_role("button", name="Continue"))
    assert urlparse(page.url).query == f"recommendation={rec.pk}"
    assert_accessible(page)
    # only people who may lead: the agency leads and the designated lead, never bob
    everyone = lead_options(page)
    assert sorted(everyone) == ["Alice Archer", "Ann Adams", "Charlie Clark"]
    hint = page.locator("#id_lead_hint").inner_text()
    assert "agency lead or designated safeguarding lead" in hint

    page.get_by_label("Owning agency").select_option(label=agency_a.name)
    if javascript:
        # narrowed at once to the chosen agency, and the hint names it
        assert sorted(lead_options(page)) == ["Alice Archer", "Ann Adams"]
        assert agency_a.name in page.locator("#id_lead_hint").inner_text()
        assert_accessible(page)
        page.get_by_label("Named lead").select_option(label="Ann Adams")
    else:
        # grouped by agency; a lead of another agency is refused by name
        page.get_by_label("Named lead").select_option(label="Charlie Clark")
    page.get_by_label("Action", exact=True).fill("Record attendance at strategy meetings")
    fill_date(page, in_days(90))
    submit(page.get_by_role("button", name="Create action"))
    if not javascript:
        assert_error_summary(page, links_to=["id_lead"], js=False)
        assert "Charlie Clark cannot lead" in page.locator(".govuk-error-summary").inner_text()
        assert_accessible(page)
        assert sorted(lead_options(page)) == ["Alice Archer", "Ann Adams"]  # now narrowed
        page.get_by_label("Named lead").select_option(label="Ann Adams")
        submit(page.get_by_role("button", name="Create action"))
    action = Action.objects.get()
    assert action.lead == people["ann"] and action.source == rec
    assert urlparse(page.url).path == action.get_absolute_url()
    assert "assigned to Ann Adams" in success_banner(page)
    assert_accessible(page)


@BOTH
def test_change_of_lead_after_a_leaver_offers_the_agency_s_eligible_people(
    request, javascript, sign_in, manager, rec, people, agency_a
):
    action = make_action(agency=agency_a, lead=people["alice"], by=manager, source=rec)
    Membership.objects.filter(user=people["alice"]).delete()
    page = browser_page(request, javascript)
    sign_in(page, manager)
    check_page(page, action.get_absolute_url())
    submit(page.get_by_role("link", name="change the named lead"))
    assert urlparse(page.url).path == f"/actions/{action.pk}/edit/"
    assert_accessible(page)
    assert "is no longer a member of" in page.locator("#lead-left").inner_text()
    assert lead_options(page) == ["Ann Adams"]  # not Alice, who left; not Bob
    page.get_by_label("Named lead").select_option(label="Ann Adams")
    page.get_by_label("Why are you making this change?").fill("Alice has left CSC")
    submit(page.get_by_role("button", name="Save changes"))
    assert urlparse(page.url).path == action.get_absolute_url()
    action.refresh_from_db()
    assert action.lead == people["ann"]


def test_with_nobody_to_lead_the_page_says_who_must_be_added(sign_in, page, manager):
    camhs = AgencyFactory(name="Barnet CAMHS")
    lead = member(camhs, Role.AGENCY_LEAD, "cam")
    action = make_action(
        agency=camhs, lead=lead, by=manager, source=make_recommendation(make_review())
    )
    Membership.objects.filter(user=lead).delete()
    sign_in(page, manager)
    check_page(page, f"/actions/{action.pk}/edit/")
    warning = page.locator("#nobody-may-lead").inner_text()
    assert "Nobody in Barnet CAMHS may lead its actions yet" in warning
    assert "agency lead or designated safeguarding lead role" in warning
    assert "under Memberships" in warning


@BOTH
def test_school_dsl_reads_the_published_child_t_review(
    request, javascript, sign_in, manager, rec, people, agency_a
):
    schools = AgencyFactory(name="Barnet schools")
    dsl = member(schools, Role.DESIGNATED_LEAD, "school.dsl", first_name="Gareth")
    action = make_action(
        agency=agency_a,
        lead=people["alice"],
        by=manager,
        source=rec,
        reference="T1.1",
        description="Sealed: a lived-experience section on every visit record",
        target_in_days=-3,
    )
    review_publish(review=rec.review, by=manager)
    page = browser_page(request, javascript)
    sign_in(page, dsl)
    check_page(page, "/reviews/")
    assert page.get_by_role("link", name="Child T serious case review").is_visible()
    check_page(page, rec.review.get_absolute_url())
    main = page.locator("main").inner_text()
    assert "never brought together" in main and "daily life at every contact" in main
    assert "Published to the partnership" in main
    sealed = page.locator(".app-sealed-actions").inner_text()
    assert agency_a.name in sealed and "Overdue" in sealed
    assert "Sealed" not in main and "T1.1" not in main
    assert page.locator(f'a[href="{action.get_absolute_url()}"]').count() == 0
    # a phone: nothing scrolls sideways, still accessible
    page.set_viewport_size(PHONE)
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    assert_accessible(page)
    # the action itself stays with its agency
    response = page.goto(action.get_absolute_url())
    assert response is not None and response.status == 404
