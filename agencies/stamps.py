"""Grants and permissions kept between requests, safely (issue 13).

Every page asks what the user may do: their per-agency grants (``selectors.
agency_grants``: for an agency lead of 125 agencies, 1,250 rows) and Django's model
permissions (two queries). They change rarely, so each process keeps them, keyed by
the user's **stamp**: a random number in ``GrantStamp`` that every change of the user's
access replaces, in the change's own transaction (``bump``). A request reads the stamp
(one indexed query, :func:`current`) and uses what the process holds only if it was
read under the same stamp; otherwise it reads afresh. So a change made by any process,
or by the admin, is seen by the next request everywhere, exactly as without the cache.

What bumps: ``grants.sync_user_grants`` (every membership change), the signals in
``agencies.signals`` for the admin's direct edits (a user's groups or permissions, an
object grant), and key 0, "anyone", for a change to a group's permissions or a group's
object grants, and after every ``migrate``. A user with no stamp yet (never given a
membership or role) is not kept: their access is read each time, as before.

What signals do not see is not seen: a grant written outside ``agencies.grants`` with
``bulk_create`` or raw SQL (guardian's ``assign_perm`` on a queryset) reaches a process
that keeps the user's access only at the user's next stamp or the next ``migrate``. Write
grants through ``agencies.grants``, the only writer, or call ``bump`` after.

Stamps are random, not counters, so a database restored or rolled back (the tests)
never meets a kept value by accident.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any, cast

from agencies.models import GrantStamp
from core.kept import Shelf

EVERYONE = 0
# Users a process keeps (the least recently used go first): a few hundred bytes each,
# up to a few tens of kilobytes for someone granted on a hundred agencies.
KEEP = 2_000

_shelf = Shelf(KEEP)


def _new() -> int:
    return secrets.randbits(62)


def bump(user_ids: Iterable[int] | None = None) -> None:
    """Replace the stamps of ``user_ids`` (None: everyone's, by key 0)."""
    keys = [EVERYONE] if user_ids is None else sorted({int(pk) for pk in user_ids})
    if not keys:
        return
    # two queries however many users (a group's members): the old stamps go, new ones
    # come, in the caller's transaction
    GrantStamp.objects.filter(key__in=keys).delete()
    GrantStamp.objects.bulk_create(
        [GrantStamp(key=key, stamp=_new()) for key in keys], ignore_conflicts=True
    )


def current(user_id: int) -> tuple[int, int] | None:
    """The user's stamp and everyone's, in one query; None if the user has none."""
    found = dict(GrantStamp.objects.filter(key__in=[user_id, EVERYONE]).values_list("key", "stamp"))
    if user_id not in found:
        return None
    return (found[user_id], found.get(EVERYONE, 0))


def recall(user_id: int, stamp: tuple[int, int] | None) -> dict[str, Any] | None:
    """What this process keeps for the user under ``stamp``, if anything."""
    if stamp is None:
        return None
    return cast("dict[str, Any] | None", _shelf.recall(user_id, stamp))


def keep(user_id: int, stamp: tuple[int, int] | None, values: dict[str, Any]) -> None:
    if stamp is not None:
        _shelf.keep(user_id, stamp, values)


def forget_all() -> None:
    """Drop what this process keeps (tests)."""
    _shelf.clear()
