"""Every declared step of an action (``actions.steps.ACTION_STEPS``), on the pages and in
the API, checks who may take it before it reads the input: a practitioner posting an
empty or malformed body gets 404 for another agency's action and 403 for their own
agency's, never a 400 naming a field; and nothing changes. The page's "What you can do
next", the page POST and the API all come from the one declaration."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_fsm_log.models import StateLog
from rest_framework.test import APIClient

from actions.models import ActionState as S
from actions.models import EvidenceItem, LearningCheck, ProgressUpdate
from actions.steps import ACTION_STEPS
from agencies.models import Role
from tests.conftest import login
from tests.factories import member
from tests.factories.actions import make_action, walk_to


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def api_url(action, step) -> str:
    return f"/api/v1/actions/{action.pk}/{step.api_path}/"


def page_url(action, step) -> str:
    return reverse("actions:step", args=[action.pk, step.name])


# Bodies that are empty, of the wrong shape, of the wrong types, or not JSON at all:
# (data, format or content type).
API_BODIES: list[tuple[Any, str]] = [
    ({}, "json"),
    ([], "json"),
    (None, "json"),
    ({"note": {"x": 1}, "text": [], "reason": 7, "method": "nonsense", "verdict": None}, "json"),
    ({"description": "", "file": "not a file", "evidence": "x" * 5000}, "json"),
    ("{not json", "application/json"),
    ("\x00\xff garbage", "text/plain"),
    ({"file": SimpleUploadedFile("x.exe", b"MZ\x90\x00"), "description": ""}, "multipart"),
]


def page_bodies(step) -> list[dict]:
    return [
        {},
        {f"{step.name}-{field}": "" for field in step.form.base_fields},
        {f"{step.name}-{field}": "x" * 5000 for field in step.form.base_fields},
        {f"{step.name}-method": "nonsense", f"{step.name}-verdict": "nonsense"},
        {f"{step.name}-submission_token": "!!"},
        {f"{step.name}-file": SimpleUploadedFile("x.exe", b"MZ\x90\x00")},
    ]


def post_api(client, action, step, body, kind):
    if kind in ("json", "multipart"):
        return client.post(api_url(action, step), body, format=kind)
    return client.post(api_url(action, step), body, content_type=kind)


def counts(*actions) -> tuple:
    return (
        tuple(a.__class__.objects.get(pk=a.pk).state for a in actions),
        StateLog.objects.count(),
        ProgressUpdate.objects.count(),
        EvidenceItem.objects.count(),
        LearningCheck.objects.exclude(verdict="").count(),
    )


@pytest.fixture
def bea(agency_b):
    return member(agency_b, Role.PRACTITIONER, "bea")


@pytest.fixture(params=[S.ASSIGNED, S.IN_PROGRESS, S.LEARNING_CHECK_DUE])
def actions(request, agency_a, agency_b, alice, charlie, manager, li):
    """An action of agency A (alice's) and one of agency B (charlie's), in one state."""
    own = make_action(agency=agency_a, lead=alice, by=manager)
    other = make_action(agency=agency_b, lead=charlie, by=manager)
    for action, lead in ((own, alice), (other, charlie)):
        walk_to(action, request.param, lead=lead, li=li, manager=manager)
    return own, other


@pytest.mark.django_db
def test_api_every_step_is_404_for_another_agency_and_403_for_ones_own(actions, bob):
    own, other = actions
    before = counts(own, other)
    client = api(bob)
    assert len(ACTION_STEPS) == 11
    for step in ACTION_STEPS.values():
        for body, kind in API_BODIES:
            r = post_api(client, other, step, body, kind)
            assert r.status_code == 404, (step.name, body, r.status_code, r.content)
            r = post_api(client, own, step, body, kind)
            assert r.status_code == 403, (step.name, body, r.status_code, r.content)
            assert r.json()["detail"] == step.forbidden
    assert counts(own, other) == before


@pytest.mark.django_db
def test_pages_every_step_is_404_for_another_agency_and_403_for_ones_own(actions, bob):
    own, other = actions
    before = counts(own, other)
    client = login(bob)
    for step in ACTION_STEPS.values():
        for body in page_bodies(step):
            r = client.post(page_url(other, step), body)
            assert r.status_code == 404, (step.name, body, r.status_code)
            r = client.post(page_url(own, step), body)
            assert r.status_code == 403, (step.name, body, r.status_code)
            assert b"There is a problem" not in r.content
        # a body that is not a form at all
        r = client.post(page_url(own, step), "{not json", content_type="application/json")
        assert r.status_code == 403
    assert counts(own, other) == before


@pytest.mark.django_db
def test_a_practitioner_of_another_agency_is_404_everywhere(actions, bea):
    own, _ = actions  # agency A's action; bea is a practitioner of agency B
    for step in ACTION_STEPS.values():
        assert post_api(api(bea), own, step, {}, "json").status_code == 404
        assert login(bea).post(page_url(own, step), {}).status_code == 404


@pytest.mark.django_db
def test_who_may_take_the_step_gets_to_the_body(agency_a, alice, manager, li):
    """The control: for someone permitted, the body is read (400 naming the field) or
    the state refuses (409); the step is never refused for who they are."""
    action = make_action(agency=agency_a, lead=alice, by=manager)
    walk_to(action, S.IN_PROGRESS, lead=alice)
    r = api(alice).post(api_url(action, ACTION_STEPS["progress"]), {}, format="json")
    assert r.status_code == 400 and "text" in r.json()
    r = api(alice).post(api_url(action, ACTION_STEPS["sign_off"]), {}, format="json")
    assert r.status_code == 409
    r = api(li).post(api_url(action, ACTION_STEPS["learning_check"]), {}, format="json")
    assert r.status_code == 400 and {"method", "evidence", "verdict"} <= set(r.json())


# -- one declaration -----------------------------------------------------------------------
@pytest.mark.django_db
def test_the_page_offers_what_the_declaration_offers(agency_a, alice, manager, li):
    action = make_action(agency=agency_a, lead=alice, by=manager)
    for state, user, names in [
        (S.ASSIGNED, alice, ["start", "ask_extension"]),
        (S.ASSIGNED, manager, ["cancel"]),
        (S.IN_PROGRESS, alice, ["progress", "evidence", "submit", "ask_extension"]),
        (S.EVIDENCE_SUBMITTED, li, ["accept", "return"]),
        (S.ACCEPTED, alice, ["sign_off", "ask_extension"]),
        (S.LEARNING_CHECK_DUE, li, ["learning_check"]),
    ]:
        walk_to(action, state, lead=alice, li=li, manager=manager)
        assert [s.name for s in ACTION_STEPS.offered(action, user)] == names
        page = login(user).get(action.get_absolute_url())
        assert [next.step.name for next in page.context["next_steps"]] == names
        html = page.content.decode()
        for name in names:
            assert f'action="{page_url(action, ACTION_STEPS[name])}"' in html
            assert f">{ACTION_STEPS[name].button}</button>" in html


def test_every_step_has_a_page_route_and_an_api_route():
    for step in ACTION_STEPS.values():
        assert reverse("actions:step", args=[1, step.name]) == f"/actions/1/steps/{step.name}/"
        url_name = "action-" + step.api_name.replace("_", "-")
        assert reverse(url_name, args=[1]) == f"/api/v1/actions/1/{step.api_path}/"


@pytest.mark.django_db
def test_a_step_url_opened_in_the_browser_goes_to_the_action(agency_a, alice, charlie, manager):
    action = make_action(agency=agency_a, lead=alice, by=manager)
    for step in ACTION_STEPS.values():
        r = login(alice).get(page_url(action, step))
        assert r.status_code == 302 and r["Location"] == action.get_absolute_url()
        assert login(charlie).get(page_url(action, step)).status_code == 404
    page = login(alice).get(page_url(action, ACTION_STEPS["start"]), follow=True)
    assert "Start work: use its form on this page." in page.content.decode()
    page = login(alice).get(page_url(action, ACTION_STEPS["sign_off"]), follow=True)
    assert ACTION_STEPS["sign_off"].refused_for(action) in page.content.decode()


@pytest.mark.django_db
def test_a_cleared_or_empty_file_is_no_file(agency_a, alice, manager):
    """The evidence form's "clear" box (the file input sends False) and an empty file
    field in the API add evidence without a file, never a 500."""
    action = make_action(agency=agency_a, lead=alice, by=manager)
    walk_to(action, S.IN_PROGRESS, lead=alice)
    step = ACTION_STEPS["evidence"]
    body = {"evidence-description": "Register", "evidence-file-clear": "on"}
    assert login(alice).post(page_url(action, step), body).status_code == 302
    for data, kind in (
        ({"description": "Minutes", "file": ""}, "multipart"),
        ({"description": "Notes", "file": None}, "json"),
    ):
        r = post_api(api(alice), action, step, data, kind)
        assert r.status_code in (201, 400), (kind, r.status_code, r.content)
    assert not EvidenceItem.objects.filter(action=action).exclude(file="").exists()
    assert EvidenceItem.objects.filter(action=action, description="Register").exists()
