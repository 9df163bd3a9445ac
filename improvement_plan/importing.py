"""Plans in the seed's shape, read with ``core.tabular``: one row a recommendation (or one
sub-part of it), its actions, milestones and outcome measures as numbered lists in their
cells, "Objective n:" rows between them. The seed's headings and their usual variants are
read ("Objective 4", the seed's heading over its outcome measures, is read as outcome
measures, never as an objective).

The journey (``views``): check (every problem, and the leads no one matches, listed at
once) -> preview (what will be made; the manager picks a person for each unmatched lead)
-> import (:func:`import_plan`, one transaction, no e-mail)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from actions.models import Action, ActionState, Milestone, follow_milestones
from actions.signals import action_created
from agencies.models import Agency, AgencyKind, Membership, Partnership
from agencies.roles import PartnershipRole
from agencies.selectors import agencies_for
from core import dates as core_dates
from core.tabular import Problem, TableRow, TableSpec, read_table
from improvement_plan import parsing
from improvement_plan.models import (
    Inspection,
    InspectionKind,
    Objective,
    Plan,
    Provenance,
    RecommendationLine,
)

OBJECTIVE = "Objective"
PROVENANCE = "Ofsted recommendation (OR), Comment (OC) or LSCB review (LR)"
RECOMMENDATION = "Improvement recommendations"
ACTION = "Action"
MILESTONES = "Milestones"
LEAD = "Lead"
MEASURES = "Outcome measures"
PROGRESS = "Progress/RAG"
CONTRIBUTING = "Contributing agencies"

COLUMNS = [
    OBJECTIVE,
    PROVENANCE,
    RECOMMENDATION,
    ACTION,
    MILESTONES,
    LEAD,
    MEASURES,
    PROGRESS,
    CONTRIBUTING,
]
REQUIRED = [PROVENANCE, ACTION, MILESTONES, LEAD]
ALIASES = {
    "Provenance": PROVENANCE,
    "Source": PROVENANCE,
    "Reference": PROVENANCE,
    "Ref": PROVENANCE,
    "Ofsted recommendation": PROVENANCE,
    "Recommendation": RECOMMENDATION,
    "Recommendations": RECOMMENDATION,
    "Improvement recommendation": RECOMMENDATION,
    "Actions": ACTION,
    "Milestone": MILESTONES,
    "Timescale": MILESTONES,
    "Timescales": MILESTONES,
    "By when": MILESTONES,
    "Leads": LEAD,
    "Lead officer": LEAD,
    "Responsible": LEAD,
    "Objective 4": MEASURES,  # the seed's heading over its outcome measures
    "Outcome measure": MEASURES,
    "Outcomes": MEASURES,
    "Measures": MEASURES,
    "Success measures": MEASURES,
    "Progress": PROGRESS,
    "RAG": PROGRESS,
    "Progress RAG": PROGRESS,
    "Status": PROGRESS,
    "Partners": CONTRIBUTING,
    "Contributing agency": CONTRIBUTING,
    "Contributors": CONTRIBUTING,
}
SPEC = TableSpec(
    columns=COLUMNS,
    required=REQUIRED,
    aliases=ALIASES,
    document="the improvement plan",
    items="recommendations",
)

_OBJECTIVE_ROW = re.compile(r"^objective\s+(\d+)\s*[:.]?\s*(.*)$", re.IGNORECASE | re.DOTALL)

# What a progress cell may say of an action, and the state it is imported in.
STATE_WORDS = {
    "not started": ActionState.ASSIGNED,
    "assigned": ActionState.ASSIGNED,
    "in progress": ActionState.IN_PROGRESS,
    "started": ActionState.IN_PROGRESS,
    "on track": ActionState.IN_PROGRESS,
    "complete": ActionState.SIGNED_OFF,
    "completed": ActionState.SIGNED_OFF,
    "done": ActionState.SIGNED_OFF,
}

# Role names a lead cell may give, as the seed writes them -> the partnership role.
ROLE_NAMES = {
    "chair": PartnershipRole.CHAIR,
    "lscb chair": PartnershipRole.CHAIR,
    "bscb chair": PartnershipRole.CHAIR,
    "independent chair": PartnershipRole.CHAIR,
    "partnership manager": PartnershipRole.PARTNERSHIP_MANAGER,
    "business manager": PartnershipRole.PARTNERSHIP_MANAGER,
    "qa analyst": PartnershipRole.QA_ANALYST,
    "quality assurance analyst": PartnershipRole.QA_ANALYST,
}


@dataclass
class ParsedMilestoneRef:
    position: int
    milestone: parsing.ParsedMilestone


@dataclass
class ParsedAction:
    number: int
    description: str
    milestones: list[ParsedMilestoneRef] = field(default_factory=list)
    state: str = ActionState.ASSIGNED
    completed_on: date | None = None


@dataclass
class ParsedLine:
    row: int
    objective: int
    provenance_text: str
    refs: list[parsing.Reference]
    recommendation: str
    sub_part: str
    sub_part_text: str
    milestones_text: str
    lead_text: str
    measures: list[str]
    contributing: list[str]
    actions: list[ParsedAction]

    @property
    def reference(self) -> str:
        return f"{self.provenance_text} {self.sub_part}".strip()


@dataclass
class ParsedPlan:
    lines: list[ParsedLine] = field(default_factory=list)
    objectives: dict[int, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    leads: dict[str, Any] = field(default_factory=dict)  # lead text -> user or None
    agencies: dict[str, Agency] = field(default_factory=dict)  # name as written -> agency

    @property
    def unmatched_leads(self) -> list[str]:
        return sorted(text for text, user in self.leads.items() if user is None)

    @property
    def action_count(self) -> int:
        return sum(len(line.actions) for line in self.lines)

    @property
    def milestone_count(self) -> int:
        return sum(len(a.milestones) for line in self.lines for a in line.actions)


# -- reading ---------------------------------------------------------------------------
def _state(text: str) -> tuple[str, date | None] | None:
    clean = " ".join(text.casefold().split()).strip(" .")
    for words, state in sorted(STATE_WORDS.items(), key=lambda kv: -len(kv[0])):
        if clean.startswith(words):
            rest = clean[len(words) :].strip(" ,:-()on")
            when = None
            if rest:
                found = parsing.parse_milestone(rest)
                if found is None or found.dates[0][1] is None:
                    return None
                when = found.dates[0][1]
            return state, when
    return None


def _row_values(row: TableRow) -> dict[str, str]:
    return {column: row.text(column).strip() for column in COLUMNS}


def parse_rows(rows: list[TableRow]) -> ParsedPlan:
    """Every line, action and milestone the rows hold, with every problem found."""
    plan = ParsedPlan()
    objective: int | None = None
    last: ParsedLine | None = None
    pending_parts: list[tuple[str, str]] = []
    for row in rows:
        v = _row_values(row)
        filled = [c for c in COLUMNS if v[c]]
        first = v[filled[0]] if filled else ""
        match = (
            _OBJECTIVE_ROW.match(first) if filled and filled[0] in (OBJECTIVE, PROVENANCE) else None
        )
        if match and len(filled) <= 2 and not v[ACTION]:
            objective = int(match.group(1))
            text = match.group(2).strip() or (v[RECOMMENDATION] if len(filled) == 2 else "")
            if text:
                plan.objectives[objective] = text
            last, pending_parts = None, []
            continue
        if v[OBJECTIVE]:
            m = re.match(r"^(?:objective\s*)?(\d+)", v[OBJECTIVE], re.IGNORECASE)
            if not m:
                plan.problems.append(
                    Problem(row.row, OBJECTIVE, "Give the objective's number, such as 3.")
                )
                continue
            objective = int(m.group(1))
        if objective is None:
            plan.problems.append(
                Problem(row.row, "", "This row comes before any “Objective 1:” row.")
            )
            continue
        if not v[ACTION]:
            if last is not None and not v[PROVENANCE]:
                # the seed's table wraps long cells onto a row of their own
                if v[RECOMMENDATION]:
                    last.recommendation += " " + v[RECOMMENDATION]
                if v[MEASURES] and last.measures:
                    last.measures[-1] += " " + " ".join(v[MEASURES].split())
                continue
            plan.problems.append(Problem(row.row, ACTION, "The row has no actions."))
            continue
        provenance, recommendation = v[PROVENANCE], v[RECOMMENDATION]
        sub_part = sub_text = ""
        if not provenance and last is not None:
            # a further sub-part of the recommendation above (OC para 24 b, c)
            provenance, recommendation = last.provenance_text, last.recommendation
            if pending_parts:
                sub_part, sub_text = pending_parts.pop(0)
        else:
            parts = parsing.sub_parts(recommendation)
            pending_parts = parts[1:] if parts else []
            if parts:
                sub_part, sub_text = parts[0]
        if not provenance:
            plan.problems.append(Problem(row.row, PROVENANCE, "Give the recommendation's source."))
            continue
        refs = parsing.parse_provenance(provenance)
        if not refs:
            plan.problems.append(
                Problem(
                    row.row,
                    PROVENANCE,
                    "Write the source as OR n, OC para n or LR n (for example “OR 5 and LR 2,4”).",
                )
            )
            continue
        if sub_part:
            refs = [
                parsing.Reference(r.kind, r.number, r.paragraph, sub_part) if i == 0 else r
                for i, r in enumerate(refs)
            ]
        actions = [ParsedAction(n, text) for n, text in parsing.numbered(v[ACTION])]
        by_number = {a.number: a for a in actions}
        for position, text in parsing.numbered(v[MILESTONES]):
            found = parsing.parse_milestone(text)
            if found is None:
                plan.problems.append(
                    Problem(
                        row.row,
                        MILESTONES,
                        f"“{text}” is not a date: write a month (July 17), a range "
                        "(April-June 18), “from Sept 17” or two dates (Oct 17, Feb 18).",
                    )
                )
                continue
            target = by_number.get(position)
            if target is None:
                plan.problems.append(
                    Problem(
                        row.row,
                        MILESTONES,
                        f"Milestone {position} has no action {position} to belong to.",
                    )
                )
                continue
            target.milestones.append(ParsedMilestoneRef(position, found))
        if v[PROGRESS]:
            items = parsing.numbered(v[PROGRESS])
            numbered_cell = bool(re.match(r"^\s*\d+\s*[.)]", v[PROGRESS]))
            for n, text in items:
                read = _state(text)
                if read is None:
                    plan.problems.append(
                        Problem(
                            row.row,
                            PROGRESS,
                            f"“{text}”: write not started, in progress or complete (with "
                            "its date), one a numbered line per action.",
                        )
                    )
                    continue
                for action in actions if not numbered_cell else [by_number.get(n)]:
                    if action is not None:
                        action.state, action.completed_on = read
        if not v[LEAD]:
            plan.problems.append(Problem(row.row, LEAD, "Name the lead."))
            continue
        if not any(m for a in actions for m in a.milestones):
            plan.problems.append(Problem(row.row, MILESTONES, "Give at least one milestone."))
            continue
        contributing = [c for c in re.split(r"\s*[;,\n]\s*", v[CONTRIBUTING]) if c]
        last = ParsedLine(
            row=row.row,
            objective=objective,
            provenance_text=provenance,
            refs=refs,
            recommendation=" ".join(recommendation.split()),
            sub_part=sub_part,
            sub_part_text=sub_text,
            milestones_text=v[MILESTONES],
            lead_text=" ".join(v[LEAD].split()),
            measures=parsing.lettered_or_numbered(v[MEASURES]),
            contributing=contributing,
            actions=actions,
        )
        plan.lines.append(last)
    if not plan.lines and not plan.problems:
        plan.problems.append(Problem(None, "", "The file has no recommendations in it."))
    return plan


def read_plan(source: Any, *, filename: str | None = None) -> ParsedPlan:
    """Read and check an uploaded file (``core.tabular.TabularError`` if it cannot be
    read at all), then match its leads and agencies."""
    plan = parse_rows(read_table(source, SPEC, filename=filename))
    match_leads(plan)
    match_agencies(plan)
    return plan


# -- leads and agencies ------------------------------------------------------------------
def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z ]+", " ", text.casefold()).split())


def lead_candidates() -> list[Any]:
    """Who may be a plan action's lead: active holders of a partnership role, and agency
    leads (``update_action``) of an agency. Two queries."""
    users = get_user_model().objects.filter(is_active=True)
    holders = Membership.objects.filter(user__is_active=True).values("user_id")
    return list(
        users.filter(Q(groups__name__in=list(ROLE_NAMES.values())) | Q(pk__in=holders))
        .distinct()
        .order_by("pk")
        .prefetch_related("groups")
    )


def match_lead(text: str, people: list[Any]) -> Any:
    """The person a lead cell names: the first of its parts that is a person's full name
    or username, or a partnership role someone holds; None when no part matches."""
    by_name: dict[str, Any] = {}
    by_role: dict[str, Any] = {}
    for user in people:
        by_name.setdefault(_norm(user.get_full_name()), user)
        by_name.setdefault(_norm(user.get_username()), user)
        for group in user.groups.all():
            by_role.setdefault(group.name, user)
    for part in parsing.lead_parts(text):
        key = _norm(part)
        if key in by_name and key:
            return by_name[key]
        role = ROLE_NAMES.get(key)
        if role and role in by_role:
            return by_role[role]
    return None


def match_leads(plan: ParsedPlan, chosen: Mapping[str, Any] | None = None) -> None:
    people = lead_candidates()
    for line in plan.lines:
        if line.lead_text not in plan.leads:
            plan.leads[line.lead_text] = match_lead(line.lead_text, people)
    for text, user in (chosen or {}).items():
        if text in plan.leads and user is not None:
            plan.leads[text] = user


def match_agencies(plan: ParsedPlan) -> None:
    agencies = list(Agency.objects.filter(is_active=True).order_by("name"))
    for line in plan.lines:
        for name in line.contributing:
            if name in plan.agencies:
                continue
            key = _norm(name)
            found = next(
                (a for a in agencies if key in (_norm(a.name), _norm(a.short_name))), None
            ) or next(
                (
                    a
                    for a in agencies
                    if a.kind != AgencyKind.PARTNERSHIP
                    and (key in _norm(a.kind) or key in _norm(a.get_kind_display()))
                ),
                None,
            )
            if found is None:
                plan.problems.append(
                    Problem(line.row, CONTRIBUTING, f"No agency is called “{name}”.")
                )
            else:
                plan.agencies[name] = found


# -- importing -------------------------------------------------------------------------
def partnership_agency() -> Agency:
    """The partnership itself as an agency (kind "partnership"): the owner of the plan and
    of the actions no single agency owns. Made once."""
    found = Agency.objects.filter(kind=AgencyKind.PARTNERSHIP).order_by("pk").first()
    if found is not None:
        return found
    name = Partnership.current().name
    return Agency.objects.create(
        name=f"{name} (business unit)"[:200], short_name="Partnership", kind=AgencyKind.PARTNERSHIP
    )


def inspections() -> dict[str, Inspection]:
    """The source records the references point at: the Ofsted inspection (OR, OC) and
    the safeguarding board's review (LR)."""
    ofsted, _ = Inspection.objects.get_or_create(
        kind=InspectionKind.OFSTED,
        title="Ofsted inspection report",
        defaults={"published": "7 July 2017"},
    )
    review, _ = Inspection.objects.get_or_create(
        kind=InspectionKind.BOARD_REVIEW,
        title="LSCB review",
        defaults={"published": "May 2017"},
    )
    return {"OR": ofsted, "OC": ofsted, "LR": review}


