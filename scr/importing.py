"""The SCR part of the action-plan import: how a plan row finds, or creates, the
recommendation its action answers.

``actions.importing`` reads the file and checks the action's own columns; this module is
plugged in through the action source registry (``scr.apps``: ``register_source(...,
importer=RecommendationImporter())``) and reads the source's columns:

=====================  =========================================================
Review                 title of an existing review (required; never created here)
Recommendation no.     the recommendation's number, 1 to 999 (required); created
                       under the review if it does not exist yet, with the text from...
Recommendation         ...this column (required only for a new recommendation)
=====================  =========================================================

New recommendations are created through ``scr.services.recommendation_add``, with its
permission (``scr.manage_review``) and its number rule (``scr.models``: 1 to 999), so
an import can make nothing a page or the API could not. Looking the rows' reviews and
recommendations up costs two queries whatever the row count.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from actions.importing import norm
from actions.sources import SourceRow
from core.tabular import Problem, TableRow, show
from scr import services
from scr.models import RECOMMENDATION_NUMBER_MAX, RECOMMENDATION_NUMBER_MIN, Recommendation, Review

REVIEW = "Review"
KIND = "Kind"
RECOMMENDATION_NO = "Recommendation no."
RECOMMENDATION = "Recommendation"

COLUMNS = [REVIEW, RECOMMENDATION_NO, RECOMMENDATION]
REQUIRED_COLUMNS = [REVIEW, RECOMMENDATION_NO]
HEADERS: dict[str, list[str]] = {
    REVIEW: ["Review", "Review title"],
    RECOMMENDATION_NO: [
        "Recommendation no.",
        "Recommendation number",
        "Recommendation no",
        "Recommendation #",
        "Rec no",
        "Rec no.",
        "Rec number",
    ],
    RECOMMENDATION: ["Recommendation", "Recommendation text"],
}

REVIEW_NOT_FOUND = (
    "No review is titled “{value}”: correct the title, or create the review "
    "before importing its actions."
)
REVIEW_AMBIGUOUS = "More than one review is titled “{value}”: rename one of them first."
RECOMMENDATION_NUMBER_INVALID = (
    "“{value}” is not a recommendation number: enter a whole number such as 3."
)
RECOMMENDATION_NUMBER_OUT_OF_RANGE = (
    f"“{{value}}” is not a recommendation number: numbers run from "
    f"{RECOMMENDATION_NUMBER_MIN} to {RECOMMENDATION_NUMBER_MAX}."
)
RECOMMENDATION_TEXT_NEEDED = (
    "Recommendation {number} does not exist in this review yet: "
    "enter its text in the Recommendation column to create it."
)
RECOMMENDATION_TEXT_CONFLICT = (
    "Recommendation {number} is new and row {first_row} gives it "
    "different text: make the two the same."
)
RECOMMENDATION_NOT_PERMITTED = (
    "Recommendation {number} does not exist in this review yet, and only the partnership "
    "manager can create recommendations."
)

_RECOMMENDATION_NUMBER = re.compile(
    r"^(?:(?:rec(?:ommendation)?\.?|r)\s*)?(\d+)(?:\.0+)?$", re.IGNORECASE
)


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    match = _RECOMMENDATION_NUMBER.match(str(value or "").strip())
    if not match or len(match.group(1)) > 6:
        return None if not match else RECOMMENDATION_NUMBER_MAX + 1
    return int(match.group(1))


def parse_recommendation_number(value: Any) -> int | None:
    """A recommendation number from a cell ("3", 3, 3.0, "R3", "Rec 12"), or None if it
    is not one a recommendation may have (1 to 999)."""
    number = _whole_number(value)
    if number is None or not RECOMMENDATION_NUMBER_MIN <= number <= RECOMMENDATION_NUMBER_MAX:
        return None
    return number


def new_recommendations(result: Any) -> list[tuple[Review, int, str]]:
    """(review, number, text) of each recommendation an import result creates."""
    return [row.pending for row in result.new_sources]


class RecommendationImporter:
    columns = COLUMNS
    required = REQUIRED_COLUMNS
    aliases = HEADERS
    preview_columns = [(REVIEW, "review"), (RECOMMENDATION_NO, "recommendation_number")]
    new_noun = "recommendation"
    help_text = "The review must already exist; a recommendation is created if its number is new."

    def resolve(self, rows: Sequence[TableRow], by: Any) -> list[SourceRow]:
        reviews: dict[str, list[Review]] = defaultdict(list)
        for candidate in Review.objects.only("pk", "title", "pseudonym", "kind"):
            for key in {norm(candidate.title), norm(str(candidate))}:
                reviews[key].append(candidate)

        found: list[SourceRow] = []
        named: list[tuple[Review | None, int | None, str]] = []
        for raw in rows:
            out = SourceRow()
            review: Review | None = None
            number: int | None = None
            if raw.text(REVIEW):
                matches = {r.pk: r for r in reviews.get(norm(raw.text(REVIEW)), [])}
                if not matches:
                    message = REVIEW_NOT_FOUND.format(value=show(raw.text(REVIEW)))
                    out.problems.append(Problem(raw.row, REVIEW, message))
                elif len(matches) > 1:
                    message = REVIEW_AMBIGUOUS.format(value=show(raw.text(REVIEW)))
                    out.problems.append(Problem(raw.row, REVIEW, message))
                else:
                    review = next(iter(matches.values()))
            if raw.text(RECOMMENDATION_NO):
                cell = raw.values.get(RECOMMENDATION_NO)
                number = parse_recommendation_number(cell)
                if number is None:
                    template = (
                        RECOMMENDATION_NUMBER_INVALID
                        if _whole_number(cell) is None
                        else RECOMMENDATION_NUMBER_OUT_OF_RANGE
                    )
                    message = template.format(value=show(raw.text(RECOMMENDATION_NO)))
                    out.problems.append(Problem(raw.row, RECOMMENDATION_NO, message))
            found.append(out)
            named.append((review, number, raw.text(RECOMMENDATION)))

        existing = {
            (r.review_id, r.number): r
            for r in Recommendation.objects.filter(
                review_id__in={review.pk for review, _, _ in named if review is not None}
            )
        }
        # A new recommendation's text: the first row that gives it.
        new_texts: dict[tuple[int, int], tuple[str, int]] = {}
        for raw, (review, number, text) in zip(rows, named, strict=True):
            if (
                review is not None
                and number is not None
                and text
                and (review.pk, number) not in existing
            ):
                new_texts.setdefault((review.pk, number), (text, raw.row))

        # Without a user (a plain check of the file) nobody's permission is in question.
        may_create = by is None or services.can_manage(by)
        for raw, out, (named_review, number, text) in zip(rows, found, named, strict=True):
            review = named_review
            if review is None or number is None:
                continue
            record = existing.get((review.pk, number))
            if record is None:
                first = new_texts.get((review.pk, number))
                if first is None:
                    message = RECOMMENDATION_TEXT_NEEDED.format(number=number)
                    out.problems.append(Problem(raw.row, RECOMMENDATION, message))
                else:
                    if text and norm(text) != norm(first[0]):
                        message = RECOMMENDATION_TEXT_CONFLICT.format(
                            number=number, first_row=first[1]
                        )
                        out.problems.append(Problem(raw.row, RECOMMENDATION, message))
                    text = first[0]
                    if not may_create:
                        message = RECOMMENDATION_NOT_PERMITTED.format(number=number)
                        out.problems.append(Problem(raw.row, RECOMMENDATION_NO, message))
                out.key = ("new", review.pk, number)
                out.pending = (review, number, text)
            else:
                out.key = ("recommendation", record.pk)
                out.record = record
            out.preview = {"review": review.title, "recommendation_number": number}
            out.attrs = {
                "review": review,
                "recommendation_number": number,
                "recommendation": record,
                "recommendation_text": text,
            }
        return found

    def create(self, rows: Sequence[SourceRow], by: Any) -> None:
        made: dict[Any, Recommendation] = {}
        for row in rows:
            if row.record is not None:
                continue
            if row.key not in made:
                review, number, text = row.pending
                made[row.key] = services.recommendation_add(
                    review=review, by=by, number=number, text=text
                )
            row.record = made[row.key]
            row.attrs["recommendation"] = row.record
