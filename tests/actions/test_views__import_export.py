"""The import page (dry run, then all-or-nothing) and the export downloads."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actions.models import Action
from tests.conftest import login
from tests.factories.actions import make_action, make_review


def plan_csv(rows):
    header = "Review,Recommendation no.,Recommendation,Action ref,Action,Agency,Lead,Target date\n"
    return SimpleUploadedFile("plan.csv", (header + "".join(rows)).encode(), "text/csv")


@pytest.mark.django_db
def test_dry_run_then_import(manager, alice, agency_a):
    review = make_review(lead_agency=agency_a)
    row = f"{review.title},1,Share information,1.1,Train staff,{agency_a.name},alice,31/03/2027\n"
    client = login(manager)
    checked = client.post(reverse("actions:import"), {"plan": plan_csv([row])})
    assert checked.status_code == 200 and b"can be imported" in checked.content
    assert not Action.objects.exists()
    done = client.post(reverse("actions:import"), {"plan": plan_csv([row]), "confirm": "1"})
    assert done.status_code == 200 and b"Action plan imported" in done.content
    assert Action.objects.get().description == "Train staff"


@pytest.mark.django_db
def test_bad_rows_are_listed_and_nothing_is_written(manager, agency_a):
    review = make_review(lead_agency=agency_a)
    rows = [
        f"{review.title},1,Share,1.1,Train,{agency_a.name},nobody,31/03/2027\n",
        f"No such review,2,x,1.2,Audit,{agency_a.name},alice,someday\n",
    ]
    response = login(manager).post(
        reverse("actions:import"), {"plan": plan_csv(rows), "confirm": "1"}
    )
    assert response.status_code == 400
    assert b"nothing has been saved" in response.content
    assert b'<td class="govuk-table__cell">2</td>' in response.content
    assert b'<td class="govuk-table__cell">3</td>' in response.content
    assert not Action.objects.exists()


@pytest.mark.django_db
def test_no_file_is_a_form_error(manager):
    response = login(manager).post(reverse("actions:import"), {})
    assert response.status_code == 400 and b"Select a CSV or Excel file" in response.content


@pytest.mark.django_db
def test_import_is_for_the_manager_only(alice):
    assert login(alice).get(reverse("actions:import")).status_code == 403


@pytest.mark.django_db
def test_xlsx_export_holds_only_visible_actions(alice, charlie, manager, agency_a, agency_b):
    make_action(agency=agency_a, lead=alice, by=manager, description="CSC work")
    make_action(agency=agency_b, lead=charlie, by=manager, description="Police work")
    response = login(charlie).get(reverse("actions:export", args=["xlsx"]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    texts = {str(c.value) for row in sheet.iter_rows() for c in row}
    assert "Police work" in texts and "CSC work" not in texts
    assert login(charlie).get(reverse("actions:export", args=["pdf"])).status_code == 404
