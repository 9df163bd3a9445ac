"""The one way a domain service runs a state transition.

Every loop keeps its state in an ``FSMField(protected=True)`` on a model that also uses
``ConcurrentTransitionMixin``. A service (the single owner of a transition, called by the
pages, the API and the workflow alike) calls :func:`run_transition`, which

* refuses a transition the current state does not allow (``TransitionRefused``, a 409),
* refuses a user without the transition's permission (``TransitionForbidden``, a 403),
* runs it, logging who/when/from/to/comment through django-fsm-log,
* saves only the fields the transition changed (its state, what the transition method
  sets, and ``auto_now`` timestamps), with the concurrency guard, turning a lost race into
  ``TransitionRefused``; so a step taken on a record loaded just before someone changed
  its other fields (an action's lead or target date) does not write them back,
* and announces it with :data:`record_transitioned` inside the same transaction, so the
  workflow layer can move its tasks along without the domain importing it.

The caller wraps this in ``transaction.atomic`` so a refusal changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.dispatch import Signal
from django_fsm import (
    ConcurrentTransition,
    FSMFieldMixin,
    can_proceed,
    has_transition_perm,
    transition,
)
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

CONCURRENT_CHANGE = (
    "Someone else changed this record at the same moment. Reload the page to see its "
    "current state, then try again if the step is still needed."
)

# Sent after the record is saved: sender=model class, instance, transition (name),
# source, target, by (user or None for the system).
record_transitioned = Signal()


class TransitionRefused(Exception):
    """The step is not allowed from the record's current state (HTTP 409)."""

    status_code = 409

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TransitionForbidden(Exception):
    """The user may not take this step (HTTP 403)."""

    status_code = 403

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def logged_transition(**kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A model's transition method, as :func:`run_transition` expects it: django-fsm's
    ``@transition(**kwargs)`` (``field``, ``source``, ``target``, ``permission``,
    ``conditions``), logged with who and why (django-fsm-log's ``by`` and
    ``description`` keyword arguments), and marked ``alters_data`` so a template can
    never call it. The method changes memory only; a service runs it."""

    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        wrapped = fsm_log_by(fsm_log_description(transition(**kwargs)(method)))
        wrapped.alters_data = True  # type: ignore[attr-defined]
        return wrapped  # type: ignore[no-any-return]

    return decorate


def run_transition(
    instance: Any,
    name: str,
    *,
    by: Any,
    refused: str,
    forbidden: str = "You do not have permission to take this step.",
    comment: str = "",
    check_permission: bool = True,
    **kwargs: Any,
) -> Any:
    """Run transition ``name`` on ``instance`` as ``by`` and save what it changed."""
    method = getattr(instance, name)
    if not can_proceed(method):
        raise TransitionRefused(refused)
    if check_permission and by is not None and not has_transition_perm(method, by):
        raise TransitionForbidden(forbidden)
    source = instance.state
    before = _values(instance)
    with transaction.atomic():
        method(by=by, description=comment or None, **kwargs)
        after = _values(instance)
        changed = {field for field, value in after.items() if before[field] != value}
        try:
            instance.save(update_fields=sorted(changed | _always_saved(instance)))
        except ConcurrentTransition as exc:
            raise TransitionRefused(CONCURRENT_CHANGE) from exc
        record_transitioned.send(
            sender=type(instance),
            instance=instance,
            transition=name,
            source=source,
            target=instance.state,
            by=by,
        )
    return instance


def _values(instance: Any) -> dict[str, Any]:
    return {
        f.attname: f.value_from_object(instance)
        for f in instance._meta.concrete_fields
        if not f.primary_key
    }


def _always_saved(instance: Any) -> set[str]:
    """The state fields (so the save always runs, guarded by the state it was loaded
    in) and the ``auto_now`` timestamps."""
    return {
        f.attname
        for f in instance._meta.concrete_fields
        if isinstance(f, FSMFieldMixin) or getattr(f, "auto_now", False)
    }
