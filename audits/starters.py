"""The grading scales and starter templates the service ships (loaded by the data
migration ``0002_scales_and_starter_templates``; ``manage.py load_audit_templates``
adds any starter template missing since).

A template here is the document ``audits.formengine.import_template`` reads, so a
partnership's own templates and these travel the same way."""

from __future__ import annotations

from typing import Any

# slug, name, description, [(code, label, good_or_better)], best first
SCALES: list[tuple[str, str, str, list[tuple[str, str, bool]]]] = [
    (
        "ofsted-4",
        "Ofsted four-point scale",
        "Outstanding, good, requires improvement to be good, inadequate.",
        [
            ("outstanding", "Outstanding", True),
            ("good", "Good", True),
            ("requires-improvement", "Requires improvement to be good", False),
            ("inadequate", "Inadequate", False),
        ],
    ),
    (
        "ofsted-5-2025",
        "Ofsted five-point scale (2025)",
        "The report card scale Ofsted introduced in 2025.",
        [
            ("exceptional", "Exceptional", True),
            ("strong", "Strong", True),
            ("expected", "Expected standard", True),
            ("needs-attention", "Needs attention", False),
            ("urgent-improvement", "Urgent improvement", False),
        ],
    ),
    (
        "rag",
        "Red, amber, green",
        "Green is good or better.",
        [("green", "Green", True), ("amber", "Amber", False), ("red", "Red", False)],
    ),
    (
        "met",
        "Met, partly met, not met",
        "Met is good or better.",
        [("met", "Met", True), ("partly-met", "Partly met", False), ("not-met", "Not met", False)],
    ),
]


def _grade(text: str, help_text: str = "", *, overall: bool = False) -> dict[str, Any]:
    return {
        "text": text,
        "help_text": help_text,
        "answer_type": "grade",
        "required": True,
        "overall": overall,
    }


def _text(text: str, help_text: str = "", *, required: bool = False) -> dict[str, Any]:
    return {"text": text, "help_text": help_text, "answer_type": "text", "required": required}


def _yes_no(text: str, help_text: str = "", kinds: list[str] | None = None) -> dict[str, Any]:
    return {
        "text": text,
        "help_text": help_text,
        "answer_type": "yes_no",
        "required": True,
        "agency_kinds": kinds or [],
    }


