"""Reads of reviews, scoped to what the user may see.

A review is a partnership record, but its detail belongs to the agencies involved: a user
sees a review if they see every agency's records (partnership roles), if their agency
leads it, or if one of its actions belongs to an agency whose records they see. On the
review page they see only those actions.

A review published to the partnership (``scr.services.review_publish``) is read by every
member of the partnership: its summary and recommendations, and of the actions they may
not open only that each exists, its agency and its RAG (``sealed_actions``)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from actions.models import Action
from actions.selectors import action_list, visible_q, with_amber_window
from agencies.selectors import has_partnership_wide, visible_agencies
from scr.models import Recommendation, Review


def review_list(*, user: Any, kind: str | None = None) -> QuerySet[Review]:
    if not user.is_authenticated:
        return Review.objects.none()
    qs = Review.objects.all()
    if not (user.is_superuser or has_partnership_wide(user, "view_agency_records")):
        agencies = visible_agencies(user)
        has_action = Action.objects.filter(
            source_content_type=ContentType.objects.get_for_model(Recommendation),
            source_object_id__in=Recommendation.objects.filter(
                review=OuterRef(OuterRef("pk"))
            ).values("pk"),
            agency__in=agencies,
        )
        # a review published to the partnership: every member of the partnership (anyone
        # who sees some agency's records) reads its summary and recommendations
        published = Q(learning_published_at__isnull=False) & Q(Exists(agencies))
        qs = qs.filter(Q(lead_agency__in=agencies) | Exists(has_action) | published)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("lead_agency", "death_category").order_by("-created", "pk")


def review_get(*, user: Any, pk: int) -> Review:
    return get_object_or_404(review_list(user=user), pk=pk)


def sealed_actions(*, user: Any, review: Review) -> list[Action]:
    """On a review published to the partnership, its actions that ``user`` may not open
    (another agency's): that each exists, for which agency, and its RAG, nothing more.
    The page shows only ``agency`` and ``rag()`` of these; the action itself stays a 404.
    An unpublished review shows none. One query."""
    if not review.is_published_to_partnership:
        return []
    return list(
        with_amber_window(
            Action.objects.filter(
                source_content_type=ContentType.objects.get_for_model(Recommendation),
                source_object_id__in=review.recommendations.values("pk"),
            )
            .exclude(visible_q(user))
            .select_related("agency")
            .order_by("agency__name", "pk")
        )
    )


def review_actions_by_recommendation(*, user: Any, review: Review) -> list[dict[str, Any]]:
    """Each recommendation with the actions the user may see, and a RAG count: the
    "progress at a glance". On a review published to the partnership, also its other
    agencies' actions, sealed (``sealed_actions``: agency and RAG only), counted in the
    RAG too. A fixed number of queries whatever the size."""
    recommendations = list(review.recommendations.all())
    actions = list(action_list(user=user, review=review.pk))
    by_rec: dict[int, list[Action]] = defaultdict(list)
    for action in actions:
        if action.source_object_id is not None:
            by_rec[action.source_object_id].append(action)
    sealed: dict[int, list[Action]] = defaultdict(list)
    for action in sealed_actions(user=user, review=review):
        if action.source_object_id is not None:
            sealed[action.source_object_id].append(action)
    rows = []
    for rec in recommendations:
        rec_actions = by_rec.get(rec.pk, [])
        rec_sealed = sealed.get(rec.pk, [])
        rows.append(
            {
                "recommendation": rec,
                "caption": f"Actions for recommendation {rec.number}",
                "actions": rec_actions,
                "sealed": [{"agency": a.agency, "rag": a.rag()} for a in rec_sealed],
                "rag": Counter(a.rag() for a in [*rec_actions, *rec_sealed]),
            }
        )
    return rows


def rag_summary(rows: list[dict[str, Any]]) -> Counter[str]:
    total: Counter[str] = Counter()
    for row in rows:
        total.update(row["rag"])
    return total
