"""Agency isolation for someone who left: ``lee`` was agency A's lead, picked up and did
tasks there (the work on an action and its sign-off) and held another when their
membership of A was removed. From then on nothing of agency A answers them, their own
past tasks included: every route of the isolation matrix
(tests/test_isolation__every_route.py) answers as it does for agency B's lead, every task
route (page and API: detail, claim, release, reassign) answers for each of lee's past
tasks exactly as for an id that does not exist (404), A is never in a list, export or
count, and nothing in the database changes."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from django.db.models import Max
from django.test import Client
from django.urls import reverse
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from actions.models import ActionState as S
from agencies.models import Role
from tests.conftest import login
from tests.factories import PASSWORD, EvidenceItemFactory, member, walk_to
from tests.factories.actions import make_action, pdf
from tests.test_isolation__every_route import (
    MATRIX,
    PAYLOAD,
    A,
    Record,
    World,
    fingerprint,
    walk_matrix,
)
from tests.test_isolation__every_route import world as world  # the matrix's fixture
from workflows.base import open_tasks
from workflows.services import task_reassign

# The matrix's routes for one task (pages under /tasks/, and the API's) and for one action.
TASK_ROUTES = {
    entry: rule
    for entry, rule in MATRIX.items()
    if isinstance(rule, Record) and entry.startswith(("workflows:", "task-"))
}
ACTION_ROUTES = {
    entry: rule
    for entry, rule in MATRIX.items()
    if isinstance(rule, Record) and entry.startswith(("actions:", "action-"))
}
METHODS = ("get", "post", "put", "patch", "delete")
# What differs between any two pages: the script nonce and the CSRF token.
VARIES = re.compile(r'(nonce|value)="[A-Za-z0-9+/=_-]{16,}"')


class Leaver:
    def __init__(self, user: Any, action: Any, evidence: Any, done: list[Task], held: Task):
        self.user = user
        self.action = action  # lee's action, signed off by lee
        self.evidence = evidence
        self.done = done  # the tasks lee finished: the work, the sign-off
        self.held = held  # the task lee held when they left (back in A's queue)

    @property
    def tasks(self) -> list[Task]:
        return [*self.done, self.held]


def lee_at_agency_a(world: World, *, manager: Any, li: Any) -> Leaver:
    lee = member(world.a.agency, Role.AGENCY_LEAD, "lee")
    action = make_action(
        agency=world.a.agency,
        lead=lee,
        by=manager,
        source=world.a.recommendation,
        reference=f"{A}-L",
        description=f"{A} the leaver's own action",
    )
    work = open_tasks(action).get()  # held by its lead, lee (issue 9)
    evidence = EvidenceItemFactory(action=action, description=f"{A} leaver's register", file=pdf())
    walk_to(action, S.ACCEPTED, li=li)
    sign_off = open_tasks(action).get()
    walk_to(action, S.SIGNED_OFF)
    other = make_action(
        agency=world.a.agency, lead=lee, by=manager, reference=f"{A}-M", target_in_days=-3
    )
    held = open_tasks(other).get()  # held by its lead, lee (issue 9)
    done = [Task.objects.get(pk=work.pk), Task.objects.get(pk=sign_off.pk)]
    assert [(t.status, t.owner_id) for t in done] == [(STATUS.DONE, lee.pk)] * 2
    return Leaver(lee, action, evidence, done, held)


def leave_agency_a(lee: Leaver, *, moved_to: Any | None) -> None:
    """Their membership of A is moved to ``moved_to``, or removed (no agency left)."""
    membership = lee.user.memberships.get()
    if moved_to is None:
        membership.delete()
    else:
        membership.agency = moved_to
        membership.save()
    lee.held.refresh_from_db()
    assert (lee.held.status, lee.held.owner_id) == (STATUS.NEW, None)  # back in A's queue


def unchanged() -> dict[str, Any]:
    """The matrix's fingerprint of the database, but for when lee's API token was last
    used (which their requests rightly move on)."""
    rows = fingerprint()
    for row in rows.get("agencies.ApiToken", []):
        row.pop("last_used", None)
    return rows


def fresh_client(user: Any) -> Client:
    return login(type(user).objects.get(pk=user.pk))


def token_client(user: Any) -> Client:
    response = Client().post(
        reverse("api-token"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.content
    return Client(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")


def answer(client: Client, name: str, method: str, pk: int) -> tuple[int, str]:
    url = reverse(name.split("#")[0], kwargs={"pk": pk})
    if ":" in name:
        response = getattr(client, method)(url, PAYLOAD)
    else:
        response = getattr(client, method)(url, PAYLOAD, content_type="application/json")
    return response.status_code, VARIES.sub("", response.content.decode()).replace(str(pk), "<id>")


def unlike_a_missing_id(client: Client, task_ids: list[int], *, pages: bool = True) -> list[str]:
    """Every task route (the API's only, for a token: ``pages=False``), every method:
    each of ``task_ids`` must answer exactly as an id no task has (a 404, or a 405 for a
    method the route never takes)."""
    missing = (Task.objects.aggregate(m=Max("pk"))["m"] or 0) + 1000
    problems = []
    for name in TASK_ROUTES:
        if ":" in name and not pages:
            continue
        for method in METHODS:
            expected = answer(client, name, method, missing)
            assert expected[0] in (404, 405), (name, method, expected[0])
            for pk in task_ids:
                got = answer(client, name, method, pk)
                if got != expected:
                    problems.append(
                        f"{method.upper()} {name} task {pk} -> {got[0]}, "
                        f"a missing id -> {expected[0]}"
                    )
    return problems


@pytest.fixture
def lee(world, manager, li) -> Leaver:
    return lee_at_agency_a(world, manager=manager, li=li)


def test_before_leaving_lee_opens_the_tasks_they_did(lee):
    """The control: the same routes answer lee while a member, so the 404s below are
    the leaving, not a wrong id."""
    client = fresh_client(lee.user)
    for task in lee.tasks:
        assert client.get(reverse("workflows:task", args=[task.pk])).status_code == 302
        assert client.get(reverse("task-detail", args=[task.pk])).status_code == 200


@pytest.mark.django_db
def test_lee_moved_to_agency_b_reaches_nothing_of_agency_a(world, lee, agency_b, manager):
    leave_agency_a(lee, moved_to=agency_b)
    # lee now works at B: a task of B's passed to them, in their inbox and on their
    # Notifications page (the controls of both)
    task_reassign(task=open_tasks(world.b.late).get(), to=lee.user, by=manager)
    client = fresh_client(lee.user)
    before = unchanged()

    # every route of the matrix, given A's records, as for agency B's own lead
    problems, checked = walk_matrix(client, world)
    # the task routes again for each task lee did or held at A, and the action routes
    # for lee's own action
    for task in lee.tasks:
        mine = replace(world, a=replace(world.a, task=task))
        found, n = walk_matrix(client, mine, TASK_ROUTES)
        problems += found
        checked += n
    theirs = replace(
        world, a=replace(world.a, action=lee.action, checked=lee.action, evidence=lee.evidence)
    )
    found, n = walk_matrix(client, theirs, ACTION_ROUTES)
    problems += found
    checked += n
    # and each of lee's tasks answers exactly as an id that does not exist
    problems += unlike_a_missing_id(client, [t.pk for t in lee.tasks])

    assert not problems, "\n".join(problems)
    assert checked > len(MATRIX) + len(TASK_ROUTES) * len(lee.tasks)
    assert unchanged() == before, "lee's requests changed the database"


@pytest.mark.django_db
@pytest.mark.parametrize("auth", ["session", "token"])
def test_lee_with_no_agency_left_gets_404_for_their_own_past_tasks(world, lee, auth):
    leave_agency_a(lee, moved_to=None)
    client = fresh_client(lee.user) if auth == "session" else token_client(lee.user)
    before = unchanged()

    problems = unlike_a_missing_id(client, [t.pk for t in lee.tasks], pages=auth == "session")
    for box in ("inbox", "queue", "overdue", "team"):
        response = client.get(reverse("task-list") + f"?box={box}")
        assert response.status_code == 200, box
        assert response.json()["count"] == 0, box
        assert A not in response.content.decode(), box
    if auth == "session":
        home = client.get(reverse("home"))
        assert home.status_code == 200 and A not in home.content.decode()

    assert not problems, "\n".join(problems)
    assert unchanged() == before, "lee's requests changed the database"
