"""A form submitted twice (a double click, a resubmitted page) does its work once: every
state-changing form of the pages carries a one-time token, and the second post of it is
sent where the first went with a plain message ("You already submitted this: ...", "This
step was already taken: you signed off ... at 3:04pm."), never "Someone else changed this
record" for the same person's own first click. Two posts at the same moment: exactly one
does the work (PostgreSQL, below)."""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest
from django.db import connection, connections
from django.urls import reverse
from django_fsm_log.models import StateLog

from actions import services
from actions.models import Action, ActionChange, EvidenceItem, ProgressUpdate
from actions.models import ActionState as S
from core.models import FormSubmission
from core.submissions import ALREADY_SUBMITTED, ALREADY_TAKEN, field_name
from core.transitions import CONCURRENT_CHANGE
from scr.models import Recommendation, Review
from tests.conftest import login
from tests.factories import in_days, walk_to
from tests.factories.actions import make_action, make_recommendation, make_review
from workflows.base import open_tasks
from workflows.services import task_release

AT = r"at \d{1,2}:\d\d[ap]m\."


def token_on(response, prefix: str | None = None) -> str:
    """The one-time token of the form with ``prefix`` on the page."""
    name = re.escape(field_name(prefix))
    match = re.search(rf'name="{name}" value="([A-Za-z0-9_-]+)"', response.content.decode())
    assert match, f"no {field_name(prefix)} on the page"
    return match.group(1)


def tokens_on(response) -> list[str]:
    return re.findall(r'name="[\w-]*submission_token" value="([^"]+)"', response.content.decode())


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def date_fields(prefix: str, value: date) -> dict[str, str]:
    return {
        f"{prefix}_0": str(value.day),
        f"{prefix}_1": str(value.month),
        f"{prefix}_2": str(value.year),
    }


def step_url(action, step: str) -> str:
    return reverse("actions:step", args=[action.pk, step])


@pytest.fixture
def review(agency_a):
    return make_review(lead_agency=agency_a)


@pytest.fixture
def action(alice, manager, agency_a, review):
    return make_action(
        agency=agency_a, lead=alice, by=manager, source=make_recommendation(review), reference="1.1"
    )


@pytest.fixture
def accepted(action, alice, li):
    return walk_to(action, S.ACCEPTED, li=li)


def new_action_url(agency) -> tuple[str, int]:
    """The new action page for a recommendation (issue 9: never for nothing)."""
    rec = make_recommendation(make_review(lead_agency=agency))
    return reverse("actions:create") + f"?recommendation={rec.pk}", rec.pk


def new_action_data(agency, lead, token: str, rec: int) -> dict[str, str]:
    return {
        "recommendation": str(rec),
        "agency": str(agency.pk),
        "lead": str(lead.pk),
        "description": "Audit ten cases",
        "reference": "9.1",
        **date_fields("target_date", in_days(90)),
        "submission_token": token,
    }


# -- actions --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_double_posted_new_action_is_created_once(manager, alice, agency_a):
    client = login(manager)
    url, rec = new_action_url(agency_a)
    token = token_on(client.get(url))
    data = new_action_data(agency_a, alice, token, rec)
    first = client.post(url, data)
    assert first.status_code == 302
    action = Action.objects.get()
    assert first["Location"] == action.get_absolute_url()

    second = client.post(url, data, follow=True)
    assert second.redirect_chain == [(action.get_absolute_url(), 302)]
    assert re.search(
        rf"{ALREADY_SUBMITTED}: {re.escape(str(action))} was created {AT}",
        text_of(second),
    )
    assert Action.objects.count() == 1


