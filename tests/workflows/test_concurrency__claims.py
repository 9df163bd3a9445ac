"""Several people picking up, releasing or passing on the same task at the same moment, on
PostgreSQL, through real requests (pages and API), each thread on its own database
connection: exactly one wins, every other gets a clear message (the page) or a 409 (the
API), never a 500, and the task ends held by exactly one person (or by no one).

viewflow's own lock takes the process row with ``NOWAIT`` and catches the database error
inside a savepoint nested in the service's transaction, which leaves that transaction
aborted (a 500 for the loser). The services take the process and task rows themselves,
waiting their turn, and decide on the task as it is once they hold it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection, connections
from viewflow.workflow.status import STATUS

from actions.models import ActionState
from agencies.models import Role
from tests.conftest import login
from tests.factories import EvidenceItemFactory, member
from workflows import services

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PEOPLE = 6  # requests racing for the same task in each test


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks: runs in the PostgreSQL pass of make test")


Request = Callable[[], Any]


def race(requests: list[Request]) -> list[tuple[int, str]]:
    """Send every request at once (one thread and one database connection each; each
    request made with its own signed-in client); returns each answer's status and its
    message (the page's flash message, the API's ``detail``, or the page itself). An
    exception a view lets through (a 500) is an answer too."""
    barrier = threading.Barrier(len(requests))
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def go(request: Request) -> None:
        try:
            barrier.wait(timeout=10)
            response = request()
            if response.get("Content-Type", "").startswith("application/json"):
                text = str(response.json().get("detail", "")) if response.status_code != 200 else ""
            elif response.status_code == 302:
                text = " | ".join(m.message for m in get_messages(response.wsgi_request))
            else:
                text = response.content.decode()
            answer = (response.status_code, text)
        except Exception as exc:  # a view that lets an exception through: a 500
            answer = (500, f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=go, args=(r,)) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(answers) == len(requests), "a request never finished"
    return answers


def post(user: Any, url: str, data: dict[str, Any] | None = None) -> Request:
    """A request ``user`` will send: a form post to a page, JSON to the API."""
    client = login(user)
    if url.startswith("/api/"):
        return lambda: client.post(url, data or {}, content_type="application/json")
    return lambda: client.post(url, data or {})


def leads(agency, n: int) -> list[Any]:
    return [member(agency, Role.AGENCY_LEAD, f"lead{i}") for i in range(n)]


def held(task) -> tuple[str, str | None]:
    task.refresh_from_db()
    return task.status, (task.owner.username if task.owner_id else None)


def no_500(answers: list[tuple[int, str]]) -> None:
    assert not [a for a in answers if a[0] >= 500], answers


def task_step(user: Any, task: Any, step: str, *, api: bool, to: Any = None) -> Request:
    """``user`` picking up, releasing or reassigning (to ``to``) ``task``, on its page's
    form or through the API."""
    if api:
        body = {"username": to.username} if step == "reassign" else {}
        return post(user, f"/api/v1/tasks/{task.pk}/{step}/", body)
    return post(user, f"/tasks/{task.pk}/{step}/", {"assignee": to.pk} if to else {})


# -- claim -------------------------------------------------------------------------------
def test_many_pick_up_the_same_task_from_the_page(task_a, agency_a):
    people = leads(agency_a, PEOPLE)
    answers = race([task_step(p, task_a, "claim", api=False) for p in people])
    no_500(answers)
    assert all(status == 302 for status, _ in answers), answers
    won = [text for _, text in answers if text.startswith("You have picked up")]
    assert len(won) == 1, answers
    lost = [text for _, text in answers if not text.startswith("You have picked up")]
    assert lost == [services.TASK_ALREADY_TAKEN] * (PEOPLE - 1), answers
    status, owner = held(task_a)
    assert status == STATUS.ASSIGNED and owner in {p.username for p in people}


def test_many_pick_up_the_same_task_through_the_api(task_a, agency_a):
    people = leads(agency_a, PEOPLE)
    answers = race([task_step(p, task_a, "claim", api=True) for p in people])
    no_500(answers)
    assert sorted(status for status, _ in answers) == [200] + [409] * (PEOPLE - 1), answers
    assert {text for status, text in answers if status == 409} == {services.TASK_ALREADY_TAKEN}
    status, owner = held(task_a)
    assert status == STATUS.ASSIGNED and owner in {p.username for p in people}


# -- release -----------------------------------------------------------------------------
@pytest.fixture
def claimed(task_a, alice):
    services.task_claim(task=task_a, by=alice)
    return task_a


def releasers(alice, agency_a) -> list[Any]:
    """alice (who holds it, from two tabs) and managers of agency A."""
    return [alice, alice] + [
        member(agency_a, Role.MANAGER, f"manager{i}") for i in range(PEOPLE - 2)
    ]


def test_many_release_the_same_task_from_the_page(claimed, alice, agency_a):
    answers = race(
        [task_step(p, claimed, "release", api=False) for p in releasers(alice, agency_a)]
    )
    no_500(answers)
    assert all(status == 302 for status, _ in answers), answers
    won = [text for _, text in answers if text.endswith("is back in the queue.")]
    assert len(won) == 1, answers
    lost = [text for _, text in answers if not text.endswith("is back in the queue.")]
    assert lost == [services.TASK_NOT_OPEN] * (PEOPLE - 1), answers
    assert held(claimed) == (STATUS.NEW, None)


def test_many_release_the_same_task_through_the_api(claimed, alice, agency_a):
    answers = race([task_step(p, claimed, "release", api=True) for p in releasers(alice, agency_a)])
    no_500(answers)
    assert sorted(status for status, _ in answers) == [200] + [409] * (PEOPLE - 1), answers
    assert {text for status, text in answers if status == 409} == {services.TASK_NOT_OPEN}
    assert held(claimed) == (STATUS.NEW, None)


# -- reassign, and everything at once ----------------------------------------------------
@pytest.mark.parametrize("api", [False, True], ids=["pages", "api"])
def test_managers_reassign_the_same_task_at_once(claimed, agency_a, api):
    """Each manager passes the task to someone else: they all may, one after the other;
    none gets a 500 and the task ends with one of the people it was passed to."""
    pairs = [
        (
            member(agency_a, Role.MANAGER, f"manager{i}"),
            member(agency_a, Role.AGENCY_LEAD, f"to{i}"),
        )
        for i in range(PEOPLE)
    ]
    answers = race([task_step(m, claimed, "reassign", api=api, to=to) for m, to in pairs])
    no_500(answers)
    assert [status for status, _ in answers] == [200 if api else 302] * PEOPLE, answers
    if not api:
        assert all(" is now with " in text for _, text in answers), answers
    status, owner = held(claimed)
    assert status == STATUS.ASSIGNED and owner in {to.username for _, to in pairs}


REFUSALS = (services.TASK_ALREADY_TAKEN, services.TASK_NOT_OPEN)


def clear(answers: list[tuple[int, str]], *, api: bool) -> None:
    """Every answer a success, or a refusal that says why (a 409, or on a page the
    message after the redirect, or the reassign form's error)."""
    for status, text in answers:
        if api:
            assert status == 200 or (status == 409 and text in REFUSALS), answers
        else:
            assert status in (302, 400), answers
            assert status == 302 or any(r in text for r in REFUSALS), answers


@pytest.mark.parametrize("api", [False, True], ids=["pages", "api"])
def test_pick_up_release_and_reassign_race_on_one_task(task_a, agency_a, api):
    """Half the people pick the task up while managers pass it on or put it back: every
    answer is a success or a clear refusal, and the task ends in one consistent state."""
    pickers = leads(agency_a, PEOPLE // 2)
    managers = [member(agency_a, Role.MANAGER, f"manager{i}") for i in range(PEOPLE // 2)]
    to = member(agency_a, Role.AGENCY_LEAD, "to")
    answers = race(
        [task_step(p, task_a, "claim", api=api) for p in pickers]
        + [
            task_step(m, task_a, "reassign", api=api, to=to)
            if i % 2
            else task_step(m, task_a, "release", api=api)
            for i, m in enumerate(managers)
        ]
    )
    no_500(answers)
    clear(answers, api=api)
    status, owner = held(task_a)
    assert (status, owner) == (STATUS.NEW, None) or (
        status == STATUS.ASSIGNED and owner in {p.username for p in [*pickers, to]}
    )


# -- the work done while someone passes the task on --------------------------------------
@pytest.mark.parametrize("api", [False, True], ids=["pages", "api"])
def test_evidence_submitted_while_managers_release_and_reassign_the_task(
    claimed, action_a, alice, alex, agency_a, api
):
    """alice submits her evidence (which finishes the work task she holds) at the moment
    managers put the task back in the queue or pass it to alex: her step succeeds, each
    manager's succeeds or is refused clearly, and the work task ends done by alice.
    (``workflows.base.complete_task`` waits for the task's locks too.)"""
    EvidenceItemFactory(action=action_a, description="register")  # work started first
    managers = [member(agency_a, Role.MANAGER, f"manager{i}") for i in range(PEOPLE - 1)]
    if api:
        submit = post(alice, f"/api/v1/actions/{action_a.pk}/submit/")
    else:
        submit = post(alice, f"/actions/{action_a.pk}/steps/submit/", {"submit-note": ""})
    answers = race(
        [submit]
        + [
            task_step(m, claimed, "reassign", api=api, to=alex)
            if i % 2
            else task_step(m, claimed, "release", api=api)
            for i, m in enumerate(managers)
        ]
    )
    no_500(answers)
    clear(answers, api=api)
    action_a.refresh_from_db()
    assert action_a.state == ActionState.EVIDENCE_SUBMITTED, answers
    assert held(claimed) == (STATUS.DONE, "alice"), answers
