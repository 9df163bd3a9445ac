"""The form engine: templates, versions, answers and their validation.

General on purpose: an audit's case form, a practice-week observation and (later) a
Section 11 / Section 175 self-assessment are all a :class:`FormTemplateVersion` with
ordered sections and questions, each answered by one of six answer types. This module
knows nothing of audits' states or people:

* :func:`section_form` builds the Django form for one section, as an agency sees it
  (questions shown only to other kinds of agency left out), with the answers so far;
* :func:`clean_value` checks one raw answer (a grade not on the scale, text in a
  number...) and gives the value or a ``ValidationError`` with a clear message;
* :func:`missing_required` lists the required questions still unanswered;
* :func:`version_for_change` gives the version a change may be made on (a new one once
  the latest has been answered); :func:`export_template` / :func:`import_template` move
  a template to another partnership as JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from crispy_forms_gds.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch

from core import dates

FORMAT = "safeguarding-form-template"
FORMAT_VERSION = 1

YES_NO_CHOICES = [("yes", "Yes"), ("no", "No"), ("na", "Not applicable")]

GRADE_NOT_ON_SCALE = "Choose a grade from the scale"
NOT_A_NUMBER = "Enter a number, like 3 or 2.5"
NUMBER_TOO_BIG = "Enter a number smaller than 10,000,000,000"
NOT_A_CHOICE = "Choose one of the options"
NOT_YES_NO = "Choose yes, no or not applicable"
NOT_A_DATE = "Enter a real date, like 2026-03-31"
TEXT_TOO_LONG = "Answer in 10,000 characters or fewer"
TEXT_MAX = 10_000


def field_name(question: Any) -> str:
    return f"q{question.pk}"


@dataclass
class Grades:
    """A scale's grades, read once: by id and by code."""

    by_id: dict[int, Any]

    @classmethod
    def of(cls, scale: Any) -> Grades:
        return cls({g.pk: g for g in scale.grades.all()})

    def choices(self) -> list[tuple[str, str]]:
        return [(str(g.pk), g.label) for g in sorted(self.by_id.values(), key=lambda g: g.order)]


def required_message(question: Any) -> str:
    return {
        "grade": "Choose a grade",
        "yes_no": "Choose yes, no or not applicable",
        "choice": "Choose one of the options",
        "date": "Enter the date",
        "number": "Enter a number",
    }.get(question.answer_type, "Enter your answer")


# -- one answer -----------------------------------------------------------------------------
def clean_value(question: Any, raw: Any, grades: Grades) -> Any:
    """The value of ``raw`` for ``question`` (a Grade, a Decimal, a date, or text), None
    for no answer; ``ValidationError`` for a bad one. Used by the API and the import; the
    pages' fields give the same messages."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    kind = question.answer_type
    if kind == "grade":
        grade_id = _int(raw)
        grade = grades.by_id.get(grade_id) if grade_id is not None else None
        if grade is None:
            raise ValidationError(GRADE_NOT_ON_SCALE, code="grade")
        return grade
    if kind == "number":
        try:
            number = Decimal(str(raw).strip().replace(",", ""))
        except InvalidOperation:
            raise ValidationError(NOT_A_NUMBER, code="number") from None
        if not number.is_finite():
            raise ValidationError(NOT_A_NUMBER, code="number")
        if abs(number) >= Decimal("1e10"):
            raise ValidationError(NUMBER_TOO_BIG, code="number")
        return number.quantize(Decimal("0.01"))
    if kind == "date":
        if isinstance(raw, date):
            value = raw
        else:
            try:
                value = date.fromisoformat(str(raw).strip()[:10])
            except ValueError:
                raise ValidationError(NOT_A_DATE, code="date") from None
        problem = dates.window_problem(value, "The date")
        if problem:
            raise ValidationError(problem, code="date")
        return value
    text = str(raw).strip()
    if kind == "yes_no":
        if text not in dict(YES_NO_CHOICES):
            raise ValidationError(NOT_YES_NO, code="yes_no")
        return text
    if kind == "choice":
        if text not in (question.choices or []):
            raise ValidationError(NOT_A_CHOICE, code="choice")
        return text
    if len(text) > TEXT_MAX:
        raise ValidationError(TEXT_TOO_LONG, code="text")
    return text


def _int(raw: Any) -> int | None:
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        return None


def stored(answer: Any) -> Any:
    """An Answer's value as :func:`clean_value` gives it (None when empty)."""
    if answer is None:
        return None
    if answer.grade_id is not None:
        return answer.grade
    if answer.number is not None:
        return answer.number
    if answer.date is not None:
        return answer.date
    return answer.text or None


