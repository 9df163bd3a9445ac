"""The seed's plan loads completely, sends nothing, and its partnership-owned actions are
seen by partnership roles and contributing agencies only. Reminders start at activation,
and only for what falls due from then on."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import Http404
from django.utils import timezone

from actions import selectors as action_selectors
from actions.models import Action, ActionState, Milestone, Rag
from actions.permissions import may_add_evidence, may_update
from actions.services import action_send_reminders
from agencies.models import AgencyKind
from core.models import Notification
from improvement_plan import services
from improvement_plan.models import Objective, PlanState, Provenance, RecommendationLine

pytestmark = pytest.mark.django_db


def test_the_seed_loads_completely_and_sends_nothing(plan, mailoutbox):
    assert plan.state == PlanState.DRAFT
    assert plan.owner.kind == AgencyKind.PARTNERSHIP
    assert Objective.objects.filter(plan=plan).count() == 6
    assert RecommendationLine.objects.filter(objective__plan=plan).count() == 16
    assert Provenance.objects.filter(line__objective__plan=plan).count() == 26
    assert Action.objects.count() == 63
    assert Milestone.objects.count() == 58 + 6  # six milestones of two dates: a row each
    assert not Notification.objects.exists() and not mailoutbox
    assert Action.objects.filter(reminders_held=True).count() == 63


def test_the_action_follows_its_next_open_milestone(plan):
    action = Action.objects.get(reference="3.2.2")  # OR 2: "Oct 17, Feb 18"
    assert action.target_date == date(2017, 10, 31)
    first = action.milestones.order_by("due_on").first()
    services.milestone_record(milestone=first, by=action.lead, completed_on=date(2017, 10, 20))
    action.refresh_from_db()
    assert action.target_date == date(2018, 2, 28)


def test_partnership_owned_actions_are_seen_by_partnership_roles_and_contributors(
    plan, manager, chair, li, alice, charlie, dana
):
    owned = Action.objects.get(reference="1.1.1")
    assert owned.agency.kind == AgencyKind.PARTNERSHIP
    police_led = Action.objects.filter(reference__startswith="1.3.")
    assert police_led.count() == 6
    for user in (manager, chair, li):
        assert action_selectors.action_list(user=user).count() == 63
    assert action_selectors.action_list(user=alice).count() == 0  # CSC contributes nothing
    seen_by_health = set(action_selectors.action_list(user=dana).values_list("pk", flat=True))
    assert seen_by_health == set(police_led.values_list("pk", flat=True))
    assert action_selectors.action_list(user=charlie).count() == 6
    with pytest.raises(Http404):
        action_selectors.action_get(user=alice, pk=owned.pk)
    # a contributor may add evidence, not do the lead's work
    one = police_led.first()
    assert may_add_evidence(one, dana) and not may_update(one, dana)
    assert not may_add_evidence(one, alice)


def test_a_partnership_role_leads_a_partnership_action(plan, manager, chair):
    action = Action.objects.get(reference="1.1.1")  # "LSCB Chair and Partnership manager"
    assert action.lead == chair
    assert may_update(action, chair)
    assert not may_update(action, manager)  # the manager is not its lead


def test_no_reminders_before_activation_and_only_what_is_due_after(plan, manager, mailoutbox):
    today = date.today()
    assert action_send_reminders(today + timedelta(days=30)) == 0
    services.plan_approve(plan=plan, by=manager, approved_by="Ofsted and the DfE")
    services.plan_activate(plan=plan, by=manager, on=today)
    # every milestone of 2017-18 fell due before activation: nothing is sent
    assert action_send_reminders(today + timedelta(days=1)) == 0
    assert not Notification.objects.exists()
    # a milestone added for next month falls due after activation: that one reminds
    action = Action.objects.get(reference="1.1.1")
    Milestone.objects.filter(action=action).update(completed_on=date(2017, 6, 1))
    later = Milestone.objects.create(
        action=action, text="Next month", kind="day", due_on=today + timedelta(days=20)
    )
    services.milestone_record(milestone=later, by=action.lead, completed_on=None)
    action.refresh_from_db()
    assert action.target_date == later.due_on
    assert action_send_reminders(today + timedelta(days=21)) >= 1
    subjects = set(Notification.objects.values_list("subject", flat=True))
    assert subjects == {f"Overdue action: {action}"}


def test_the_plan_moves_through_its_states(plan, manager, alice):
    from core.transitions import TransitionForbidden, TransitionRefused

    with pytest.raises(TransitionForbidden):
        services.plan_consult(plan=plan, by=alice)
    services.plan_consult(plan=plan, by=manager)
    with pytest.raises(TransitionRefused):
        services.plan_activate(plan=plan, by=manager)
    services.plan_approve(plan=plan, by=manager, approved_by="Ofsted and the DfE")
    assert plan.approved_by == "Ofsted and the DfE" and plan.approved_on
    services.plan_activate(plan=plan, by=manager)
    services.plan_close(plan=plan, by=manager)
    assert plan.state == PlanState.CLOSED


def test_the_command_lists_unmatched_leads_and_loads_nothing(db, chair, manager):
    with pytest.raises(CommandError) as exc:
        call_command("load_improvement_plan")
    assert "Police chair for the group" in str(exc.value)
    assert not RecommendationLine.objects.exists()


def test_historic_state_is_carried(db, manager, chair, charlie, health):
    from improvement_plan import importing, loading
    from tests.factories.improvement_plan import seed_leads

    parsed = loading.seed_plan()
    parsed.lines = parsed.lines[:1]
    first = parsed.lines[0]
    first.actions[0].state, first.actions[0].completed_on = (
        ActionState.SIGNED_OFF,
        date(2017, 5, 20),
    )
    first.actions[1].state = ActionState.IN_PROGRESS
    importing.match_leads(parsed, seed_leads(manager=manager, chair=chair))
    importing.match_agencies(parsed)
    importing.import_plan(parsed, title="Part-way", by=manager)
    done, going, waiting = Action.objects.order_by("reference")[:3]
    assert done.state == ActionState.SIGNED_OFF and done.rag() == Rag.COMPLETE
    assert timezone.localdate(done.signed_off_at) == date(2017, 5, 20)
    assert done.milestones.get().completed_on == date(2017, 5, 20)
    assert going.state == ActionState.IN_PROGRESS
    assert waiting.state == ActionState.ASSIGNED
    assert not Notification.objects.exists()


def test_a_contributing_agency_adds_evidence(plan, charlie, dana, alice):
    from actions import services as action_services
    from core.transitions import TransitionForbidden

    action = Action.objects.get(reference="1.3.1")  # led by charlie; police and health contribute
    action_services.action_start_work(action=action, by=charlie)
    item = action_services.action_add_evidence(
        action=action, by=dana, description="Health's attendance record"
    )
    assert item.action == action
    with pytest.raises(TransitionForbidden):
        action_services.action_add_evidence(action=action, by=alice, description="x")
    with pytest.raises(TransitionForbidden):
        action_services.action_submit_evidence(action=action, by=dana)


def test_a_partnership_owned_action_with_contributors(db, manager, chair, charlie, alice, dana):
    from tests.factories.improvement_plan import seed_plan

    seed_plan(manager=manager, chair=chair)  # "Police chair for the group": the manager
    or5 = Action.objects.filter(reference__startswith="1.3.")
    assert {a.agency.kind for a in or5} == {AgencyKind.PARTNERSHIP}
    assert {a.lead for a in or5} == {manager}
    ids = set(or5.values_list("pk", flat=True))
    for contributor in (charlie, dana):  # the police and health
        assert (
            set(action_selectors.action_list(user=contributor).values_list("pk", flat=True)) == ids
        )
        assert action_selectors.action_get(user=contributor, pk=min(ids))
    assert action_selectors.action_list(user=alice).count() == 0
    assert action_selectors.action_list(user=chair).count() == 63
    one = or5.first()
    assert may_update(one, manager) and may_add_evidence(one, charlie)
    assert not may_update(one, charlie)
