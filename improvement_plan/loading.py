"""The seed's own plan, as transcribed in ``seed/``: read, matched and imported like any
plan file (``importing``). Used by ``manage.py load_improvement_plan`` and the demo."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from core.tabular import TabularError
from improvement_plan import importing
from improvement_plan.models import Plan

SEED = Path(__file__).resolve().parent / "seed"
TABLE = SEED / "barnet-improvement-plan-2017.csv"
OBJECTIVES = SEED / "objectives.csv"

TITLE = "The Barnet Safeguarding Board Improvement Plan"
PERIOD = "July 2017 to June 2018"
GOAL = (
    "By June 2018 the BSCB will be recognised as being effective, ensuring the system "
    "works effectively for children and young people."
)
APPROVED_BY = "Ofsted and the Department for Education"


def seed_plan() -> importing.ParsedPlan:
    """The transcription, read as an uploaded file would be, with the seed's objectives."""
    parsed = importing.parse_rows(
        importing.read_table(TABLE.read_bytes(), importing.SPEC, filename=TABLE.name)
    )
    with OBJECTIVES.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            parsed.objectives[int(row["Objective"])] = row["Text"]
    return parsed


def load_seed_plan(*, by: Any = None, leads: dict[str, Any] | None = None) -> Plan:
    """Import the seed's plan (a draft: no reminders until it is made active; no e-mail).
    ``leads`` names a person for each lead the people on file do not match; a lead still
    unmatched is a ``TabularError`` listing them all."""
    existing = Plan.objects.filter(title=TITLE).first()
    if existing is not None:
        return existing
    parsed = seed_plan()
    importing.match_leads(parsed, leads)
    importing.match_agencies(parsed)
    if parsed.problems or parsed.unmatched_leads:
        problems = list(parsed.problems) + [
            importing.Problem(None, importing.LEAD, f"No one matches the lead “{text}”.")
            for text in parsed.unmatched_leads
        ]
        raise TabularError(problems)
    return importing.import_plan(parsed, title=TITLE, period=PERIOD, goal=GOAL, by=by)
