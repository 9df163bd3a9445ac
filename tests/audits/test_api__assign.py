"""The audits API gives a form to a named auditor of its agency, as the page does
(``POST /api/v1/audit-forms/<id>/assign/``, ``services.form_assign``): the form's task
goes to them; someone of another agency, someone who left or no such user is a 400 on
``assignee``; someone who sees the form but may not assign gets 403, an agency that does
not see it 404, a submitted form 409; a refusal changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from viewflow.workflow.status import STATUS

from agencies.models import Role
from audits import services
from audits.models import AuditForm
from tests.conftest import login
from tests.factories import member
from tests.factories.audits import fill, form_of, make_audit
from workflows.base import open_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def form(qa, agency_a, agency_b):
    audit = make_audit(lead=qa, agencies=[agency_a, agency_b], references=["LCS-7"])
    return form_of(audit, agency_a)


def assign(client, form, assignee):
    return client.post(
        reverse("audit-form-assign", args=[form.pk]),
        {"assignee": assignee},
        content_type="application/json",
    )


def unchanged(form):
    task = open_tasks(form).get()
    return AuditForm.objects.get(pk=form.pk).assignee_id is None and task.owner_id is None


def test_the_lead_gives_the_form_to_an_auditor(qa, form, amy):
    response = assign(login(qa), form, amy.pk)
    assert response.status_code == 200
    assert response.json()["assignee"] == amy.username
    form.refresh_from_db()
    assert form.assignee == amy
    task = open_tasks(form).get()
    assert (task.status, task.owner_id) == (STATUS.ASSIGNED, amy.pk)


@pytest.mark.parametrize("who", ["bea", "alice", "leaver", "999999", "nonsense", "huge", "none"])
def test_someone_not_offered_is_a_400_on_assignee(qa, form, bea, alice, agency_a, who):
    if who == "leaver":
        person = member(agency_a, Role.AUDITOR, "lee")
        person.memberships.all().delete()
        value = person.pk
    else:
        value = {
            "bea": bea.pk,  # the police's auditor
            "alice": alice.pk,  # A's lead, not an auditor
            "999999": 999999,
            "nonsense": "somebody",
            "huge": 2**70,
            "none": None,
        }[who]
    response = assign(login(qa), form, value)
    assert response.status_code == 400
    expected = services.ASSIGNEE_REQUIRED if who == "none" else services.NOT_AN_AUDITOR_OF_AGENCY
    assert response.json() == {"assignee": [expected]}
    assert unchanged(form)


def test_an_empty_body_names_the_missing_assignee(qa, form):
    response = login(qa).post(
        reverse("audit-form-assign", args=[form.pk]), {}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"assignee": [services.ASSIGNEE_REQUIRED]}
    assert unchanged(form)


def test_an_auditor_who_sees_the_form_may_not_assign_it(form, amy, agency_a):
    ada = member(agency_a, Role.AUDITOR, "ada")
    response = assign(login(amy), form, ada.pk)
    assert response.status_code == 403
    assert response.json()["detail"] == services.NOT_PERMITTED_MANAGE
    assert unchanged(form)


def test_an_agency_that_does_not_see_the_form_gets_404(form, bea, amy):
    assert assign(login(bea), form, amy.pk).status_code == 404
    assert assign(login(bea), form, bea.pk).status_code == 404
    assert unchanged(form)


def test_a_submitted_form_cannot_be_given_away(qa, form, amy, agency_a):
    ada = member(agency_a, Role.AUDITOR, "ada")
    fill(form, by=amy)
    form.refresh_from_db()
    services.form_submit(form=form, by=amy)
    response = assign(login(qa), form, ada.pk)
    assert response.status_code == 409
    assert response.json()["detail"] == services.FORM_NOT_ASSIGNABLE
    assert AuditForm.objects.get(pk=form.pk).assignee == amy


def test_the_endpoint_is_in_the_openapi_schema(qa):
    schema = login(qa).get(reverse("api-schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/audit-forms/{id}/assign/"]["post"]
    assert {"200", "400", "403", "404", "409"} <= set(operation["responses"])
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][body.rsplit("/", 1)[1]]
    assert fields["properties"]["assignee"]["type"] == "integer"
    assert fields["required"] == ["assignee"]
