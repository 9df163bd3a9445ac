"""Reads of actions, always scoped in the database to the agencies the user may see."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from actions.models import (
    COMPLETE_STATES,
    DELIVERY_STATES,
    Action,
    ActionState,
    EvidenceItem,
    Rag,
)
from agencies.models import Partnership
from agencies.selectors import agencies_for, visible_agencies


def _with_rows(qs: QuerySet[Action]) -> QuerySet[Action]:
    from scr.models import Recommendation

    return qs.select_related("agency", "lead").prefetch_related(
        GenericPrefetch("source", [Recommendation.objects.select_related("review")])
    )


def rag_q(rag: str, today: date | None = None) -> Q:
    """The database form of ``Action.rag()``, for filtering."""
    today = today or timezone.localdate()
    amber_until = today + timedelta(days=Partnership.current().amber_window_days)
    if rag == Rag.COMPLETE:
        return Q(state__in=COMPLETE_STATES)
    if rag == Rag.CANCELLED:
        return Q(state=ActionState.CANCELLED)
    delivering = Q(state__in=DELIVERY_STATES)
    if rag == Rag.RED:
        return delivering & Q(target_date__lt=today)
    if rag == Rag.AMBER:
        return delivering & Q(target_date__gte=today, target_date__lte=amber_until)
    return delivering & Q(target_date__gt=amber_until)


def action_list(
    *,
    user: Any,
    agency: int | None = None,
    review: int | None = None,
    state: str | None = None,
    rag: str | None = None,
    lead: Any | None = None,
) -> QuerySet[Action]:
    qs = Action.objects.filter(agency__in=visible_agencies(user))
    if agency:
        qs = qs.filter(agency_id=agency)
    if review:
        from scr.models import Recommendation

        qs = qs.filter(
            source_content_type=ContentType.objects.get_for_model(Recommendation),
            source_object_id__in=Recommendation.objects.filter(review_id=review).values("pk"),
        )
    if state:
        qs = qs.filter(state=state)
    if rag:
        qs = qs.filter(rag_q(rag))
    if lead is not None:
        qs = qs.filter(lead=lead)
    return _with_rows(qs).order_by("target_date", "pk")


def my_actions(*, user: Any) -> QuerySet[Action]:
    """The actions a lead answers for: their own, and their agencies' where they may
    sign off."""
    qs = Action.objects.filter(
        Q(lead=user) | Q(agency__in=agencies_for(user, "sign_off_action")),
        agency__in=visible_agencies(user),
    ).exclude(state__in=[ActionState.EMBEDDED, ActionState.CANCELLED])
    return _with_rows(qs).order_by("target_date", "pk")


def li_queue(*, user: Any) -> QuerySet[Action]:
    """Evidence to review and learning checks to run, for the L&I group."""
    wanted = []
    if user.has_perm("actions.review_evidence"):
        wanted.append(ActionState.EVIDENCE_SUBMITTED)
    if user.has_perm("actions.run_learning_check"):
        wanted.append(ActionState.LEARNING_CHECK_DUE)
    qs = Action.objects.filter(state__in=wanted, agency__in=visible_agencies(user))
    return _with_rows(qs).order_by("modified", "pk")


def action_get(*, user: Any, pk: int) -> Action:
    """The action, or 404 if it does not exist or belongs to an agency the user may not
    see."""
    return get_object_or_404(
        Action.objects.filter(agency__in=visible_agencies(user)).select_related("agency", "lead"),
        pk=pk,
    )


def evidence_get(*, user: Any, action_pk: int, pk: int) -> EvidenceItem:
    action = action_get(user=user, pk=action_pk)
    return get_object_or_404(EvidenceItem.objects.filter(action=action), pk=pk)
