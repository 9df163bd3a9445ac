"""An audit's findings, computed in the database from its accepted forms.

* grade counts by question and by agency;
* the share of cases good or better overall, by agency and by section, against the
  audit's target: a form's judgement is its answer to the template's overall question
  (``Question.overall``; every graded question if the template has none); a case is
  good or better when every agency that judged it judged it good or better; by section,
  the share of the section's grades that are good or better;
* the cases where agencies graded the same question for the same child two or more
  steps apart, for the moderation meeting.

A fixed number of queries whatever the number of cases, agencies and forms."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Max, Min, Q

from audits import formengine
from audits.models import Answer, Audit, FormState

DISAGREEMENT_STEPS = 2


@dataclass
class Share:
    label: str
    good: int
    total: int
    target: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.good / self.total) if self.total else None

    @property
    def meets_target(self) -> bool | None:
        return None if self.percent is None else self.percent >= self.target


@dataclass
class QuestionRow:
    question: Any
    section: Any
    counts: dict[int, int]  # grade id -> forms
    by_agency: dict[int, dict[int, int]]  # agency id -> grade id -> forms


@dataclass
class Disagreement:
    case_reference: str
    question: Any
    best: Any
    worst: Any

    @property
    def steps(self) -> int:
        return int(self.worst.order - self.best.order)


@dataclass
class Findings:
    audit: Audit
    version: Any
    grades: list[Any]
    agencies: list[Any]
    overall: Share
    by_agency: list[Share]
    by_section: list[Share]
    questions: list[QuestionRow]
    disagreements: list[Disagreement] = field(default_factory=list)
    forms_counted: int = 0


def compute(audit: Audit) -> Findings:
    version = formengine.load_version(audit.template_version_id)
    grades = sorted(version.scale.grades.all(), key=lambda g: g.order)
    grade_by_id = {g.pk: g for g in grades}
    good_ids = {g.pk for g in grades if g.good_or_better}
    agencies = list(audit.agencies.order_by("name"))
    sections = list(version.sections.all())
    questions = [q for s in sections for q in s.questions.all() if q.answer_type == "grade"]
    section_of = {q.pk: s for s in sections for q in s.questions.all()}
    judged = [q.pk for q in questions if q.overall] or [q.pk for q in questions]
    target = audit.target_percent

    accepted = Answer.objects.filter(
        form__audit=audit, form__state=FormState.ACCEPTED, grade__isnull=False
    )
    # 1. grade counts by question, agency and grade
    rows = accepted.values("question_id", "form__agency_id", "grade_id").annotate(n=Count("pk"))
    by_question: dict[int, QuestionRow] = {
        q.pk: QuestionRow(
            q, section_of[q.pk], defaultdict(int), defaultdict(lambda: defaultdict(int))
        )
        for q in questions
    }
    agency_good: dict[int, list[int]] = {a.pk: [0, 0] for a in agencies}
    section_good: dict[int, list[int]] = {s.pk: [0, 0] for s in sections}
    for r in rows.order_by():
        row = by_question.get(r["question_id"])
        if row is None:
            continue
        row.counts[r["grade_id"]] += r["n"]
        row.by_agency[r["form__agency_id"]][r["grade_id"]] += r["n"]
        good = r["n"] if r["grade_id"] in good_ids else 0
        section_good[row.section.pk][0] += good
        section_good[row.section.pk][1] += r["n"]
        if r["question_id"] in judged and r["form__agency_id"] in agency_good:
            agency_good[r["form__agency_id"]][0] += good
            agency_good[r["form__agency_id"]][1] += r["n"]

    # 2. each case: how many judgements, how many good or better
    cases = (
        accepted.filter(question_id__in=judged)
        .values("form__case_id")
        .annotate(total=Count("pk"), good=Count("pk", filter=Q(grade_id__in=good_ids)))
        .order_by()
    )
    case_rows = list(cases)
    overall = Share(
        "All agencies",
        sum(1 for c in case_rows if c["good"] == c["total"]),
        len(case_rows),
        target,
    )

    # 3. the same child graded two or more steps apart on one question
    spread = (
        accepted.values("form__case__reference", "question_id")
        .annotate(best=Min("grade__order"), worst=Max("grade__order"))
        .annotate(steps=F("worst") - F("best"))
        .filter(steps__gte=DISAGREEMENT_STEPS)
        .order_by("form__case__reference", "question_id")
    )
    by_order = {g.order: g for g in grades}
    question_by_id = {q.pk: q for q in questions}
    disagreements = [
        Disagreement(
            d["form__case__reference"],
            question_by_id.get(d["question_id"]),
            by_order.get(d["best"]),
            by_order.get(d["worst"]),
        )
        for d in spread[:500]
        if d["question_id"] in question_by_id
    ]
    del grade_by_id
    return Findings(
        audit=audit,
        version=version,
        grades=grades,
        agencies=agencies,
        overall=overall,
        by_agency=[
            Share(a.name, agency_good[a.pk][0], agency_good[a.pk][1], target) for a in agencies
        ],
        by_section=[
            Share(s.title, section_good[s.pk][0], section_good[s.pk][1], target)
            for s in sections
            if section_good[s.pk][1]
        ],
        questions=list(by_question.values()),
        disagreements=disagreements,
        forms_counted=sum(c["total"] for c in case_rows),
    )


def table_rows(findings: Findings) -> list[list[Any]]:
    """The findings as one table (for the page's table and the CSV and XLSX exports):
    a heading row, then the shares, then the grade counts by question and agency."""
    grades = findings.grades
    out: list[list[Any]] = [
        ["Measure", "Agency", *[g.label for g in grades], "Good or better", "Of", "%", "Target %"]
    ]
    blank = [""] * len(grades)
    for share in [findings.overall, *findings.by_agency]:
        kind = "Cases good or better" if share is findings.overall else "Forms good or better"
        out.append(
            [kind, share.label, *blank, share.good, share.total, share.percent, share.target]
        )
    for share in findings.by_section:
        out.append(
            [
                f"Section: {share.label}",
                "",
                *blank,
                share.good,
                share.total,
                share.percent,
                share.target,
            ]
        )
    names = {a.pk: a.name for a in findings.agencies}
    for row in findings.questions:
        good = sum(n for g, n in row.counts.items() if _good(findings, g))
        total = sum(row.counts.values())
        out.append(
            [
                row.question.text,
                "All agencies",
                *[row.counts.get(g.pk, 0) for g in grades],
                good,
                total,
                round(100 * good / total) if total else None,
                findings.audit.target_percent,
            ]
        )
        for agency_id, counts in sorted(row.by_agency.items(), key=lambda kv: names.get(kv[0], "")):
            a_good = sum(n for g, n in counts.items() if _good(findings, g))
            a_total = sum(counts.values())
            out.append(
                [
                    row.question.text,
                    names.get(agency_id, ""),
                    *[counts.get(g.pk, 0) for g in grades],
                    a_good,
                    a_total,
                    round(100 * a_good / a_total) if a_total else None,
                    findings.audit.target_percent,
                ]
            )
    return out


def _good(findings: Findings, grade_id: int) -> bool:
    return any(g.pk == grade_id and g.good_or_better for g in findings.grades)
