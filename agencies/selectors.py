"""The one module that reads grants. No view computes permissions its own way.

Rule: a user holds ``perm`` on an agency if they hold it on that Agency as a guardian
object permission (from a membership), or hold ``agencies.<perm>`` model-wide (from a
partnership role such as the L&I group), which means "on every agency".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q, QuerySet

from agencies import stamps
from agencies.models import (
    Agency,
    AgencyGroupObjectPermission,
    AgencyUserObjectPermission,
    Membership,
)


def _codename(perm: str) -> str:
    return perm.split(".", 1)[1] if "." in perm else perm


def _object_grant(codename: str, *, user: Any, agency: Any) -> Q:
    """``user`` holds ``codename`` on ``agency`` by an object grant, their own or a
    group's; each of ``user`` and ``agency`` a value or an ``OuterRef``."""
    perm = {"permission__codename": codename, "permission__content_type__app_label": "agencies"}
    return Q(
        Exists(AgencyUserObjectPermission.objects.filter(user=user, content_object=agency, **perm))
    ) | Q(
        Exists(
            AgencyGroupObjectPermission.objects.filter(
                group__user=user, content_object=agency, **perm
            )
        )
    )


def _holds_permission(app_label: str, codename: str, user: Any) -> Q:
    """``user`` (a value or an ``OuterRef``) holds the model-level permission
    ``app_label.codename``: their own grant or a group's."""
    return Q(
        Exists(
            Permission.objects.filter(
                Q(user=user) | Q(group__user=user),
                codename=codename,
                content_type__app_label=app_label,
            )
        )
    )


def _model_wide(codename: str, user: Any) -> Q:
    """``user`` (a value or an ``OuterRef``) holds ``codename`` on every agency: the
    permission itself, their own or a group's."""
    return _holds_permission("agencies", codename, user)


def users_holding(perm: str) -> QuerySet[Any]:
    """The active users who hold the model-level permission ``perm``
    (``"app_label.codename"``), their own grant or a group's, in one query: who is told
    about what a partnership-wide role does (learning checks due: the L&I group's
    ``actions.run_learning_check``; escalations: the partnership manager's
    ``actions.manage_plan``). A superuser's implicit every-permission does not count:
    administering the site is not a role in the partnership."""
    app_label, codename = perm.split(".", 1)
    return get_user_model().objects.filter(
        _holds_permission(app_label, codename, OuterRef("pk")), is_active=True
    )


