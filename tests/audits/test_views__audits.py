"""The lead's pages: plan an audit, sample (by hand, or a random sample drawn from an
uploaded list), open the forms, write the narrative and recommendations, sign off (each
recommendation an action), the findings page and its exports, template export and
import."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from actions.models import Action
from audits import services
from audits.models import AuditForm, FormTemplate, FormTemplateVersion
from audits.models import AuditState as A
from tests.conftest import login
from tests.factories import in_days
from tests.factories.audits import accepted, form_of, make_audit, make_version

pytestmark = pytest.mark.django_db


def _date(prefix, day):
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def test_the_lead_plans_samples_and_opens_an_audit(qa, agency_a, agency_b, amy):
    client = login(qa)
    version = make_version()
    data = {
        "title": "Neglect audit Q1",
        "theme": "Neglect",
        "template_version": version.pk,
        "lead": qa.pk,
        "agencies": [agency_a.pk, agency_b.pk],
        "target_percent": "75",
        **_date("period_start", in_days(-90)),
        **_date("period_end", in_days(-1)),
    }
    bad = client.post(reverse("audits:create"), {**data, "target_percent": "lots"})
    assert bad.status_code == 400 and "Enter the target as a whole number" in bad.content.decode()
    response = client.post(reverse("audits:create"), data)
    assert response.status_code == 302
    audit = qa.led_audits.get()
    assert client.post(reverse("audits:step", args=[audit.pk, "start_sampling"])).status_code == 302
    audit.refresh_from_db()
    assert audit.state == A.SAMPLING

    sample = reverse("audits:sample", args=[audit.pk])
    named = client.post(sample, {"how": "hand", "hand-references": "Jane Smith\nLCS-1"})
    assert named.status_code == 400 and "not a name" in named.content.decode()
    assert not audit.cases.exists()
    listing = "Case reference\n" + "\n".join(f"LCS-{n:03d}" for n in range(30))
    upload = SimpleUploadedFile("cases.csv", listing.encode(), content_type="text/csv")
    response = client.post(
        sample, {"how": "random", "random-file": upload, "random-size": "5", "random-seed": "7"}
    )
    assert response.status_code == 302
    audit.refresh_from_db()
    assert audit.cases.count() == 5 and audit.random_seed == 7
    page = client.get(audit.get_absolute_url()).content.decode()
    assert "seed 7" in page and "the same cases" in page

    step = reverse("audits:step", args=[audit.pk, "open_forms"])
    confirm = client.post(step)
    assert confirm.status_code == 200 and "fixes the sample" in confirm.content.decode()
    assert client.post(step, {"confirm": "yes"}).status_code == 302
    assert AuditForm.objects.filter(audit=audit).count() == 10


def test_an_agency_user_cannot_plan_or_manage(agency_a, amy, alice, qa):
    audit = make_audit(lead=qa, agencies=[agency_a])
    for user in (amy, alice):
        client = login(user)
        assert client.get(reverse("audits:create")).status_code == 403
        assert client.get(reverse("audits:narrative", args=[audit.pk])).status_code == 403
        assert (
            client.post(reverse("audits:step", args=[audit.pk, "start_moderation"])).status_code
            == 403
        )
        assert client.get(reverse("audits:templates")).status_code == 403
        assert client.get(audit.get_absolute_url()).status_code == 200  # their agency takes part


def test_findings_narrative_and_sign_off_make_actions(qa, agency_a, agency_b, amy, bea, alice):
    audit = make_audit(lead=qa, agencies=[agency_a, agency_b], references=["LCS-1"])
    accepted(form_of(audit, agency_a), by=amy, moderator=qa, grade_code="outstanding")
    accepted(form_of(audit, agency_b), by=bea, moderator=qa, grade_code="inadequate")
    audit.refresh_from_db()
    assert audit.state == A.MODERATION
    client = login(qa)
    findings = client.get(reverse("audits:findings", args=[audit.pk])).content.decode()
    assert "Where agencies disagree" in findings and "LCS-1" in findings
    assert "<svg" in findings and "0% of 1 case" in findings

    url = reverse("audits:narrative", args=[audit.pk])
    rec = {
        "what": "recommendation",
        "recommendation-text": "Refresh neglect training",
        "recommendation-agency": agency_a.pk,
        "recommendation-lead": alice.pk,
        **{f"recommendation-{k}": v for k, v in _date("target_date", in_days(60)).items()},
    }
    assert client.post(url, {**rec, "recommendation-lead": amy.pk}).status_code == 400
    assert client.post(url, rec).status_code == 302
    response = client.post(
        url,
        {
            "what": "narrative",
            "narrative-strengths": "Voice",
            "narrative-areas_to_develop": "Sharing",
        },
    )
    assert response.status_code == 302
    audit.refresh_from_db()
    assert audit.state == A.FINDINGS_DRAFTED
    step = reverse("audits:step", args=[audit.pk, "sign_off"])
    assert client.post(step, {"confirm": "yes"}).status_code == 302
    action = Action.objects.get()
    assert action.agency == agency_a and action.description == "Refresh neglect training"
    # the action names its source, the audit's recommendation, and links back
    page = login(alice).get(action.get_absolute_url()).content.decode()
    assert "Audit recommendation" in page


def test_findings_exports(qa, agency_a, amy):
    audit = make_audit(lead=qa, agencies=[agency_a], references=["LCS-1"])
    accepted(form_of(audit, agency_a), by=amy, moderator=qa)
    client = login(qa)
    csv = client.get(reverse("audits:findings-export", args=[audit.pk, "csv"]))
    assert csv.status_code == 200 and b"Cases good or better" in csv.content
    xlsx = client.get(reverse("audits:findings-export", args=[audit.pk, "xlsx"]))
    book = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "Measure" and rows[1][-2] == 100
    assert client.get(reverse("audits:findings-export", args=[audit.pk, "pdf"])).status_code == 404


def test_templates_export_and_import(qa):
    version = make_version(slug="shared", name="Shared template")
    client = login(qa)
    exported = client.get(reverse("audits:template-export", args=[version.pk]))
    doc = json.loads(exported.content)
    assert doc["slug"] == "shared" and doc["sections"][0]["questions"]
    upload = SimpleUploadedFile("t.json", exported.content, content_type="application/json")
    response = client.post(reverse("audits:template-import"), {"file": upload})
    assert response.status_code == 302
    assert FormTemplate.objects.get(slug="shared").versions.count() == 2
    junk = SimpleUploadedFile("t.json", b"{not json", content_type="application/json")
    response = client.post(reverse("audits:template-import"), {"file": junk})
    assert response.status_code == 400 and "not a form template" in response.content.decode()
    assert FormTemplateVersion.objects.filter(template__slug="shared").count() == 2


def test_the_starter_templates_are_shipped(qa):
    slugs = set(FormTemplate.objects.values_list("slug", flat=True))
    assert {
        "neglect",
        "cse-missing",
        "domestic-abuse",
        "thresholds-early-help",
        "private-fostering",
        "connected-persons",
        "practice-week-observation",
    } <= slugs
    assert services  # the module the pages use
