"""Reads of reviews, scoped to what the user may see.

A review is a partnership record, but its detail belongs to the agencies involved: a user
sees a review if they see every agency's records (partnership roles), if their agency
leads it, or if one of its actions belongs to an agency whose records they see. On the
review page they see only those actions."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from actions.models import Action
from actions.selectors import action_list
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
        qs = qs.filter(Q(lead_agency__in=agencies) | Exists(has_action))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("lead_agency", "death_category").order_by("-created", "pk")


def review_get(*, user: Any, pk: int) -> Review:
    return get_object_or_404(review_list(user=user), pk=pk)


def review_actions_by_recommendation(*, user: Any, review: Review) -> list[dict[str, Any]]:
    """Each recommendation with the actions the user may see, and a RAG count: the
    "progress at a glance". A fixed number of queries whatever the size."""
    recommendations = list(review.recommendations.all())
    actions = list(action_list(user=user, review=review.pk))
    by_rec: dict[int, list[Action]] = defaultdict(list)
    for action in actions:
        if action.source_object_id is not None:
            by_rec[action.source_object_id].append(action)
    rows = []
    for rec in recommendations:
        rec_actions = by_rec.get(rec.pk, [])
        rows.append(
            {
                "recommendation": rec,
                "caption": f"Actions for recommendation {rec.number}",
                "actions": rec_actions,
                "rag": Counter(a.rag() for a in rec_actions),
            }
        )
    return rows


def rag_summary(rows: list[dict[str, Any]]) -> Counter[str]:
    total: Counter[str] = Counter()
    for row in rows:
        total.update(row["rag"])
    return total
