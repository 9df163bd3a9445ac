from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver

from agencies.grants import ensure_partnership_groups, sync_agency_grants, sync_user_grants
from agencies.models import Agency, Membership


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def membership_changed(sender: Any, instance: Membership, **kwargs: Any) -> None:
    sync_user_grants(user=instance.user)


@receiver(post_save, sender=Agency)
def agency_changed(sender: Any, instance: Agency, created: bool, **kwargs: Any) -> None:
    if not created and not kwargs.get("raw"):
        sync_agency_grants(agency=instance)


def _create_groups(sender: Any, **kwargs: Any) -> None:
    # post_migrate fires once per app, each after that app's permissions are created;
    # re-applying the (idempotent) table every time means the last run sees them all,
    # whatever the order of INSTALLED_APPS.
    ensure_partnership_groups()


post_migrate.connect(_create_groups, dispatch_uid="agencies.ensure_partnership_groups")
