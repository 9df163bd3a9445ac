"""What every loop's flow shares.

The record's FSM state is the truth; a flow routes people to move it. A flow built on
:class:`RecordFlow` names the model it follows (``record_model``) and, for each human
node, the record states that finish that node (``completed_by``). Services run
transitions (``core.transitions.run_transition``), which send ``record_transitioned``;
:func:`advance_flow` answers it by completing the matching open task as the person who
acted, inside the same transaction, so the pages, the API and the flow can never
disagree. A transition into one of ``cancel_states`` cancels the process.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.dispatch import receiver
from viewflow.workflow import flow, lock
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from core.transitions import record_transitioned
from workflows.models import TaskDue

OPEN_TASK_STATUSES = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]

_registry: dict[type[models.Model], type[RecordFlow]] = {}


class RecordFlow(flow.Flow):
    """Base for a flow that follows one domain record (``process.artifact``)."""

    # PostgreSQL: the process row is locked while a task moves; SQLite serialises writes.
    lock_impl = lock.select_for_update_lock

    record_model: ClassVar[type[models.Model]]
    completed_by: ClassVar[dict[str, set[str]]] = {}
    cancel_states: ClassVar[set[str]] = set()
    # node name -> callable(record) -> date the task is due by (for "overdue")
    due_dates: ClassVar[dict[str, Any]] = {}
    # node name -> the record's fields its due date is read from: when one of them
    # changes, ``refresh_due_dates`` re-derives the due date of that node's open task.
    due_date_fields: ClassVar[dict[str, set[str]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if getattr(cls, "record_model", None) is not None:
            _registry[cls.record_model] = cls

    @classmethod
    def record_queryset(cls) -> models.QuerySet[Any]:
        """How task lists load the record of each task (add select_related here)."""
        return cls.record_model._default_manager.all()

    # -- used by the flows' node definitions ---------------------------------------
    def start_process(self, activation: Any, record: models.Model) -> Process:
        activation.process.artifact = record
        activation.process.save()
        return activation.process

    def on_task_created(self, activation: Any) -> None:
        due = self.due_dates.get(activation.flow_task.name)
        if due is not None:
            due_on = due(activation.process.artifact)
            if due_on is not None:
                TaskDue.objects.update_or_create(task=activation.task, defaults={"due_on": due_on})


def flow_for(model: type[models.Model]) -> type[RecordFlow] | None:
    return _registry.get(model)


def registered_flows() -> list[type[RecordFlow]]:
    return list(_registry.values())


def process_for(record: models.Model) -> Process | None:
    """The running process that follows ``record``, if any."""
    flow_class = flow_for(type(record))
    if flow_class is None:
        return None
    return (
        Process.objects.filter(
            flow_class=flow_class,
            artifact_content_type=ContentType.objects.get_for_model(record),
            artifact_object_id=record.pk,
        )
        .exclude(status__in=[PROCESS.DONE, PROCESS.CANCELED])
        .order_by("-created")
        .first()
    )


def start_flow(record: models.Model) -> Process | None:
    """Start the record's flow unless one is already running."""
    flow_class = flow_for(type(record))
    if flow_class is None or process_for(record) is not None:
        return None
    return flow_class.start.run(record=record)


def open_tasks(record: models.Model) -> models.QuerySet[Task]:
    process = process_for(record)
    if process is None:
        return Task.objects.none()
    return Task.objects.filter(
        process=process, status__in=OPEN_TASK_STATUSES, flow_task_type="HUMAN"
    )


def refresh_due_dates(record: models.Model, fields: set[str]) -> int:
    """Re-derive the due date of the record's open human tasks whose due date is read
    from one of ``fields`` (see ``RecordFlow.due_date_fields``). Returns how many."""
    flow_class = flow_for(type(record))
    if flow_class is None:
        return 0
    nodes = {node for node, read in flow_class.due_date_fields.items() if read & fields}
    if not nodes:
        return 0
    refreshed = 0
    for task in open_tasks(record):
        name = task.flow_task.name
        if name not in nodes:
            continue
        due_on = flow_class.due_dates[name](record)
        if due_on is None:
            TaskDue.objects.filter(task=task).delete()
        else:
            TaskDue.objects.update_or_create(task=task, defaults={"due_on": due_on})
        refreshed += 1
    return refreshed


def complete_task(task: Task, by: Any) -> None:
    """Finish a human task as ``by``: the service has already checked that ``by`` may
    take the step, so the task follows whoever acted."""
    with task.activation() as activation:
        if task.status == STATUS.NEW:
            activation.assign(user=by)
        elif task.owner_id != getattr(by, "pk", None) and by is not None:
            activation.reassign(user=by)
        if task.status != STATUS.STARTED:
            activation.start(request=None)
        activation.execute()


@receiver(record_transitioned, dispatch_uid="workflows.advance_flow")
def advance_flow(
    sender: type[models.Model], instance: models.Model, target: str, by: Any, **kwargs: Any
) -> None:
    flow_class = flow_for(sender)
    if flow_class is None:
        return
    process = process_for(instance)
    if process is None:
        return
    if target in flow_class.cancel_states:
        flow_class.instance.cancel(process)
        return
    for task in Task.objects.filter(
        process=process, status__in=OPEN_TASK_STATUSES, flow_task_type="HUMAN"
    ):
        node_name = task.flow_task.name
        if target in flow_class.completed_by.get(node_name, set()):
            complete_task(task, by)
