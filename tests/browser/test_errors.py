"""The 404 and 403 pages."""

from __future__ import annotations

import pytest

from tests.browser.pages import check_page

pytestmark = pytest.mark.browser


def test_404_page(page, sign_in, alice):
    sign_in(page, alice)
    check_page(page, "/no-such-page/", status=404, title="Page not found")


def test_404_for_another_agencys_record(page, sign_in, alice, agency_b):
    sign_in(page, alice)
    check_page(page, f"/agencies/{agency_b.pk}/", status=404, title="Page not found")


def test_404_page_signed_out(page):
    check_page(page, "/agencies/999999/x/", status=404, title="Page not found")


def test_403_page(page, sign_in, bob, work_tasks):
    # bob is a practitioner: he may see his agency's tasks but not reassign them
    sign_in(page, bob)
    task = work_tasks["queued"]
    check_page(page, f"/tasks/{task.pk}/reassign/", status=403, title="You do not have permission")
