"""The audits API: an auditor reads and saves answers (a bad answer is a 400 naming its
question, and nothing is saved), submits (missing answers: 400), the moderator returns
(409 once it is no longer submitted); another agency's auditor gets 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audits.models import Answer, Question
from audits.models import FormState as F
from tests.conftest import login
from tests.factories.audits import GRADE_Q, NUMBER_Q, OVERALL_Q, TEXT_Q, form_of, grade, make_audit

pytestmark = pytest.mark.django_db


def _q(form, text):
    return Question.objects.get(section__version=form.audit.template_version, text=text).pk


def test_answers_submit_and_return_through_the_api(qa, agency_a, agency_b, amy, bea):
    audit = make_audit(lead=qa, agencies=[agency_a, agency_b])
    form = form_of(audit, agency_a)
    client = login(amy)
    url = reverse("audit-form-answers", args=[form.pk])
    listed = client.get(url).json()["answers"]
    assert {a["question"] for a in listed} >= {_q(form, GRADE_Q), _q(form, TEXT_Q)}

    bad = client.post(
        url,
        {
            "answers": [
                {"question": _q(form, GRADE_Q), "value": "99999"},
                {"question": _q(form, NUMBER_Q), "value": "lots"},
            ]
        },
        content_type="application/json",
    )
    assert bad.status_code == 400
    errors = bad.json()["answers"]
    assert str(_q(form, GRADE_Q)) in errors and str(_q(form, NUMBER_Q)) in errors
    assert not Answer.objects.filter(form=form).exists()

    good = grade("good").pk
    saved = client.post(
        url,
        {"answers": [{"question": _q(form, GRADE_Q), "value": str(good)}]},
        content_type="application/json",
    )
    assert saved.status_code == 200
    submit = reverse("audit-form-submit", args=[form.pk])
    missing = client.post(submit, {}, content_type="application/json")
    assert missing.status_code == 400
    client.post(
        url,
        {
            "answers": [
                {"question": _q(form, OVERALL_Q), "value": str(good)},
                {"question": _q(form, TEXT_Q), "value": "The plan worked."},
            ]
        },
        content_type="application/json",
    )
    assert client.post(submit, {}, content_type="application/json").status_code == 200

    moderator = login(qa)
    back = reverse("audit-form-return-form", args=[form.pk])
    assert (
        login(amy).post(back, {"reason": "x"}, content_type="application/json").status_code == 403
    )
    assert (
        moderator.post(back, {"reason": "More detail"}, content_type="application/json").status_code
        == 200
    )
    form.refresh_from_db()
    assert form.state == F.RETURNED
    assert (
        moderator.post(back, {"reason": "Again"}, content_type="application/json").status_code
        == 409
    )

    other = login(bea)
    assert other.get(reverse("audit-form-detail", args=[form.pk])).status_code == 404
    assert other.post(url, {"answers": []}, content_type="application/json").status_code == 404
    ids = {row["id"] for row in other.get(reverse("audit-form-list")).json()["results"]}
    assert form.pk not in ids and ids