@pytest.mark.django_db
def test_a_double_clicked_sign_off_says_the_step_was_already_taken(accepted, alice):
    client = login(alice)
    token = token_on(client.get(accepted.get_absolute_url()), "sign_off")
    data = {"sign_off-note": "", "sign_off-submission_token": token, "confirm": "yes"}
    assert client.post(step_url(accepted, "sign_off"), data).status_code == 302

    second = client.post(step_url(accepted, "sign_off"), data, follow=True)
    assert second.redirect_chain == [(accepted.get_absolute_url(), 302)]
    text = text_of(second)
    assert re.search(rf"{ALREADY_TAKEN}: you signed off {re.escape(str(accepted))} {AT}", text)
    assert CONCURRENT_CHANGE not in text and services.NOT_ACCEPTED not in text
    assert "There is a problem" not in text  # said plainly, not as an error
    accepted.refresh_from_db()
    assert accepted.state == S.SIGNED_OFF
    assert StateLog.objects.for_(accepted).filter(transition="sign_off").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("step", "fields", "count"),
    [
        (
            "progress",
            {"progress-text": "Training booked"},
            lambda a: ProgressUpdate.objects.filter(action=a).count(),
        ),
        (
            "evidence",
            {"evidence-description": "Register"},
            lambda a: EvidenceItem.objects.filter(action=a).count(),
        ),
    ],
    ids=["progress", "evidence"],
)
def test_a_double_posted_update_is_saved_once(action, alice, step, fields, count):
    """Progress updates and evidence may be added again and again: without the token a
    double click saved two identical ones."""
    walk_to(action, S.IN_PROGRESS)
    client = login(alice)
    data = {
        **fields,
        f"{step}-submission_token": token_on(client.get(action.get_absolute_url()), step),
    }
    assert client.post(step_url(action, step), data).status_code == 302
    second = client.post(step_url(action, step), data, follow=True)
    assert f"{ALREADY_SUBMITTED}: your" in text_of(second)
    assert count(action) == 1


@pytest.mark.django_db
def test_a_double_posted_cancel_says_it_was_already_taken(action, manager):
    client = login(manager)
    data = {
        "cancel-reason": "Duplicate",
        "confirm": "yes",
        "cancel-submission_token": token_on(client.get(action.get_absolute_url()), "cancel"),
    }
    client.post(step_url(action, "cancel"), data)
    second = client.post(step_url(action, "cancel"), data, follow=True)
    text = text_of(second)
    assert f"{ALREADY_TAKEN}: you cancelled {action}" in text
    assert services.ALREADY_CLOSED not in text
    assert StateLog.objects.for_(action).filter(transition="cancel").count() == 1


@pytest.mark.django_db
def test_every_step_form_and_action_form_carries_its_own_token(action, alice, manager):
    walk_to(action, S.IN_PROGRESS)
    page = login(alice).get(action.get_absolute_url())
    names = re.findall(r'name="([\w-]*submission_token)"', page.content.decode())
    assert names == [
        "progress-submission_token",
        "evidence-submission_token",
        "submit-submission_token",
        "ask_extension-submission_token",
    ]
    assert len(set(tokens_on(page))) == 4
    client = login(manager)
    assert len(tokens_on(client.get(action.get_absolute_url()))) >= 1  # cancel
    for url in (
        reverse("actions:create") + f"?recommendation={action.source_object_id}",
        reverse("actions:edit", args=[action.pk]),
    ):
        assert len(tokens_on(client.get(url))) == 1, url


@pytest.mark.django_db
def test_a_form_with_errors_keeps_its_token_until_it_succeeds(action, alice):
    walk_to(action, S.IN_PROGRESS)
    client = login(alice)
    token = token_on(client.get(action.get_absolute_url()), "progress")
    bad = client.post(
        step_url(action, "progress"), {"progress-text": "", "progress-submission_token": token}
    )
    assert bad.status_code == 400
    assert token_on(bad, "progress") == token  # the re-rendered form: the same token
    assert token_on(bad, "evidence") != token  # the page's other forms: their own
    assert not FormSubmission.objects.exists()

    data = {"progress-text": "Booked", "progress-submission_token": token}
    ok = client.post(step_url(action, "progress"), data, follow=True)
    assert "Progress update saved." in text_of(ok)
    again = client.post(step_url(action, "progress"), data, follow=True)
    assert f"{ALREADY_SUBMITTED}: your progress update" in text_of(again)
    assert ProgressUpdate.objects.filter(action=action).count() == 1


