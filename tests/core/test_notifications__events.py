"""The e-mails on the events that matter (issue 9), queued through core.outbox: an action
assigned or imported tells its lead, submitted evidence the L&I group, an extension asked
for the partnership manager, a reassigned task its new holder. Each once per event,
each with a link to the record, and never to someone who may no longer see the action's
agency's records."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Permission

from actions import importing, services
from actions.models import ActionState as S
from agencies.models import Role
from core.models import Notification
from tests.factories import UserFactory, in_days, member, walk_to
from tests.factories.actions import (
    make_action,
    make_recommendation,
    make_review,
)
from workflows import services as task_services
from workflows.base import open_tasks
from workflows.timeline import task_events

DESCRIPTION = "Deliver neglect training to all front-line staff"


def notes(user, start: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, subject__startswith=start))


@pytest.fixture
def alex(agency_a):
    return member(agency_a, Role.AGENCY_LEAD, "alex")


# -- an action assigned or imported: its lead ---------------------------------------------
@pytest.mark.django_db
def test_a_new_action_tells_its_lead_once_with_a_link(agency_a, alice, bob, manager):
    action = services.action_create(
        source=None,
        agency=agency_a,
        lead=alice,
        description=DESCRIPTION,
        target_date=in_days(60),
        by=manager,
        reference="LM9.1",
    )
    [note] = notes(alice, "You are the named lead")
    assert note.subject == "You are the named lead for Action LM9.1"
    assert note.link == f"/actions/{action.pk}/"
    assert note.dedupe_key == f"action-assigned-{action.pk}"
    assert "made you the named lead for Action LM9.1" in note.body
    assert DESCRIPTION in note.body and "&" not in note.body.replace(agency_a.name, "")
    assert notes(manager, "You are") == notes(bob, "You are") == []
    # the same event queued again is not sent twice
    assert (
        services._notify(
            action=action,
            recipients=[alice],
            subject="again",
            template="action_assigned",
            dedupe_key=f"action-assigned-{action.pk}",
        )
        == 0
    )


@pytest.mark.django_db
def test_a_lead_who_creates_their_own_action_is_not_told(agency_a, alice):
    alice.user_permissions.add(Permission.objects.get(codename="manage_plan"))
    alice = type(alice).objects.get(pk=alice.pk)
    services.action_create(
        source=None,
        agency=agency_a,
        lead=alice,
        description=DESCRIPTION,
        target_date=in_days(60),
        by=alice,
    )
    assert notes(alice, "You are") == []


@pytest.mark.django_db
def test_an_imported_plan_tells_each_lead_of_their_actions(
    agency_a, agency_b, alice, charlie, manager
):
    review = make_review(title="Child T serious case review")
    make_recommendation(review, 1)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(importing.COLUMNS)
    for i, (agency, lead) in enumerate([(agency_a, "alice"), (agency_b, "charlie")]):
        writer.writerow(
            [review.title, "1", "", f"1.{i}", f"Action {i}", agency.name, lead, "2027-03-31"]
        )
    result = importing.import_plan(file=buffer.getvalue().encode(), filename="plan.csv", by=manager)
    assert result.ok, result.problems
    assert [n.subject for n in notes(alice, "You are")] == ["You are the named lead for Action 1.0"]
    assert [n.subject for n in notes(charlie, "You are")] == [
        "You are the named lead for Action 1.1"
    ]


# -- evidence submitted: the L&I group -----------------------------------------------------
@pytest.mark.django_db
def test_submitted_evidence_tells_the_li_group_once_per_submission(
    agency_a, alice, bob, li, manager
):
    blind = UserFactory(username="blind", permissions=["actions.review_evidence"])
    action = make_action(agency=agency_a, lead=alice, by=manager, reference="LM9.2")
    walk_to(action, S.EVIDENCE_SUBMITTED)
    [note] = notes(li, "Evidence to review")
    assert note.subject == "Evidence to review: Action LM9.2"
    assert note.link == action.get_absolute_url()
    assert "submitted the evidence for Action LM9.2" in note.body and "1 item." in note.body
    # a holder of the permission who may not read the agency's records is not told
    assert notes(blind, "Evidence") == []
    assert notes(alice, "Evidence to review") == notes(bob, "Evidence to review") == []
    # returned, then submitted again: a second e-mail, for the second submission
    walk_to(action, S.RETURNED, li=li)
    walk_to(action, S.EVIDENCE_SUBMITTED)
    assert len(notes(li, "Evidence to review")) == 2


# -- an extension asked for: the partnership manager --------------------------------------
@pytest.mark.django_db
def test_an_extension_asked_for_tells_the_manager_with_a_link(agency_a, alice, manager):
    action = make_action(agency=agency_a, lead=alice, by=manager, reference="LM9.3")
    services.action_ask_extension(
        action=action, by=alice, new_target_date=in_days(120), reason="Staffing gaps"
    )
    [note] = notes(manager, "Extension asked")
    assert note.link == action.get_absolute_url()
    assert "Reason: Staffing gaps" in note.body


# -- a task reassigned: the new holder ----------------------------------------------------
@pytest.mark.django_db
def test_a_reassigned_task_tells_its_new_holder_and_is_in_the_history(
    agency_a, alice, alex, manager
):
    action = make_action(agency=agency_a, lead=alice, by=manager, reference="LM9.4")
    task = open_tasks(action).get()
    task_services.task_reassign(task=task, to=alex, by=manager)
    [note] = notes(alex, "Task passed to you")
    assert "for Action LM9.4" in note.subject
    assert note.link == action.get_absolute_url()
    assert "passed a task to you" in note.body
    assert notes(alice, "Task passed") == []
    # passed back and forth: one e-mail per reassignment
    task_services.task_reassign(task=open_tasks(action).get(), to=alice, by=manager)
    task_services.task_reassign(task=open_tasks(action).get(), to=alex, by=manager)
    assert len(notes(alex, "Task passed to you")) == 2
    assert len(notes(alice, "Task passed to you")) == 1
    # and the action's history says so (issue 9: reassignments were missing from it)
    titles = [entry.title for entry in task_events(action)]
    assert titles.count("Task reassigned") == 3


@pytest.mark.django_db
def test_a_reassigned_review_task_is_not_told_to_someone_who_cannot_read_the_records(
    agency_a, alice, li, manager
):
    blind = UserFactory(username="blind", permissions=["actions.review_evidence"])
    seeing = UserFactory(
        username="seeing",
        permissions=["actions.review_evidence", "agencies.view_agency_records"],
    )
    action = make_action(agency=agency_a, lead=alice, by=manager)
    walk_to(action, S.EVIDENCE_SUBMITTED)
    review = open_tasks(action).get()
    task_services.task_reassign(task=review, to=blind, by=manager)
    assert notes(blind, "Task passed") == []
    task_services.task_reassign(task=open_tasks(action).get(), to=seeing, by=manager)
    assert len(notes(seeing, "Task passed to you")) == 1
