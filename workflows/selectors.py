"""Inbox, queue and overdue: our own selectors over viewflow's task table.

viewflow's stock ``Task.objects.user_queue`` loads every object permission into Python
and filters with an unindexable ``Concat(...) IN (...)``. Here the user's grants are read
once per request (``agencies.selectors.agency_grants``, two queries) and turned into
literal ``owner_permission = p AND owner_permission_obj_pk IN (...)`` terms that the
index from our migration (``owner_permission, owner_permission_obj_pk, status``)
serves directly. The number of queries does not depend on how many tasks or grants
exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Q, QuerySet
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from agencies.selectors import agency_grants
from workflows.base import registered_flows

QUEUE_STATUSES = [STATUS.NEW]
INBOX_STATUSES = [STATUS.ASSIGNED, STATUS.STARTED]


def queue_permissions() -> list[str]:
    """Every permission a registered flow puts on its human tasks."""
    perms: set[str] = set()
    for flow_class in registered_flows():
        for node in flow_class.instance.nodes():
            perm = getattr(node, "_owner_permission", None)
            if isinstance(perm, str):
                perms.add(perm)
    return sorted(perms)


def _ids(agency_ids: frozenset[int]) -> list[str]:
    # viewflow stores owner_permission_obj_pk as text
    return sorted(str(pk) for pk in agency_ids)


def _permission_q(user: Any) -> Q:
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    grants = agency_grants(user)
    q = Q(pk__in=[])
    for perm in queue_permissions():
        app_label, codename = perm.split(".", 1)
        if user.has_perm(perm):  # partnership-wide (group) or superuser
            q |= Q(owner_permission=perm)
        elif app_label == "agencies" and grants.get(codename):
            q |= Q(owner_permission=perm, owner_permission_obj_pk__in=_ids(grants[codename]))
    return q


def _with_rows(qs: QuerySet[Task]) -> QuerySet[Task]:
    """Everything a task table shows, in a fixed number of queries."""
    return qs.select_related("process", "owner", "due").prefetch_related(
        GenericPrefetch(
            "process__artifact",
            [flow_class.record_queryset() for flow_class in registered_flows()],
        )
    )


def task_inbox(*, user: Any) -> QuerySet[Task]:
    """Tasks assigned to the user."""
    if not user.is_authenticated:
        return Task.objects.none()
    return _with_rows(
        Task.objects.filter(owner=user, status__in=INBOX_STATUSES, flow_task_type="HUMAN")
    ).order_by("due__due_on", "created")


def task_queue(*, user: Any) -> QuerySet[Task]:
    """Unclaimed tasks the user may pick up."""
    return _with_rows(
        Task.objects.filter(
            _permission_q(user),
            status__in=QUEUE_STATUSES,
            owner__isnull=True,
            flow_task_type="HUMAN",
        )
    ).order_by("due__due_on", "created")


def task_overdue(*, user: Any) -> QuerySet[Task]:
    """The user's own and claimable tasks whose due date has passed."""
    if not user.is_authenticated:
        return Task.objects.none()
    today = timezone.localdate()
    mine = Q(owner=user, status__in=INBOX_STATUSES)
    claimable = _permission_q(user) & Q(status__in=QUEUE_STATUSES, owner__isnull=True)
    return _with_rows(
        Task.objects.filter(mine | claimable, flow_task_type="HUMAN", due__due_on__lt=today)
    ).order_by("due__due_on", "created")


def task_visible(*, user: Any) -> QuerySet[Task]:
    """Tasks the user may open: their own, their queue's, and any on an agency whose
    records they may see."""
    if not user.is_authenticated:
        return Task.objects.none()
    grants = agency_grants(user)
    q = Q(owner=user) | _permission_q(user)
    if user.has_perm("agencies.view_agency_records"):
        q |= Q(owner_permission_obj_pk__isnull=False)
    elif grants.get("view_agency_records"):
        q |= Q(owner_permission_obj_pk__in=_ids(grants["view_agency_records"]))
    return Task.objects.filter(q, flow_task_type="HUMAN")