def assign(answer: Any, question: Any, value: Any) -> None:
    """Put ``value`` (from :func:`clean_value`) on ``answer``'s fields, clearing the rest."""
    answer.grade = value if question.answer_type == "grade" else None
    answer.number = value if question.answer_type == "number" else None
    answer.date = value if question.answer_type == "date" else None
    answer.text = value if isinstance(value, str) else ""


def display(question: Any, answer: Any) -> str:
    value = stored(answer)
    if value is None:
        return ""
    if question.answer_type == "yes_no":
        return dict(YES_NO_CHOICES).get(value, value)
    if question.answer_type == "date":
        return f"{value:%-d %B %Y}"
    if question.answer_type == "number":
        return f"{value.normalize():f}"
    return str(value)


# -- the page's form for one section ----------------------------------------------------------
def question_field(question: Any, grades: Grades) -> forms.Field:
    kind = question.answer_type
    common: dict[str, Any] = {
        "label": question.text,
        "help_text": question.help_text,
        "required": False,  # required answers are checked on submit, not on save
    }
    field: forms.Field
    if kind == "grade":
        field = forms.ChoiceField(choices=grades.choices(), widget=forms.RadioSelect, **common)
        field.error_messages["invalid_choice"] = GRADE_NOT_ON_SCALE
    elif kind == "yes_no":
        field = forms.ChoiceField(choices=YES_NO_CHOICES, widget=forms.RadioSelect, **common)
        field.error_messages["invalid_choice"] = NOT_YES_NO
    elif kind == "choice":
        field = forms.ChoiceField(
            choices=[(c, c) for c in question.choices or []], widget=forms.RadioSelect, **common
        )
        field.error_messages["invalid_choice"] = NOT_A_CHOICE
    elif kind == "number":
        field = forms.CharField(max_length=30, **common)
        field.widget.attrs.update({"inputmode": "decimal", "class": "govuk-input--width-10"})
    elif kind == "date":
        field = dates.DateInputField(**common)
    else:
        field = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), **common)
    return field


