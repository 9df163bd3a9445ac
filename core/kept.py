"""Figures kept between requests until their records change (issue 13).

A figure computed from a whole table (the overview's actions by agency and RAG: one scan
of every action) need not be computed again for every visitor when nothing has changed.
Each process keeps such a value under the **stamp** of the records it was computed from:
a random number in ``DataStamp`` that every committed change of those records replaces.
A reader reads the stamp (one query by primary key) and uses the kept value only if it
was computed under the same stamp; otherwise it computes afresh. So a change committed by
any process is seen by the next read everywhere, and the scan runs once per change, not
once per view.

How a loop uses it::

    # myloop/apps.py, in ready(): every save and delete of these models replaces the stamp
    from core.kept import watch
    watch("myloop", MyRecord, MyRecordPart)

    # myloop/overview.py
    from core.kept import kept
    rows = kept("myloop", key=(period.today,), compute=lambda: scan_every_record())

A queryset's ``update``, ``delete`` and ``bulk_create`` send no signal: a model whose
code writes that way calls :func:`changed` from its queryset (``actions.models.
ActionQuerySet`` is the model). Raw SQL is not seen.

The stamp is replaced after the commit (``transaction.on_commit``, once per transaction),
in an UPDATE of its own, so writers never wait on each other for it. Until then the
writer's own reads compute afresh (its change is not yet committed for anybody else),
and other processes may serve the value of a moment before, never an older one. The
first read of a database nothing has changed in since ``migrate`` starts the stamp.
Stamps are random, not counters, so a database restored or rolled back
never meets a kept value by accident.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import partial
from typing import Any, TypeVar, cast

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")


class Shelf:
    """What a process keeps, each value under the stamp it was read or computed with, at
    most ``size`` of them (the least recently used go first). Thread-safe. Used here and
    by ``agencies.stamps`` (a user's grants under their grant stamp)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def recall(self, key: Hashable, stamp: Hashable) -> Any | None:
        """The value kept for ``key`` under ``stamp``; None if none (None is never kept)."""
        with self._lock:
            hit = self._items.get(key)
            if hit is None or hit[0] != stamp:
                return None
            self._items.move_to_end(key)
            return hit[1]

    def keep(self, key: Hashable, stamp: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = (stamp, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# (name, key) pairs a process keeps
KEEP = 32
_shelf = Shelf(KEEP)


def _replace(name: str) -> None:
    from core.models import DataStamp

    stamp = secrets.randbits(62)
    if not DataStamp.objects.filter(name=name).update(stamp=stamp):
        DataStamp.objects.bulk_create([DataStamp(name=name, stamp=stamp)], ignore_conflicts=True)


def _pending(name: str) -> bool:
    """Whether this connection's open transaction has changed ``name``'s records."""
    return any(
        isinstance(func, partial) and func.func is _replace and func.args == (name,)
        for _sids, func, *_ in connection.run_on_commit
    )


def changed(name: str) -> None:
    """``name``'s records changed in the current transaction: replace its stamp once
    it commits (at once outside a transaction: call it after the write, not before, or a
    reader between the two would keep the old figures under the new stamp)."""
    if connection.in_atomic_block and _pending(name):
        return
    transaction.on_commit(partial(_replace, name))


def stamp_of(name: str) -> int | None:
    from core.models import DataStamp

    return DataStamp.objects.filter(name=name).values_list("stamp", flat=True).first()


def kept(name: str, *, key: Hashable, compute: Callable[[], T]) -> T:
    """The value of ``compute()`` for ``key``, computed from ``name``'s records: what this
    process keeps under their current stamp, else computed now (and kept)."""
    if connection.in_atomic_block and _pending(name):
        return compute()  # our own uncommitted change: nobody else may see it yet
    stamp = stamp_of(name)
    if stamp is None:  # nothing has changed since migrate: start one
        _replace(name)
        stamp = stamp_of(name)
        if stamp is None:
            return compute()
    hit = _shelf.recall((name, key), stamp)
    if hit is not None:
        return cast(T, hit)
    value = compute()
    _shelf.keep((name, key), stamp, value)
    return value


def forget() -> None:
    """Drop everything this process keeps (for tests)."""
    _shelf.clear()


def watch(name: str, *models: Any) -> None:
    """Every save and delete of ``models`` changes ``name``'s records."""

    def receiver(sender: Any, **kwargs: Any) -> None:
        changed(name)

    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(receiver, sender=model, weak=False, dispatch_uid=f"kept:{name}:{model}")
