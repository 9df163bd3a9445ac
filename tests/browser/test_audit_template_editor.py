"""The form template editor in a real browser, with and without JavaScript: create a
template (a missing name refused in the error summary), add two sections and a question
(a list question without options refused), move a section up, remove it after the
confirmation, publish. Every page axe-clean."""

from __future__ import annotations

import pytest

from audits.models import FormTemplate
from tests.browser.pages import assert_accessible, assert_error_summary, check_page, submit
from tests.factories.audits import ensure_scales, qa_analyst

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_create_fill_in_reorder_and_publish_a_template(request, javascript, sign_in):
    page = request.getfixturevalue("page" if javascript else "nojs_page")
    ensure_scales()
    qa = qa_analyst()
    sign_in(page, qa)
    check_page(page, "/audits/templates/")
    submit(page.get_by_role("link", name="Create a template"))
    assert_accessible(page)
    submit(page.get_by_role("button", name="Create the template"))
    assert_error_summary(page, links_to=["id_name", "id_scale_1"], js=javascript)
    assert_accessible(page)
    page.get_by_label("Template name").fill("Connected persons audit")
    page.get_by_label("Red, amber, green").check()
    submit(page.get_by_role("button", name="Create the template"))
    assert "Version 1 is a draft" in page.content()
    assert_accessible(page)

    for title in ("Assessment", "Voice of the child"):
        submit(page.get_by_role("link", name="Add a section"))
        assert_accessible(page)
        page.get_by_label("Section title").fill(title)
        submit(page.get_by_role("button", name="Add section"))

    submit(page.get_by_role("link", name="Add a question to section 2, Voice of the child"))
    assert_accessible(page)
    page.get_by_label("Question", exact=True).fill("Who did the child name?")
    page.get_by_role("radio", name="One of a list").check()
    submit(page.get_by_role("button", name="Add question"))
    assert_error_summary(page, links_to=["id_choices"], js=javascript)
    assert_accessible(page)
    page.get_by_role("radio", name="Free text").check()
    submit(page.get_by_role("button", name="Add question"))
    assert_accessible(page)

    submit(page.get_by_role("button", name="Move section up"))
    template = FormTemplate.objects.get(name="Connected persons audit")
    draft = template.versions.get()
    assert [s.title for s in draft.sections.all()] == ["Voice of the child", "Assessment"]
    assert_accessible(page)

    submit(page.get_by_role("link", name="Remove section 2, Assessment"))
    assert_accessible(page)
    submit(page.get_by_role("button", name="Yes, remove it"))
    assert [s.title for s in draft.sections.all()] == ["Voice of the child"]

    page.get_by_label("What changed (optional)").fill("First version")
    submit(page.get_by_role("button", name="Publish version 1"))
    draft.refresh_from_db()
    assert draft.published
    assert "Version 1 is published" in page.content()
    assert_accessible(page)
