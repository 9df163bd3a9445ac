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
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from actions.models import OPEN_STATES, Action
from agencies.models import Membership
from agencies.selectors import agencies_for, agency_grants, holders
from workflows.base import OPEN_TASK_STATUSES, registered_flows

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
    q = Q(owner=user) | _permission_q(user) | _team_q(user)
    if user.has_perm("agencies.view_agency_records"):
        q |= Q(owner_permission_obj_pk__isnull=False)
    elif grants.get("view_agency_records"):
        q |= Q(owner_permission_obj_pk__in=_ids(grants["view_agency_records"]))
    return Task.objects.filter(q, flow_task_type="HUMAN")


def _team_q(user: Any) -> Q:
    """The tasks the user manages (``manage_agency_tasks``): on the agencies they hold it
    on; held model-wide (the partnership manager), every task, with or without an
    agency (the L&I group's)."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.has_perm("agencies.manage_agency_tasks"):
        return Q(pk__isnull=False)  # every task (an empty Q() would vanish in an OR)
    agency_ids = agency_grants(user).get("manage_agency_tasks")
    if not agency_ids:
        return Q(pk__in=[])
    # a task on an agency carries one of the agencies' permissions on it: naming them
    # lets the (owner_permission, owner_permission_obj_pk, status) index serve this
    perms = [p for p in queue_permissions() if p.startswith("agencies.")]
    return Q(owner_permission__in=perms, owner_permission_obj_pk__in=_ids(agency_ids))


def manages_tasks(user: Any) -> bool:
    """Whether the user may reassign the tasks of at least one agency."""
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(
        user.has_perm("agencies.manage_agency_tasks")
        or agency_grants(user).get("manage_agency_tasks")
    )


def task_team(*, user: Any) -> QuerySet[Task]:
    """Every open task of the agencies whose tasks the user manages, picked up or not
    (the "Team tasks" tab): see ``_team_q``."""
    if not manages_tasks(user):
        return Task.objects.none()
    return _with_rows(
        Task.objects.filter(_team_q(user), status__in=OPEN_TASK_STATUSES, flow_task_type="HUMAN")
    ).order_by("due__due_on", "created", "pk")


# -- what My work flags beside tasks -----------------------------------------------------
def actions_without_a_lead(*, user: Any) -> QuerySet[Action]:
    """Open actions whose named lead can no longer act on them (no longer a member of
    the action's agency who may update its actions, or their account is closed), on
    the agencies where ``user`` may change the lead: every agency for the partnership
    manager (``actions.manage_plan``), the agencies they lead for an agency lead; with
    the agency and the lead, and ``lead_is_member``.

    Checked per (lead, agency) pair, not per action: the distinct pairs of the open
    actions (one query over an index), who of those leads holds ``update_action`` where
    (``holders``, at most three) and who is still a member (one); only then, if some
    pair fails, the actions of those pairs. The cost follows the number of leads, not of
    actions, and the number of queries is the same at every size."""
    if not user.is_authenticated or not user.is_active:
        return Action.objects.none()
    actions = Action.objects.filter(state__in=OPEN_STATES)
    if not user.has_perm("actions.manage_plan"):
        actions = actions.filter(agency__in=agencies_for(user, "update_action"))
    pairs = set(actions.order_by().values_list("lead_id", "agency_id").distinct())
    if not pairs:
        return Action.objects.none()
    lead_ids = {lead for lead, _ in pairs}
    agency_ids = {agency for _, agency in pairs}
    may_update = holders("update_action", agency_ids, lead_ids)
    members = set(
        Membership.objects.filter(user_id__in=lead_ids, agency_id__in=agency_ids).values_list(
            "user_id", "agency_id"
        )
    )
    failing = [
        (lead, agency)
        for lead, agency in pairs
        if (lead, agency) not in members or lead not in may_update.get(agency, set())
    ]
    if not failing:
        return Action.objects.none()
    which = Q()
    for lead, agency in failing:
        which |= Q(lead_id=lead, agency_id=agency)
    member = Membership.objects.filter(user=OuterRef("lead"), agency=OuterRef("agency"))
    return (
        actions.filter(which)
        .annotate(lead_is_member=Exists(member))
        .select_related("agency", "lead")
        .order_by("target_date", "pk")
    )
