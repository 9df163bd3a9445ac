"""Reads of challenges, scoped to who may see them, in the database.

A challenge is seen by the raiser, by members of the raiser's agency and of the
challenged agency (``view_agency_records`` by a membership), and by whoever holds
``challenge_log.view_all_challenges`` (the Chair, the partnership manager). A
partnership-wide role without it (the L&I group, a board member) sees none: a
professional difference about a child is the two agencies' business."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from agencies.selectors import agency_grants
from challenge_log import permissions
from challenge_log.models import Challenge, ChallengeState, Responder


def challenge_list(*, user: Any, states: Sequence[str] | None = None) -> QuerySet[Challenge]:
    """The challenges ``user`` may see, newest first; ``states`` keeps those states only
    (the list's tabs: ``OPEN_STATES`` walks the partial index of the open rows, on SQLite
    too, because it is asked with ``in_literal``: ``core.lookups``)."""
    if not user.is_authenticated or not user.is_active:
        return Challenge.objects.none()
    qs = Challenge.objects.all()
    if states is not None:
        qs = qs.filter(state__in_literal=[str(s) for s in states])
    if not permissions.sees_all(user):
        mine = sorted(agency_grants(user).get("view_agency_records", frozenset()))
        qs = qs.filter(
            # a partnership role's own strategic challenges; an agency's through its
            # members only (someone who has left the agency no longer sees what they raised)
            Q(raised_by=user, raised_by_agency__isnull=True)
            | Q(raised_by_agency__in=mine)
            | Q(challenged_agency__in=mine)
        )
    return qs.select_related(
        "raised_by", "raised_by_agency", "challenged_agency", "stage"
    ).order_by("-raised_on", "-pk")


def challenge_get(*, user: Any, pk: int) -> Challenge:
    return get_object_or_404(challenge_list(user=user), pk=pk)


def in_period(qs: QuerySet[Challenge], start: date | None, end: date | None) -> QuerySet[Challenge]:
    if start is not None:
        qs = qs.filter(raised_on__gte=start)
    if end is not None:
        qs = qs.filter(raised_on__lte=end)
    return qs


def chair_queue(*, user: Any) -> QuerySet[Challenge]:
    """Challenges waiting for the Chair's decision, the oldest deadline first."""
    return (
        challenge_list(user=user)
        .filter(state=ChallengeState.AWAITING_RESPONSE, stage__responder=Responder.CHAIR)
        .order_by("deadline", "pk")
    )


def chair_decisions(*, user: Any, limit: int = 20) -> list[Challenge]:
    return list(
        challenge_list(user=user)
        .filter(state=ChallengeState.RESOLVED_BY_CHAIR)
        .select_related("resolved_by")
        .order_by("-resolved_on", "-pk")[:limit]
    )