@pytest.mark.django_db
def test_a_refused_change_leaves_the_token_for_the_corrected_form(action, manager):
    """A service's refusal ("Nothing has changed") is shown on the form; the same form,
    corrected, still goes through once."""
    client = login(manager)
    url = reverse("actions:edit", args=[action.pk])
    token = token_on(client.get(url))
    data = {
        "description": action.description,
        "lead": str(action.lead_id),
        **date_fields("target_date", action.target_date),
        "reason": "Checking",
        "submission_token": token,
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert token_on(refused) == token
    data.update(date_fields("target_date", action.target_date + timedelta(days=30)))
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert f"{ALREADY_SUBMITTED}: the details of {action} were changed" in text_of(again)
    assert ActionChange.objects.filter(action=action).count() == 1


@pytest.mark.django_db
def test_a_token_is_only_its_users(accepted, alice, agency_a):
    """Another user sending a token someone used is not told what they did: their post
    is handled on its own (here: the action is signed off already)."""
    from agencies.models import Role
    from tests.factories import member

    alex = member(agency_a, Role.AGENCY_LEAD, "alex")
    client = login(alice)
    token = token_on(client.get(accepted.get_absolute_url()), "sign_off")
    data = {"sign_off-note": "", "sign_off-submission_token": token, "confirm": "yes"}
    client.post(step_url(accepted, "sign_off"), data)
    other = login(alex).post(step_url(accepted, "sign_off"), data, follow=True)
    text = text_of(other)
    assert "you signed off" not in text and services.NOT_ACCEPTED in text


@pytest.mark.django_db
@pytest.mark.parametrize("sent", ["x" * 5000, '"><script>', "a b"], ids=["long", "markup", "space"])
def test_a_forged_token_is_no_token(action, alice, sent):
    walk_to(action, S.IN_PROGRESS)
    data = {"progress-text": "Booked", "progress-submission_token": sent}
    assert login(alice).post(step_url(action, "progress"), data).status_code == 302
    assert not FormSubmission.objects.exists()


# -- the import -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_double_posted_import_imports_once(manager, alice, agency_a, review):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(manager)
    plan = (
        "Review,Recommendation no.,Recommendation,Action ref,Action,Agency,Lead,Target date\n"
        f"{review.title},1,Share,1.5,Train staff,{agency_a.name},alice,31/03/2027\n"
    ).encode()
    checked = client.post("/actions/import/", {"plan": SimpleUploadedFile("plan.csv", plan)})
    import_token = re.search(r'name="token" value="(\w+)"', checked.content.decode()).group(1)
    data = {"token": import_token, "step": "import", "submission_token": token_on(checked)}
    assert client.post("/actions/import/", data).status_code == 200
    second = client.post("/actions/import/", data, follow=True)
    assert second.redirect_chain == [(reverse("actions:list"), 302)]
    assert f"{ALREADY_SUBMITTED}: the action plan plan.csv was imported (1 action created)" in (
        text_of(second)
    )
    assert Action.objects.filter(reference="1.5").count() == 1


# -- reviews and recommendations ------------------------------------------------------------
@pytest.mark.django_db
def test_a_double_posted_review_and_recommendation_are_added_once(manager):
    client = login(manager)
    data = {"kind": "scr", "title": "Child P review", "pseudonym": "Child P"}
    data["submission_token"] = token_on(client.get(reverse("scr:create")))
    client.post(reverse("scr:create"), data)
    again = client.post(reverse("scr:create"), data, follow=True)
    assert f"{ALREADY_SUBMITTED}: the review Child P review was added" in text_of(again)
    review = Review.objects.get()

    url = reverse("scr:recommendation-add", args=[review.pk])
    rec = {
        "rec-number": "1",
        "rec-text": "Share",
        "rec-submission_token": token_on(client.get(url), "rec"),
    }
    client.post(url, rec)
    again = client.post(url, rec, follow=True)
    assert again.redirect_chain == [(review.get_absolute_url(), 302)]
    assert f"{ALREADY_SUBMITTED}: recommendation 1 was added to Child P review" in text_of(again)
    assert Recommendation.objects.count() == 1


@pytest.mark.django_db
def test_a_double_posted_recommendation_change_is_made_once(manager, review):
    rec = make_recommendation(review)
    client = login(manager)
    url = reverse("scr:recommendation-edit", args=[review.pk, rec.pk])
    data = {"rec-number": "1", "rec-text": "Share more", "rec-reason": "Typo"}
    data["rec-submission_token"] = token_on(client.get(url), "rec")
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert f"{ALREADY_SUBMITTED}: recommendation 1 was updated" in text_of(again)
    assert review.changes.count() == 1


# -- tasks ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_double_clicked_pick_up_and_release_say_so(action, alice):
    task = open_tasks(action).get()
    task_release(task=task, by=alice)  # it opens held by its lead (issue 9)
    client = login(alice)
    home = client.get("/")
    data = {"next": "/", "submission_token": token_on(home)}
    assert client.post(f"/tasks/{task.pk}/claim/", data).status_code == 302
    again = client.post(f"/tasks/{task.pk}/claim/", data, follow=True)
    assert f"{ALREADY_TAKEN}: you picked up “{task.title}”" in again.content.decode()

    data = {"next": "/", "submission_token": token_on(client.get("/"))}
    client.post(f"/tasks/{task.pk}/release/", data)
    again = client.post(f"/tasks/{task.pk}/release/", data, follow=True)
    assert (
        f"{ALREADY_TAKEN}: you released “{task.title}” back to the queue" in again.content.decode()
    )


@pytest.mark.django_db
def test_a_double_posted_reassign_is_made_once(action, alice, manager, agency_a):
    from agencies.models import Role
    from tests.factories import member

    alex = member(agency_a, Role.AGENCY_LEAD, "alex")
    task = open_tasks(action).get()
    client = login(manager)
    url = f"/tasks/{task.pk}/reassign/"
    data = {"assignee": str(alex.pk), "submission_token": token_on(client.get(url))}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert f"{ALREADY_SUBMITTED}: “{task.title}” was reassigned to" in again.content.decode()


# -- two at the same moment (PostgreSQL) ----------------------------------------------------
def _at_once(posts) -> list:
    """Run each ``post()`` in its own thread, released together."""
    barrier = threading.Barrier(len(posts))
    responses: list = []

    def run(post) -> None:
        try:
            barrier.wait(timeout=10)
            responses.append(post())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(p,)) for p in posts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return responses


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_posts_of_a_new_action_at_the_same_moment_create_one(manager, alice, agency_a):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks: runs in the PostgreSQL pass of make test")
    url, rec = new_action_url(agency_a)
    token = token_on(login(manager).get(url))
    data = new_action_data(agency_a, alice, token, rec)
    clients = [login(manager), login(manager)]  # two workers
    responses = _at_once([lambda c=c: c.post(url, data) for c in clients])
    assert [r.status_code for r in responses] == [302, 302]
    action = Action.objects.get()
    assert {r["Location"] for r in responses} == {action.get_absolute_url()}
    assert FormSubmission.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sign_off_clicks_at_the_same_moment_sign_off_once(accepted, alice):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks: runs in the PostgreSQL pass of make test")
    from django.contrib.messages import get_messages

    token = token_on(login(alice).get(accepted.get_absolute_url()), "sign_off")
    data = {"sign_off-note": "", "sign_off-submission_token": token, "confirm": "yes"}
    clients = [login(alice), login(alice)]
    responses = _at_once(
        [lambda c=c: c.post(step_url(accepted, "sign_off"), data) for c in clients]
    )
    said = sorted(str(m) for r in responses for m in get_messages(r.wsgi_request))
    assert said[0] == "Action signed off."
    assert said[1].startswith(f"{ALREADY_TAKEN}: you signed off {accepted}")
    assert len(said) == 2
    accepted.refresh_from_db()
    assert accepted.state == S.SIGNED_OFF
    assert StateLog.objects.for_(accepted).filter(transition="sign_off").count() == 1
