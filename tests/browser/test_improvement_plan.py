"""The improvement plan in a real browser, with and without JavaScript: the manager loads
the seed's plan file, resolves the leads no one matches, imports it, records its approval
and makes it active; a lead records a milestone met and the plan page's RAG changes. The
plan page fits a 390px phone. No axe violations on any step."""

from __future__ import annotations

import pytest

from actions.models import Action
from agencies.models import AgencyKind
from improvement_plan import loading
from improvement_plan.models import Plan, PlanState
from tests.browser.conftest import _context, _watched_page, sign_in_through_form
from tests.browser.pages import (
    assert_accessible,
    assert_error_summary,
    assert_single_h1,
    check_page,
    submit,
    success_banner,
)
from tests.factories import AgencyFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def health(db):
    return AgencyFactory(
        name="Royal Free London NHS Foundation Trust", kind=AgencyKind.HEALTH_PROVIDER
    )


def seed_file() -> dict:
    return {"name": "barnet-plan.csv", "mimeType": "text/csv", "buffer": loading.TABLE.read_bytes()}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_load_resolve_import_activate_and_a_milestone_met(
    request, browser, live_server, javascript, sign_in, manager, chair, agency_b, health
):
    page = request.getfixturevalue("page" if javascript else "nojs_page")
    sign_in(page, manager)
    check_page(page, "/plan/import/", title="Import an improvement plan")

    page.get_by_label("Plan file").set_input_files(seed_file())
    submit(page.get_by_role("button", name="Check the file"))
    assert page.title().startswith("Check the plan before you import it")
    assert "63 actions" in page.locator("#import-summary").inner_text()
    assert_single_h1(page)
    assert_accessible(page)
    selects = page.locator("select[name^='lead-']")
    count = selects.count()
    assert count >= 3
    assert page.get_by_label("Who leads “Police chair for the group”").count() == 1

    # not resolved: the leads are listed again with the error summary
    submit(page.get_by_role("button", name="Import the plan"))
    ids = [f"id_lead-{i}" for i in range(count)]
    assert_error_summary(page, links_to=ids, js=javascript, fields_marked=False)
    assert_accessible(page)
    assert not Plan.objects.exists()

    for i in range(count):
        page.locator(f"#id_lead-{i}").select_option(value=str(manager.pk))
    submit(page.get_by_role("button", name="Import the plan"))
    assert "imported as a draft: 63 actions" in success_banner(page)
    assert_single_h1(page)
    assert_accessible(page)
    plan = Plan.objects.get()
    assert plan.state == PlanState.DRAFT

    page.get_by_label("Who approved the plan").fill("Ofsted and the Department for Education")
    submit(page.get_by_role("button", name="Record approval"))
    submit(page.get_by_role("button", name="Make the plan active"))
    assert "Active" in page.locator("#plan-status").inner_text()
    plan.refresh_from_db()
    assert plan.state == PlanState.ACTIVE
    assert (
        "63 overdue" in page.locator("#plan-rag").inner_text().lower()
        or "63 red" in page.locator("#plan-rag").inner_text()
    )

    # the chair leads 1.1.1 ("LSCB Chair and Partnership manager"): she records its milestone
    context = _context(browser, live_server, javascript=javascript)
    try:
        lead_page = _watched_page(context, live_server, javascript=javascript)
        sign_in_through_form(lead_page, chair)
        check_page(lead_page, plan.get_absolute_url(), title=plan.title)
        submit(lead_page.get_by_role("link", name="OC para 7 and LR"))
        assert_accessible(lead_page)
        submit(lead_page.get_by_role("link", name="Update milestone May 2017 of action 1.1.1"))
        assert_accessible(lead_page)
        lead_page.get_by_label("Yes").check()
        lead_page.get_by_label("Day").fill("20")
        lead_page.get_by_label("Month").fill("5")
        lead_page.get_by_label("Year").fill("2017")
        submit(lead_page.get_by_role("button", name="Save milestone"))
        assert "saved" in success_banner(lead_page)
        check_page(lead_page, plan.get_absolute_url(), title=plan.title)
        rag = lead_page.locator("#plan-rag").inner_text()
        assert "62 red" in rag and "1 green" in rag, rag

        # a phone: the plan's table reflows, nothing scrolls sideways
        lead_page.set_viewport_size({"width": 390, "height": 844})
        lead_page.reload()
        width = lead_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width
        assert_accessible(lead_page)

        # printed, the page is the board paper: its controls left out, its table kept;
        # the PDF is offered beside the XLSX
        lead_page.set_viewport_size({"width": 1024, "height": 800})
        assert lead_page.get_by_role("link", name="PDF board paper").count() == 1
        lead_page.emulate_media(media="print")
        assert not lead_page.locator("#board-paper").is_visible()
        assert not lead_page.get_by_text("Filter the plan").is_visible()
        assert lead_page.locator(".app-plan-table").first.is_visible()
        lead_page.emulate_media(media="screen")

        # the action's page: its milestone, met; its contributing agencies
        action = Action.objects.get(reference="1.1.1")
        check_page(lead_page, action.get_absolute_url())
        assert "20 May 2017" in lead_page.locator("#milestones + p + table").inner_text()
        shared = Action.objects.filter(contributing_agencies=health).first()
        check_page(lead_page, shared.get_absolute_url())
        assert health.name in lead_page.locator("#contributors").inner_text()
        check_page(lead_page, f"/plan/{plan.pk}/progress/", title="Progress over time")
    finally:
        context.close()
