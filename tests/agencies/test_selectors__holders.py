"""``holders`` and ``holder_q`` answer as ``user_can`` does, for many people at once;
``access_reduced`` is sent whenever a user loses access (and only then), so the layers
above can act on it without this app importing them."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.grants import access_reduced
from agencies.models import Membership, Role
from agencies.roles import ALL_AGENCY_PERMISSIONS, PartnershipRole
from agencies.selectors import holder_q, holders, user_can
from tests.factories import UserFactory, member

User = get_user_model()


@pytest.fixture
def people(agency_a, agency_b, alice, bob, ann, amy, charlie, chair, manager, li):
    inactive = member(agency_a, Role.AGENCY_LEAD, "gone", is_active=False)
    root = UserFactory(username="root", is_superuser=True)
    group_granted = UserFactory(username="grouped")
    group = Group.objects.create(name="A auditors by group")
    group.user_set.add(group_granted)
    from guardian.shortcuts import assign_perm

    assign_perm("agencies.view_agency_records", group, agency_a)
    return [alice, bob, ann, amy, charlie, chair, manager, li, inactive, root, group_granted]


@pytest.mark.parametrize("perm", ALL_AGENCY_PERMISSIONS)
def test_holders_agrees_with_user_can(perm, people, agency_a, agency_b):
    found = holders(perm, [agency_a.pk, agency_b.pk], people)
    for agency in (agency_a, agency_b):
        expected = {u.pk for u in people if user_can(User.objects.get(pk=u.pk), perm, agency)}
        assert found[agency.pk] == expected, (perm, agency)


@pytest.mark.parametrize("perm", ["view_agency_records", "update_action", "manage_agency_tasks"])
def test_holder_q_agrees_with_user_can(perm, people, agency_a, agency_b):
    # any model naming a user and an agency will do: an action row per (person, agency)
    from actions.models import Action
    from tests.factories import in_days

    rows = {
        Action.objects.create(
            agency=agency, lead=person, description="x", target_date=in_days(1)
        ).pk: (person, agency)
        for person in people
        for agency in (agency_a, agency_b)
    }
    got = set(
        Action.objects.filter(holder_q(perm, user="lead", agency="agency")).values_list(
            "pk", flat=True
        )
    )
    expected = {
        pk
        for pk, (person, agency) in rows.items()
        if user_can(User.objects.get(pk=person.pk), perm, agency)
    }
    assert got == expected


def test_holders_costs_at_most_three_queries_whatever_the_numbers(people, agency_a, agency_b):
    with CaptureQueriesContext(connection) as ctx:
        holders("view_agency_records", [agency_a.pk, agency_b.pk], people)
    assert len(ctx) <= 3
    with CaptureQueriesContext(connection) as ctx:
        assert holders("view_agency_records", [agency_a.pk], []) == {agency_a.pk: set()}
    assert len(ctx) == 0


# -- access_reduced ------------------------------------------------------------------------
@pytest.fixture
def announced():
    seen: list[str] = []

    def listener(sender, user, **kwargs):
        seen.append(user.username)

    access_reduced.connect(listener, dispatch_uid="test-listener")
    yield seen
    access_reduced.disconnect(dispatch_uid="test-listener")


def test_gaining_access_announces_nothing(announced, agency_a, agency_b):
    user = member(agency_a, Role.PRACTITIONER, "pat")
    Membership.objects.create(user=user, agency=agency_b, role=Role.AUDITOR)
    user.groups.add(Group.objects.get(name=PartnershipRole.CHAIR))
    assert announced == []


def test_losing_a_membership_a_role_or_the_account_is_announced(announced, alice, agency_b, li):
    membership = alice.memberships.get()
    membership.role = Role.AGENCY_LEAD  # unchanged: nothing lost
    membership.save()
    assert announced == []
    membership.agency = agency_b
    membership.save()
    assert announced == ["alice"]
    membership.delete()
    assert announced == ["alice", "alice"]
    li.groups.clear()
    assert announced[-1] == "li"
    charlie = member(agency_b, Role.AGENCY_LEAD, "charlie")
    charlie.is_active = False
    charlie.save(update_fields=["is_active"])
    assert announced[-1] == "charlie"


def test_a_save_that_is_not_about_access_is_not_announced(announced, alice):
    alice.first_name = "Alicia"
    alice.save()
    alice.is_active = False
    alice.save(update_fields=["last_login"])
    assert announced == []


def test_clearing_a_groups_members_announces_each(announced, li):
    other = UserFactory(username="li2", groups=[PartnershipRole.LEARNING_AND_IMPROVEMENT])
    Group.objects.get(name=PartnershipRole.LEARNING_AND_IMPROVEMENT).user_set.clear()
    assert sorted(announced) == sorted([li.username, other.username])


def test_a_membership_given_to_someone_else_withdraws_the_first_persons_grants(
    announced, alice, agency_a
):
    other = UserFactory(username="other")
    membership = alice.memberships.get()
    membership.user = other
    membership.save()
    assert not user_can(User.objects.get(pk=alice.pk), "view_agency_records", agency_a)
    assert user_can(User.objects.get(pk=other.pk), "update_action", agency_a)
    assert announced == ["alice"]
