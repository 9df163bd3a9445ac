"""The one module that writes permission grants.

Per-agency rights are guardian object permissions on the Agency, derived from a
user's memberships and roles (``agencies.roles``). ``sync_user_grants`` makes the stored
grants match the memberships exactly: it is called whenever a membership changes, so no
grant outlives the role that justified it. Partnership-wide roles are groups whose
model-level permissions ``ensure_partnership_groups`` keeps in line with the table.

When a user's access shrinks (a membership removed or changed, a partnership role
taken away, the account deactivated) :data:`access_reduced` is sent, inside the same
transaction, so a layer above can act on it (the workflow layer puts back in the queue
the tasks the user may no longer take) without this app importing it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.dispatch import Signal

from agencies import stamps
from agencies.models import Agency, AgencyUserObjectPermission, Membership
from agencies.roles import AGENCY_ROLE_PERMISSIONS, PARTNERSHIP_ROLE_PERMISSIONS
from agencies.selectors import GRANTS_CACHE

# Sent (sender=the user model, user=...) after a user lost some access: object grants
# withdrawn by ``sync_user_grants``, a partnership group left, or the account
# deactivated (``agencies.signals``). Sent inside the change's transaction; receivers
# must re-check what the user may still do rather than trust the reason.
access_reduced = Signal()


def _agency_permissions() -> dict[str, Permission]:
    ct = ContentType.objects.get_for_model(Agency)
    return {p.codename: p for p in Permission.objects.filter(content_type=ct)}


@transaction.atomic
def sync_user_grants(*, user: Any) -> None:
    """Make the user's object permissions on agencies match their memberships."""
    perms = _agency_permissions()
    wanted: set[tuple[int, int]] = set()
    for agency_id, role in Membership.objects.filter(user=user, agency__is_active=True).values_list(
        "agency_id", "role"
    ):
        for codename in AGENCY_ROLE_PERMISSIONS.get(role, set()):
            wanted.add((agency_id, perms[codename].pk))

    existing = {
        (row.content_object_id, row.permission_id): row.pk
        for row in AgencyUserObjectPermission.objects.filter(user=user)
    }
    stale = [pk for key, pk in existing.items() if key not in wanted]
    if stale:
        AgencyUserObjectPermission.objects.filter(pk__in=stale).delete()
    AgencyUserObjectPermission.objects.bulk_create(
        [
            AgencyUserObjectPermission(
                user=user, content_object_id=agency_id, permission_id=perm_id
            )
            for agency_id, perm_id in wanted
            if (agency_id, perm_id) not in existing
        ]
    )
    stamps.bump([user.pk])
    clear_permission_caches(user)
    if stale:
        access_reduced.send(sender=type(user), user=user)


def resync_drifted_grants() -> int:
    """After a change to the role table (``agencies/roles.py``), re-derive the grants of
    every user whose object permissions no longer match their memberships. Run after each
    ``migrate`` (``agencies.signals``); two set-based reads, then one sync per drifted
    user. Returns how many users were re-derived."""
    perms = _agency_permissions()
    wanted: dict[int, set[tuple[int, int]]] = {}
    for user_id, agency_id, role in Membership.objects.filter(agency__is_active=True).values_list(
        "user_id", "agency_id", "role"
    ):
        for codename in AGENCY_ROLE_PERMISSIONS.get(role, set()):
            if codename in perms:
                wanted.setdefault(user_id, set()).add((agency_id, perms[codename].pk))
    held: dict[int, set[tuple[int, int]]] = {}
    for user_id, agency_id, perm_id in AgencyUserObjectPermission.objects.values_list(
        "user_id", "content_object_id", "permission_id"
    ):
        held.setdefault(user_id, set()).add((agency_id, perm_id))
    drifted = [uid for uid in set(wanted) | set(held) if wanted.get(uid) != held.get(uid)]
    if not drifted:
        return 0
    from django.contrib.auth import get_user_model

    for user in get_user_model().objects.filter(pk__in=drifted):
        sync_user_grants(user=user)
    return len(drifted)


def clear_permission_caches(user: Any) -> None:
    """Django caches permissions on the user object; drop the caches so a change is
    visible at once to whoever holds this instance."""
    for attr in (
        "_perm_cache",
        "_user_perm_cache",
        "_group_perm_cache",
        "_guardian_perms_cache",
        GRANTS_CACHE,
    ):
        if hasattr(user, attr):
            delattr(user, attr)


@transaction.atomic
def sync_agency_grants(*, agency: Agency) -> None:
    """Re-derive the grants of everyone with a membership of ``agency`` (used when an
    agency is deactivated or reactivated)."""
    from django.contrib.auth import get_user_model

    for user in get_user_model().objects.filter(memberships__agency=agency).distinct():
        sync_user_grants(user=user)


def ensure_partnership_groups() -> dict[str, Group]:
    """Create the partnership-wide groups and set their model-level permissions."""
    groups: dict[str, Group] = {}
    for name, perm_names in PARTNERSHIP_ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for full in sorted(perm_names):
            app_label, codename = full.split(".", 1)
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)
        groups[name] = group
    return groups
