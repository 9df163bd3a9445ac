"""The plan's pages: the table (filterable), progress over time, the export in the seed's
layout (read back by the importer), a line with its commentary, a milestone met (the RAG
follows), the plan's status; and who may see what."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from actions.models import Action, Milestone, Rag
from improvement_plan import importing
from improvement_plan.models import PlanState, ProgressCommentary, RecommendationLine
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_the_plan_page_reads_like_the_seeds_table(plan, manager):
    response = login(manager).get(reverse("improvement_plan:detail", args=[plan.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "OC para 24 b",
        "OR 5 and LR 2,4",
        "a) increase in effectiveness of early help",
        "Police chair for the group",
        "Objective 6",
        "Dec 17, March 18",
    ):
        assert text in html
    assert "Overdue" in html  # 2017's milestones have passed


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("?objective=2", "OC para 22", "OR 1"),
        ("?source=OR", "OR 3", "OC para 22"),
        ("?rag=red", "OR 3", "No recommendations match"),
    ],
)
def test_the_filters(plan, manager, query, shown, hidden):
    html = (
        login(manager)
        .get(reverse("improvement_plan:detail", args=[plan.pk]) + query)
        .content.decode()
    )
    assert shown in html and hidden not in html


def test_the_agency_and_lead_filters(plan, manager, charlie, agency_b):
    url = reverse("improvement_plan:detail", args=[plan.pk])
    for query in (f"?agency={agency_b.pk}", f"?lead={charlie.pk}"):
        html = login(manager).get(url + query).content.decode()
        assert "OR 5 and LR 2,4" in html and "OC para 22" not in html


def test_agency_users_see_only_what_their_agency_leads_or_contributes_to(plan, alice, dana):
    for name, kwargs in (
        ("improvement_plan:detail", [plan.pk]),
        ("improvement_plan:progress", [plan.pk]),
        ("improvement_plan:export", [plan.pk]),
        ("improvement_plan:line", [RecommendationLine.objects.first().pk]),
        ("improvement_plan:milestone", [Milestone.objects.first().pk]),
    ):
        assert login(alice).get(reverse(name, args=kwargs)).status_code == 404
    html = login(dana).get(reverse("improvement_plan:detail", args=[plan.pk])).content.decode()
    assert "OR 5 and LR 2,4" in html and "OC para 22" not in html
    assert (
        login(alice).get(reverse("improvement_plan:list")).content.decode().count(plan.title) == 0
    )


def test_the_export_is_the_seeds_layout_and_imports_back(plan, manager):
    response = login(manager).get(reverse("improvement_plan:export", args=[plan.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:7] == (
        importing.PROVENANCE,
        importing.RECOMMENDATION,
        "Action",
        "Milestones",
        "Lead",
        "Objective 4",
        "Progress/RAG",
    )
    parsed = importing.parse_rows(
        importing.read_table(response.content, importing.SPEC, filename="x.xlsx")
    )
    assert not parsed.problems
    assert len(parsed.lines) == 16 and parsed.action_count == 63 and parsed.milestone_count == 58
    assert [line.sub_part for line in parsed.lines if line.provenance_text == "OC para 24"] == [
        "a",
        "b",
        "c",
    ]


def test_the_lead_records_a_milestone_and_the_rag_follows(plan, manager, chair):
    action = Action.objects.get(reference="1.1.1")
    milestone = action.milestones.get()
    assert action.rag() == Rag.RED
    client = login(chair)
    url = reverse("improvement_plan:milestone", args=[milestone.pk])
    assert client.get(url).status_code == 200
    bad = client.post(
        url, {"met": "yes", "completed_on_0": "1", "completed_on_1": "1", "completed_on_2": "2099"}
    )
    assert bad.status_code == 400
    response = client.post(
        url, {"met": "yes", "completed_on_0": "20", "completed_on_1": "5", "completed_on_2": "2017"}
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.completed_on == date(2017, 5, 20)
    # the manager is not this action's lead
    assert login(manager).post(url, {"met": "no"}).status_code == 403


def test_commentary_and_status(plan, manager, alice):
    line = RecommendationLine.objects.first()
    client = login(manager)
    url = reverse("improvement_plan:line", args=[line.pk])
    assert client.post(url, {"text": ""}).status_code == 400
    assert client.post(url, {"text": "Board agreed the constitution"}).status_code == 302
    assert ProgressCommentary.objects.get().text == "Board agreed the constitution"
    status = reverse("improvement_plan:status", args=[plan.pk])
    assert client.post(status, {"step": "activate"}).status_code == 409
    assert client.post(status, {"step": "approve", "approved_by": ""}).status_code == 400
    assert (
        client.post(status, {"step": "approve", "approved_by": "Ofsted and the DfE"}).status_code
        == 302
    )
    assert client.post(status, {"step": "activate"}).status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.ACTIVE


def test_progress_over_time(plan, manager):
    response = login(manager).get(reverse("improvement_plan:progress", args=[plan.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "May 2017" in html and "RAG by objective by month" in html


def test_the_api(plan, manager, alice):
    client = login(manager)
    assert client.get("/api/v1/plans/").json()["results"][0]["title"] == plan.title
    lines = client.get(f"/api/v1/plan-lines/?plan={plan.pk}&limit=100").json()["results"]
    assert len(lines) == 16 and lines[0]["references"][0]["text"] == "OC para 7"
    assert login(alice).get("/api/v1/plan-lines/").json()["results"] == []
    assert client.get("/api/v1/plan-milestones/?action=abc").status_code == 400


def test_the_overview_section_agrees_with_the_plan_page(plan, manager, alice):
    from core.overview import Period
    from improvement_plan.overview import build

    figures = build(manager, Period.ending())
    assert figures is not None
    by_rag = figures.tables[0]
    client = login(manager)
    for row in by_rag.rows:
        cell = row.cells[0]
        html = client.get(cell.url).content.decode()
        assert html.count('scope="row"') == cell.value, row.label
    assert build(alice, Period.ending()) is None