def _owner(lead: Any, partnership: Agency) -> Agency:
    """A partnership role's holder leads for the partnership itself; anyone else for the
    agency whose actions they lead."""
    if lead.has_perm("agencies.view_agency_records"):
        return partnership
    agency = agencies_for(lead, "update_action").order_by("name").first()
    return agency or partnership


@transaction.atomic
def import_plan(
    parsed: ParsedPlan,
    *,
    title: str,
    by: Any,
    period: str = "",
    goal: str = "",
    today: date | None = None,
) -> Plan:
    """Make the plan (a draft), its objectives, lines, references, actions and milestones.
    Sends no e-mail, and holds every action's reminders until the plan is made active.
    ``parsed`` must have no problems and no unmatched lead."""
    assert not parsed.problems and not parsed.unmatched_leads
    today = today or timezone.localdate()
    partnership = partnership_agency()
    sources = inspections()
    plan = Plan.objects.create(
        title=title, period=period, goal=goal, owner=partnership, created_by=by
    )
    numbers = sorted(set(parsed.objectives) | {line.objective for line in parsed.lines})
    objectives = {
        n: Objective.objects.create(plan=plan, number=n, text=parsed.objectives.get(n, ""))
        for n in numbers
    }
    line_type = ContentType.objects.get_for_model(RecommendationLine)
    positions: dict[int, int] = {}
    for parsed_line in parsed.lines:
        objective = objectives[parsed_line.objective]
        positions[objective.pk] = positions.get(objective.pk, 0) + 1
        line = RecommendationLine.objects.create(
            objective=objective,
            position=positions[objective.pk],
            provenance_text=parsed_line.provenance_text,
            recommendation=parsed_line.recommendation,
            sub_part=parsed_line.sub_part,
            sub_part_text=parsed_line.sub_part_text,
            lead_text=parsed_line.lead_text,
            milestones_text=parsed_line.milestones_text,
            outcome_measures="\n".join(parsed_line.measures),
        )
        Provenance.objects.bulk_create(
            Provenance(
                line=line,
                kind=ref.kind,
                number=ref.number,
                paragraph=ref.paragraph,
                sub_part=ref.sub_part,
                inspection=sources[ref.kind],
            )
            for ref in parsed_line.refs
        )
        lead = parsed.leads[parsed_line.lead_text]
        owner = _owner(lead, partnership)
        line_dates = [
            d
            for a in parsed_line.actions
            for m in a.milestones
            for d in (m.milestone.dates[-1][1] or m.milestone.dates[-1][0],)
            if d is not None
        ]
        fallback = max(line_dates)
        contributing = [parsed.agencies[name] for name in parsed_line.contributing]
        prefix = f"{parsed_line.objective}." if parsed_line.objective else ""
        for parsed_action in parsed_line.actions:
            milestones = _milestones(parsed_action)
            complete = parsed_action.state == ActionState.SIGNED_OFF
            done_on = parsed_action.completed_on or (today if complete else None)
            if complete:
                for m in milestones:
                    m.completed_on = done_on
            action = Action(
                source_content_type=line_type,
                source_object_id=line.pk,
                reference=f"{prefix}{positions[objective.pk]}"
                + (f".{parsed_action.number}" if len(parsed_line.actions) > 1 else ""),
                agency=owner,
                lead=lead,
                description=parsed_action.description or "(no description)",
                target_date=fallback,
                state=parsed_action.state,
                created_by=by,
                reminders_held=True,
            )
            if complete and done_on is not None:
                action.signed_off_at = timezone.make_aware(datetime.combine(done_on, time(12)))
                # the learning check falls due from now, never before the plan was held
                action.learning_check_due_on = core_dates.add_months(
                    max(done_on, today), Partnership.current().learning_check_months
                )
            # An action whose milestones are all before the plan's start keeps the date
            follow_milestones(action, milestones)
            if not milestones:
                action.target_date = fallback
            action.save()
            for m in milestones:
                m.action = action
            Milestone.objects.bulk_create(milestones)
            if contributing:
                action.contributing_agencies.set(contributing)
            action_created.send(sender=Action, action=action)
    return plan


def _milestones(parsed: ParsedAction) -> list[Milestone]:
    out = []
    for ref in parsed.milestones:
        for starts, due in ref.milestone.dates:
            out.append(
                Milestone(
                    position=ref.position,
                    text=ref.milestone.text,
                    kind=ref.milestone.kind,
                    starts_on=starts,
                    due_on=due,
                )
            )
    return out
