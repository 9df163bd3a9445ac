"""Grants follow memberships exactly (``agencies.grants``), and ``agencies.selectors``
reads them: object grants on one agency, group-wide grants meaning every agency,
nothing for an inactive user."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm, get_perms

from agencies.grants import ensure_partnership_groups
from agencies.models import Agency, AgencyUserObjectPermission, Membership, Role
from agencies.roles import (
    AGENCY_ROLE_PERMISSIONS,
    ALL_AGENCY_PERMISSIONS,
    PARTNERSHIP_ROLE_PERMISSIONS,
    PartnershipRole,
)
from agencies.selectors import agencies_for, user_can, visible_agencies
from tests.factories import AgencyFactory, UserFactory, member

User = get_user_model()


def granted(user) -> set[tuple[int, str]]:
    """(agency id, codename) for every object grant the user holds."""
    return set(
        AgencyUserObjectPermission.objects.filter(user=user).values_list(
            "content_object_id", "permission__codename"
        )
    )


def expected(agency, *roles) -> set[tuple[int, str]]:
    return {(agency.pk, c) for role in roles for c in AGENCY_ROLE_PERMISSIONS[role]}


def fresh(user):
    """A new instance, so Django's per-instance permission caches cannot hide a change."""
    return User.objects.get(pk=user.pk)


# -- grants from memberships ------------------------------------------------------------
@pytest.mark.parametrize("role", list(Role))
def test_membership_grants_exactly_the_roles_permissions_on_that_agency(role, agency_a, agency_b):
    user = member(agency_a, role)
    assert granted(user) == expected(agency_a, role)
    user = fresh(user)
    for codename in ALL_AGENCY_PERMISSIONS:
        assert user.has_perm(f"agencies.{codename}", agency_a) == (
            codename in AGENCY_ROLE_PERMISSIONS[role]
        )
        assert not user.has_perm(f"agencies.{codename}", agency_b)
        # object grants are not model-wide grants
        assert not user.has_perm(f"agencies.{codename}")


def test_guardian_sees_the_grants_on_the_direct_foreign_key_table(alice, agency_a):
    assert set(get_perms(alice, agency_a)) == AGENCY_ROLE_PERMISSIONS[Role.AGENCY_LEAD]


def test_two_roles_in_one_agency_grant_the_union(agency_a):
    user = member(agency_a, Role.AUDITOR)
    Membership.objects.create(user=user, agency=agency_a, role=Role.MANAGER)
    assert granted(user) == expected(agency_a, Role.AUDITOR, Role.MANAGER)


def test_memberships_of_two_agencies_grant_on_each(agency_a, agency_b):
    user = member(agency_a, Role.AUDITOR)
    Membership.objects.create(user=user, agency=agency_b, role=Role.AGENCY_LEAD)
    assert granted(user) == (
        expected(agency_a, Role.AUDITOR) | expected(agency_b, Role.AGENCY_LEAD)
    )


def test_changing_the_role_replaces_the_grants(bob, agency_a):
    membership = bob.memberships.get()
    membership.role = Role.AGENCY_LEAD
    membership.save()
    assert granted(bob) == expected(agency_a, Role.AGENCY_LEAD)
    membership.role = Role.AUDITOR
    membership.save()
    assert granted(bob) == expected(agency_a, Role.AUDITOR)
    assert not user_can(fresh(bob), "raise_challenge", agency_a)


def test_moving_a_membership_to_another_agency_moves_the_grants(bob, agency_a, agency_b):
    membership = bob.memberships.get()
    membership.agency = agency_b
    membership.save()
    assert granted(bob) == expected(agency_b, Role.PRACTITIONER)


def test_deleting_the_membership_removes_the_grants(alice, agency_a):
    assert granted(alice)
    alice.memberships.get().delete()
    assert granted(alice) == set()
    assert not user_can(fresh(alice), "sign_off_action", agency_a)


def test_deleting_one_of_two_memberships_keeps_the_other_roles_grants(agency_a):
    user = member(agency_a, Role.AUDITOR)
    manager = Membership.objects.create(user=user, agency=agency_a, role=Role.MANAGER)
    manager.delete()
    assert granted(user) == expected(agency_a, Role.AUDITOR)


def test_a_grant_added_by_hand_is_removed_at_the_next_sync(bob, agency_b):
    assign_perm("agencies.sign_off_action", bob, agency_b)
    assert (agency_b.pk, "sign_off_action") in granted(bob)
    Membership.objects.filter(user=bob).first().save()
    assert (agency_b.pk, "sign_off_action") not in granted(bob)


def test_deactivating_the_agency_removes_grants_and_reactivating_restores_them(
    alice, bob, charlie, agency_a, agency_b
):
    agency_a.is_active = False
    agency_a.save()
    assert granted(alice) == set()
    assert granted(bob) == set()
    assert granted(charlie) == expected(agency_b, Role.AGENCY_LEAD)  # untouched
    assert agency_a not in agencies_for(fresh(alice), "view_agency_records")

    agency_a.is_active = True
    agency_a.save()
    assert granted(alice) == expected(agency_a, Role.AGENCY_LEAD)