class SectionForm(forms.Form):
    """One section's questions; ``cleaned_data`` maps each question's field to its value
    from :func:`clean_value`. Built by :func:`section_form`."""

    questions: list[Any]
    grades: Grades

    def __init__(self, *args: Any, questions: list[Any], grades: Grades, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.grades = grades
        for question in questions:
            self.fields[field_name(question)] = question_field(question, grades)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for question in self.questions:
            name = field_name(question)
            if name not in data:
                continue
            try:
                data[name] = clean_value(question, data[name], self.grades)
            except ValidationError as exc:
                self.add_error(name, exc)
        return data

    def values(self) -> dict[Any, Any]:
        """question -> value (None: no answer)."""
        return {q: self.cleaned_data.get(field_name(q)) for q in self.questions}


def section_form(
    section: Any,
    *,
    agency_kind: str,
    answers: dict[int, Any],
    grades: Grades,
    data: Any = None,
    extra: type[forms.Form] | None = None,
) -> SectionForm:
    """The form for ``section`` as an agency of ``agency_kind`` sees it, filled with
    ``answers`` (question id -> Answer). ``extra`` mixes in another form class (such as
    a check of free text for identifying details)."""
    questions = [q for q in section.questions.all() if q.shown_to(agency_kind)]
    initial = {}
    for q in questions:
        value = stored(answers.get(q.pk))
        if value is None:
            continue
        initial[field_name(q)] = str(value.pk) if q.answer_type == "grade" else value
    cls: type[SectionForm] = SectionForm
    if extra is not None:
        cls = type("CheckedSectionForm", (extra, SectionForm), {})
    form = cls(data, initial=initial, questions=questions, grades=grades)
    if hasattr(form, "identifying_fields"):
        form.identifying_fields = tuple(field_name(q) for q in questions if q.answer_type == "text")
    return form


# -- a whole form ---------------------------------------------------------------------------------
def load_version(version_id: int) -> Any:
    """A version with its sections, questions and grades: four queries."""
    from audits.models import FormTemplateVersion, Section

    return (
        FormTemplateVersion.objects.select_related("template", "scale")
        .prefetch_related(
            Prefetch("sections", queryset=Section.objects.prefetch_related("questions")),
            "scale__grades",
        )
        .get(pk=version_id)
    )


def visible_questions(version: Any, agency_kind: str) -> list[Any]:
    return [q for s in version.sections.all() for q in s.questions.all() if q.shown_to(agency_kind)]


def missing_required(version: Any, agency_kind: str, answers: dict[int, Any]) -> list[Any]:
    """The required questions (shown to this kind of agency) with no answer, in order."""
    return [
        q
        for q in visible_questions(version, agency_kind)
        if q.required and stored(answers.get(q.pk)) is None
    ]


def section_status(section: Any, agency_kind: str, answers: dict[int, Any]) -> str:
    """The GOV.UK task list status: "completed", "in_progress" or "not_started"."""
    questions = [q for q in section.questions.all() if q.shown_to(agency_kind)]
    answered = [q for q in questions if stored(answers.get(q.pk)) is not None]
    if not answered:
        return "not_started"
    if all(stored(answers.get(q.pk)) is not None for q in questions if q.required):
        return "completed"
    return "in_progress"


# -- versions -------------------------------------------------------------------------------------
def version_answered(version: Any) -> bool:
    from audits.models import Answer

    return Answer.objects.filter(question__section__version=version).exists()


@transaction.atomic
def version_for_change(template: Any, *, note: str = "") -> Any:
    """The version a change to ``template`` goes on: its latest, unless a form has been
    answered on it, in which case a copy (the next number) that the change is made on;
    answered forms keep the version they were answered on."""
    latest = template.versions.order_by("-number").first()
    if latest is not None and not version_answered(latest):
        return latest
    return copy_version(latest, note=note)


def copy_version(version: Any, *, note: str = "") -> Any:
    from audits.models import FormTemplateVersion

    new = FormTemplateVersion.objects.create(
        template=version.template, number=version.number + 1, scale=version.scale, note=note
    )
    for section in version.sections.prefetch_related("questions"):
        questions = list(section.questions.all())
        section.pk = None
        section.version = new
        section.save()
        for q in questions:
            q.pk = None
            q.section = section
            q.save()
    return new


# -- export and import ----------------------------------------------------------------------------
def export_template(version: Any) -> dict[str, Any]:
    """A version as a JSON-able document another partnership can import."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "slug": version.template.slug,
        "name": version.template.name,
        "kind": version.template.kind,
        "theme": version.template.theme,
        "description": version.template.description,
        "scale": version.scale.slug,
        "sections": [
            {
                "title": s.title,
                "help_text": s.help_text,
                "questions": [
                    {
                        "text": q.text,
                        "help_text": q.help_text,
                        "answer_type": q.answer_type,
                        "required": q.required,
                        "choices": q.choices,
                        "agency_kinds": q.agency_kinds,
                        "overall": q.overall,
                    }
                    for q in s.questions.all()
                ],
            }
            for s in version.sections.prefetch_related("questions")
        ],
    }


ANSWER_TYPES = {"grade", "yes_no", "number", "date", "choice", "text"}
IMPORT_NOT_A_TEMPLATE = "This file is not a form template exported from this service."
IMPORT_UNKNOWN_SCALE = "The template's grading scale “{scale}” is not one this service knows."


def check_document(doc: Any, scale_slugs: Iterable[str]) -> list[str]:
    """What is wrong with an imported document, as sentences (empty: nothing)."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        return [IMPORT_NOT_A_TEMPLATE]
    problems = []
    for key in ("slug", "name", "scale"):
        if not isinstance(doc.get(key), str) or not doc[key].strip():
            problems.append(f"The template has no {key}.")
    if isinstance(doc.get("scale"), str) and doc["scale"] not in set(scale_slugs):
        problems.append(IMPORT_UNKNOWN_SCALE.format(scale=doc["scale"][:50]))
    sections = doc.get("sections")
    if not isinstance(sections, list) or not sections:
        problems.append("The template has no sections.")
        return problems
    for i, s in enumerate(sections, start=1):
        if not isinstance(s, dict) or not str(s.get("title", "")).strip():
            problems.append(f"Section {i} has no title.")
            continue
        questions = s.get("questions")
        if not isinstance(questions, list) or not questions:
            problems.append(f"Section {i} has no questions.")
            continue
        for j, q in enumerate(questions, start=1):
            where = f"Section {i}, question {j}"
            if not isinstance(q, dict) or not str(q.get("text", "")).strip():
                problems.append(f"{where} has no text.")
                continue
            if q.get("answer_type") not in ANSWER_TYPES:
                problems.append(f"{where} has an answer type this service does not know.")
            if q.get("answer_type") == "choice" and not (
                isinstance(q.get("choices"), list) and q["choices"]
            ):
                problems.append(f"{where} is a choice with no options.")
    return problems[:20]


@transaction.atomic
def import_template(doc: dict[str, Any], *, get_model: Callable[[str], Any] | None = None) -> Any:
    """Create ``doc`` (checked by :func:`check_document`) as a template's new version:
    a template with the same slug gets its next version, else a new template. Returns
    the version. ``get_model`` (``apps.get_model`` in a data migration) finds the models."""
    if get_model is None:
        from django.apps import apps

        get_model = apps.get_model
    Template = get_model("audits.FormTemplate")
    Version = get_model("audits.FormTemplateVersion")
    SectionModel = get_model("audits.Section")
    QuestionModel = get_model("audits.Question")
    Scale = get_model("audits.GradingScale")
    problems = check_document(doc, Scale.objects.values_list("slug", flat=True))
    if problems:
        raise ValidationError(problems)
    template, _ = Template.objects.get_or_create(
        slug=doc["slug"][:80],
        defaults={
            "name": doc["name"][:200],
            "kind": doc.get("kind") or "audit",
            "theme": str(doc.get("theme") or "")[:100],
            "description": str(doc.get("description") or ""),
        },
    )
    last = Version.objects.filter(template=template).order_by("-number").first()
    version = Version.objects.create(
        template=template,
        number=(last.number + 1) if last else 1,
        scale=Scale.objects.get(slug=doc["scale"]),
        note=str(doc.get("note") or "Imported")[:200],
    )
    for i, s in enumerate(doc["sections"], start=1):
        section = SectionModel.objects.create(
            version=version,
            order=i,
            title=str(s["title"])[:200],
            help_text=str(s.get("help_text") or ""),
        )
        QuestionModel.objects.bulk_create(
            QuestionModel(
                section=section,
                order=j,
                text=str(q["text"])[:500],
                help_text=str(q.get("help_text") or ""),
                answer_type=q["answer_type"],
                required=bool(q.get("required", True)),
                choices=[str(c)[:200] for c in q.get("choices") or []],
                agency_kinds=[str(k)[:30] for k in q.get("agency_kinds") or []],
                overall=bool(q.get("overall", False)),
            )
            for j, q in enumerate(s["questions"], start=1)
        )
    return version
