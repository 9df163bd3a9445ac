"""Audits, made through ``audits.services`` only, so every audit and form a test starts
from has a real flow, tasks and a transition log.

    version = make_version()                            # a small two-section template
    audit = make_audit(lead=qa, agencies=[a, b])        # its forms open (in progress)
    fill(form, by=amy, grade="good")                    # every required answer
    submitted(form, by=amy)                             # filled and submitted
    walk_audit(audit, A.SIGNED_OFF, by=qa)              # every form accepted, findings...
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.apps import apps
from django.utils import timezone

from agencies.models import Agency
from agencies.roles import PartnershipRole
from audits import formengine, services, starters
from audits.models import (
    AnswerType,
    Audit,
    AuditForm,
    AuditState,
    FormTemplate,
    FormTemplateVersion,
    Grade,
    GradingScale,
    Question,
    Section,
)
from tests.factories.agencies import UserFactory

A = AuditState


def qa_analyst(username: str = "qa") -> Any:
    return UserFactory(username=username, groups=[PartnershipRole.QA_ANALYST])


def ensure_scales() -> None:
    """The shipped scales and starter templates (a transactional test's flush removes
    what the data migration loaded)."""
    starters.load(apps.get_model)


def scale(slug: str = "ofsted-4") -> GradingScale:
    ensure_scales()
    return GradingScale.objects.get(slug=slug)


def grade(code: str, scale_slug: str = "ofsted-4") -> Grade:
    return Grade.objects.get(scale__slug=scale_slug, code=code)


GRADE_Q = "How good was the practice for this child?"
OVERALL_Q = "Overall, how good was our practice?"
TEXT_Q = "What difference did it make?"
NUMBER_Q = "How many visits?"
POLICE_Q = "Was the notification shared within 24 hours?"
DATE_Q = "Date of the plan"
CHOICE_Q = "Graded Care Profile 2 score"


def make_version(
    slug: str = "test-neglect", name: str = "Test neglect audit"
) -> FormTemplateVersion:
    """A template of two sections: "Practice" (a grade, the overall grade, a number, a
    police-only yes/no) and "Impact" (text, a date, a choice)."""
    template, _ = FormTemplate.objects.get_or_create(slug=slug, defaults={"name": name})
    last = template.versions.order_by("-number").first()
    version = FormTemplateVersion.objects.create(
        template=template, number=(last.number + 1) if last else 1, scale=scale()
    )
    practice = Section.objects.create(version=version, order=1, title="Practice")
    impact = Section.objects.create(version=version, order=2, title="Impact")
    Question.objects.create(section=practice, order=1, text=GRADE_Q, answer_type=AnswerType.GRADE)
    Question.objects.create(
        section=practice, order=2, text=OVERALL_Q, answer_type=AnswerType.GRADE, overall=True
    )
    Question.objects.create(
        section=practice, order=3, text=NUMBER_Q, answer_type=AnswerType.NUMBER, required=False
    )
    Question.objects.create(
        section=practice,
        order=4,
        text=POLICE_Q,
        answer_type=AnswerType.YES_NO,
        agency_kinds=["police"],
    )
    Question.objects.create(section=impact, order=1, text=TEXT_Q, answer_type=AnswerType.TEXT)
    Question.objects.create(
        section=impact, order=2, text=DATE_Q, answer_type=AnswerType.DATE, required=False
    )
    Question.objects.create(
        section=impact,
        order=3,
        text=CHOICE_Q,
        answer_type=AnswerType.CHOICE,
        choices=["1", "2", "3", "4", "5"],
        required=False,
    )
    return version


def make_audit(
    *,
    lead: Any,
    agencies: Iterable[Agency],
    version: FormTemplateVersion | None = None,
    references: Iterable[str] = ("LCS-0001", "LCS-0002"),
    title: str = "Neglect audit",
    state: str = A.IN_PROGRESS,
    due_in_days: int | None = 14,
) -> Audit:
    today = timezone.localdate()
    audit = services.audit_create(
        by=lead,
        title=title,
        theme="Neglect",
        template_version=version or make_version(),
        period_start=today - timedelta(days=90),
        period_end=today,
        lead=lead,
        agencies=list(agencies),
        forms_due_on=today + timedelta(days=due_in_days) if due_in_days is not None else None,
        sampling_criteria="Children on a plan for neglect",
    )
    if state == A.PLANNING:
        return audit
    services.audit_start_sampling(audit=audit, by=lead)
    services.audit_sample_by_hand(audit=audit, by=lead, references=list(references))
    if state == A.SAMPLING:
        return audit
    services.audit_open_forms(audit=audit, by=lead)
    audit.refresh_from_db()
    return audit


def form_of(audit: Audit, agency: Agency, reference: str | None = None) -> AuditForm:
    forms = AuditForm.objects.filter(audit=audit, agency=agency)
    if reference:
        forms = forms.filter(case__reference=reference)
    return forms.order_by("case__reference").first()  # type: ignore[return-value]


def fill(form: AuditForm, *, by: Any, grade_code: str = "good", overall: str | None = None) -> None:
    """Answer every question shown to the form's agency (required ones and the rest)."""
    version = formengine.load_version(form.audit.template_version_id)
    grades = {g.code: g for g in version.scale.grades.all()}
    values: dict[Any, Any] = {}
    for q in formengine.visible_questions(version, form.agency.kind):
        if q.answer_type == "grade":
            values[q] = grades[(overall or grade_code) if q.overall else grade_code]
        elif q.answer_type == "text":
            values[q] = "The plan was reviewed and the family engaged."
        elif q.answer_type == "yes_no":
            values[q] = "yes"
        elif q.answer_type == "number":
            values[q] = formengine.clean_value(q, "3", formengine.Grades(by_id={}))
        elif q.answer_type == "date":
            values[q] = date(2026, 3, 1)
        elif q.answer_type == "choice":
            values[q] = q.choices[0]
    services.form_save_answers(form=form, by=by, values=values)


def submitted(form: AuditForm, *, by: Any, **kwargs: Any) -> AuditForm:
    fill(form, by=by, **kwargs)
    form.refresh_from_db()
    return services.form_submit(form=form, by=by)


def accepted(form: AuditForm, *, by: Any, moderator: Any, **kwargs: Any) -> AuditForm:
    submitted(form, by=by, **kwargs)
    form.refresh_from_db()
    return services.form_accept(form=form, by=moderator)


def make_isolation_audit(agency: Agency, marker: str, *, lead: Any) -> tuple[Audit, AuditForm]:
    """An audit whose one participant is ``agency``, its form open; the marker in its
    title and its case reference (tests/test_isolation__every_route.py)."""
    audit = make_audit(
        lead=lead,
        agencies=[agency],
        references=[f"{marker}-1"],
        title=f"{marker} neglect audit",
        version=make_version(slug=f"iso-{marker.lower()}"),
    )
    return audit, form_of(audit, agency)
