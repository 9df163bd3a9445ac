"""What every loop's flow shares.

The record's FSM state is the truth; a flow routes people to move it. A flow built on
:class:`RecordFlow` names the model it follows (``record_model``) and declares one map,
``node_states``: for each node where the process waits (a human task, a timer), the
record states in which it waits there. From that map come both the routing switch
(:func:`state_switch`: to the node holding the record's state, else to ``end``) and
``completed_by`` (a node's task is finished by a transition to any state outside its
own, except ``cancel_states``). Services run
transitions (``core.transitions.run_transition``), which send ``record_transitioned``;
:func:`advance_flow` answers it by completing the matching open task as the person who
acted, inside the same transaction, so the pages, the API and the flow can never
disagree. A transition into one of ``cancel_states`` cancels the process.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.dispatch import receiver
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.activation import Activation
from viewflow.workflow.base import Node
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.models import Process, Task
from viewflow.workflow.nodes.switch import SwitchActivation
from viewflow.workflow.status import PROCESS, STATUS

from agencies.selectors import agency_grants, has_partnership_wide
from core.transitions import record_transitioned
from workflows.models import TaskDue

OPEN_TASK_STATUSES = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]

_registry: dict[type[models.Model], type[RecordFlow]] = {}


class RecordFlow(flow.Flow):
    """Base for a flow that follows one domain record (``process.artifact``)."""

    # PostgreSQL: the process row is locked while a task moves; SQLite serialises writes.
    lock_impl = lock.select_for_update_lock

    record_model: ClassVar[type[models.Model]]
    # The record's FSM field.
    record_state_field: ClassVar[str] = "state"
    # node name -> the record states in which the process waits at that node; disjoint.
    # Build the routing switch from it with ``state_switch(node_states)``.
    node_states: ClassVar[Mapping[str, Collection[str]]] = {}
    # Derived from ``node_states`` (never declared): node name -> the states a
    # transition into which finishes that node's task (every state of the record but
    # the node's own and ``cancel_states``: those route elsewhere).
    completed_by: ClassVar[dict[str, frozenset[str]]] = {}
    cancel_states: ClassVar[set[str]] = set()
    # node name -> callable(record) -> date the task is due by (for "overdue")
    due_dates: ClassVar[dict[str, Any]] = {}
    # node name -> the record's fields its due date is read from: when one of them
    # changes, ``refresh_due_dates`` re-derives the due date of that node's open task.
    due_date_fields: ClassVar[dict[str, set[str]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if getattr(cls, "record_model", None) is not None:
            cls.completed_by = _completed_by(cls)
            _registry[cls.record_model] = cls

    # The record's field naming the agency it belongs to: who may see the record (and so
    # its tasks) is whoever may see that agency's records.
    record_agency_field: ClassVar[str] = "agency"

    @classmethod
    def holder_may_keep(cls, task: Any, user: Any) -> bool:
        """Whether ``user`` may keep ``task`` although they no longer hold its permission
        (a flow that assigns a task on another rule than the permission says so)."""
        return False

    @classmethod
    def record_queryset(cls) -> models.QuerySet[Any]:
        """How task lists load the record of each task (add select_related here)."""
        return cls.record_model._default_manager.all()

    @classmethod
    def visible_records(cls, user: Any) -> models.QuerySet[Any]:
        """The records ``user`` may see (``view_agency_records`` on the record's agency),
        lazily, for a subquery: a task is never shown to someone who may not see its
        record, whoever held or finished it.

        The agencies are written into the query as literal ids, from the grants already
        read for the request (``agency_grants``, cached on the user), not as a subquery
        over guardian's tables: the task lists check this per row inside their index
        walks, and PostgreSQL took longer to plan that subquery (10 to 30 ms a list)
        than to run the list (issue 13)."""
        manager = cls.record_model._default_manager
        if not user.is_authenticated or not user.is_active:
            return manager.none()
        if user.is_superuser or has_partnership_wide(user, "view_agency_records"):
            return manager.all()
        ids = sorted(agency_grants(user).get("view_agency_records", frozenset()))
        return manager.filter(**{f"{cls.record_agency_field}__in": ids})

    # -- used by the flows' node definitions ---------------------------------------
    def start_process(self, activation: Any, record: models.Model) -> Process:
        activation.process.artifact = record
        activation.process.save()
        return activation.process

    def on_task_created(self, activation: Any) -> None:
        if getattr(activation.task, "_due_written", False):
            return  # written with the listing row (``workflows.signals.task_saved``)
        due = self.due_dates.get(activation.flow_task.name)
        if due is not None:
            due_on = due(activation.process.artifact)
            if due_on is not None:
                # the row was made as the task was saved (``workflows.signals``): the due
                # date is written into it directly, one UPDATE (issue 13)
                written = TaskDue.objects.filter(task=activation.task).update(
                    due_on=due_on, sort_on=due_on
                )
                if not written:
                    TaskDue.objects.update_or_create(
                        task=activation.task, defaults={"due_on": due_on}
                    )


def _completed_by(cls: type[RecordFlow]) -> dict[str, frozenset[str]]:
    """``completed_by`` from ``node_states``, checked: every node named exists, no state
    is in two nodes, and every state is one of the record's."""
    if "completed_by" in cls.__dict__:
        raise TypeError(f"{cls.__name__}: declare node_states; completed_by is derived from it")
    field = cls.record_model._meta.get_field(cls.record_state_field)
    every_state = {str(value) for value, _label in (getattr(field, "choices", None) or [])}
    seen: dict[str, str] = {}
    for node, states in cls.node_states.items():
        if not isinstance(getattr(cls, node, None), Node):
            raise TypeError(f"{cls.__name__}.node_states names {node!r}, which is not a node")
        for state in states:
            if state in seen:
                raise TypeError(
                    f"{cls.__name__}.node_states: {state!r} is in both {seen[state]!r} and {node!r}"
                )
            if state not in every_state:
                raise TypeError(f"{cls.__name__}.node_states: {state!r} is not a record state")
            seen[state] = node
    return {
        node: frozenset(every_state - set(states) - set(cls.cancel_states))
        for node, states in cls.node_states.items()
    }


def _state_in(states: frozenset[str], field: str) -> Callable[[Any], bool]:
    return lambda activation: getattr(activation.process.artifact, field) in states


class _StateSwitchActivation(SwitchActivation):
    """viewflow's switch, without the savepoint it opens around its conditions: a state
    switch's conditions compare the record's state, already loaded, so there is nothing
    to roll back, and a step saves the two queries (``SAVEPOINT``, ``RELEASE``)."""

    @Activation.status.super()
    def activate(self) -> None:
        with self.exception_guard():
            for node, cond in self.flow_task._branches:  # as viewflow chooses
                if cond:
                    if cond(self):
                        self.next_task = node
                        break
                else:
                    self.next_task = node
            if not self.next_task:
                raise FlowRuntimeError(f"No next task available for {self.flow_task.name}")


class StateSwitch(flow.Switch):
    activation_class = _StateSwitchActivation


def state_switch(
    node_states: Mapping[str, Collection[str]], *, state_field: str = "state", default: str = "end"
) -> flow.Switch:
    """The routing switch of a flow, built from its ``node_states``: to the node whose
    states hold the record's state, else to ``default``. Assign it to a class attribute
    in the flow's body (``route = state_switch(node_states)``), as viewflow wants. Its
    conditions read the record's state alone (no query), so it opens no savepoint."""
    switch = StateSwitch()
    for node, states in node_states.items():
        switch = switch.Case(getattr(this, node), _state_in(frozenset(states), state_field))
    return switch.Default(getattr(this, default))


def flow_for(model: type[models.Model]) -> type[RecordFlow] | None:
    return _registry.get(model)


def registered_flows() -> list[type[RecordFlow]]:
    return list(_registry.values())


def process_for_queryset(record: models.Model) -> models.QuerySet[Process]:
    """The running processes that follow ``record``, newest first (there is one)."""
    flow_class = flow_for(type(record))
    if flow_class is None:
        return Process.objects.none()
    return (
        Process.objects.filter(
            flow_class=flow_class,
            artifact_content_type=ContentType.objects.get_for_model(record),
            artifact_object_id=record.pk,
        )
        .exclude(status__in=[PROCESS.DONE, PROCESS.CANCELED])
        .order_by("-created")
    )


def process_for(record: models.Model) -> Process | None:
    """The running process that follows ``record``, if any."""
    return process_for_queryset(record).first()


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
        # The row also lists the task (workflows.signals): a task that loses its due date
        # keeps its row, sorted last, and stays in every list.
        TaskDue.objects.update_or_create(task=task, defaults={"due_on": due_on})
        refreshed += 1
    return refreshed


def lock_task(task: Task) -> Task:
    """Wait for, then hold until the transaction ends, the locks on the task's process
    row (the one viewflow's ``select_for_update_lock`` takes) and on the task's row, in
    viewflow's order (process, then task); then re-read the task, so the caller decides
    on the task as it is now. Call it inside ``transaction.atomic``.

    viewflow's lock asks for the process row with ``NOWAIT`` and, when someone else holds
    it, catches the database error inside a savepoint nested in our transaction: on
    PostgreSQL that leaves the transaction aborted and the request a 500. Holding the row
    already, viewflow's own ``NOWAIT`` then succeeds at once. (SQLite serialises writes
    and ignores ``FOR UPDATE``.)"""
    # the process row locked and read as it is now: the activation below uses it, so
    # what the flow writes back to it is not a copy read before the lock
    process = Process.objects.select_for_update().get(pk=task.process_id)
    # the task's row locked and re-read in one query (what ``refresh_from_db`` does, a
    # relation whose key changed forgotten)
    fresh = Task.objects.select_for_update().get(pk=task.pk)
    for field in Task._meta.concrete_fields:
        if field.is_relation and getattr(task, field.attname) != getattr(fresh, field.attname):
            task._state.fields_cache.pop(field.name, None)
        setattr(task, field.attname, getattr(fresh, field.attname))
    cached = task._state.fields_cache.get("process")
    if cached is not None and cached.pk == process.pk:
        # keep what the caller gave the process (its record, ``artifact``), fresh fields
        for field in Process._meta.concrete_fields:
            setattr(cached, field.attname, getattr(process, field.attname))
    else:
        task.process = process
    return task


@contextmanager
def held_activation(task: Task) -> Iterator[Any]:
    """``task.activation()`` for a task ``lock_task`` has just locked and re-read in this
    transaction: the same activation, without viewflow's second lock (a savepoint and a
    ``NOWAIT`` read of the row already held) and its re-read of the task and process
    (issue 13: a step in few queries). A failure inside rolls back the caller's whole
    transaction, as every step's service runs in one."""
    if not connection.in_atomic_block:
        raise RuntimeError("held_activation needs the transaction lock_task locked in")
    yield task.flow_task.activation_class(task)


def complete_task(task: Task, by: Any) -> None:
    """Finish a human task as ``by``: the service has already checked that ``by`` may
    take the step, so the task follows whoever acted. Waits for anyone picking up,
    releasing or passing on the task at that moment (``lock_task``)."""
    lock_task(task)
    with held_activation(task) as activation:
        # whoever acted holds the task, written with its completion in one save (not an
        # assign or reassign saved first)
        if task.status == STATUS.NEW:
            task.owner = by
            task.status = STATUS.ASSIGNED
        elif task.owner_id != getattr(by, "pk", None) and by is not None:
            task.owner = by
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
    if target in flow_class.cancel_states:
        process = process_for(instance)
        if process is not None:
            flow_class.instance.cancel(process)
        return
    # the open human tasks of the record's running process, in one query (rather than
    # the process, then its tasks)
    running = process_for_queryset(instance)
    latest = running.values("pk")[:1]
    for task in Task.objects.filter(
        process__in=latest, status__in=OPEN_TASK_STATUSES, flow_task_type="HUMAN"
    ).select_related("process"):
        node_name = task.flow_task.name
        if target in flow_class.completed_by.get(node_name, set()):
            # the flow reads the record it follows (its switch, its owners): the one
            # just saved, not a second copy from the database
            task.process.artifact = instance
            complete_task(task, by)
