"""What a process keeps of a user's access between requests (``agencies.stamps``): used
while the user's stamp holds, read again as soon as any change of their access (or of
a group's) replaces it, whoever made the change."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies import stamps
from agencies.models import AgencyGroupObjectPermission, GrantStamp, Membership, Role
from agencies.roles import PartnershipRole
from agencies.selectors import agency_grants
from tests.factories import UserFactory

User = get_user_model()


def fresh(user):
    """The user as the next request loads it (no per-object caches)."""
    return User.objects.get(pk=user.pk)


def grants_and_queries(user):
    user = fresh(user)
    with CaptureQueriesContext(connection) as ctx:
        grants = agency_grants(user)
        may_manage = user.has_perm("actions.manage_plan")
    return grants, may_manage, len(ctx.captured_queries)


@pytest.fixture(autouse=True)
def _empty_process():
    stamps.forget_all()
    yield
    stamps.forget_all()


def test_a_second_request_reads_only_the_stamp(alice, agency_a):
    first, _, first_queries = grants_and_queries(alice)
    again, _, again_queries = grants_and_queries(alice)
    assert again == first and agency_a.pk in again["view_agency_records"]
    assert again_queries == 1 < first_queries  # the stamp; no grants, no permissions


def test_a_membership_ended_is_seen_at_once(alice, agency_a, agency_b):
    member_b = Membership.objects.create(user=alice, agency=agency_b, role=Role.AGENCY_LEAD)
    assert agency_b.pk in grants_and_queries(alice)[0]["view_agency_records"]
    member_b.delete()  # another process would see the new stamp the same way
    grants, _, queries = grants_and_queries(alice)
    assert agency_b.pk not in grants["view_agency_records"] and queries > 1


def test_a_group_joined_or_left_and_a_group_changed_are_seen(alice):
    manager_group = Group.objects.get(name=PartnershipRole.PARTNERSHIP_MANAGER)
    assert grants_and_queries(alice)[1] is False
    alice.groups.add(manager_group)
    assert grants_and_queries(alice)[1] is True
    manage = Permission.objects.get(codename="manage_plan", content_type__app_label="actions")
    manager_group.permissions.remove(manage)  # a group's permissions: everyone re-reads
    assert grants_and_queries(alice)[1] is False
    manager_group.permissions.add(manage)
    manager_group.user_set.remove(alice)
    assert grants_and_queries(alice)[1] is False


def test_a_superuser_no_more_and_a_group_grant_are_seen(alice, agency_b):
    alice.is_superuser = True
    alice.save()
    assert grants_and_queries(alice)[1] is True
    alice.is_superuser = False
    alice.save()
    assert grants_and_queries(alice)[1] is False
    group = Group.objects.create(name="Admin-made group")
    group.user_set.add(alice)
    assert "view_agency_records" not in grants_and_queries(alice)[0] or (
        agency_b.pk not in grants_and_queries(alice)[0]["view_agency_records"]
    )
    view = Permission.objects.get(
        codename="view_agency_records", content_type__app_label="agencies"
    )
    AgencyGroupObjectPermission.objects.create(
        group=group, permission=view, content_object=agency_b
    )
    assert agency_b.pk in grants_and_queries(alice)[0]["view_agency_records"]


def test_an_account_without_a_stamp_is_read_every_time(agency_a):
    [user] = User.objects.bulk_create([User(username="bulk", password="!")])  # no signal
    Membership.objects.bulk_create([Membership(user=user, agency=agency_a, role=Role.AUDITOR)])
    GrantStamp.objects.filter(key=user.pk).delete()
    assert grants_and_queries(user)[0] == {}  # no grants synced: none held
    from agencies.grants import sync_user_grants

    sync_user_grants(user=user)  # stamps it
    assert agency_a.pk in grants_and_queries(user)[0]["view_agency_records"]


def test_a_superuser_flag_taken_without_a_signal_is_seen(alice):
    User.objects.filter(pk=alice.pk).update(is_superuser=True)
    assert grants_and_queries(alice)[1] is True  # kept: every permission
    User.objects.filter(pk=alice.pk).update(is_superuser=False)  # no signal, no new stamp
    assert grants_and_queries(alice)[1] is False


def test_an_inactive_account_holds_nothing_whatever_is_kept(alice, agency_a):
    assert grants_and_queries(alice)[0]
    User.objects.filter(pk=alice.pk).update(is_active=False)  # even with no signal
    grants, may_manage, _ = grants_and_queries(alice)
    assert grants == {} and may_manage is False


def test_stamps_are_random_not_counters(alice):
    stamps.bump([alice.pk])
    first = GrantStamp.objects.get(key=alice.pk).stamp
    stamps.bump([alice.pk])
    assert GrantStamp.objects.get(key=alice.pk).stamp != first


def test_every_new_account_is_stamped(db):
    user = UserFactory(username="newcomer")
    assert GrantStamp.objects.filter(key=user.pk).exists()
