"""The seed's improvement plan, loaded for a test, with the personas as its leads.

plan = seed_plan(manager=manager, chair=chair)        # a draft, reminders held
plan = seed_plan(manager=manager, chair=chair, police=charlie)  # "Police chair" = charlie
"""

from __future__ import annotations

from typing import Any

from improvement_plan import importing, loading
from improvement_plan.models import Plan


def seed_leads(*, manager: Any, chair: Any, police: Any = None) -> dict[str, Any]:
    """A person for every lead the seed writes that the personas do not match by role."""
    parsed = loading.seed_plan()
    importing.match_leads(parsed)
    leads = {text: manager for text in parsed.unmatched_leads}
    leads["LSCB Chair and Transformation Lead"] = chair
    if police is not None:
        leads["Police chair for the group"] = police
    return leads


def seed_plan(*, manager: Any, chair: Any, police: Any = None, copies: int = 1) -> Plan:
    """The seed's plan as a draft (``copies`` > 1: each line repeated, for size tests)."""
    leads = seed_leads(manager=manager, chair=chair, police=police)
    if copies == 1:
        return loading.load_seed_plan(by=manager, leads=leads)
    parsed = loading.seed_plan()
    parsed.lines = [line for line in parsed.lines for _ in range(copies)]
    importing.match_leads(parsed, leads)
    importing.match_agencies(parsed)
    return importing.import_plan(parsed, title=f"Plan x{copies}", by=manager)