def _common_sections(theme_questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sections every case audit shares, with the theme's own questions."""
    return [
        {
            "title": "The child's lived experience and voice",
            "help_text": "What was life like for this child, and how did we know?",
            "questions": [
                _grade("How well did practitioners understand the child's lived experience?"),
                _yes_no("Was the child seen, and seen alone where appropriate?"),
                _text("What did the child say, and how did it shape the work?"),
            ],
        },
        {
            "title": "Thresholds and the response",
            "questions": [
                _grade("Was the response at the right threshold, at the right time?"),
                {
                    "text": "Days from the first concern to a multi-agency response",
                    "answer_type": "number",
                    "required": False,
                },
            ],
        },
        {
            "title": "Information sharing",
            "questions": [
                _grade("How well was information shared between agencies?"),
                _yes_no(
                    "Did the police share the domestic abuse notification within 24 hours?",
                    kinds=["police"],
                ),
            ],
        },
        {"title": "The theme", "questions": theme_questions},
        {
            "title": "Risk assessment and planning",
            "questions": [
                _grade("How good was the assessment of risk and the plan that followed?"),
                {
                    "text": "Date of the most recent plan",
                    "answer_type": "date",
                    "required": False,
                },
            ],
        },
        {
            "title": "Management oversight",
            "questions": [_grade("How effective was management oversight and supervision?")],
        },
        {
            "title": "Impact",
            "questions": [
                _grade(
                    "Overall, how good was our practice for this child?",
                    "The grade the findings count as this agency's judgement of the case.",
                    overall=True,
                ),
                _text("What difference did our work make for the child?", required=True),
            ],
        },
    ]


def _template(slug: str, name: str, theme: str, theme_questions: list[dict[str, Any]]) -> dict:
    return {
        "format": "safeguarding-form-template",
        "format_version": 1,
        "slug": slug,
        "name": name,
        "kind": "audit",
        "theme": theme,
        "description": f"A multi-agency case audit on {theme.lower()}.",
        "scale": "ofsted-4",
        "note": "Starter template",
        "sections": _common_sections(theme_questions),
    }


STARTER_TEMPLATES: list[dict[str, Any]] = [
    _template(
        "neglect",
        "Neglect (with the Graded Care Profile 2)",
        "Neglect",
        [
            _yes_no("Was a Graded Care Profile 2 completed?"),
            {
                "text": "Graded Care Profile 2: physical care (area 1)",
                "answer_type": "choice",
                "required": False,
                "choices": ["1", "2", "3", "4", "5"],
                "help_text": "The GCP2 score, 1 (best) to 5.",
            },
            {
                "text": "Graded Care Profile 2: care of safety (area 2)",
                "answer_type": "choice",
                "required": False,
                "choices": ["1", "2", "3", "4", "5"],
            },
            {
                "text": "Graded Care Profile 2: love and care (area 3)",
                "answer_type": "choice",
                "required": False,
                "choices": ["1", "2", "3", "4", "5"],
            },
            {
                "text": "Graded Care Profile 2: stimulation and education (area 4)",
                "answer_type": "choice",
                "required": False,
                "choices": ["1", "2", "3", "4", "5"],
            },
            _grade("How well was cumulative neglect recognised?"),
        ],
    ),
    _template(
        "cse-missing",
        "Child sexual exploitation and missing",
        "Child sexual exploitation and missing",
        [
            _yes_no("Was a return home interview offered after each missing episode?"),
            _grade("How well were exploitation risks identified and disrupted?"),
        ],
    ),
    _template(
        "domestic-abuse",
        "Domestic abuse",
        "Domestic abuse",
        [
            _yes_no("Was the case heard at MARAC where the risk called for it?"),
            _grade("How well was the impact of domestic abuse on the child understood?"),
        ],
    ),
    _template(
        "thresholds-early-help",
        "Thresholds and early help",
        "Thresholds and early help",
        [
            _yes_no("Was an early help assessment offered?"),
            _grade("How well did the early help offer meet the family's needs?"),
        ],
    ),
    _template(
        "private-fostering",
        "Private fostering",
        "Private fostering",
        [
            _yes_no("Was the arrangement notified to the local authority?"),
            _grade("How well were the carers assessed?"),
        ],
    ),
    _template(
        "connected-persons",
        "Connected persons (including children with disabilities)",
        "Connected persons",
        [
            _yes_no("Were the child's disabilities considered in the arrangement?"),
            _grade("How well was the connected person assessed and supported?"),
        ],
    ),
    {
        "format": "safeguarding-form-template",
        "format_version": 1,
        "slug": "practice-week-observation",
        "name": "Practice-week observation",
        "kind": "observation",
        "theme": "Practice week",
        "description": "An observation of practice during a practice week.",
        "scale": "met",
        "note": "Starter template",
        "sections": [
            {
                "title": "What was observed",
                "questions": [
                    {
                        "text": "Kind of practice observed",
                        "answer_type": "choice",
                        "required": True,
                        "choices": ["Home visit", "Strategy meeting", "Conference", "Supervision"],
                    },
                    {"text": "Date observed", "answer_type": "date", "required": True},
                ],
            },
            {
                "title": "The observation",
                "questions": [
                    _grade("Was the child's voice central to the practice observed?"),
                    _grade("Overall, did the practice meet the expected standard?", overall=True),
                    _text("Feedback given to the practitioner", required=True),
                ],
            },
        ],
    },
]


def load(get_model: Any) -> int:
    """Create the scales and the starter templates that are missing; how many templates
    were created. ``get_model`` is ``apps.get_model`` (a migration's or the registry's)."""
    from audits.formengine import import_template

    Scale = get_model("audits.GradingScale")
    Grade = get_model("audits.Grade")
    Template = get_model("audits.FormTemplate")
    for slug, name, description, grades in SCALES:
        scale, created = Scale.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
        if created:
            Grade.objects.bulk_create(
                Grade(scale=scale, code=code, label=label, order=i, good_or_better=good)
                for i, (code, label, good) in enumerate(grades, start=1)
            )
    made = 0
    for doc in STARTER_TEMPLATES:
        if not Template.objects.filter(slug=doc["slug"]).exists():
            import_template(doc, get_model=get_model)
            made += 1
    return made
