"""The plan's actions as shared actions: the action page shows their milestones and
contributing agencies; a contributing agency's lead sees the action and may add
evidence (and nothing more); the actions list's agency filter finds what an agency
contributes to as well as what it owns; the work of an action the partnership owns,
led by someone in a partnership role, reaches that lead (not a queue only the
partnership's own agency leads see), and follows a change of lead."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from viewflow.workflow.status import STATUS

from actions import services
from actions.models import Action, EvidenceItem
from actions.permissions import is_partnership_owned, may_add_evidence, may_update
from actions.signals import action_details_changed
from agencies.models import Role
from improvement_plan.importing import partnership_agency
from tests.conftest import login
from tests.factories import AgencyFactory, member
from workflows.base import open_tasks
from workflows.selectors import inbox_rows, queue_rows

pytestmark = pytest.mark.django_db


def contributed(health):
    """OR 5's actions: owned by the police (charlie leads them), health contributing."""
    return list(
        Action.objects.filter(contributing_agencies=health).select_related("agency").order_by("pk")
    )


# -- the action page ------------------------------------------------------------------------
def test_the_action_page_shows_milestones_and_contributing_agencies(plan, manager, health):
    action = Action.objects.get(reference="1.1.1")
    milestone = action.milestones.get()
    html = login(manager).get(action.get_absolute_url()).content.decode()
    assert 'id="milestones"' in html
    assert milestone.text in html
    assert "Next" in html  # its one open milestone is the next
    shared = contributed(health)[0]
    html = login(manager).get(shared.get_absolute_url()).content.decode()
    contributors = re.search(r'id="contributors">(.*?)</dd>', html, re.S)
    assert contributors is not None
    names = set(shared.contributing_agencies.values_list("name", flat=True))
    assert names and all(name in contributors.group(1) for name in names)
    assert health.name in contributors.group(1)
    # an action with neither shows neither
    plain = Action.objects.exclude(contributing_agencies__isnull=False).first()
    plain.milestones.all().delete()
    html = login(manager).get(plain.get_absolute_url()).content.decode()
    assert 'id="contributors"' not in html and 'id="milestones"' not in html


def test_the_action_page_costs_the_same_for_one_milestone_or_many(plan, manager, health):
    action = contributed(health)[0]
    client = login(manager)
    client.get(action.get_absolute_url())  # warm caches

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(action.get_absolute_url()).status_code == 200
        return len(ctx)

    before = count()
    for i in range(5):
        action.milestones.create(
            position=10 + i, text=f"Step {i}", kind="day", due_on=date(2030, 1, 1 + i)
        )
    action.contributing_agencies.add(partnership_agency())
    assert count() == before


