"""The task pages: claim, release and reassign. A refused step is an error message on
the page, a forbidden one a 403, a task of another agency a 404; never a 500 (the test
client re-raises any exception a view lets through)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from actions.models import ActionState as S
from core.transitions import TransitionRefused
from tests.factories import walk_to
from workflows import services


def url(task, step: str = "") -> str:
    return f"/tasks/{task.pk}/{step + '/' if step else ''}"


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def owner(task) -> str | None:
    task.refresh_from_db()
    return task.owner.username if task.owner_id else None


# -- sign-in and method ----------------------------------------------------------------
@pytest.mark.parametrize("step", ["", "claim", "release", "reassign"])
def test_pages_need_sign_in(client, task_a, step):
    response = client.post(url(task_a, step)) if step else client.get(url(task_a))
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


@pytest.mark.parametrize("step", ["claim", "release"])
def test_claim_and_release_are_post_only(task_a, alice, as_user, step):
    assert as_user(alice).get(url(task_a, step)).status_code == 405


def test_task_page_redirects_to_its_record(task_a, action_a, alice, as_user):
    response = as_user(alice).get(url(task_a))
    assert response.status_code == 302
    assert response["Location"] == action_a.get_absolute_url()


# -- claim ----------------------------------------------------------------------------
def test_claim(task_a, alice, as_user):
    response = as_user(alice).post(url(task_a, "claim"), {"next": "/agencies/"})
    assert response.status_code == 302
    assert response["Location"] == "/agencies/"
    assert owner(task_a) == "alice"
    assert texts(response) == ["You have picked up “Do the work and submit evidence”."]


def test_claim_ignores_a_next_that_leaves_the_site(task_a, alice, as_user):
    response = as_user(alice).post(url(task_a, "claim"), {"next": "//evil.example/"})
    assert response["Location"] == "/"


def test_claiming_a_claimed_task_shows_an_error_and_changes_nothing(task_a, alice, alex, as_user):
    services.task_claim(task=task_a, by=alex)
    response = as_user(alice).post(url(task_a, "claim"), follow=True)
    assert response.status_code == 200
    assert services.TASK_ALREADY_TAKEN in response.content.decode()
    assert owner(task_a) == "alex"


def test_claiming_a_finished_task_shows_an_error(task_a, action_a, alice, as_user):
    walk_to(action_a, S.EVIDENCE_SUBMITTED, lead=alice)
    response = as_user(alice).post(url(task_a, "claim"))
    assert texts(response) == [services.TASK_NOT_OPEN]


def test_claim_without_the_permission_is_403(task_a, bob, as_user):
    assert as_user(bob).post(url(task_a, "claim")).status_code == 403
    assert owner(task_a) is None


def test_claim_of_another_agencys_task_is_404(task_a, charlie, as_user):
    assert as_user(charlie).post(url(task_a, "claim")).status_code == 404
    assert as_user(charlie).get(url(task_a)).status_code == 404
    assert owner(task_a) is None


# -- release ----------------------------------------------------------------------------
def test_release(task_a, alice, as_user):
    services.task_claim(task=task_a, by=alice)
    response = as_user(alice).post(url(task_a, "release"))
    assert response.status_code == 302
    assert owner(task_a) is None
    task_a.refresh_from_db()
    assert task_a.status == STATUS.NEW


def test_a_manager_of_the_agency_may_release_someone_elses_task(task_a, alice, mo, as_user):
    services.task_claim(task=task_a, by=alice)
    as_user(mo).post(url(task_a, "release"))
    assert owner(task_a) is None


def test_releasing_someone_elses_task_is_403(task_a, alice, bob, as_user):
    services.task_claim(task=task_a, by=alice)
    assert as_user(bob).post(url(task_a, "release")).status_code == 403
    assert owner(task_a) == "alice"


def test_releasing_an_unclaimed_task_shows_an_error(task_a, alice, as_user):
    response = as_user(alice).post(url(task_a, "release"))
    assert response.status_code == 302
    assert texts(response) == [services.TASK_NOT_OPEN]


def test_release_of_another_agencys_task_is_404(task_a, alice, charlie, as_user):
    services.task_claim(task=task_a, by=alice)
    assert as_user(charlie).post(url(task_a, "release")).status_code == 404
    assert owner(task_a) == "alice"


# -- reassign ----------------------------------------------------------------------------
def test_reassign_form_lists_the_people_who_can_take_the_task(
    task_a, alice, alex, bob, mo, as_user
):
    response = as_user(mo).get(url(task_a, "reassign"))
    assert response.status_code == 200
    people = dict(response.context["form"].fields["assignee"].choices)
    assert set(people) == {alice.pk, alex.pk}  # not bob (practitioner), not mo (manager)


def test_a_manager_of_the_agency_reassigns(task_a, alice, alex, mo, as_user):
    services.task_claim(task=task_a, by=alice)
    response = as_user(mo).post(url(task_a, "reassign"), {"assignee": alex.pk})
    assert response.status_code == 302
    assert owner(task_a) == "alex"


def test_the_partnership_manager_reassigns(task_a, alex, manager, as_user):
    as_user(manager).post(url(task_a, "reassign"), {"assignee": alex.pk})
    assert owner(task_a) == "alex"


@pytest.mark.parametrize("method", ["get", "post"])
def test_reassign_by_someone_who_is_not_a_manager_is_403(task_a, alice, alex, bob, method, as_user):
    services.task_claim(task=task_a, by=alice)
    client = as_user(bob)
    response = getattr(client, method)(url(task_a, "reassign"), {"assignee": alex.pk})
    assert response.status_code == 403
    assert owner(task_a) == "alice"


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_manager_of_another_agency_gets_404(task_a, alex, mike, method, as_user):
    response = getattr(as_user(mike), method)(url(task_a, "reassign"), {"assignee": alex.pk})
    assert response.status_code == 404
    assert owner(task_a) is None


def test_reassign_without_a_choice_shows_the_error_summary(task_a, mo, as_user):
    response = as_user(mo).post(url(task_a, "reassign"), {})
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "Choose who should take this task" in page
    assert owner(task_a) is None


def test_reassign_to_someone_not_offered_is_refused(task_a, charlie, mo, as_user):
    response = as_user(mo).post(url(task_a, "reassign"), {"assignee": charlie.pk})
    assert response.status_code == 400
    assert owner(task_a) is None


def test_reassigning_a_finished_task_is_refused_on_the_page(
    task_a, action_a, alice, alex, mo, as_user
):
    walk_to(action_a, S.EVIDENCE_SUBMITTED, lead=alice)
    response = as_user(mo).post(url(task_a, "reassign"), {"assignee": alex.pk})
    assert response.status_code == 400
    assert services.TASK_NOT_OPEN in response.content.decode()


# -- the services under a stale task (someone acted between loading and the step) ---------
def stale_claimed_then_done(task, action, lead) -> Task:
    services.task_claim(task=task, by=lead)
    stale = Task.objects.get(pk=task.pk)
    walk_to(
        action, S.EVIDENCE_SUBMITTED, lead=lead
    )  # the task is done in the database, ASSIGNED in memory
    return stale


def test_release_of_a_task_done_meanwhile_is_refused_not_a_crash(task_a, action_a, alice):
    stale = stale_claimed_then_done(task_a, action_a, alice)
    with pytest.raises(TransitionRefused, match="finished or cancelled"):
        services.task_release(task=stale, by=alice)


def test_reassign_of_a_task_done_meanwhile_is_refused_not_a_crash(
    task_a, action_a, alice, alex, mo
):
    stale = stale_claimed_then_done(task_a, action_a, alice)
    with pytest.raises(TransitionRefused, match="finished or cancelled"):
        services.task_reassign(task=stale, to=alex, by=mo)


def test_claim_of_a_task_done_meanwhile_says_it_is_finished(task_a, action_a, alice):
    stale = Task.objects.get(pk=task_a.pk)
    walk_to(action_a, S.EVIDENCE_SUBMITTED, lead=alice)  # completing assigns and finishes it
    with pytest.raises(TransitionRefused) as refused:
        services.task_claim(task=stale, by=alice)
    assert refused.value.message == services.TASK_NOT_OPEN
