"""Small page fixes: state and RAG tags in GOV.UK colours (one tag for a cancelled
action), actions named without their database id, and Team tasks in the navigation for
those who may reassign."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions import services
from actions.models import ActionState as S
from actions.models import Rag
from core.templatetags.status_tags import RAG_TAGS, STATE_COLOURS
from tests.conftest import login
from tests.factories.actions import make_action
from workflows.context_processors import task_navigation

pytestmark = pytest.mark.django_db


def render(source: str, **context) -> str:
    return Template("{% load status_tags %}" + source).render(Context(context))


# -- tags ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("state", "css"),
    [
        (S.ASSIGNED, "govuk-tag govuk-tag--purple"),
        (S.IN_PROGRESS, "govuk-tag"),
        (S.EVIDENCE_SUBMITTED, "govuk-tag govuk-tag--yellow"),
        (S.RETURNED, "govuk-tag govuk-tag--orange"),
        (S.ACCEPTED, "govuk-tag govuk-tag--teal"),
        (S.SIGNED_OFF, "govuk-tag govuk-tag--green"),
        (S.LEARNING_CHECK_DUE, "govuk-tag govuk-tag--yellow"),
        (S.EMBEDDED, "govuk-tag govuk-tag--green"),
        (S.PARTLY_EMBEDDED, "govuk-tag govuk-tag--orange"),
        (S.NOT_EMBEDDED, "govuk-tag govuk-tag--red"),
        (S.CANCELLED, "govuk-tag govuk-tag--grey"),
    ],
)
def test_each_state_has_its_colour_and_its_words(state, css):
    html = render("{% state_tag value label %}", value=state.value, label=state.label)
    assert html == f'<strong class="{css}">{state.label}</strong>'


def test_every_state_of_every_loop_and_rag_is_mapped():
    from audits.models import AuditState, FormState
    from challenge_log.models import ChallengeState
    from improvement_plan.models import PlanState

    loops = (S, AuditState, FormState, ChallengeState, PlanState)
    assert set(STATE_COLOURS) == set().union(*(set(states.values) for states in loops))
    assert set(RAG_TAGS) == set(Rag.values)
    assert set(STATE_COLOURS.values()) > {"grey"}  # not all grey


@pytest.mark.parametrize(
    ("rag", "css", "words"),
    [
        ("red", "govuk-tag govuk-tag--red", "Overdue"),
        ("amber", "govuk-tag govuk-tag--orange", "Due soon"),
        ("green", "govuk-tag govuk-tag--green", "On track"),
        ("complete", "govuk-tag", "Complete"),
        ("cancelled", "govuk-tag govuk-tag--grey", "Cancelled"),
    ],
)
def test_each_rag_has_its_colour_and_its_words(rag, css, words):
    assert render("{% rag_tag rag %}", rag=rag) == f'<strong class="{css}">{words}</strong>'


def test_a_record_gives_its_state_and_label_and_words_are_escaped(alice, manager, agency_a):
    action = make_action(agency=agency_a, lead=alice, by=manager)
    assert render("{% state_tag a %}", a=action) == (
        '<strong class="govuk-tag govuk-tag--purple">Assigned</strong>'
    )
    assert render("{% state_tag s %}", s="<b>odd_state</b>") == (
        '<strong class="govuk-tag govuk-tag--grey">&lt;b&gt;odd state&lt;/b&gt;</strong>'
    )


def tags(html: str) -> list[str]:
    return re.findall(r'<strong class="(govuk-tag[^"]*)">([^<]*)</strong>', html)


def test_the_action_page_and_lists_show_coloured_tags(alice, manager, agency_a):
    action = make_action(agency=agency_a, lead=alice, by=manager, reference="LM1.1")
    client = login(alice)
    page = client.get(action.get_absolute_url()).content.decode()
    assert ("govuk-tag govuk-tag--green", "On track") in tags(page)
    assert ("govuk-tag govuk-tag--purple", "Assigned") in tags(page)
    listing = client.get(reverse("actions:list")).content.decode()
    assert ("govuk-tag govuk-tag--purple", "Assigned") in tags(listing)
    assert ("govuk-tag govuk-tag--green", "On track") in tags(listing)


def test_a_cancelled_action_says_cancelled_once(alice, manager, agency_a):
    action = make_action(agency=agency_a, lead=alice, by=manager, reference="LM1.1")
    services.action_cancel(action=action, by=manager, reason="Merged into LM1.2")
    page = login(manager).get(action.get_absolute_url()).content.decode()
    heading = page.split("</h1>")[1].split('<div class="govuk-grid-row">')[0]
    assert tags(heading) == [("govuk-tag govuk-tag--grey", "Cancelled")]


# -- names --------------------------------------------------------------------------------
def test_an_action_is_named_by_its_reference_never_its_id(alice, manager, agency_a):
    action = make_action(agency=agency_a, lead=alice, by=manager, reference="LM1.1")
    assert str(action) == "Action LM1.1"
    agency_a.short_name = "CSC"
    agency_a.save()
    unnumbered = make_action(
        agency=agency_a,
        lead=alice,
        by=manager,
        description="Audit the neglect pathway with the schools and health visitors",
    )
    unnumbered.refresh_from_db()
    assert str(unnumbered) == "Action for CSC: Audit the neglect pathway with the…"
    page = login(alice).get(unnumbered.get_absolute_url()).content.decode()
    assert "<title>Action for CSC: Audit the neglect pathway with the… \N{EN DASH}" in page
    assert f"#{unnumbered.pk}" not in page.split("<main")[1]


# -- Team tasks in the navigation ----------------------------------------------------------
def nav(client) -> str:
    html = client.get(reverse("agencies:list")).content.decode()
    return html.split('aria-label="Menu"')[1].split("</nav>")[0]


def test_team_tasks_is_in_the_navigation_of_those_who_may_reassign(alice, manager, bob, amy):
    team = reverse("workflows:team")
    for person in (alice, manager):  # an agency lead; the partnership manager
        assert f'href="{team}"' in nav(login(person)), person
        assert login(person).get(team).status_code == 200
    for person in (bob, amy):  # a practitioner, an auditor: the page is a 403 for them
        assert f'href="{team}"' not in nav(login(person)), person
        assert login(person).get(team).status_code == 403


def test_the_team_tasks_link_is_current_on_its_page(alice):
    html = login(alice).get(reverse("workflows:team")).content.decode()
    assert re.search(
        rf'href="{reverse("workflows:team")}" aria-current="page"><strong[^>]*>Team tasks', html
    )


def test_the_navigation_reads_it_once_and_only_when_asked(alice):
    request = RequestFactory().get("/")
    request.user = alice
    with CaptureQueriesContext(connection) as unused:
        context = task_navigation(request)
    assert len(unused) == 0  # nothing read until a page asks
    with CaptureQueriesContext(connection) as first:
        assert bool(context["manages_tasks"]) is True
    assert len(first) <= 5  # the grants stamp, the permission cache and the grants, once
    with CaptureQueriesContext(connection) as again:
        assert bool(context["manages_tasks"]) is True
        assert bool(task_navigation(request)["manages_tasks"]) is True
    assert len(again) == 0


# -- the import page counts its problems in words -----------------------------------------
HEADER = "Review,Recommendation no.,Recommendation,Action ref,Action,Agency,Lead,Target date\n"


def import_text(manager, rows: list[str]) -> str:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("plan.csv", (HEADER + "".join(rows)).encode(), "text/csv")
    page = login(manager).post(reverse("actions:import"), {"plan": upload})
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.content.decode()))


def test_one_problem_is_this_problem_and_two_are_these_2_problems(manager, agency_a, alice):
    from tests.factories.actions import make_recommendation, make_review

    review = make_review(lead_agency=agency_a)
    make_recommendation(review, 1, "Share information")
    good = f"{review.title},1,,1.1,Train staff,{agency_a.name},alice,31/03/2027\n"
    bad = f"No such review,1,,1.2,Train staff,{agency_a.name},alice,31/03/2027\n"
    one = import_text(manager, [good, bad])
    assert "Correct this problem in the spreadsheet" in one and "these 1" not in one
    two = import_text(manager, [bad, bad.replace("1.2", "1.3")])
    assert "Correct these 2 problems in the spreadsheet" in two
    assert "The row can be imported" in import_text(manager, [good])