def test_a_contributing_agencys_lead_sees_the_action_and_may_add_evidence(
    plan, dana, alice, charlie, health
):
    action = contributed(health)[0]
    assert not may_update(action, dana) and may_add_evidence(action, dana)
    client = login(dana)
    html = client.get(action.get_absolute_url()).content.decode()
    assert health.name in html
    assert "Add evidence" not in html  # not before the lead has started the work
    services.action_start_work(action=action, by=charlie)
    assert "Add evidence" in client.get(action.get_absolute_url()).content.decode()
    response = client.post(
        reverse("actions:step", args=[action.pk, "evidence"]),
        {"evidence-description": "Health's audit of strategy discussions"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert EvidenceItem.objects.filter(action=action, by=dana).exists()
    # and no more than that: the lead's own steps are not theirs
    assert client.post(reverse("actions:step", args=[action.pk, "submit"])).status_code == 403
    # an agency that neither owns nor contributes: not even the page
    assert login(alice).get(action.get_absolute_url()).status_code == 404


# -- the actions list's agency filter --------------------------------------------------------
def test_the_agency_filter_includes_what_the_agency_contributes_to(plan, manager, health, agency_b):
    shared = contributed(health)
    assert shared and all(a.agency_id == agency_b.pk for a in shared)
    client = login(manager)
    url = reverse("actions:list") + f"?agency={health.pk}"
    html = client.get(url).content.decode()
    for action in shared:
        assert action.get_absolute_url() in html
    assert Action.objects.get(reference="1.1.1").get_absolute_url() not in html
    # the API reads the same filter
    api = client.get(f"/api/v1/actions/?agency={health.pk}&limit=100").json()["results"]
    assert {row["id"] for row in api} == {a.pk for a in shared}
    # the owner's filter still finds its own
    owned = client.get(f"/api/v1/actions/?agency={agency_b.pk}&limit=100").json()["results"]
    assert {row["id"] for row in owned} == set(
        Action.objects.filter(agency=agency_b).values_list("pk", flat=True)
    )


def test_the_agency_filter_costs_no_extra_query(plan, manager, health, agency_b):
    client = login(manager)
    client.get(reverse("actions:list"))  # warm caches

    def count(query: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("actions:list") + query).status_code == 200
        return len(ctx)

    assert count(f"?agency={health.pk}") == count(f"?agency={agency_b.pk}")
    for action in Action.objects.filter(agency=agency_b):
        action.contributing_agencies.add(health)
    Action.objects.filter(reference__startswith="2.").first().contributing_agencies.add(health)
    assert count(f"?agency={health.pk}") == count(f"?agency={agency_b.pk}")


# -- the work of an action the partnership owns, led in a partnership role -------------------
def work_task(action):
    return next(t for t in open_tasks(action) if t.flow_task.name == "work")


def test_the_work_reaches_a_lead_in_a_partnership_role(plan, chair, manager):
    # a lead of the partnership's own agency (its business unit) who leads none of these
    unit_lead = member(partnership_agency(), Role.AGENCY_LEAD, "unit.lead")
    chairs = list(Action.objects.filter(lead=chair).select_related("agency"))
    assert chairs and all(is_partnership_owned(a) for a in chairs)
    for action in chairs:
        task = work_task(action)
        assert task.owner_id == chair.pk and task.status == STATUS.ASSIGNED
    inbox = set(inbox_rows(user=chair).values_list("task_id", flat=True))
    assert {work_task(a).pk for a in chairs} <= inbox
    queued = set(queue_rows(user=unit_lead).values_list("task_id", flat=True))
    assert not queued & {work_task(a).pk for a in chairs}
    # the chair does the work from their inbox: it is theirs to finish
    action = chairs[0]
    services.action_start_work(action=action, by=chair)
    services.action_report_progress(action=action, by=chair, text="Constitution drafted")
    assert work_task(action).owner_id == chair.pk


def test_the_work_follows_a_change_of_lead(plan, chair, manager):
    action = Action.objects.filter(lead=chair).select_related("agency").first()
    unit_lead = member(partnership_agency(), Role.AGENCY_LEAD, "unit.lead")
    services.action_update_details(
        action=action, by=manager, reason="The business unit takes it on", lead=unit_lead
    )
    assert work_task(action).owner_id == unit_lead.pk
    # back to someone in a partnership role, through the service (who may lead the
    # partnership's own actions: its agency's leads and the partnership roles)
    services.action_update_details(
        action=action, by=manager, reason="The manager takes it back", lead=manager
    )
    assert work_task(action).owner_id == manager.pk
    # a practitioner of an agency may not lead the partnership's actions: refused
    outsider_lead = member(AgencyFactory(), Role.AGENCY_LEAD, "outsider.lead")
    with pytest.raises(ValidationError):
        services.action_update_details(
            action=action, by=manager, reason="Wrong person", lead=outsider_lead
        )
    action.refresh_from_db()
    assert action.lead_id == manager.pk
    # someone who may not do the work of the partnership's actions: back to the queue
    outsider = member(AgencyFactory(), Role.PRACTITIONER, "outsider")
    action.lead = outsider
    action.save(update_fields=["lead"])
    action_details_changed.send(sender=Action, action=action, fields={"lead"}, by=manager)
    task = work_task(action)
    assert task.owner_id is None and task.status == STATUS.NEW


def test_the_lead_list_offers_the_partnership_roles_for_its_own_actions(plan, chair, manager):
    from actions.forms import eligible_leads

    own = partnership_agency()
    offered = {p.pk for p in eligible_leads([own.pk]).get(own.pk, [])}
    assert {chair.pk, manager.pk} <= offered
    other = AgencyFactory()
    assert chair.pk not in {p.pk for p in eligible_leads([other.pk]).get(other.pk, [])}


def test_a_partnership_role_lead_keeps_the_work_when_losing_access_elsewhere(plan, chair):
    from workflows.services import release_tasks_out_of_reach

    action = Action.objects.filter(lead=chair).first()
    task = work_task(action)
    assert task.owner_id == chair.pk
    assert release_tasks_out_of_reach(user=chair) == []
    assert work_task(action).owner_id == chair.pk
