"""Team tasks: whoever may reassign an agency's tasks (``manage_agency_tasks``: a
manager, designated lead or agency lead; the partnership manager for every agency) sees
every open task of those agencies on My work, picked up or not, with who holds it, when
it is due (overdue marked), and Reassign and Release links; the Reassign link shows in
any task table wherever the user may reassign. A manager of agency B never sees agency
A's tasks. Tasks with no agency (the L&I group's) can be reassigned by the partnership
manager to anyone holding their permission. My work also flags open actions whose named
lead can no longer act on them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape
from viewflow.workflow.status import STATUS

from actions import services as action_services
from actions.models import ActionState as S
from agencies.models import Role
from agencies.roles import PartnershipRole
from tests.factories import ActionFactory, UserFactory, member, walk_to
from tests.workflows.conftest import in_the_queue
from workflows import services
from workflows.base import open_tasks
from workflows.models import TaskDue
from workflows.selectors import actions_without_a_lead, task_team, task_visible

User = get_user_model()


def fresh(user):
    return User.objects.get(pk=user.pk)


def team(user) -> set[int]:
    return {t.pk for t in task_team(user=fresh(user))}


def reassign_url(task) -> str:
    return f"/tasks/{task.pk}/reassign/"


def make_overdue(task, days: int = 3) -> None:
    day = timezone.localdate() - timedelta(days=days)
    TaskDue.objects.filter(task=task).update(due_on=day, sort_on=day)


# -- the selector ---------------------------------------------------------------------------
def test_a_manager_sees_every_open_task_of_the_agency_picked_up_or_not(
    action_a, task_a, task_b, alice, manager, agency_a, mo, mike
):
    other = ActionFactory(agency=agency_a, lead=alice, by=manager, description="Second")
    services.task_claim(task=task_a, by=alice)
    assert team(mo) == {task_a.pk, open_tasks(other).get().pk}
    assert team(mike) == {task_b.pk}


def test_finished_tasks_are_not_team_tasks(action_a, task_a, alice, mo, li):
    review = open_tasks(walk_to(action_a, S.EVIDENCE_SUBMITTED, lead=alice)).get()
    assert team(mo) == set()  # the work is done; the review has no agency
    assert review.pk in team(manager_of_everything())


def manager_of_everything():
    return UserFactory(username="pm2", groups=[PartnershipRole.PARTNERSHIP_MANAGER])


def test_people_who_cannot_reassign_have_no_team(task_a, alice, bob, amy, li, chair):
    assert team(alice) == {task_a.pk}  # an agency lead may reassign its tasks
    for user in (bob, amy, li, chair):
        assert team(user) == set()


def test_the_partnership_manager_sees_every_agencys_tasks_and_the_li_groups(
    action_a, task_b, alice, manager
):
    review = open_tasks(walk_to(action_a, S.EVIDENCE_SUBMITTED, lead=alice)).get()
    assert team(manager) == {review.pk, task_b.pk}
    assert {review.pk, task_b.pk} <= {t.pk for t in task_visible(user=fresh(manager))}


# -- the page -------------------------------------------------------------------------------
def test_the_team_tab_lists_tasks_with_holder_due_date_and_links(
    action_a, task_a, alice, agency_a, manager, mo, as_user
):
    queued = in_the_queue(ActionFactory(agency=agency_a, lead=alice, by=manager))
    services.task_claim(task=task_a, by=alice)
    make_overdue(task_a)
    assert "/tasks/team/" in as_user(mo).get("/").content.decode()  # My work links to it
    response = as_user(mo).get("/tasks/team/")
    page = response.content.decode()
    assert response.context["team"].paginator.count == 2
    team_panel = page.split('id="team"')[1]
    assert alice.get_full_name() in team_panel and "Unassigned" in team_panel
    assert team_panel.count("Overdue</strong>") == 1
    for task in (task_a, queued):
        assert f'href="/tasks/{task.pk}/reassign/?next=%2Ftasks%2Fteam%2F%23team"' in team_panel
    # release: only the task someone holds; pick up: none (mo may not do the work)
    assert f'action="/tasks/{task_a.pk}/release/"' in team_panel
    assert f'action="/tasks/{queued.pk}/release/"' not in team_panel
    assert "/claim/" not in team_panel


def test_someone_who_manages_nothing_has_no_team_tasks(task_a, bob, as_user):
    response = as_user(bob).get("/")
    assert "/tasks/team/" not in response.content.decode()
    assert as_user(bob).get("/tasks/team/").status_code == 403


def test_a_manager_of_agency_b_never_sees_agency_as_tasks(task_a, task_b, action_a, mike, as_user):
    response = as_user(mike).get("/tasks/team/")
    page = response.content.decode()
    assert [t.pk for t in response.context["team"]] == [task_b.pk]
    assert escape(action_a) not in page
    assert reassign_url(task_a) not in page
    # nor can reach them by URL
    assert as_user(mike).get(reassign_url(task_a)).status_code == 404
    assert as_user(mike).post(f"/tasks/{task_a.pk}/release/").status_code == 404


def test_the_reassign_link_shows_in_any_table_where_the_user_may_reassign(
    task_a, alice, bob, as_user
):
    # alice (agency lead: may reassign) sees it in her queue; bob may not reassign
    assert reassign_url(task_a) in as_user(alice).get("/").content.decode()
    assert reassign_url(task_a) not in as_user(bob).get("/").content.decode()


def test_reassign_from_the_team_tab_goes_back_to_it(task_a, alice, alex, mo, as_user):
    services.task_claim(task=task_a, by=alice)
    client = as_user(mo)
    page = client.get(reassign_url(task_a) + "?next=%2F%3Fteam%3D1%23team").content.decode()
    assert 'name="next" value="/?team=1#team"' in page
    assert 'class="govuk-back-link">' in page and 'href="/?team=1#team"' in page
    response = client.post(reassign_url(task_a), {"assignee": alex.pk, "next": "/?team=1#team"})
    assert response.status_code == 302
    assert response["Location"] == "/?team=1#team"
    task_a.refresh_from_db()
    assert task_a.owner_id == alex.pk


@pytest.mark.parametrize("nxt", ["//x.example/", "/\\x.example/", "https://x.example/"])
def test_reassign_ignores_a_next_that_leaves_the_site(task_a, alex, mo, as_user, nxt):
    response = as_user(mo).post(reassign_url(task_a), {"assignee": alex.pk, "next": nxt})
    assert response["Location"] == "/"
    assert "x.example" not in as_user(mo).get(reassign_url(task_a), {"next": nxt}).content.decode()


def test_team_tasks_are_paginated(alice, agency_a, manager, mo, as_user, settings):
    from workflows import views

    for i in range(views.PAGE_SIZE + 2):
        ActionFactory(agency=agency_a, lead=alice, by=manager, description=f"Work {i}")
    client = as_user(mo)
    first = client.get("/tasks/team/")
    assert len(first.context["team"].object_list) == views.PAGE_SIZE
    assert 'href="?team=2#team"' in first.content.decode()
    second = client.get("/tasks/team/?team=2").context["team"]
    assert len(second.object_list) == 2


def test_paging_one_tab_keeps_the_others_page(alice, agency_a, manager, mo, as_user):
    from workflows import views

    for i in range(views.PAGE_SIZE + 2):
        in_the_queue(ActionFactory(agency=agency_a, lead=alice, by=manager, description=f"W {i}"))
    # paging the queue keeps the other tabs' pages
    html = as_user(alice).get("/?overdue=3&queue=2").content.decode()
    assert 'href="?overdue=3&amp;queue=1#queue"' in html


def test_the_api_lists_team_tasks_and_lets_a_manager_reassign_them(
    task_a, task_b, alice, alex, mo, mike, bob, as_user
):
    def ids(client) -> set[int]:
        return {row["id"] for row in client.get("/api/v1/tasks/?box=team").json()["results"]}

    services.task_claim(task=task_a, by=alice)
    assert ids(as_user(mo)) == {task_a.pk}
    assert ids(as_user(mike)) == {task_b.pk}
    assert ids(as_user(bob)) == set()
    reassign = f"/api/v1/tasks/{task_a.pk}/reassign/"
    body = {"username": "alex"}
    response = as_user(mike).post(reassign, body, content_type="application/json")
    assert response.status_code == 404
    response = as_user(mo).post(reassign, body, content_type="application/json")
    assert response.status_code == 200 and response.json()["owner"] == "alex"


# -- tasks with no agency (the L&I group's) --------------------------------------------------
@pytest.fixture
def li2(db):
    return UserFactory(
        username="li2",
        first_name="Lee",
        last_name="Two",
        groups=[PartnershipRole.LEARNING_AND_IMPROVEMENT],
    )


def test_a_review_task_can_be_reassigned_by_the_partnership_manager_to_the_li_group(
    action_a, alice, li, li2, manager, mo, as_user
):
    review = open_tasks(walk_to(action_a, S.EVIDENCE_SUBMITTED, lead=alice)).get()
    services.task_claim(task=review, by=li)
    # offered: the other L&I member (not li, who holds it; not superusers or the manager)
    UserFactory(username="root", is_superuser=True)
    assert [u.username for u in services.eligible_assignees(review)] == ["li2"]

    client = as_user(manager)
    page = client.get("/tasks/team/").content.decode().split('id="team"')[1]
    assert reassign_url(review) in page
    response = client.post(reassign_url(review), {"assignee": li2.pk})
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.owner_id) == (STATUS.ASSIGNED, li2.pk)
    # an agency's manager may not
    assert as_user(mo).get(reassign_url(review)).status_code in (403, 404)


def test_a_review_task_offers_whoever_holds_the_permission_directly_or_by_group(
    action_a, alice, li, li2
):
    review = open_tasks(walk_to(action_a, S.EVIDENCE_SUBMITTED, lead=alice)).get()
    gone = UserFactory(username="gone", groups=[PartnershipRole.LEARNING_AND_IMPROVEMENT])
    gone.is_active = False
    gone.save()
    assert {u.username for u in services.eligible_assignees(review)} == {"li", "li2"}
    Group.objects.get(name=PartnershipRole.LEARNING_AND_IMPROVEMENT).user_set.remove(li2)
    assert {u.username for u in services.eligible_assignees(review)} == {"li"}


def test_eligible_assignees_costs_one_query(task_a, alice, agency_a):
    for _ in range(5):
        member(agency_a, Role.AGENCY_LEAD)
    with CaptureQueriesContext(connection) as ctx:
        people = services.eligible_assignees(task_a)
    assert len(ctx) == 1
    assert len(people) == 6


# -- bounded queries --------------------------------------------------------------------------
def populate(n: int, *, alice, charlie, manager, agency_a, agency_b, li) -> None:
    """n actions for each agency: some claimed, some overdue, some at the L&I review."""
    for i in range(n):
        a = ActionFactory.create(agency=agency_a, lead=alice, by=manager, description=f"A work {i}")
        ActionFactory.create(agency=agency_b, lead=charlie, by=manager, description=f"B work {i}")
        if not i % 2:  # the work opens assigned to its lead: half back in the queue
            services.task_release(task=open_tasks(a).get(), by=alice)
        if i % 3 == 0:
            make_overdue(open_tasks(a).get())
        if i % 3 == 1:
            services.task_claim(
                task=open_tasks(walk_to(a, S.EVIDENCE_SUBMITTED, lead=alice)).get(), by=li
            )


def count_queries(func) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx)


@pytest.mark.parametrize("who", ["mo", "manager", "mike"])
def test_team_tasks_cost_the_same_queries_at_two_sizes(
    who,
    alice,
    charlie,
    manager,
    agency_a,
    agency_b,
    li,
    mo,
    mike,
    as_user,
    django_assert_num_queries,
):
    people = dict(
        alice=alice, charlie=charlie, manager=manager, agency_a=agency_a, agency_b=agency_b, li=li
    )
    user = {"mo": mo, "manager": manager, "mike": mike}[who]
    client = as_user(user)
    populate(2, **people)
    assert client.get("/tasks/team/").status_code == 200  # warm
    at_two = count_queries(lambda: client.get("/tasks/team/"))

    populate(5, **people)
    with django_assert_num_queries(at_two):
        response = client.get("/tasks/team/")
    rows = list(response.context["team"].object_list)
    assert len(rows) >= 4
    page = response.content.decode()
    for task in rows:
        assert reassign_url(task) in page


# -- actions whose named lead can no longer act ------------------------------------------------
def test_my_work_flags_an_action_whose_lead_left_the_agency(
    action_a, action_b, alice, alex, manager, charlie, agency_b, as_user
):
    assert list(actions_without_a_lead(user=fresh(manager))) == []
    membership = alice.memberships.get()
    membership.agency = agency_b
    membership.save()
    assert list(actions_without_a_lead(user=fresh(manager))) == [action_a]
    # an agency lead of A (who may change the lead) sees it; agency B's does not
    assert list(actions_without_a_lead(user=fresh(alex))) == [action_a]
    assert list(actions_without_a_lead(user=fresh(charlie))) == []

    page = as_user(manager).get("/").content.decode()
    assert (
        f"the named lead, {alice.get_full_name()}, is no longer a member of "
        f"{escape(action_a.agency)}" in page
    )
    assert f'href="/actions/{action_a.pk}/edit/"' in page
    assert "change the lead" in page
    assert escape(action_b) not in page.split('id="leadless"')[1].split("</ul>")[0]

    # once the lead is changed, the flag goes
    action_services.action_update_details(
        action=action_a, by=manager, reason="Alice moved", lead=alex
    )
    assert "change the lead" not in as_user(manager).get("/").content.decode()


@pytest.mark.parametrize("how", ["deactivated", "role changed", "membership deleted"])
def test_my_work_flags_each_way_a_lead_stops_being_able_to_act(
    action_a, alice, manager, as_user, how
):
    if how == "deactivated":
        alice.is_active = False
        alice.save()
        text = "no longer has an account"
    elif how == "role changed":
        membership = alice.memberships.get()
        membership.role = Role.PRACTITIONER
        membership.save()
        text = f"may no longer lead the actions of {escape(action_a.agency)}"
    else:
        alice.memberships.get().delete()
        text = f"is no longer a member of {escape(action_a.agency)}"
    assert list(actions_without_a_lead(user=fresh(manager))) == [action_a]
    assert text in as_user(manager).get("/").content.decode()


def test_closed_actions_are_not_flagged(action_a, alice, manager):
    action_services.action_cancel(action=action_a, by=manager, reason="Superseded")
    alice.memberships.get().delete()
    assert list(actions_without_a_lead(user=fresh(manager))) == []


def test_people_who_cannot_change_the_lead_see_no_flag(action_a, alice, bob, mo, chair):
    alice.memberships.get().delete()
    for user in (bob, mo, chair):
        assert list(actions_without_a_lead(user=fresh(user))) == []
