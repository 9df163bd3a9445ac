from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

# A task with no due date sorts after every dated one (``TaskDue.sort_on``).
NO_DUE_DATE = date(9999, 12, 31)
_QUEUED = models.Q(status=STATUS.NEW, owner__isnull=True)
# SQLite uses a partial index only when the query repeats its condition as an equality
# it can check with the values bound: hence flags rather than ``status IN (...)``
_HELD = models.Q(held=True)
_OPEN_Q = models.Q(is_open=True)


class TaskDue(models.Model):
    """One row per human task: when it should be done by, and a copy of what the task
    lists filter on (who may take it, who holds it, its status), so that the inbox, the
    queue, overdue and team tasks are each one walk of one index in the order they are
    shown, reading about a page of rows however many tasks exist (issue 13).

    ``due_on`` is written when the task is created (``RecordFlow.on_task_created``) and
    when the record's date changes (``refresh_due_dates``); the other columns follow the
    task on every save (``workflows.signals``: viewflow saves the task at each change of
    status or holder). ``sort_on`` is ``due_on``, or ``NO_DUE_DATE`` for a task without
    one, so lists order and page (keyset) on a column that is never NULL. The indexes
    are partial, on open tasks only: done tasks of past years never slow today's lists."""

    task = models.OneToOneField(
        Task, on_delete=models.CASCADE, primary_key=True, related_name="due"
    )
    due_on = models.DateField(null=True, blank=True)
    sort_on = models.DateField(default=NO_DUE_DATE)
    status = models.CharField(max_length=50, default=STATUS.NEW)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # served by the composite indexes below
    )
    owner_permission = models.CharField(max_length=255, null=True, blank=True)
    owner_permission_obj_pk = models.CharField(max_length=255, null=True, blank=True)
    created = models.DateTimeField(null=True, blank=True)
    # status is ASSIGNED or STARTED (the inbox); NEW, ASSIGNED or STARTED (team tasks)
    held = models.BooleanField(default=False)
    is_open = models.BooleanField(default=True)

    class Meta:
        indexes = [
            # the queue, per (permission, agency): an index walk in due-date order
            models.Index(
                fields=["owner_permission", "owner_permission_obj_pk", "sort_on", "task"],
                condition=_QUEUED,
                name="wf_due_queue_idx",
            ),
            # the queue walked in due-date order, the permission terms checked per row
            # (for a user who may pick up most tasks)
            models.Index(
                fields=["sort_on", "task"], condition=_QUEUED, name="wf_due_queue_walk_idx"
            ),
            # the inbox: one person's tasks in due-date order
            models.Index(
                fields=["owner", "sort_on", "task"], condition=_HELD, name="wf_due_inbox_idx"
            ),
            # team tasks: every open task of some agencies, or of all
            models.Index(
                fields=["owner_permission", "owner_permission_obj_pk", "sort_on", "task"],
                condition=_OPEN_Q,
                name="wf_due_team_idx",
            ),
            models.Index(fields=["sort_on", "task"], condition=_OPEN_Q, name="wf_due_open_idx"),
            # overdue is the start of the inbox's and the queue's walks (``sort_on`` is
            # the due date before today): no index of its own (migration 0006)
        ]

    def __str__(self) -> str:
        return f"task {self.task_id} due {self.due_on}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.sort_on = self.due_on or NO_DUE_DATE
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "due_on" in update_fields:  # type: ignore[operator]
            kwargs["update_fields"] = {*update_fields, "sort_on"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class SweepRun(models.Model):
    """When a scheduler sweep (``core.sweeps``) last ran, so a daily sweep runs once a day
    however often the scheduler passes. ``workflows.scheduler`` claims a run with one
    conditional UPDATE of this row, so of two schedulers at once only one runs it."""

    name = models.CharField(max_length=100, unique=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} last ran {self.last_run_at or 'never'}"


class LeadCannotAct(models.Model):
    """A named lead who can no longer act on the actions they lead at an agency (no
    longer a member who may update its actions, or their account closed). Kept by
    ``workflows.signals`` when access is reduced (``agencies.grants.access_reduced``) and
    when a membership or account comes back, so My work's warning reads these few rows
    and the actions they name, never every action on every view."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="wf_lead_cannot_act_once")
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} can no longer act for agency {self.agency_id}"
