"""Writes to reviews, recommendations and CDOP factors (partnership manager only)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from core.transitions import TransitionForbidden, TransitionRefused
from scr.models import (
    RECOMMENDATION_CHANGE_LABELS,
    REVIEW_CHANGE_LABELS,
    ModifiableFactor,
    Recommendation,
    Review,
    ReviewChange,
)

NOT_PERMITTED = "Only the partnership manager can create or change reviews."
NOT_PERMITTED_PUBLISH = "Only the partnership manager can publish a review to the partnership."
ALREADY_PUBLISHED = "This review has already been published to the partnership."
PUBLISHED_FIELD = "learning_published_at"
NOT_PUBLISHED = "not published"
DUPLICATE_NUMBER = "This review already has a recommendation with that number"
NOTHING_CHANGED = "Nothing has changed"
NOT_RECORDED = "not recorded"

# What a correction may touch (the derived rapid review due date follows notified_on).
# (nor its publication to the partnership: review_publish sets that, once)
REVIEW_EDITABLE = tuple(
    name
    for name in REVIEW_CHANGE_LABELS
    if name not in ("rapid_review_due", "learning_published_at")
)
RECOMMENDATION_EDITABLE = tuple(RECOMMENDATION_CHANGE_LABELS)


def can_manage(user: Any) -> bool:
    """Whether ``user`` may create and correct reviews, recommendations and factors."""
    return bool(user.has_perm("scr.manage_review"))


def _require(by: Any) -> None:
    if not can_manage(by):
        raise TransitionForbidden(NOT_PERMITTED)


def _display(instance: models.Model, name: str) -> str:
    """A field's value as History shows it: choices by label, dates in words."""
    value = getattr(instance, name)
    if value is None or value == "":
        return NOT_RECORDED
    if isinstance(value, date):
        return f"{value:%-d %B %Y}"
    if isinstance(value, models.Model):
        return getattr(value, "name", None) or str(value)
    choices = getattr(instance._meta.get_field(name), "choices", None)
    if choices:
        return str(dict(choices).get(value, value))
    return str(value)


def _changes(instance: models.Model, fields: dict[str, Any], editable: tuple[str, ...]) -> dict:
    unknown = sorted(set(fields) - set(editable))
    if unknown:
        raise TypeError(f"{type(instance).__name__} fields that cannot be changed: {unknown}")
    changed = {name: value for name, value in fields.items() if getattr(instance, name) != value}
    if not changed:
        raise ValidationError(NOTHING_CHANGED)
    return changed


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


@transaction.atomic
def review_update(*, review: Review, by: Any, **fields: Any) -> Review:
    """Correct a review's details (any of ``REVIEW_EDITABLE``) and record what changed in
    its History. Validated as on creation; nothing changed is a ValidationError. The rapid
    review due date is derived from ``notified_on``, so it follows (and History says so)."""
    _require(by)
    # Work on the row as it is now, locked, so the record of "old" values is true and
    # the caller's instance is left untouched if validation fails.
    current = Review.objects.select_for_update().get(pk=review.pk)
    changed = _changes(current, fields, REVIEW_EDITABLE)
    record = {name: [_display(current, name)] for name in changed}
    due_before = current.rapid_review_due
    for name, value in changed.items():
        setattr(current, name, value)
    current.full_clean()
    current.save(update_fields=[*changed, "modified"])
    for name in changed:
        record[name].append(_display(current, name))
    if current.rapid_review_due != due_before:
        record["rapid_review_due"] = [
            _display_date(due_before),
            _display_date(current.rapid_review_due),
        ]
    ReviewChange.objects.create(review=current, by=by, fields=record)
    review.refresh_from_db()
    return review


@transaction.atomic
def recommendation_update(
    *, recommendation: Recommendation, by: Any, **fields: Any
) -> Recommendation:
    """Correct a recommendation's number or text and record the change in its review's
    History. The number stays unique within the review."""
    _require(by)
    current = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if isinstance(fields.get("text"), str):
        fields["text"] = fields["text"].strip()
    changed = _changes(current, fields, RECOMMENDATION_EDITABLE)
    if (
        "number" in changed
        and Recommendation.objects.filter(review_id=current.review_id, number=changed["number"])
        .exclude(pk=current.pk)
        .exists()
    ):
        raise ValidationError({"number": DUPLICATE_NUMBER})
    record = {name: [_display(current, name)] for name in changed}
    for name, value in changed.items():
        setattr(current, name, value)
    current.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            current.save(update_fields=[*changed, "modified"])
    except IntegrityError as exc:  # the same number saved at the same moment
        raise ValidationError({"number": DUPLICATE_NUMBER}) from exc
    for name in changed:
        record[name].append(_display(current, name))
    ReviewChange.objects.create(
        review_id=current.review_id, recommendation=current, by=by, fields=record
    )
    recommendation.refresh_from_db()
    return recommendation


def _display_date(value: date | None) -> str:
    return f"{value:%-d %B %Y}" if value else NOT_RECORDED


@transaction.atomic
def review_publish(*, review: Review, by: Any) -> Review:
    """Publish ``review`` to the partnership: from now every member of every agency may
    read its summary and recommendations (``scr.selectors``); its actions stay with
    their agencies. Who published it and when are kept, and History says so. Once only:
    a second publish is refused (``TransitionRefused``, a 409 in the API)."""
    if not can_manage(by):
        raise TransitionForbidden(NOT_PERMITTED_PUBLISH)
    current = Review.objects.select_for_update().get(pk=review.pk)
    if current.learning_published_at is not None:
        raise TransitionRefused(ALREADY_PUBLISHED)
    current.learning_published_at = timezone.now()
    current.learning_published_by = by
    current.save(update_fields=["learning_published_at", "learning_published_by", "modified"])
    ReviewChange.objects.create(
        review=current,
        by=by,
        fields={PUBLISHED_FIELD: [NOT_PUBLISHED, f"{timezone.localdate():%-d %B %Y}"]},
    )
    review.refresh_from_db()
    return review
