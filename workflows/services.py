"""Claim, release and reassign: the only code that changes who holds a task. Also puts
back in the queue the tasks of someone who may no longer take them (``access_reduced``
from ``agencies.grants``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from agencies.grants import access_reduced
from agencies.models import Agency
from agencies.selectors import agency_grants, holders, members_with, user_can, users_holding
from core.outbox import notify
from core.transitions import TransitionForbidden, TransitionRefused
from workflows.base import lock_task
from workflows.timeline import (
    EVENTS,
    OUT_OF_REACH,
    PICKED_UP,
    REASSIGNED,
    RELEASED,
    record_task_event,
)

logger = logging.getLogger(__name__)

TASK_ALREADY_TAKEN = "Someone has already picked up this task."
TASK_NOT_OPEN = "This task is finished or cancelled, so it cannot be picked up or passed on."
TASK_NOT_YOURS = "You can only release a task you hold."
TASK_NOT_PERMITTED = "You do not have permission to pick up this task."
REASSIGN_NOT_MANAGER = "Only a manager of this task's agency can reassign it."
REASSIGN_NOT_ELIGIBLE = "That person cannot take this task: they lack the permission it needs."


def can_pick_up(user: Any, task: Task) -> bool:
    """Whether ``user`` holds the task's permission (on its agency, if it has one)."""
    if not user.is_authenticated or not user.is_active or not task.owner_permission:
        return False
    if user.has_perm(task.owner_permission):
        return True
    app_label, codename = task.owner_permission.split(".", 1)
    if app_label != "agencies" or not task.owner_permission_obj_pk:
        return False
    return user_can(user, codename, int(task.owner_permission_obj_pk))


def can_manage(user: Any, task: Task) -> bool:
    if user.has_perm("agencies.manage_agency_tasks"):
        return True
    if not task.owner_permission_obj_pk:
        return False
    return user_can(user, "manage_agency_tasks", int(task.owner_permission_obj_pk))


@transaction.atomic
def task_claim(*, task: Task, by: Any) -> Task:
    lock_task(task)  # someone may have picked it up (or done it) since it was loaded
    if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
        raise TransitionRefused(TASK_NOT_OPEN)
    if not can_pick_up(by, task):
        raise TransitionForbidden(TASK_NOT_PERMITTED)
    if task.status != STATUS.NEW or task.owner_id:
        raise TransitionRefused(TASK_ALREADY_TAKEN)
    with task.activation() as activation:
        # on the record's history (workflows.timeline), saved with the claim
        record_task_event(task, PICKED_UP, by=by)
        activation.assign(user=by)
    return task


@transaction.atomic
def task_release(*, task: Task, by: Any) -> Task:
    lock_task(task)  # it may have been released, passed on or done since it was loaded
    if task.status != STATUS.ASSIGNED:
        raise TransitionRefused(TASK_NOT_OPEN)
    if task.owner_id != by.pk and not can_manage(by, task):
        raise TransitionForbidden(TASK_NOT_YOURS)
    with task.activation() as activation:
        record_task_event(task, RELEASED, by=by, holder=task.owner_id)
        activation.unassign()
    return task


@transaction.atomic
def task_reassign(*, task: Task, to: Any, by: Any) -> Task:
    lock_task(task)
    if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
        raise TransitionRefused(TASK_NOT_OPEN)
    if not can_manage(by, task):
        raise TransitionForbidden(REASSIGN_NOT_MANAGER)
    if not can_pick_up(to, task):
        raise TransitionRefused(REASSIGN_NOT_ELIGIBLE)
    with task.activation() as activation:
        record_task_event(task, REASSIGNED, by=by, to=to, holder=task.owner_id)
        if task.status == STATUS.NEW:
            activation.assign(user=to)
        else:
            activation.reassign(user=to)
    _tell_new_holder(task, to=to, by=by)
    return task


