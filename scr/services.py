"""Writes to reviews, recommendations and CDOP factors (partnership manager only)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.transitions import TransitionForbidden
from scr.models import ModifiableFactor, Recommendation, Review

NOT_PERMITTED = "Only the partnership manager can create or change reviews."
DUPLICATE_NUMBER = "This review already has a recommendation with that number"


def _require(by: Any) -> None:
    if not by.has_perm("scr.manage_review"):
        raise TransitionForbidden(NOT_PERMITTED)


@transaction.atomic
def review_create(*, by: Any, **fields: Any) -> Review:
    _require(by)
    review = Review(**fields)
    review.full_clean()
    review.save()
    return review


@transaction.atomic
def recommendation_add(*, review: Review, by: Any, number: int, text: str) -> Recommendation:
    _require(by)
    if review.recommendations.filter(number=number).exists():
        raise ValidationError({"number": DUPLICATE_NUMBER})
    rec = Recommendation(review=review, number=number, text=text.strip())
    rec.full_clean()
    rec.save()
    return rec


@transaction.atomic
def factor_add(
    *, review: Review, by: Any, domain: str, description: str, influence: int, learning: str = ""
) -> ModifiableFactor:
    _require(by)
    factor = ModifiableFactor(
        review=review,
        domain=domain,
        description=description.strip(),
        influence=influence,
        learning=learning.strip(),
    )
    factor.full_clean()
    factor.save()
    return factor
