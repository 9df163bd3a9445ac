"""The factories make what they say, through the services: an action walked to any
state has the transition log, tasks and notifications the pages would have left."""

from __future__ import annotations

from itertools import pairwise

import pytest
from django_fsm_log.models import StateLog

from actions.models import ActionState as S
from agencies.models import Membership, Role
from agencies.roles import PartnershipRole
from agencies.selectors import user_can
from core.models import Notification
from scr.models import ReviewKind
from tests.factories import (
    ActionChangeFactory,
    ActionFactory,
    ApiTokenFactory,
    DeathCategoryFactory,
    EvidenceItemFactory,
    FormSubmissionFactory,
    LearningCheckFactory,
    MemberFactory,
    ModifiableFactorFactory,
    NotificationFactory,
    PartnershipFactory,
    ProgressUpdateFactory,
    RecommendationFactory,
    ReviewChangeFactory,
    ReviewFactory,
    SweepRunFactory,
    UserFactory,
    walk_to,
)
from tests.factories.actions import path
from workflows.base import open_tasks

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("state", S.values)
def test_an_action_walks_to_any_state_through_the_services(state):
    action = ActionFactory(state=state)
    assert action.state == state
    logged = list(StateLog.objects.for_(action).order_by("pk").values_list("source_state", "state"))
    route = [S.ASSIGNED, *path(S.ASSIGNED, state)]
    assert logged == list(pairwise(route))


def test_the_lead_works_the_l_and_i_group_reviews_and_the_flow_follows(li):
    action = ActionFactory(state=S.EVIDENCE_SUBMITTED, li=li)
    assert open_tasks(action).get().flow_task.name == "review"
    walk_to(action, S.SIGNED_OFF, li=li)
    assert StateLog.objects.for_(action).get(state=S.ACCEPTED).by == li
    assert StateLog.objects.for_(action).get(state=S.SIGNED_OFF).by == action.lead
    assert Notification.objects.filter(recipient=action.lead).exists()


def test_a_walk_goes_through_the_states_asked_for(manager):
    action = ActionFactory(state=S.CANCELLED, via=[S.RETURNED], by=manager)
    states = list(StateLog.objects.for_(action).order_by("pk").values_list("state", flat=True))
    assert states == [S.IN_PROGRESS, S.EVIDENCE_SUBMITTED, S.RETURNED, S.CANCELLED]
    assert StateLog.objects.for_(action).get(state=S.CANCELLED).by == manager


def test_a_member_is_granted_through_the_membership(agency_a):
    lead = MemberFactory(agency=agency_a, role=Role.AGENCY_LEAD)
    assert Membership.objects.filter(user=lead, agency=agency_a, role=Role.AGENCY_LEAD).exists()
    assert user_can(lead, "sign_off_action", agency_a)


def test_every_other_factory_makes_its_record(agency_a, alice):
    action = ActionFactory(agency=agency_a, lead=alice, sourced=True)
    assert action.source.review.kind == ReviewKind.SCR
    assert EvidenceItemFactory(action=action).action.state == S.IN_PROGRESS
    assert ProgressUpdateFactory(action=action).by == alice
    change = ActionChangeFactory(action=action)
    assert list(change.fields) == ["target_date"]

    check = LearningCheckFactory(verdict="partly_embedded")
    assert check.action.state == S.PARTLY_EMBEDDED and check.next_check_on
    assert LearningCheckFactory().action.state == S.LEARNING_CHECK_DUE

    review = ReviewFactory()
    rec1, rec2 = RecommendationFactory(review=review), RecommendationFactory(review=review)
    assert (rec1.number, rec2.number) == (1, 2)
    assert ModifiableFactorFactory().review.kind == ReviewKind.CDOP
    assert ReviewFactory(cdop=True).death_category is not None
    assert DeathCategoryFactory(name="Local").name == "Local"
    assert "title" in ReviewChangeFactory(review=review).fields
    assert "text" in ReviewChangeFactory(recommendation=rec1).fields

    assert PartnershipFactory(amber_window_days=21).amber_window_days == 21
    assert len(ApiTokenFactory(user=alice).key) > 20
    assert NotificationFactory(recipient=alice).status == Notification.Status.PENDING
    assert FormSubmissionFactory(user=alice).user == alice
    assert SweepRunFactory(name="reminders").last_run_at is None


def test_partnership_groups_are_seeded_for_every_test():
    chair = UserFactory(groups=[PartnershipRole.CHAIR])
    assert chair.has_perm("agencies.view_agency_records")


@pytest.mark.django_db(transaction=True)
def test_partnership_groups_are_back_after_a_flush():
    """Runs after the other tests (pytest-django orders transactional ones last) and
    is followed by a flush; either way the groups are there."""
    manager = UserFactory(groups=[PartnershipRole.PARTNERSHIP_MANAGER])
    assert manager.has_perm("actions.manage_plan")
