"""The agencies list and an agency's page."""

from __future__ import annotations

import pytest

from agencies.models import Role
from tests.browser.pages import check_page, submit
from tests.factories import member

pytestmark = pytest.mark.browser


def test_agencies_list_and_detail(page, sign_in, alice, bob, charlie, agency_a, agency_b):
    member(agency_a, Role.MANAGER, "mo", first_name="Mo", last_name="Khan")
    sign_in(page, alice)
    check_page(page, "/agencies/", title="Partner agencies")
    # alice sees her own agency's page; the police are listed but not linked for her
    assert page.get_by_role("link", name=agency_a.name).count() == 1
    assert page.get_by_role("link", name=agency_b.name).count() == 0
    nav = page.get_by_role("navigation", name="Menu")
    assert nav.get_by_role("link", name="Agencies").get_attribute("aria-current") == "page"
    assert nav.get_by_role("link", name="My work").get_attribute("aria-current") is None
    for section in ("Actions", "Reviews"):
        assert nav.get_by_role("link", name=section, exact=True).count() == 1, section

    submit(page.get_by_role("link", name=agency_a.name))
    check_page(page, f"/agencies/{agency_a.pk}/", title=agency_a.name)
    assert nav.get_by_role("link", name="Agencies").get_attribute("aria-current") == "true"
    assert page.get_by_role("cell", name="Mo Khan").count() == 1


def test_agency_with_no_people(page, sign_in, manager, agency_b):
    sign_in(page, manager)
    check_page(page, f"/agencies/{agency_b.pk}/")
    assert "No one is registered" in page.locator("main").inner_text()
