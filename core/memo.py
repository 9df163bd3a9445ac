"""Answers remembered for one step (issue 13: "no repeated permission checks in one step",
"no needless savepoints").

A step asks the same questions several times: the page asks whether the user may take it
(403 before the form is read), then the service's ``run_transition`` asks the model's
transition permission, which is the same rule. Inside :func:`one_step` (the step views of
``core.steps`` open one), :func:`remembered` answers a question asked before in the same
step from memory; outside one it simply asks. Only questions whose answer cannot change
within a step belong here (who holds which grant on which agency).

A service that takes a step runs in a transaction (:func:`atomic`). Called by a step's page
inside its one-time token's transaction (:func:`all_or_nothing`, ``core.steps``), where any
error rolls the whole step back, it needs no savepoint of its own: two statements fewer.
Called anywhere else (the API, the flow, the importer, a test) it keeps its savepoint, so a
caller that catches its refusal can go on using the transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, TypeVar, cast

from django.db import transaction

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

_answers: ContextVar[dict[Hashable, Any] | None] = ContextVar("step_answers", default=None)
_whole: ContextVar[bool] = ContextVar("step_all_or_nothing", default=False)


@contextmanager
def one_step() -> Iterator[None]:
    """Remember answers until the block ends (nested: the outer step's memory is used)."""
    if _answers.get() is not None:
        yield
        return
    token = _answers.set({})
    try:
        yield
    finally:
        _answers.reset(token)


def remembered(key: Hashable, ask: Callable[[], T]) -> T:
    """``ask()``, or its answer from earlier in this step."""
    answers = _answers.get()
    if answers is None:
        return ask()
    if key not in answers:
        answers[key] = ask()
    return cast(T, answers[key])


@contextmanager
def all_or_nothing(whole: bool = True) -> Iterator[None]:
    """The block is the body of a transaction that any error rolls back whole (a step's
    one-time token claim, when it opened one: ``whole``): the services it calls need no
    savepoints."""
    if not whole:
        yield
        return
    token = _whole.set(True)
    try:
        yield
    finally:
        _whole.reset(token)


def atomic(func: F) -> F:
    """``transaction.atomic`` for a service, without a savepoint inside
    :func:`all_or_nothing`."""

    @wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        with transaction.atomic(savepoint=not _whole.get()):
            return func(*args, **kwargs)

    return cast(F, run)
