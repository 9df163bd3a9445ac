"""The audit lead gives a form to a named auditor of its agency: the form's task goes to
them (waiting in the queue or held by another auditor), they are told; someone of
another agency, someone who is not an auditor and someone who left are refused with a
clear message, and nothing changes."""

from __future__ import annotations

import pytest
from django.urls import reverse
from viewflow.workflow.status import STATUS

from agencies.models import Role
from audits import services
from audits.models import AuditForm
from core.models import Notification
from tests.conftest import login
from tests.factories import member
from tests.factories.audits import fill, form_of, make_audit
from workflows.base import open_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def form(qa, agency_a, agency_b):
    audit = make_audit(lead=qa, agencies=[agency_a, agency_b], references=["LCS-5"])
    return form_of(audit, agency_a)


@pytest.fixture
def ada(agency_a):
    """A second auditor of agency A."""
    return member(agency_a, Role.AUDITOR, "ada")


def task_of(form):
    return open_tasks(form).get()


def assign(client, form, user):
    return client.post(
        reverse("audits:form-assign", args=[form.pk]), {"assignee": user.pk if user else ""}
    )


def test_the_page_lists_only_the_agencys_auditors(qa, form, amy, ada, bea, alice):
    response = login(qa).get(reverse("audits:form-assign", args=[form.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{amy.pk}"' in html and f'value="{ada.pk}"' in html
    assert f'value="{bea.pk}"' not in html  # the police's auditor
    assert f'value="{alice.pk}"' not in html  # A's lead, not an auditor
    form_page = login(qa).get(form.get_absolute_url()).content.decode()
    assert reverse("audits:form-assign", args=[form.pk]) in form_page


def test_the_lead_gives_a_queued_form_to_an_auditor(qa, form, amy):
    assert task_of(form).status == STATUS.NEW and task_of(form).owner_id is None
    response = assign(login(qa), form, amy)
    assert response.status_code == 302 and response.url == form.get_absolute_url()
    form.refresh_from_db()
    assert form.assignee == amy
    task = task_of(form)
    assert (task.status, task.owner_id) == (STATUS.ASSIGNED, amy.pk)
    told = Notification.objects.filter(subject__startswith="Audit form for you")
    assert list(told.values_list("recipient", flat=True)) == [amy.pk]


def test_the_lead_moves_a_started_form_to_another_auditor(qa, form, amy, ada):
    fill(form, by=amy)  # amy starts it: she holds it
    form.refresh_from_db()
    assert form.assignee == amy
    assert assign(login(qa), form, ada).status_code == 302
    form.refresh_from_db()
    assert form.assignee == ada
    task = task_of(form)
    assert (task.status, task.owner_id) == (STATUS.ASSIGNED, ada.pk)


@pytest.mark.parametrize("who", ["bea", "alice", "leaver", "inactive"])
def test_bad_choices_are_refused_clearly(qa, form, amy, bea, alice, who, agency_a):
    person = {"bea": bea, "alice": alice}.get(who)
    if who == "leaver":
        person = member(agency_a, Role.AUDITOR, "lee")
        person.memberships.all().delete()
    elif who == "inactive":
        person = member(agency_a, Role.AUDITOR, "ina")
        person.is_active = False
        person.save()
    response = assign(login(qa), form, person)
    assert response.status_code == 400
    assert services.NOT_AN_AUDITOR_OF_AGENCY in response.content.decode()
    assert AuditForm.objects.get(pk=form.pk).assignee_id is None
    assert task_of(form).owner_id is None


def test_no_choice_or_no_such_person_is_refused(qa, form):
    client = login(qa)
    empty = assign(client, form, None)
    assert empty.status_code == 400 and services.ASSIGNEE_REQUIRED in empty.content.decode()
    missing = client.post(reverse("audits:form-assign", args=[form.pk]), {"assignee": "999999"})
    assert missing.status_code == 400
    assert services.NOT_AN_AUDITOR_OF_AGENCY in missing.content.decode()


def test_only_the_audit_team_may_assign(form, amy, ada):
    response = assign(login(amy), form, ada)
    assert response.status_code == 403
    assert AuditForm.objects.get(pk=form.pk).assignee_id is None


def test_an_agency_that_does_not_see_the_form_gets_404(form, bea, amy):
    assert assign(login(bea), form, amy).status_code == 404
    url = reverse("audits:form-assign", args=[form.pk])
    assert login(bea).get(url).status_code == 404


def test_a_submitted_form_cannot_be_given_away(qa, form, amy, ada):
    fill(form, by=amy)
    form.refresh_from_db()
    services.form_submit(form=form, by=amy)
    client = login(qa)
    response = assign(client, form, ada)
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.assignee == amy
    page = client.get(response.url).content.decode()
    assert services.FORM_NOT_ASSIGNABLE in page