def test_a_membership_of_an_inactive_agency_grants_nothing(agency_a):
    agency_a.is_active = False
    agency_a.save()
    assert granted(member(agency_a, Role.AGENCY_LEAD)) == set()


def test_deleting_a_user_with_memberships_deletes_everything(alice, agency_a):
    Membership.objects.create(user=alice, agency=agency_a, role=Role.AUDITOR)
    pk = alice.pk
    alice.delete()
    assert not Membership.objects.filter(user_id=pk).exists()
    assert not AgencyUserObjectPermission.objects.filter(user_id=pk).exists()


# -- partnership groups -----------------------------------------------------------------
def test_partnership_groups_exist_after_migrate_with_their_model_permissions(db):
    for name, perms in PARTNERSHIP_ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=name)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        # every permission in the table exists, so none was silently dropped
        assert held == perms, name


def test_ensure_partnership_groups_is_idempotent_and_repairs_drift(db):
    group = Group.objects.get(name=PartnershipRole.BOARD_MEMBER)
    group.permissions.clear()
    ensure_partnership_groups()
    ensure_partnership_groups()
    assert Group.objects.filter(name=PartnershipRole.BOARD_MEMBER).count() == 1
    assert {p.codename for p in group.permissions.all()} == {"view_agency_records"}


# -- selectors --------------------------------------------------------------------------
def test_agencies_for_an_object_grant_is_that_agency_only(alice, agency_a, agency_b):
    assert list(agencies_for(alice, "sign_off_action")) == [agency_a]
    assert list(agencies_for(alice, "agencies.sign_off_action")) == [agency_a]
    assert list(agencies_for(alice, "complete_audit_form")) == []
    assert user_can(alice, "sign_off_action", agency_a)
    assert user_can(alice, "sign_off_action", agency_a.pk)
    assert not user_can(alice, "sign_off_action", agency_b)
    assert not user_can(alice, "sign_off_action", None)


def test_charlie_of_agency_b_holds_nothing_on_agency_a(charlie, agency_a, agency_b):
    assert list(visible_agencies(charlie)) == [agency_b]
    for codename in ALL_AGENCY_PERMISSIONS:
        assert not user_can(charlie, codename, agency_a)


def test_a_group_wide_permission_means_every_agency(li, agency_a, agency_b):
    inactive = AgencyFactory(name="Closed forum", is_active=False)
    assert set(agencies_for(li, "view_agency_records")) == {agency_a, agency_b, inactive}
    assert user_can(li, "download_evidence", agency_b)
    # a permission the group does not hold is not granted anywhere
    assert not agencies_for(li, "sign_off_action").exists()
    assert not user_can(li, "sign_off_action", agency_a)


def test_manager_may_manage_every_agencys_tasks(manager, agency_a, agency_b):
    assert set(agencies_for(manager, "manage_agency_tasks")) == {agency_a, agency_b}


def test_a_group_object_grant_is_that_agency_only(agency_a, agency_b):
    group = Group.objects.create(name="Health designated professionals")
    assign_perm("agencies.view_agency_records", group, agency_b)
    user = UserFactory(groups=[group.name])
    assert list(agencies_for(user, "view_agency_records")) == [agency_b]
    assert not user_can(user, "view_agency_records", agency_a)


def test_superuser_holds_everything(agency_a):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert user_can(admin, "sign_off_action", agency_a)


def test_an_inactive_user_gets_nothing(alice, li, agency_a):
    for user in (alice, li):
        user.is_active = False
        user.save()
        user = fresh(user)
        assert not agencies_for(user, "view_agency_records").exists()
        assert not user_can(user, "view_agency_records", agency_a)


def test_an_anonymous_user_gets_nothing(agency_a):
    from django.contrib.auth.models import AnonymousUser

    assert not agencies_for(AnonymousUser(), "view_agency_records").exists()
    assert not user_can(AnonymousUser(), "view_agency_records", agency_a)


def test_agencies_for_is_one_query_usable_as_a_subquery(alice, agency_a, django_assert_num_queries):
    # Django loads a user's model-wide permissions once per instance (two queries);
    # after that the selector adds nothing but its subquery.
    alice.get_all_permissions()
    with django_assert_num_queries(1):
        ids = list(
            Agency.objects.filter(pk__in=agencies_for(alice, "update_action")).values_list(
                "pk", flat=True
            )
        )
    assert ids == [agency_a.pk]


def test_a_permission_added_to_a_role_reaches_its_holders_after_migrate(agency_a, alice, bob):
    """A grant deleted by hand stands for a role given a new permission in roles.py:
    the post-migrate pass re-derives exactly the users whose grants drifted."""
    from agencies.grants import resync_drifted_grants
    from agencies.models import AgencyUserObjectPermission

    assert resync_drifted_grants() == 0
    row = AgencyUserObjectPermission.objects.filter(user=alice).first()
    assert row is not None
    perm = row.permission
    row.delete()
    assert resync_drifted_grants() == 1
    assert AgencyUserObjectPermission.objects.filter(user=alice, permission=perm).exists()
    assert resync_drifted_grants() == 0
