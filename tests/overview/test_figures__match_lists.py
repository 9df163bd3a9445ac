"""Issue 9, "Must hold": every figure of the overview equals the count of the list it
links to (the actions list, filtered the same way), and an overdue action stays overdue
until an extension is approved."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from actions import services
from core.overview import Period, build_overview
from tests.conftest import login

pytestmark = pytest.mark.django_db


def list_count(client, url: str) -> int:
    parts = urlsplit(url)
    assert parts.path == reverse("actions:list")
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["form"]
    assert not form.errors, (url, form.errors)
    # every parameter of the link is one the list's filter form knows
    assert set(parse_qs(parts.query)) <= set(form.fields), url
    return response.context["page"].paginator.count


def every_figure(sections):
    for section in sections:
        for figure in section.figures.key_figures:
            yield figure.label, figure.value, figure.url
        for table in section.figures.tables:
            for row, pairs in table.grid():
                for column, cell in pairs:
                    yield f"{table.caption}: {row.label}, {column}", cell.value, cell.url


def figures(user):
    (section,) = build_overview(user, Period.ending(), only=["actions"])
    return section


@pytest.mark.parametrize("who", ["chair", "manager"])
def test_every_figure_equals_the_list_it_links_to(plan, who, request):
    user = request.getfixturevalue(who)
    client = login(user)
    seen = 0
    for label, value, url in every_figure([figures(user)]):
        assert url, f"{label} links to nothing"
        assert list_count(client, url) == value, label
        seen += 1
    assert seen > 40


def named(section, caption):
    (table,) = [t for t in section.figures.tables if t.caption == caption]
    return {row.label: [c.value for c in row.cells] for row in table.rows}


def test_the_figures_themselves(plan, chair):
    section = figures(chair)
    by_rag = named(section, "Actions by RAG rating")
    assert by_rag == {
        "Overdue": [3],
        "Due soon": [1],
        # green, evidence submitted, accepted, not embedded (reopened), police green
        "On track": [5],
        "Complete": [3],  # learning check due, embedded, partly embedded
        "Cancelled": [1],
    }
    assert sum(v[0] for v in by_rag.values()) == 13
    overdue = named(section, "Overdue and extended")
    assert overdue["Overdue"] == [3]
    assert overdue["Overdue, an extension asked for"] == [1]
    assert overdue["Overdue after an extension"] == [1]
    assert overdue["Extension waiting for a decision"] == [1]
    waiting = named(section, "Waiting for the partnership")
    assert waiting == {
        "Evidence waiting for review": [1],
        "Waiting for sign-off": [1],
        "Learning check due": [1],
    }
    verdicts = named(section, "Learning check verdicts")
    assert verdicts == {"Embedded": [1], "Partly embedded": [1], "Not embedded": [1]}
    agencies = named(section, "Actions by agency and RAG rating")
    assert agencies["Metropolitan Police (North West BCU)"] == [1, 0, 1, 0, 0, 2]


def test_overdue_until_the_extension_is_approved(plan, chair, manager):
    client = login(chair)
    red = reverse("actions:list") + "?rag=red"
    assert figures(chair).figures.key_figures[1].value == 3 == list_count(client, red)
    services.action_decide_extension(
        action=plan.overdue_asked,
        by=manager,
        decision=services.ExtensionChoice.APPROVE,
        reason="Agreed at the board",
    )
    section = figures(chair)
    assert section.figures.key_figures[1].value == 2 == list_count(client, red)
    overdue = named(section, "Overdue and extended")
    assert overdue["Extended at least once"] == [2]
    assert overdue["Extension waiting for a decision"] == [0]
    plan.overdue_asked.refresh_from_db()
    assert plan.overdue_asked.original_target_date < plan.overdue_asked.target_date


def test_the_page_shows_the_figures_with_links(plan, chair):
    response = login(chair).get(reverse("overview:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Partnership overview" in html
    assert 'href="/actions/?rag=red"' in html
    assert "Actions by quarter of target date" in html
    # the chart is drawn from the same numbers, without JavaScript
    assert 'class="app-chart"' in html and "<svg" in html


def test_my_work_shows_the_chair_the_key_figures(plan, chair, alice):
    html = login(chair).get(reverse("home")).content.decode()
    assert "The partnership at a glance" in html
    assert reverse("overview:index") in html
    # an agency's lead sees neither the summary nor the link
    html = login(alice).get(reverse("home")).content.decode()
    assert "The partnership at a glance" not in html
    assert reverse("overview:index") not in html
