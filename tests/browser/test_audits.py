"""A themed audit's life in a real browser, with and without JavaScript: an auditor
completes a form a section at a time (a bad number refused in the error summary; submit
lists the missing answer) and submits it, the moderator returns it with a reason, the
auditor fixes and resubmits it, the moderator accepts it (the audit moves to
moderation), the lead writes the findings and a recommendation and signs off, and the
recommendation is an action of its agency. Every page axe-clean."""

from __future__ import annotations

import pytest

from actions.models import Action
from audits.formengine import field_name
from audits.models import AuditForm, FormState, Question
from audits.models import AuditState as A
from tests.browser.pages import assert_accessible, assert_error_summary, check_page, submit
from tests.factories import in_days
from tests.factories.audits import (
    GRADE_Q,
    NUMBER_Q,
    OVERALL_Q,
    TEXT_Q,
    ensure_scales,
    grade,
    make_audit,
    qa_analyst,
)

pytestmark = pytest.mark.browser


def _field(form: AuditForm, text: str) -> str:
    return field_name(Question.objects.get(section__version=form.audit.template_version, text=text))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_submit_return_resubmit_and_sign_off(request, javascript, sign_in, agency_a, amy, alice):
    page = request.getfixturevalue("page" if javascript else "nojs_page")
    ensure_scales()
    qa = qa_analyst()
    audit = make_audit(lead=qa, agencies=[agency_a], references=["LCS-7001"])
    form = AuditForm.objects.get(audit=audit)
    good = grade("good")

    # the lead gives the form to amy by name (its task follows)
    sign_in(page, qa)
    check_page(page, form.get_absolute_url())
    submit(page.get_by_role("link", name="Give it to an auditor"))
    assert_accessible(page)
    submit(page.get_by_role("button", name="Give them the form"))
    assert_error_summary(page, links_to=["id_assignee_1"], js=javascript)
    page.locator(f"input[name='assignee'][value='{amy.pk}']").check()
    submit(page.get_by_role("button", name="Give them the form"))
    form.refresh_from_db()
    assert form.assignee == amy
    page.context.clear_cookies()

    # the auditor: My audit forms, the task list, section 1 with a bad number
    sign_in(page, amy)
    check_page(page, "/audits/forms/")
    submit(page.get_by_role("link", name="LCS-7001"))
    assert_accessible(page)
    submit(page.get_by_role("link", name="Practice"))
    assert_accessible(page)
    for question in (GRADE_Q, OVERALL_Q):
        page.locator(f"input[name='{_field(form, question)}'][value='{good.pk}']").check()
    page.get_by_label(NUMBER_Q).fill("three")
    submit(page.get_by_role("button", name="Save and continue"))
    assert_error_summary(page, links_to=[f"id_{_field(form, NUMBER_Q)}"], js=javascript)
    assert_accessible(page)
    page.get_by_label(NUMBER_Q).fill("3")
    submit(page.get_by_role("button", name="Save and come back later"))
    form.refresh_from_db()
    assert form.state == FormState.IN_PROGRESS

    # check and submit: the missing answer is listed, linked to its question
    submit(page.get_by_role("link", name="Check and submit"))
    assert f"Answer “{TEXT_Q}”" in page.content()
    assert_accessible(page)
    submit(page.get_by_role("link", name=f"Answer “{TEXT_Q}”"))
    page.get_by_label(TEXT_Q).fill("The family engaged with the plan.")
    submit(page.get_by_role("button", name="Save and come back later"))
    submit(page.get_by_role("link", name="Check and submit"))
    submit(page.get_by_role("button", name="Submit the form"))
    form.refresh_from_db()
    assert form.state == FormState.SUBMITTED

    # the moderator returns it with a reason
    page.context.clear_cookies()
    sign_in(page, qa)
    check_page(page, form.get_absolute_url())
    submit(page.get_by_role("button", name="Return the form"))
    assert_error_summary(page, links_to=["id_return-reason"], js=javascript)
    page.get_by_label("Reason for returning the form").fill("Say what the child said.")
    submit(page.get_by_role("button", name="Return the form"))
    form.refresh_from_db()
    assert form.state == FormState.RETURNED

    # the auditor fixes and resubmits
    page.context.clear_cookies()
    sign_in(page, amy)
    check_page(page, form.get_absolute_url())
    assert "Say what the child said." in page.content()
    submit(page.get_by_role("link", name="Impact"))
    page.get_by_label(TEXT_Q).fill("The child said she felt safer; the plan changed.")
    submit(page.get_by_role("button", name="Save and come back later"))
    submit(page.get_by_role("link", name="Check and submit"))
    submit(page.get_by_role("button", name="Submit the form"))
    form.refresh_from_db()
    assert form.state == FormState.SUBMITTED

    # the moderator accepts: the audit's last form, so the audit is in moderation
    page.context.clear_cookies()
    sign_in(page, qa)
    check_page(page, form.get_absolute_url())
    submit(page.get_by_role("button", name="Accept the form"))
    audit.refresh_from_db()
    assert audit.state == A.MODERATION

    # findings (with its board paper), a recommendation, the narrative, sign-off
    check_page(page, f"/audits/{audit.pk}/findings/")
    assert f"/audits/{audit.pk}/findings/paper.pdf" in page.content()
    submit(page.get_by_role("link", name="Write the narrative and recommendations").first)
    assert_accessible(page)
    page.get_by_label("Recommendation", exact=True).fill("Refresh neglect training")
    page.get_by_label("Agency").select_option(label=agency_a.name)
    page.get_by_label("Named lead").select_option(value=str(alice.pk))
    target = in_days(60)
    page.locator("[name='recommendation-target_date_0']").fill(str(target.day))
    page.locator("[name='recommendation-target_date_1']").fill(str(target.month))
    page.locator("[name='recommendation-target_date_2']").fill(str(target.year))
    submit(page.get_by_role("button", name="Add the recommendation"))
    assert "Refresh neglect training" in page.content()
    page.get_by_label("Strengths").fill("The child's voice was heard.")
    page.get_by_label("Areas to develop").fill("Sharing with the police.")
    submit(page.get_by_role("button", name="Save the findings"))
    assert_accessible(page)
    check_page(page, audit.get_absolute_url())
    submit(page.get_by_role("button", name="Sign off the findings"))
    assert_accessible(page)
    submit(page.get_by_role("button", name="Yes, sign off the findings"))
    audit.refresh_from_db()
    assert audit.state == A.SIGNED_OFF

    # the action appears for its agency
    action = Action.objects.get()
    assert action.agency == agency_a
    page.context.clear_cookies()
    sign_in(page, alice)
    check_page(page, action.get_absolute_url())
    assert "Refresh neglect training" in page.content()