def has_partnership_wide(user: Any, perm: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(user.has_perm(f"agencies.{_codename(perm)}"))


def agencies_for(user: Any, perm: str) -> QuerySet[Agency]:
    """The agencies on which ``user`` holds ``perm``, as a lazy queryset usable in a
    subquery (``filter(agency__in=agencies_for(user, "view_agency_records"))``)."""
    if not user.is_authenticated or not user.is_active:
        return Agency.objects.none()
    codename = _codename(perm)
    if user.is_superuser or has_partnership_wide(user, codename):
        return Agency.objects.all()
    return Agency.objects.filter(_object_grant(codename, user=user, agency=OuterRef("pk")))


GRANTS_CACHE = "_agency_grants_cache"
# Django's ModelBackend keeps a user's model permissions in these attributes.
PERM_CACHES = ("_perm_cache", "_user_perm_cache", "_group_perm_cache")


def agency_grants(user: Any) -> dict[str, frozenset[int]]:
    """Every per-agency grant the user holds, as codename -> agency ids, cached on the
    user object like Django's own permission cache (``grants.sync_user_grants`` clears
    it). Partnership-wide permissions are not in it: ask ``has_partnership_wide`` or
    ``user.has_perm`` for those.

    Between requests the process keeps them, with the user's model permissions, under
    the user's stamp (``agencies.stamps``): one query reads the stamp, and only a
    changed stamp reads the grants (two queries) and the permissions again. While the
    stamp holds, ``user.has_perm`` is answered without a query too."""
    cached = getattr(user, GRANTS_CACHE, None)
    if cached is not None:
        return cached
    grants: dict[str, frozenset[int]] = {}
    if user.is_authenticated and user.is_active:
        stamp = stamps.current(user.pk)
        kept = stamps.recall(user.pk, stamp)
        if kept is not None and kept["is_superuser"] != user.is_superuser:
            kept = None  # changed without a signal (a queryset update): read afresh
        if kept is not None:
            grants = kept["grants"]
            for attr in PERM_CACHES:
                if not hasattr(user, attr):
                    setattr(user, attr, set(kept[attr]))
        else:
            grants = _read_grants(user)
            if stamp is not None:
                ModelBackend().get_all_permissions(user)  # fills PERM_CACHES
                stamps.keep(
                    user.pk,
                    stamp,
                    {
                        "grants": grants,
                        "is_superuser": user.is_superuser,
                        **{a: frozenset(getattr(user, a)) for a in PERM_CACHES},
                    },
                )
    setattr(user, GRANTS_CACHE, grants)
    return grants


def _read_grants(user: Any) -> dict[str, frozenset[int]]:
    found: dict[str, set[int]] = {}
    rows = [
        *AgencyUserObjectPermission.objects.filter(user=user).values_list(
            "permission__codename", "content_object_id"
        ),
        *AgencyGroupObjectPermission.objects.filter(group__user=user).values_list(
            "permission__codename", "content_object_id"
        ),
    ]
    for codename, agency_id in rows:
        found.setdefault(codename, set()).add(agency_id)
    return {codename: frozenset(ids) for codename, ids in found.items()}


def user_can(user: Any, perm: str, agency: Agency | int | None) -> bool:
    """Whether ``user`` holds ``perm`` on ``agency`` (an Agency or its id)."""
    if agency is None or not user.is_authenticated or not user.is_active:
        return False
    agency_id = agency.pk if isinstance(agency, Agency) else agency
    return agencies_for(user, perm).filter(pk=agency_id).exists()


def visible_agencies(user: Any) -> QuerySet[Agency]:
    return agencies_for(user, "view_agency_records")


def user_agencies(user: Any) -> QuerySet[Agency]:
    """The agencies the user is a member of (for display, not for access)."""
    if not user.is_authenticated:
        return Agency.objects.none()
    return Agency.objects.filter(memberships__user=user).distinct()


def members_with(agency: Agency | int, perm: str) -> QuerySet[Any]:
    """Active members of ``agency`` who hold ``perm`` on it, as ``user_can`` decides, in
    one query (for example the people who may be an action's named lead)."""
    agency_id = agency.pk if isinstance(agency, Agency) else agency
    holding = Membership.objects.filter(agency_id=agency_id).filter(
        holder_q(perm, user="user", agency="agency")
    )
    return get_user_model().objects.filter(pk__in=holding.values("user_id"))


def holder_q(perm: str, *, user: str, agency: str) -> Q:
    """A filter for any queryset whose rows name a user and an agency (field paths
    ``user`` and ``agency``, e.g. ``user="lead", agency="agency"`` on actions): the user
    holds ``perm`` on that agency, as ``user_can`` decides (active; an object grant, a
    group grant, the permission model-wide, or a superuser). Evaluated in the database,
    in the same query as the rest."""
    codename = _codename(perm)
    return Q(**{f"{user}__is_active": True}) & (
        Q(**{f"{user}__is_superuser": True})
        | _object_grant(codename, user=OuterRef(user), agency=OuterRef(agency))
        | _model_wide(codename, OuterRef(user))
    )


def holders(perm: str, agency_ids: Iterable[int], users: Iterable[Any]) -> dict[int, set[int]]:
    """For each of ``agency_ids``, the ids of those of ``users`` (users or their ids) who
    hold ``perm`` on it, as ``user_can`` decides (active; an object grant, a group grant,
    the permission model-wide, or a superuser). At most three queries, whatever the
    numbers: for filtering many notifications' recipients at once."""
    agency_ids = {int(pk) for pk in agency_ids}
    user_ids = {u if isinstance(u, int) else u.pk for u in users if u is not None}
    user_ids.discard(None)
    found: dict[int, set[int]] = {pk: set() for pk in agency_ids}
    if not agency_ids or not user_ids:
        return found
    codename = _codename(perm)
    everywhere = set(
        get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True)
        .filter(Q(is_superuser=True) | _model_wide(codename, OuterRef("pk")))
        .values_list("pk", flat=True)
    )
    rows = []
    if user_ids - everywhere:
        rest = user_ids - everywhere
        rows = [
            *AgencyUserObjectPermission.objects.filter(
                user_id__in=rest,
                user__is_active=True,
                content_object_id__in=agency_ids,
                permission__codename=codename,
                permission__content_type__app_label="agencies",
            ).values_list("user_id", "content_object_id"),
            *AgencyGroupObjectPermission.objects.filter(
                group__user__in=rest,
                group__user__is_active=True,
                content_object_id__in=agency_ids,
                permission__codename=codename,
                permission__content_type__app_label="agencies",
            ).values_list("group__user", "content_object_id"),
        ]
    for agency_id in agency_ids:
        found[agency_id] |= everywhere
    for user_id, agency_id in rows:
        found[agency_id].add(user_id)
    return found


def members_holding(perm: str, agency_ids: Iterable[int]) -> dict[int, list[Any]]:
    """For each of ``agency_ids``, its active members who hold ``perm`` on it, as
    ``user_can`` decides, in one query: who receives an agency's reminders
    (``receive_reminders``), who may sign its actions off (``sign_off_action``)."""
    ids = {int(pk) for pk in agency_ids}
    found: dict[int, list[Any]] = {pk: [] for pk in ids}
    if not ids:
        return found
    rows = (
        Membership.objects.filter(agency_id__in=ids)
        .filter(holder_q(perm, user="user", agency="agency"))
        .select_related("user")
        .order_by("agency_id", "user_id")
    )
    for membership in rows:
        if membership.user not in found[membership.agency_id]:
            found[membership.agency_id].append(membership.user)
    return found
