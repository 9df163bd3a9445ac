"""An audit form's task in the workflow pages: the agency's auditors find it in their
queue on My work, and its task page opens the form; the moderation task reaches the
audit team."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import login
from tests.factories.audits import form_of, make_audit, submitted
from workflows.base import open_tasks

pytestmark = pytest.mark.django_db


def test_the_form_task_on_my_work_and_its_page(qa, agency_a, amy, bea):
    audit = make_audit(lead=qa, agencies=[agency_a])
    form = form_of(audit, agency_a)
    task = open_tasks(form).get()
    home = login(amy).get(reverse("home"))
    assert home.status_code == 200
    opened = login(amy).get(reverse("workflows:task", args=[task.pk]))
    assert opened.status_code == 302 and opened["Location"] == form.get_absolute_url()
    assert login(bea).get(reverse("workflows:task", args=[task.pk])).status_code == 404
    submitted(form, by=amy)
    moderate = open_tasks(form).get()
    assert moderate.flow_task.name == "moderate"
    assert login(qa).get(reverse("home")).status_code == 200
    opened = login(qa).get(reverse("workflows:task", args=[moderate.pk]))
    assert opened.status_code == 302 and opened["Location"] == form.get_absolute_url()
