"""Sampling cases: by hand, or a reproducible random sample of N from an uploaded list.

A random sample is drawn with :class:`random.Random` seeded by the stored seed from the
list in its stored order, less duplicates, so anyone can draw it again from the audit's
record (``redraw``) and check it is the sample that was audited."""

from __future__ import annotations

import random
import secrets
from typing import Any

from django.core.exceptions import ValidationError

from agencies.casework import validate_case_reference
from core.tabular import TableSpec, TabularError, read_table

REFERENCE = "Case reference"
CASE_LIST = TableSpec(
    columns=[REFERENCE],
    required=[REFERENCE],
    aliases={"Reference": REFERENCE, "Case": REFERENCE, "Case number": REFERENCE},
    document="the list of cases",
    items="cases",
)
SIZE_TOO_BIG = "The sample cannot be larger than the list: it has {count} cases"
NO_CASES = "Enter at least one case reference"
MAX_CASES = 2000


def new_seed() -> int:
    return secrets.randbelow(2**53)


def clean_references(values: list[str]) -> list[str]:
    """Each reference checked against the partnership's pattern, normalised, duplicates
    dropped (first kept); ``ValidationError`` naming the line of each bad one."""
    seen: dict[str, None] = {}
    errors = []
    for i, value in enumerate(values, start=1):
        if not str(value).strip():
            continue
        try:
            ref = validate_case_reference(value)
        except ValidationError as exc:
            errors.append(f"Line {i}: {exc.messages[0]}")
            continue
        seen.setdefault(ref, None)
    if errors:
        raise ValidationError(errors[:20])
    if not seen:
        raise ValidationError(NO_CASES)
    if len(seen) > MAX_CASES:
        raise ValidationError(f"Sample at most {MAX_CASES} cases")
    return list(seen)


def read_population(upload: Any) -> list[str]:
    """The case references of an uploaded CSV or XLSX file (one column, "Case
    reference"), checked; ``ValidationError`` with the file's problems."""
    try:
        rows = read_table(upload, CASE_LIST)
    except TabularError as exc:
        raise ValidationError(exc.messages[:20]) from exc
    return clean_references([row.text(REFERENCE) for row in rows])


def draw(population: list[str], size: int, seed: int) -> list[str]:
    """``size`` references from ``population``, the same every time for the same seed."""
    if size > len(population):
        raise ValidationError(SIZE_TOO_BIG.format(count=len(population)))
    return sorted(random.Random(seed).sample(population, size))


def redraw(audit: Any) -> list[str]:
    """The audit's random sample drawn again from what it stored."""
    if audit.random_seed is None or audit.sample_size is None:
        return []
    return draw(list(audit.sample_population), audit.sample_size, audit.random_seed)
