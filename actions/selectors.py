"""Reads of actions, always scoped in the database to the agencies the user may see."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_fsm_log.models import StateLog

from actions import sources
from actions.models import (
    AMBER_WINDOW_ANNOTATION,
    COMPLETE_STATES,
    DELIVERY_STATES,
    Action,
    ActionState,
    EvidenceItem,
    Rag,
)
from agencies.models import Partnership
from agencies.selectors import agencies_for, visible_agencies

# Search: what the user typed, up to this many characters and words (each word must be in
# the action's reference or description), so a search is one bounded query.
SEARCH_MAX_LENGTH = 100
SEARCH_MAX_WORDS = 10


def visible_q(user: Any) -> Q:
    """Actions ``user`` may see: of an agency whose records they see (a partnership role
    sees every agency, the partnership's own among them), or to which such an agency
    contributes. The one rule every list, page, API, export and count reads."""
    agencies = visible_agencies(user)
    contributing = Action.contributing_agencies.through.objects.filter(
        action_id=OuterRef("pk"), agency__in=agencies
    )
    return Q(agency__in=agencies) | Q(Exists(contributing))


def visible_actions(user: Any) -> QuerySet[Action]:
    return Action.objects.filter(visible_q(user))


def with_amber_window(qs: QuerySet[Action]) -> QuerySet[Action]:
    """``qs`` with the partnership's amber window read in the same query, so
    ``Action.rag()`` on each row agrees with :func:`rag_q` without a query per row."""
    window = Partnership.objects.order_by("pk").values("amber_window_days")[:1]
    return qs.annotate(**{AMBER_WINDOW_ANNOTATION: Subquery(window)})


def _with_rows(qs: QuerySet[Action], *, joined: bool = True) -> QuerySet[Action]:
    # Each source's records (and what their labels read) in one query a source type.
    # ``joined=False`` reads the agencies and leads in a query each instead of joining
    # them, for a filter the join would let SQLite's planner drive from the small joined
    # table (every user, then each one's actions: the whole table; ``my_actions``).
    related = ("agency", "lead")
    qs = qs.select_related(*related) if joined else qs.prefetch_related(*related)
    return with_amber_window(
        qs.prefetch_related(GenericPrefetch("source", sources.prefetch_querysets()))
    )


def search_q(text: str) -> Q:
    """Actions whose reference or description holds every word of ``text`` (any case);
    only the first :data:`SEARCH_MAX_WORDS` words of the first
    :data:`SEARCH_MAX_LENGTH` characters count."""
    q = Q()
    for word in text[:SEARCH_MAX_LENGTH].split()[:SEARCH_MAX_WORDS]:
        q &= Q(reference__icontains=word) | Q(description__icontains=word)
    return q


def rag_q(rag: str, today: date | None = None, amber_days: int | None = None) -> Q:
    """The database form of ``Action.rag()``, for filtering; ``amber_days`` defaults to
    the partnership's amber window."""
    today = today or timezone.localdate()
    if amber_days is None:
        amber_days = Partnership.current().amber_window_days
    amber_until = today + timedelta(days=amber_days)
    if rag == Rag.COMPLETE:
        return Q(state__in=COMPLETE_STATES)
    if rag == Rag.CANCELLED:
        return Q(state=ActionState.CANCELLED)
    # in_literal: the lists walk action_delivery_walk_idx on SQLite too (core.lookups)
    delivering = Q(state__in_literal=DELIVERY_STATES)
    if rag == Rag.RED:
        return delivering & Q(target_date__lt=today)
    if rag == Rag.AMBER:
        return delivering & Q(target_date__gte=today, target_date__lte=amber_until)
    return delivering & Q(target_date__gt=amber_until)


def action_list(*, user: Any, **filters: Any) -> QuerySet[Action]:
    """The actions ``user`` may see, optionally filtered by the list's one FilterSet
    (``actions.filters``: ``agency``, a source parent such as ``review``, ``state``,
    ``rag``, ``mine`` and ``q``, read as the API reads them; a value that is not valid is
    a ``ValueError``). Scoped to the user's agencies before any filter applies."""
    qs = _with_rows(visible_actions(user)).order_by("target_date", "pk")
    if filters:
        from actions.filters import filter_actions  # the filters read this module

        qs = filter_actions(qs, user=user, **filters)
    return qs


def source_actions(*, user: Any, source: Any, parent_id: Any) -> QuerySet[Action]:
    """The actions ``user`` may see whose source is one of ``source``'s records under
    the parent ``parent_id`` (a review's recommendations' actions)."""
    return action_list(user=user).filter(source.parent_q(parent_id))


def my_actions(*, user: Any) -> QuerySet[Action]:
    """The actions a lead answers for: their own, and their agencies' where they may
    sign off."""
    qs = Action.objects.filter(
        Q(lead=user) | Q(agency__in=agencies_for(user, "sign_off_action")),
        visible_q(user),
    ).exclude(state__in=[ActionState.EMBEDDED, ActionState.CANCELLED])
    # not joined: with statistics, SQLite drove "lead = me OR agency IN (...)" from the
    # joined users, reading every action (135 ms at 100,000 actions; 16 ms this way)
    return _with_rows(qs, joined=False).order_by("target_date", "pk")


def may_see_li_queue(user: Any) -> bool:
    """The L&I group (who work it) and the partnership manager (who runs the
    partnership: read only, issue 9)."""
    return any(
        user.has_perm(p)
        for p in ("actions.review_evidence", "actions.run_learning_check", "actions.manage_plan")
    )


def li_queue(*, user: Any) -> QuerySet[Action]:
    """Evidence to review and learning checks to run, for the L&I group (and, to read,
    the partnership manager), each with when it started waiting and who sent it
    (``waiting_since``, ``waiting_by_id``: the transition into its state, read in the
    same query)."""
    wanted = []
    manager = user.has_perm("actions.manage_plan")
    if manager or user.has_perm("actions.review_evidence"):
        wanted.append(ActionState.EVIDENCE_SUBMITTED)
    if manager or user.has_perm("actions.run_learning_check"):
        wanted.append(ActionState.LEARNING_CHECK_DUE)
    # in_literal: the partial index action_li_queue_idx is walked on SQLite too
    qs = Action.objects.filter(visible_q(user), state__in_literal=wanted)
    arrived = StateLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Action),
        object_id=OuterRef("pk"),
        state=OuterRef("state"),
    ).order_by("-timestamp", "-pk")
    qs = qs.annotate(
        waiting_since=Subquery(arrived.values("timestamp")[:1]),
        waiting_by_id=Subquery(arrived.values("by_id")[:1]),
    )
    return _with_rows(qs).order_by("modified", "pk")


def action_get(*, user: Any, pk: int) -> Action:
    """The action, or 404 if it does not exist or belongs to an agency the user may not
    see."""
    return get_object_or_404(
        with_amber_window(visible_actions(user).select_related("agency", "lead")),
        pk=pk,
    )


def evidence_get(*, user: Any, action_pk: int, pk: int) -> EvidenceItem:
    action = action_get(user=user, pk=action_pk)
    return get_object_or_404(EvidenceItem.objects.filter(action=action), pk=pk)
