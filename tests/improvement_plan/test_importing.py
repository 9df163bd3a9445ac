"""The import journey for a plan in the seed's shape: check (problems listed, unmatched
leads listed), resolve the leads, import (a draft, no e-mail); the seed's headings and
their usual variants."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actions.models import Action
from core.models import Notification
from improvement_plan import importing, loading
from improvement_plan.models import Plan, PlanState
from tests.conftest import login

pytestmark = pytest.mark.django_db


def seed_file(text: str | None = None) -> SimpleUploadedFile:
    data = text.encode() if text is not None else loading.TABLE.read_bytes()
    return SimpleUploadedFile("barnet.csv", data, content_type="text/csv")


def test_check_resolve_import(manager, chair, charlie, agency_b, health, mailoutbox):
    client = login(manager)
    url = reverse("improvement_plan:import")
    assert client.get(url).status_code == 200
    checked = client.post(url, {"plan": seed_file()})
    assert checked.status_code == 200
    html = checked.content.decode()
    assert "16 recommendations, 63 actions and 58 milestones" in html
    assert "Who leads “Police chair for the group”" in html
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    leads = re.findall(r'name="(lead-\d+)"', html)
    # not resolved: refused, the leads listed again, nothing saved
    refused = client.post(url, {"token": token, "title": "Barnet plan"})
    assert refused.status_code == 400 and not Plan.objects.exists()
    choices = {name: str(manager.pk) for name in leads}
    done = client.post(url, {"token": token, "title": "Barnet plan", **choices})
    assert done.status_code == 302
    plan = Plan.objects.get()
    assert plan.state == PlanState.DRAFT and Action.objects.count() == 63
    assert not Notification.objects.exists() and not mailoutbox
    # the token is spent
    assert client.post(url, {"token": token, "title": "Again", **choices}).status_code == 400


def test_problems_are_listed_by_row(manager):
    text = (
        "Source,Recommendation,Actions,Timescale,Lead officer,Outcome measures\n"
        "Objective 1:,,,,,\n"
        "Child B,Do things,1. Train staff,someday,Partnership manager,\n"
        ",,,,,\n"
        "OR 1,Assure quality,1. Audit,July 17,Partnership manager,a) better\n"
    )
    response = login(manager).post(reverse("improvement_plan:import"), {"plan": seed_file(text)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Row 3" in html and "OR n, OC para n or LR n" in html
    assert not Plan.objects.exists()


def test_agency_users_may_not_import(alice):
    assert login(alice).get(reverse("improvement_plan:import")).status_code == 403


def test_header_variants():
    spec = importing.SPEC.header_map()
    assert spec["objective 4"] == importing.MEASURES
    assert spec["timescale"] == importing.MILESTONES
    assert spec["objective"] == importing.OBJECTIVE