def _tell_new_holder(task: Task, *, to: Any, by: Any) -> None:
    """The new holder of a reassigned task is told (not when they passed it to
    themselves), if they may still see the records of the record's agency: the task's
    agency, else the record's own (a task with neither, the partnership's own record,
    tells them as it is)."""
    if to.pk == getattr(by, "pk", None):
        return
    record = task.process.artifact
    agency_id = task.owner_permission_obj_pk or getattr(record, "agency_id", None)
    if agency_id and to.pk not in holders("view_agency_records", {int(agency_id)}, [to]).get(
        int(agency_id), set()
    ):
        return
    due = getattr(task, "due", None)
    get_url = getattr(record, "get_absolute_url", None)
    notify(
        recipients=[to],
        subject=f"Task passed to you: {task.title} for {record}",
        template="task_reassigned",
        context={
            "by_name": _person(by),
            "task": task.title,
            "record": str(record),
            "due_on": getattr(due, "due_on", None),
        },
        # one per reassignment: the task's events so far count them
        dedupe_key=f"task-reassigned-{task.pk}-{len((task.data or {}).get(EVENTS, []))}",
        link=get_url() if callable(get_url) else "",
        agency_pk=int(agency_id) if agency_id else None,
    )


def eligible_assignees(task: Task) -> list[Any]:
    """People who could take the task (for the reassign form), in one query: for a task
    on an agency, its active members holding the task's permission there; for a task
    with no agency (the L&I group's review and learning check), every active user who
    holds its permission model-wide, from a partnership role or given directly (not
    superusers, who hold everything without being anyone's colleague)."""
    if not task.owner_permission:
        return []
    app_label, codename = task.owner_permission.split(".", 1)
    User = get_user_model()
    if task.owner_permission_obj_pk:
        if app_label != "agencies":
            return []
        users = members_with(int(task.owner_permission_obj_pk), codename)
    else:
        users = User.objects.filter(
            Q(
                user_permissions__codename=codename,
                user_permissions__content_type__app_label=app_label,
            )
            | Q(
                groups__permissions__codename=codename,
                groups__permissions__content_type__app_label=app_label,
            ),
            is_active=True,
        )
    return list(
        users.exclude(pk=task.owner_id or 0)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class TaskRights:
    """What one user may do with tasks (pick up, release or reassign), read once, for
    a page of tasks: the same answers as ``can_pick_up`` and ``can_manage`` without a
    query per row (the grants come from ``agency_grants``, cached on the user)."""

    def __init__(self, user: Any):
        self.user = user
        self.active = bool(user.is_authenticated and user.is_active)
        self.grants = agency_grants(user) if self.active else {}
        self.manages_everywhere = self.active and user.has_perm("agencies.manage_agency_tasks")

    def _on_agency(self, codename: str, task: Task) -> bool:
        pk = task.owner_permission_obj_pk
        return bool(pk) and int(pk) in self.grants.get(codename, frozenset())

    def can_pick_up(self, task: Task) -> bool:
        if not self.active or not task.owner_permission:
            return False
        if self.user.has_perm(task.owner_permission):  # cached after the first call
            return True
        app_label, codename = task.owner_permission.split(".", 1)
        return app_label == "agencies" and self._on_agency(codename, task)

    def can_manage(self, task: Task) -> bool:
        return self.manages_everywhere or self._on_agency("manage_agency_tasks", task)

    def manages_any(self) -> bool:
        return self.manages_everywhere or bool(self.grants.get("manage_agency_tasks"))

    def mark(self, tasks: Iterable[Task]) -> None:
        """Set ``can_pick_up``, ``can_release`` and ``can_manage`` on each task, for the
        task tables."""
        for task in tasks:
            task.can_manage = self.can_manage(task)  # type: ignore[attr-defined]
            task.can_pick_up = (  # type: ignore[attr-defined]
                task.owner_id is None and task.status == STATUS.NEW and self.can_pick_up(task)
            )
            task.can_release = task.status == STATUS.ASSIGNED and (  # type: ignore[attr-defined]
                task.owner_id == self.user.pk or task.can_manage  # type: ignore[attr-defined]
            )


# -- someone who may no longer take their tasks ------------------------------------------
def _person(user: Any) -> str:
    return str(user.get_full_name() or user.username)


def _agency_task_managers(agency_id: int | None, *, leaving: Any) -> list[Any]:
    """Who is told that tasks of ``agency_id`` are back in its queue: the agency's
    members who may reassign its tasks, else (or for a task with no agency) whoever may
    reassign every agency's tasks (the partnership manager)."""
    people: list[Any] = []
    if agency_id is not None:
        people = list(members_with(agency_id, "manage_agency_tasks").exclude(pk=leaving.pk))
    if not people:
        people = list(users_holding("agencies.manage_agency_tasks").exclude(pk=leaving.pk))
    return people


def _tell_managers(user: Any, released: list[Task]) -> None:
    by_agency: dict[int | None, list[Task]] = {}
    for task in released:
        pk = task.owner_permission_obj_pk
        by_agency.setdefault(int(pk) if pk else None, []).append(task)
    names = dict(
        Agency.objects.filter(pk__in=[pk for pk in by_agency if pk is not None]).values_list(
            "pk", "name"
        )
    )
    today = timezone.localdate()
    for agency_id, tasks in by_agency.items():
        where = names.get(agency_id, "") if agency_id is not None else ""
        lines = []
        for task in tasks:
            due = getattr(task, "due", None)
            when = f", due on {due.due_on:%-d %B %Y}" if due else ""
            lines.append(f"{task.title} for {task.process.artifact}{when}")
        queue = f"{where}'s queue" if where else "the queue"
        notify(
            recipients=_agency_task_managers(agency_id, leaving=user),
            subject=f"Tasks back in {queue}: {_person(user)} can no longer take them",
            template="tasks_released",
            context={"person": _person(user), "queue": queue, "lines": lines},
            dedupe_key=(
                f"tasks-released-{user.pk}-{agency_id or 0}-{today:%Y%m%d}-"
                + "-".join(str(t.pk) for t in tasks)
            ),
        )


@transaction.atomic
def _holder_may_keep(task: Task, user: Any) -> bool:
    keep = getattr(task.process.flow_class, "holder_may_keep", None)
    return bool(keep and keep(task, user))


def release_tasks_out_of_reach(*, user: Any) -> list[Task]:
    """Put back in the queue every open task ``user`` holds but may no longer pick up
    (``can_pick_up``, read afresh), log it, and tell the managers of each task's agency
    through the outbox. Returns the tasks released."""
    fresh = get_user_model().objects.filter(pk=user.pk).first()
    if fresh is None:
        return []
    released: list[Task] = []
    held = Task.objects.filter(
        owner=fresh, status__in=[STATUS.ASSIGNED, STATUS.STARTED], flow_task_type="HUMAN"
    ).select_related("process", "due")
    for task in held:
        if can_pick_up(fresh, task) or _holder_may_keep(task, fresh):
            continue
        lock_task(task)  # it may have been done or passed on since it was read
        if task.owner_id != fresh.pk or task.status != STATUS.ASSIGNED:
            if task.status == STATUS.STARTED:
                logger.warning(
                    "Task %s is started by %s, who may no longer take it: left as it is",
                    task.pk,
                    fresh.username,
                )
            continue
        with task.activation() as activation:
            record_task_event(task, OUT_OF_REACH, by=None, holder=fresh.pk)
            activation.unassign()
        logger.warning(
            "Task %s (%s, %s) released from %s, who may no longer take it",
            task.pk,
            task.owner_permission,
            task.owner_permission_obj_pk or "no agency",
            fresh.username,
        )
        released.append(task)
    if released:
        _tell_managers(fresh, released)
    return released


@receiver(access_reduced, dispatch_uid="workflows.release_tasks_out_of_reach")
def _access_reduced(sender: Any, user: Any, **kwargs: Any) -> None:
    release_tasks_out_of_reach(user=user)
