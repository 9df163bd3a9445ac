"""What an action's steps tell people through the outbox, and to whom: returned evidence
to the lead (with the reason), accepted evidence to the agency leads (it awaits sign-off),
an accepted action not signed off by its target date weekly to the agency leads; and
never anyone who may no longer see the action's agency's records (a lead who moved, or
whose account is closed), whichever notification it is."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actions import services
from actions.models import ActionState as S
from agencies.models import Role
from core.models import Notification
from core.transitions import TransitionForbidden
from tests.factories import in_days, member, walk_to
from tests.factories.actions import make_action

User = get_user_model()


def subjects_for(user) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("subject", flat=True))


def body_of(user, subject_start: str) -> str:
    return Notification.objects.get(recipient=user, subject__startswith=subject_start).body


@pytest.fixture
def alex(agency_a):
    """A second agency lead of agency A."""
    return member(agency_a, Role.AGENCY_LEAD, "alex")


@pytest.fixture
def action(agency_a, alice, manager):
    return make_action(agency=agency_a, lead=alice, by=manager)


def forget_tasks_released() -> None:
    """The lead held the action's work task (issue 9: it opens assigned to them), so
    their leaving puts it back in the queue and tells the agency's managers
    (tests/workflows/test_services__access_reduced.py); these tests are about the rest."""
    Notification.objects.filter(subject__startswith="Tasks back in").delete()


def move_away(user, agency_b) -> None:
    """The user leaves agency A for agency B."""
    membership = user.memberships.get()
    membership.agency = agency_b
    membership.save()


# -- returned and accepted evidence -------------------------------------------------------
def test_returned_evidence_tells_the_lead_with_the_reason(action, alice, alex, bob, li):
    walk_to(action, S.EVIDENCE_SUBMITTED)
    services.action_return_evidence(action=action, by=li, reason="The register is unsigned")
    assert subjects_for(alice) == [f"Evidence returned: {action}"]
    assert "Reason: The register is unsigned" in body_of(alice, "Evidence returned")
    assert subjects_for(alex) == subjects_for(bob) == []


def test_each_return_is_told_once(action, alice, li):
    walk_to(action, S.EVIDENCE_SUBMITTED)
    services.action_return_evidence(action=action, by=li, reason="First")
    walk_to(action, S.EVIDENCE_SUBMITTED)
    services.action_return_evidence(action=action, by=li, reason="Second")
    notes = Notification.objects.filter(recipient=alice, subject__startswith="Evidence returned")
    assert sorted(n.body.split("Reason: ")[1].split("\n")[0] for n in notes) == ["First", "Second"]
    assert len({n.dedupe_key for n in notes}) == 2


def test_accepted_evidence_tells_the_agency_leads_it_awaits_sign_off(
    action, alice, alex, ann, bob, charlie, li, manager
):
    walk_to(action, S.ACCEPTED, li=li)
    # whoever may sign it off: the agency leads and (issue 9) the designated lead
    for lead in (alice, alex, ann):
        assert subjects_for(lead) == [f"Evidence accepted, awaiting sign-off: {action}"]
    # a practitioner, another agency and the partnership manager are not; the L&I group
    # was told only that evidence was there to review (issue 9), not of the acceptance
    for other in (bob, charlie, manager):
        assert subjects_for(other) == []
    assert subjects_for(li) == [f"Evidence to review: {action}"]


def test_a_refused_step_tells_nobody(action, alice, bob):
    walk_to(action, S.EVIDENCE_SUBMITTED)
    with pytest.raises(TransitionForbidden):  # bob is not in the L&I group
        services.action_return_evidence(action=action, by=bob, reason="No")
    assert Notification.objects.count() == 0


# -- a lead who can no longer see the records is told nothing -----------------------------
def test_returned_evidence_is_not_sent_to_a_lead_who_moved(action, alice, li, agency_b):
    walk_to(action, S.EVIDENCE_SUBMITTED)
    move_away(alice, agency_b)
    services.action_return_evidence(action=action, by=li, reason="Unsigned")
    assert subjects_for(alice) == []


def test_reminders_do_not_go_to_a_lead_who_moved(action, alice, ann, agency_b):
    action.target_date = in_days(-3)
    action.save(update_fields=["target_date"])
    move_away(alice, agency_b)
    forget_tasks_released()
    services.action_send_reminders(timezone.localdate())
    assert subjects_for(alice) == []
    assert subjects_for(ann) == [f"Overdue action: {action}"]  # the agency still hears


@pytest.mark.parametrize("how", ["membership deleted", "account closed", "no longer a lead"])
def test_reminders_do_not_go_to_a_lead_who_cannot_see_the_records(action, alice, ann, how):
    action.target_date = in_days(-3)
    action.save(update_fields=["target_date"])
    if how == "membership deleted":
        alice.memberships.get().delete()
    elif how == "account closed":
        alice.is_active = False
        alice.save()
    else:  # still a member, with a role that still sees the records: still told
        membership = alice.memberships.get()
        membership.role = Role.PRACTITIONER
        membership.save()
    forget_tasks_released()
    services.action_send_reminders(timezone.localdate())
    expected = [f"Overdue action: {action}"] if how == "no longer a lead" else []
    assert subjects_for(alice) == expected
    assert subjects_for(ann) == [f"Overdue action: {action}"]


def test_learning_check_due_is_not_sent_to_a_lead_who_moved(action, alice, ann, li, agency_b):
    walk_to(action, S.SIGNED_OFF, li=li)
    move_away(alice, agency_b)
    services.action_learning_check_fall_due(action=action)
    assert not any("Learning check due" in s for s in subjects_for(alice))
    assert f"Learning check due: {action}" in subjects_for(ann)
    assert f"Learning check due: {action}" in subjects_for(li)  # sees every agency


def test_the_previous_lead_who_moved_is_not_told_of_the_change(
    action, alice, alex, manager, agency_b
):
    move_away(alice, agency_b)
    forget_tasks_released()
    services.action_update_details(action=action, by=manager, reason="Alice moved", lead=alex)
    assert subjects_for(alex) == [f"You are now the named lead for {action}"]
    assert subjects_for(alice) == []


# -- accepted but not signed off after the target date ------------------------------------
def test_an_accepted_action_past_its_target_date_reminds_the_agency_leads_weekly(
    action, alice, alex, ann, li
):
    walk_to(action, S.ACCEPTED, li=li)
    Notification.objects.all().delete()
    today = timezone.localdate()
    services.action_send_reminders(today)  # not due yet: nothing
    assert Notification.objects.count() == 0

    late = action.target_date + timedelta(days=3)
    services.action_send_reminders(late)
    services.action_send_reminders(late)  # same week: nothing new
    for lead in (alice, alex):
        assert subjects_for(lead) == [f"Awaiting sign-off: {action}"]
    # a designated lead may sign off too (issue 9: a school has only its DSL)
    assert subjects_for(ann) == [f"Awaiting sign-off: {action}"]
    services.action_send_reminders(late + timedelta(days=7))
    assert len(subjects_for(alex)) == 2

    services.action_sign_off(action=action, by=alex)
    services.action_send_reminders(late + timedelta(days=14))
    assert len(subjects_for(alex)) == 2


def test_a_long_overdue_unsigned_action_is_flagged_to_the_manager_once(action, alice, li, manager):
    walk_to(action, S.ACCEPTED, li=li)
    late = action.target_date + timedelta(days=60)
    services.action_send_reminders(late)
    services.action_send_reminders(late + timedelta(days=7))
    flagged = [s for s in subjects_for(manager) if "working days" in s]
    assert len(flagged) == 1 and str(action) in flagged[0]


def test_a_new_target_date_missed_again_is_flagged_again(action, alice, manager):
    action.target_date = in_days(-40)
    action.save(update_fields=["target_date"])
    services.action_send_reminders(timezone.localdate())
    services.action_update_details(
        action=action,
        by=manager,
        reason="Agreed a new date",
        target_date=in_days(-35),
        allow_past=True,  # recorded as it stood: pages and API refuse a past date
    )
    services.action_send_reminders(timezone.localdate())
    assert len([s for s in subjects_for(manager) if "working days" in s]) == 2


# -- bounded queries -------------------------------------------------------------------------
def test_readers_costs_the_same_queries_for_one_recipient_and_many(
    action, alice, agency_a, agency_b, li, manager
):
    few = [alice]
    many = [alice, li, manager, *(member(agency_a, Role.DESIGNATED_LEAD) for _ in range(6))]
    many += [member(agency_b, Role.AGENCY_LEAD) for _ in range(4)]
    with CaptureQueriesContext(connection) as one:
        services.readers([action], few)
    with CaptureQueriesContext(connection) as lots:
        allowed = services.readers([action], many)
    assert len(lots) == len(one) <= 3
    in_a = {u.pk for u in many if u.memberships.filter(agency=agency_a).exists()}
    assert allowed == {agency_a.pk: in_a | {li.pk, manager.pk}}


def test_the_sweep_reads_who_may_see_once_not_per_action(agency_a, alice, ann, manager):
    def sweep_queries() -> int:
        Notification.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            services.action_send_reminders(timezone.localdate())
        return len(ctx)

    make_action(agency=agency_a, lead=alice, by=manager, target_in_days=-3)
    sweep_queries()  # warm (the partnership's settings row is created on first read)
    at_one = sweep_queries()
    for _ in range(4):
        make_action(agency=agency_a, lead=alice, by=manager, target_in_days=-3)
    at_five = sweep_queries()
    # who may see the records is read once for all of them, and the outbox's dedupe
    # check and insert are one query each for the whole batch (issue 8)
    assert at_five == at_one
