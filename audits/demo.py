"""Demo audits (``manage.py load_demo``), made through the services like the pages:

* "Neglect audit, spring": in progress, forms for children's social care, the police and
  the Royal Free at every state (assigned, in progress, submitted, returned, accepted):
  sign in as ``police.auditor``, ``health.auditor`` or ``csc.auditor``; ``qa`` moderates.
* "CSE and missing audit, winter": finished: every form accepted, findings with agencies
  disagreeing about one child, the narrative, and signed off, so its two recommendations
  are actions of children's social care and the police.

Idempotent: an audit already there (by title) is left alone."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.apps import apps

from audits import formengine, services, starters
from audits.models import Audit, AuditForm, FormTemplate

NEGLECT = "Neglect audit, spring"
CSE = "CSE and missing audit, winter"
CSC = "Barnet Children's Social Care"
POLICE = "Metropolitan Police (North West BCU)"
ROYAL_FREE = "Royal Free London NHS Foundation Trust"
AUDITORS = {CSC: "csc.auditor", POLICE: "police.auditor", ROYAL_FREE: "health.auditor"}


def load(context: Any) -> None:
    if "qa" not in context.people or any(a not in context.agencies for a in AUDITORS):
        return
    qa = context.people["qa"]
    # the starter templates come with the data migration; a database flushed since (a
    # transactional test, `manage.py flush`) gets them back here, as the command does
    starters.load(apps.get_model)
    if not Audit.objects.filter(title=NEGLECT).exists():
        _neglect(context, qa)
        context.say(f"Audit: {NEGLECT}")
    if not Audit.objects.filter(title=CSE).exists():
        _cse(context, qa)
        context.say(f"Audit: {CSE}")


def _audit(context: Any, qa: Any, *, title: str, theme: str, slug: str, refs: list[str]) -> Audit:
    version = FormTemplate.objects.get(slug=slug).latest_version()
    assert version is not None  # a starter template has its first version
    today: date = context.today
    audit = services.audit_create(
        by=qa,
        title=title,
        theme=theme,
        template_version=version,
        period_start=today - timedelta(days=180),
        period_end=today - timedelta(days=30),
        lead=qa,
        agencies=[context.agencies[name] for name in AUDITORS],
        forms_due_on=today + timedelta(days=21),
        sampling_criteria=f"Children open to at least two agencies for {theme.lower()}",
    )
    services.audit_start_sampling(audit=audit, by=qa)
    services.audit_sample_by_hand(audit=audit, by=qa, references=refs)
    services.audit_open_forms(audit=audit, by=qa)
    audit.refresh_from_db()
    return audit


def _fill(form: AuditForm, by: Any, *, grade: str, complete: bool = True) -> None:
    version = formengine.load_version(form.audit.template_version_id)
    grades = {g.code: g for g in version.scale.grades.all()}
    values: dict[Any, Any] = {}
    for i, q in enumerate(formengine.visible_questions(version, form.agency.kind)):
        if not complete and i > 2:
            break
        if q.answer_type == "grade":
            values[q] = grades[grade]
        elif q.answer_type == "text":
            values[q] = "The child's wishes were recorded at each visit and shaped the plan."
        elif q.answer_type == "yes_no":
            values[q] = "yes"
        elif q.answer_type == "choice":
            values[q] = q.choices[1] if len(q.choices) > 1 else q.choices[0]
        elif q.answer_type == "number":
            values[q] = formengine.clean_value(q, "5", formengine.Grades(by_id={}))
    services.form_save_answers(form=form, by=by, values=values)


def _form(audit: Audit, agency: Any, ref: str) -> AuditForm:
    return AuditForm.objects.select_related("audit", "agency", "case").get(
        audit=audit, agency=agency, case__reference=ref
    )


def _neglect(context: Any, qa: Any) -> None:
    refs = ["LCS-204101", "LCS-204102", "LCS-204103"]
    audit = _audit(context, qa, title=NEGLECT, theme="Neglect", slug="neglect", refs=refs)
    people = context.people
    plan = {
        POLICE: ["accepted", "submitted", "in_progress"],
        ROYAL_FREE: ["returned", "in_progress", "assigned"],
        CSC: ["accepted", "submitted", "assigned"],
    }
    for name, states in plan.items():
        agency = context.agencies[name]
        auditor = people[AUDITORS[name]]
        for ref, state in zip(refs, states, strict=True):
            form = _form(audit, agency, ref)
            if state == "assigned":
                continue
            _fill(form, auditor, grade="good", complete=state != "in_progress")
            if state == "in_progress":
                continue
            form.refresh_from_db()
            services.form_submit(form=form, by=auditor)
            if state == "accepted":
                services.form_accept(form=form, by=qa)
            elif state == "returned":
                services.form_return(
                    form=form,
                    by=qa,
                    reason="Say how the Graded Care Profile 2 scores changed the plan.",
                )


def _cse(context: Any, qa: Any) -> None:
    refs = ["LCS-310201", "LCS-310202", "LCS-310203", "LCS-310204"]
    audit = _audit(
        context,
        qa,
        title=CSE,
        theme="Child sexual exploitation and missing",
        slug="cse-missing",
        refs=refs,
    )
    people = context.people
    grades = {
        CSC: ["good", "good", "outstanding", "requires-improvement"],
        POLICE: ["inadequate", "good", "good", "good"],
        ROYAL_FREE: ["good", "requires-improvement", "good", "good"],
    }
    for name, codes in grades.items():
        agency = context.agencies[name]
        auditor = people[AUDITORS[name]]
        for ref, code in zip(refs, codes, strict=True):
            form = _form(audit, agency, ref)
            _fill(form, auditor, grade=code)
            form.refresh_from_db()
            services.form_submit(form=form, by=auditor)
            services.form_accept(form=form, by=qa)
    audit.refresh_from_db()
    services.audit_draft_findings(
        audit=audit,
        by=qa,
        strengths="Return home interviews were offered after every missing episode, and the "
        "children's own words shaped their safety plans.",
        areas_to_develop="Agencies judged one child's risk very differently: intelligence "
        "from the police did not reach the strategy meeting.",
    )
    for agency_name, lead, text in [
        (CSC, "csc.lead", "Invite the police to every strategy meeting on exploitation."),
        (POLICE, "police.lead", "Share missing-episode intelligence within 24 hours."),
    ]:
        services.recommendation_add(
            audit=audit,
            by=qa,
            text=text,
            agency=context.agencies[agency_name],
            lead=people[lead],
            target_date=context.today + timedelta(days=120),
        )
    services.audit_sign_off(audit=audit, by=qa, note="Agreed at the L&I group.")
