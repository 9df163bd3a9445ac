"""Claim, release and reassign: the only code that changes who holds a task."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from agencies.selectors import user_can
from core.transitions import TransitionForbidden, TransitionRefused

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
    if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
        raise TransitionRefused(TASK_NOT_OPEN)
    if not can_pick_up(by, task):
        raise TransitionForbidden(TASK_NOT_PERMITTED)
    with task.activation() as activation:
        # task.activation() re-reads the task under the process lock: decide on that.
        if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
            raise TransitionRefused(TASK_NOT_OPEN)
        if task.status != STATUS.NEW or task.owner_id:
            raise TransitionRefused(TASK_ALREADY_TAKEN)
        activation.assign(user=by)
    return task


@transaction.atomic
def task_release(*, task: Task, by: Any) -> Task:
    if task.status != STATUS.ASSIGNED:
        raise TransitionRefused(TASK_NOT_OPEN)
    if task.owner_id != by.pk and not can_manage(by, task):
        raise TransitionForbidden(TASK_NOT_YOURS)
    with task.activation() as activation:
        # Re-checked on the row just read under the lock: the task may have been done or
        # released since it was loaded, and viewflow would raise NoTransition (a 500).
        if task.status != STATUS.ASSIGNED:
            raise TransitionRefused(TASK_NOT_OPEN)
        if task.owner_id != by.pk and not can_manage(by, task):
            raise TransitionForbidden(TASK_NOT_YOURS)
        activation.unassign()
    return task


@transaction.atomic
def task_reassign(*, task: Task, to: Any, by: Any) -> Task:
    if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
        raise TransitionRefused(TASK_NOT_OPEN)
    if not can_manage(by, task):
        raise TransitionForbidden(REASSIGN_NOT_MANAGER)
    if not can_pick_up(to, task):
        raise TransitionRefused(REASSIGN_NOT_ELIGIBLE)
    with task.activation() as activation:
        if task.status not in (STATUS.NEW, STATUS.ASSIGNED):  # re-read under the lock
            raise TransitionRefused(TASK_NOT_OPEN)
        if task.status == STATUS.NEW:
            activation.assign(user=to)
        else:
            activation.reassign(user=to)
    return task


def eligible_assignees(task: Task) -> list[Any]:
    """People who could take the task (for the reassign form)."""
    from django.contrib.auth import get_user_model

    if not task.owner_permission or not task.owner_permission_obj_pk:
        return []
    users = (
        get_user_model()
        .objects.filter(is_active=True, memberships__agency_id=int(task.owner_permission_obj_pk))
        .exclude(pk=task.owner_id or 0)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    return [u for u in users if can_pick_up(u, task)]
