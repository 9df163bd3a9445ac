from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_migrate,
    post_save,
    pre_save,
)
from django.dispatch import receiver

from agencies import stamps
from agencies.grants import (
    access_reduced,
    clear_permission_caches,
    ensure_partnership_groups,
    resync_drifted_grants,
    sync_agency_grants,
    sync_user_grants,
)
from agencies.models import Agency, AgencyGroupObjectPermission, Membership
from agencies.tokens import revoke_all

User = get_user_model()


@receiver(pre_save, sender=Membership)
def membership_changing(sender: Any, instance: Membership, **kwargs: Any) -> None:
    # A membership moved to another person (in the admin): the previous one's grants
    # must be re-derived too, after the save.
    if instance.pk and not kwargs.get("raw"):
        instance._previous_user_id = (  # type: ignore[attr-defined]
            Membership.objects.filter(pk=instance.pk).values_list("user_id", flat=True).first()
        )


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def membership_changed(sender: Any, instance: Membership, **kwargs: Any) -> None:
    sync_user_grants(user=instance.user)
    previous = instance.__dict__.pop("_previous_user_id", None)
    if previous is not None and previous != instance.user_id:
        previous_user = User.objects.filter(pk=previous).first()
        if previous_user is not None:
            sync_user_grants(user=previous_user)


@receiver(post_save, sender=Agency)
def agency_changed(sender: Any, instance: Agency, created: bool, **kwargs: Any) -> None:
    if not created and not kwargs.get("raw"):
        sync_agency_grants(agency=instance)


@receiver(post_save, sender=User, dispatch_uid="agencies.user_stamped")
def user_stamped(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    """A saved account may be a superuser no more: what processes keep of its
    permissions (``agencies.stamps``) is read again. Not for a sign-in's last_login."""
    if kwargs.get("raw") or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    stamps.bump([instance.pk])


@receiver(post_save, sender=AgencyGroupObjectPermission, dispatch_uid="agencies.group_grant")
@receiver(post_delete, sender=AgencyGroupObjectPermission, dispatch_uid="agencies.group_ungrant")
def group_grant_changed(sender: Any, **kwargs: Any) -> None:
    """A group's grant on an agency (only the admin writes one) may reach anyone."""
    stamps.bump()


def _access_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    """A user's groups or permissions changed, or a group's permissions: what processes
    keep of them (``agencies.stamps``) is read again, for those users or for anyone."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if sender is Group.permissions.through or (reverse and action == "post_clear"):
        stamps.bump()
    elif reverse:
        stamps.bump(pk_set or [])
    else:
        stamps.bump([instance.pk])


for _through, _uid in (
    (User.groups.through, "groups"),
    (User.user_permissions.through, "permissions"),
    (Group.permissions.through, "group_permissions"),
):
    m2m_changed.connect(_access_changed, sender=_through, dispatch_uid=f"agencies.stamp.{_uid}")


@receiver(post_save, sender=User, dispatch_uid="agencies.user_deactivated")
def user_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A deactivated account holds no access (the selectors ignore an inactive user's
    grants, which stay for a reactivation): announce it like any other loss."""
    update_fields = kwargs.get("update_fields")
    if kwargs.get("raw") or instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return  # e.g. last_login: not a change of access
    clear_permission_caches(instance)
    revoke_all(instance)  # API tokens end with the account (the auth class also checks)
    access_reduced.send(sender=User, user=instance)


@receiver(user_logged_out, dispatch_uid="agencies.signed_out")
def signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Signing out of the web deletes all of the user's API tokens: no token issued
    during the working day outlives the sign-out that ends it."""
    if user is not None:
        revoke_all(user)


@receiver(post_save, sender=User, dispatch_uid="agencies.password_changed")
def password_changed(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """A new password (changed by its owner, reset from an e-mailed link, or set in the
    admin) deletes all of the user's API tokens, as signing out does: a token taken with
    the old password must not outlive it. ``set_password`` keeps the raw password on the
    user until the save that stores it has sent this signal."""
    if not created and not kwargs.get("raw") and getattr(instance, "_password", None):
        revoke_all(instance)


def _partnership_role_removed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    """A user left a partnership group (or lost a model-level permission): the
    permissions it gave everywhere are gone."""
    if action == "pre_clear" and reverse:
        # group.user_set.clear(): post_clear does not say who was removed
        instance._users_cleared = list(instance.user_set.all())
        return
    if action not in ("post_remove", "post_clear"):
        return
    if not reverse:
        users = [instance]
    elif action == "post_clear":
        users = getattr(instance, "_users_cleared", [])
    else:
        users = list(User.objects.filter(pk__in=pk_set or []))
    for user in users:
        clear_permission_caches(user)
        access_reduced.send(sender=User, user=user)


m2m_changed.connect(
    _partnership_role_removed, sender=User.groups.through, dispatch_uid="agencies.groups_left"
)
m2m_changed.connect(
    _partnership_role_removed,
    sender=User.user_permissions.through,
    dispatch_uid="agencies.permissions_removed",
)


def _create_groups(sender: Any, **kwargs: Any) -> None:
    # post_migrate fires once per app, each after that app's permissions are created;
    # re-applying the (idempotent) table every time means the last run sees them all,
    # whatever the order of INSTALLED_APPS.
    ensure_partnership_groups()
    stamps.bump()  # the role table may have changed: every kept permission is read again
    if getattr(sender, "label", None) == "agencies":
        # the Agency's permissions exist by now: a role given a permission since the
        # last migrate reaches the people who hold that role (roles.py is the truth)
        resync_drifted_grants()


post_migrate.connect(_create_groups, dispatch_uid="agencies.ensure_partnership_groups")
