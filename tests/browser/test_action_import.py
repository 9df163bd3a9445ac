"""Importing an action plan in a real browser, with and without JavaScript: upload, see
the preview, import once (no second upload), see the confirmation; a file with problems
shows them with the GOV.UK error summary. No axe violations on any step."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings

from actions import importing
from actions.models import Action
from actions.models import ActionState as S
from tests.browser.pages import (
    assert_accessible,
    assert_error_summary,
    assert_single_h1,
    check_page,
    screenshot,
    submit,
)
from tests.factories.actions import make_recommendation, make_review

pytestmark = pytest.mark.browser

HEADER = "Review,Recommendation no.,Recommendation,Action ref,Action,Agency,Lead,Target date\n"


@pytest.fixture
def review(agency_a, alice):
    alice.first_name, alice.last_name = "Alice", "Okafor"
    alice.save()
    review = make_review(lead_agency=agency_a)
    make_recommendation(review, 1, "Share information at the front door")
    return review


def plan(rows: list[str]) -> dict:
    return {"name": "plan.csv", "mimeType": "text/csv", "buffer": (HEADER + "".join(rows)).encode()}


def good_rows(review, agency) -> list[str]:
    return [
        f"{review.title},1,,1.1,Deliver neglect training,{agency.name},alice,31/03/2027\n",
        f"{review.title},2,Think family,2.1,Audit supervision records,{agency.name},"
        "Alice Okafor,30/04/2027\n",
    ]


def kept_files() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / importing.UPLOAD_DIR
    return list(folder.iterdir()) if folder.exists() else []


def upload(page, rows: list[str]) -> None:
    page.get_by_label("Action plan file").set_input_files(plan(rows))
    submit(page.get_by_role("button", name="Check the file"))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_upload_preview_import_confirmation(
    request, javascript, sign_in, manager, alice, agency_a, review
):
    page = request.getfixturevalue("page" if javascript else "nojs_page")
    sign_in(page, manager)
    check_page(page, "/actions/import/", title="Import an action plan")

    # a file with problems: listed by row, nothing saved, error summary
    upload(page, [f"{review.title},1,,1.1,Train,{agency_a.name},nobody,someday\n"])
    assert_error_summary(page, links_to=["problems"], js=False, fields_marked=False)
    if javascript:
        summary = page.locator(".govuk-error-summary")
        assert summary.evaluate("el => el === document.activeElement")
    assert "No member of Barnet Children" in page.locator("#problems + table").inner_text()
    assert_accessible(page)
    assert kept_files() == []

    # a good file: the preview, then start over with "Check a different file"
    upload(page, good_rows(review, agency_a))
    assert page.title().startswith("Check the actions before you import them")
    assert_single_h1(page)
    assert_accessible(page)
    assert len(kept_files()) == 1
    submit(page.get_by_role("button", name="Check a different file"))
    assert urlparse(page.url).path == "/actions/import/"
    assert page.get_by_role("button", name="Check the file").is_visible()
    assert kept_files() == []

    upload(page, good_rows(review, agency_a))
    preview = page.locator("#preview")
    assert preview.locator("tbody tr").count() == 2
    second = preview.locator("tbody tr").nth(1).inner_text()
    assert "New" in second and "Alice Okafor" in second and "30 Apr 2027" in second
    assert_accessible(page)
    if javascript:
        screenshot(page, "import-preview")
    assert not Action.objects.exists()

    # import: no file chooser this time
    submit(page.get_by_role("button", name="Import 2 actions"))
    panel = page.locator(".govuk-panel--confirmation")
    assert panel.is_visible() and "2 actions created" in panel.inner_text()
    assert_single_h1(page)
    assert_accessible(page)
    assert kept_files() == []
    assert sorted(Action.objects.values_list("reference", "state")) == [
        ("1.1", S.ASSIGNED),
        ("2.1", S.ASSIGNED),
    ]

    submit(page.get_by_role("link", name="See all actions"))
    assert urlparse(page.url).path == "/actions/"
    assert "Audit supervision records" in page.content()
