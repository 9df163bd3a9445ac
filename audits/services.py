"""Every write to an audit, its sample and its forms goes through here: the pages, the
API and the flow all call these functions. Error messages are constants the tests reuse."""

from __future__ import annotations

from datetime import date
from typing import Any, Required, TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from agencies.models import Agency, AgencyKind
from agencies.selectors import members_with, user_can
from audits import formengine, sampling
from audits.models import (
    EDITABLE_FORM_STATES,
    Answer,
    AnswerType,
    Audit,
    AuditCase,
    AuditForm,
    AuditRecommendation,
    AuditState,
    FormState,
    FormTemplate,
    FormTemplateVersion,
    GradingScale,
    Question,
    Section,
)
from audits.permissions import may_complete, may_manage
from audits.signals import audit_form_assigned, audit_forms_opened
from core.outbox import Message, notify_many
from core.transitions import TransitionForbidden, TransitionRefused, run_transition

A = AuditState
F = FormState

NOT_PERMITTED_MANAGE = "Only the audit lead and the partnership team can do this."
NOT_PERMITTED_COMPLETE = "Only an auditor of the form's agency can complete it."
NOT_PLANNING = "The audit has left planning."
NOT_SAMPLING = "Cases can only be sampled while the audit is sampling."
NOT_IN_PROGRESS = "The audit's forms are not open."
NOT_MODERATION = "Findings can only be drafted once the audit is in moderation."
NOT_DRAFTED = "The findings can only be signed off once they are drafted."
NOT_SIGNED_OFF = "Only a signed-off audit can be closed."
NO_CASES = "Sample at least one case before opening the forms."
NO_AGENCIES = "Choose at least one participating agency."
GAPS_NEED_REASON = (
    "Not every form has been accepted: give the reason for the gaps to move to moderation."
)
FORM_NOT_EDITABLE = "This form has been submitted: it cannot be changed unless it is returned."
FORM_NOT_IN_PROGRESS = "Only a form in progress can be submitted."
FORM_NOT_SUBMITTED = "Only a submitted form can be accepted or returned."
RETURN_NEEDS_REASON = "Enter the reason for returning the form"
FORM_NOT_ASSIGNABLE = (
    "Only a form not yet submitted, in an audit whose forms are open, can be given to an auditor."
)
ASSIGNEE_REQUIRED = "Choose the auditor who completes the form"
NOT_AN_AUDITOR_OF_AGENCY = (
    "Choose an auditor of the agency whose form this is: only a current member of that "
    "agency who may complete its audit forms can hold it"
)
ALREADY_HOLDS_FORM = "They already hold this form: choose another auditor"
MISSING_ANSWERS = "Answer every required question before submitting"
AUDIT_CLOSED_TO_RECOMMENDATIONS = (
    "Recommendations can only be changed while the audit is in moderation or its findings "
    "are drafted."
)
LEAD_NOT_AGENCY_LEAD = "The lead must be an agency lead of the recommendation's agency"
PERIOD_ORDER = "The period must end on or after the day it starts"
NOT_AN_AUDIT_LEAD = "The audit lead must be someone who may manage audits"
VERSION_NOT_PUBLISHED = (
    "This version of the template is a draft: publish it before an audit uses it"
)


# -- planning -------------------------------------------------------------------------------
@transaction.atomic
def audit_create(
    *,
    by: Any,
    title: str,
    theme: str,
    template_version: FormTemplateVersion,
    period_start: date,
    period_end: date,
    lead: Any,
    agencies: list[Agency],
    target_percent: int = 75,
    forms_due_on: date | None = None,
    sampling_criteria: str = "",
) -> Audit:
    if not may_manage(None, by):
        raise TransitionForbidden(NOT_PERMITTED_MANAGE)
    errors: dict[str, str] = {}
    if period_end < period_start:
        errors["period_end"] = PERIOD_ORDER
    if not agencies:
        errors["agencies"] = NO_AGENCIES
    if not may_manage(None, lead):
        errors["lead"] = NOT_AN_AUDIT_LEAD
    if not template_version.published:
        errors["template_version"] = VERSION_NOT_PUBLISHED
    if errors:
        raise ValidationError(errors)
    audit = Audit(
        title=title.strip(),
        theme=theme.strip(),
        template_version=template_version,
        period_start=period_start,
        period_end=period_end,
        lead=lead,
        target_percent=target_percent,
        forms_due_on=forms_due_on,
        sampling_criteria=sampling_criteria.strip(),
    )
    audit.full_clean(exclude=["state"])
    audit.save()
    audit.agencies.set(agencies)
    return audit


@transaction.atomic
def audit_start_sampling(*, audit: Audit, by: Any, note: str = "") -> Audit:
    if not audit.agencies.exists():
        raise ValidationError(NO_AGENCIES)
    return run_transition(
        audit,
        "start_sampling",
        by=by,
        refused=NOT_PLANNING,
        forbidden=NOT_PERMITTED_MANAGE,
        comment=note,
    )


def _check_sampling(audit: Audit, by: Any) -> None:
    if not may_manage(audit, by):
        raise TransitionForbidden(NOT_PERMITTED_MANAGE)
    if audit.state != A.SAMPLING:
        raise TransitionRefused(NOT_SAMPLING)


@transaction.atomic
def audit_sample_by_hand(
    *, audit: Audit, by: Any, references: list[str], criteria: str = ""
) -> list[AuditCase]:
    """Replace the sample with the references given (checked against the partnership's
    pattern); a hand-picked sample keeps no seed."""
    _check_sampling(audit, by)
    refs = sampling.clean_references(references)
    return _set_sample(audit, refs, criteria=criteria, population=[], size=None, seed=None)


@transaction.atomic
def audit_sample_randomly(
    *,
    audit: Audit,
    by: Any,
    population: list[str],
    size: int,
    seed: int | None = None,
    criteria: str = "",
) -> list[AuditCase]:
    """Replace the sample with ``size`` cases drawn from ``population`` with ``seed``
    (a new one if none is given); the list, size and seed are stored, so the sample can
    be drawn again and checked (``sampling.redraw``)."""
    _check_sampling(audit, by)
    refs = sampling.clean_references(population)
    seed = sampling.new_seed() if seed is None else seed
    drawn = sampling.draw(refs, size, seed)
    return _set_sample(audit, drawn, criteria=criteria, population=refs, size=size, seed=seed)


def _set_sample(
    audit: Audit,
    refs: list[str],
    *,
    criteria: str,
    population: list[str],
    size: int | None,
    seed: int | None,
) -> list[AuditCase]:
    # Sampling comes before any form: the cases have nothing hanging off them yet.
    AuditCase.objects.filter(audit=audit).delete()
    cases = AuditCase.objects.bulk_create(AuditCase(audit=audit, reference=r) for r in refs)
    audit.sample_population = population
    audit.sample_size = size
    audit.random_seed = seed
    if criteria.strip():
        audit.sampling_criteria = criteria.strip()
    audit.save(
        update_fields=[
            "sample_population",
            "sample_size",
            "random_seed",
            "sampling_criteria",
            "modified",
        ]
    )
    return cases


@transaction.atomic
def audit_open_forms(*, audit: Audit, by: Any, note: str = "") -> Audit:
    """Open one form per sampled case and participating agency, each routed to that
    agency's auditors (the flow starts on ``audit_forms_opened``)."""
    if audit.state == A.SAMPLING and not audit.cases.exists():
        raise ValidationError(NO_CASES)
    run_transition(
        audit,
        "open_forms",
        by=by,
        refused=NOT_SAMPLING,
        forbidden=NOT_PERMITTED_MANAGE,
        comment=note,
    )
    agencies = list(audit.agencies.all())
    forms = AuditForm.objects.bulk_create(
        AuditForm(audit=audit, case=case, agency=agency, due_on=audit.forms_due_on)
        for case in audit.cases.all()
        for agency in agencies
    )
    if not forms or forms[0].pk is None:  # a backend that does not return ids
        forms = list(AuditForm.objects.filter(audit=audit))
    audit_forms_opened.send(sender=Audit, audit=audit, forms=forms)
    _tell_auditors(audit, agencies)
    return audit


def _tell_auditors(audit: Audit, agencies: list[Agency]) -> int:
    messages = [
        Message(
            recipients=list(members_with(agency, "complete_audit_form")),
            subject=f"Audit forms to complete: {audit.title}",
            body=(
                f"The audit “{audit.title}” has forms for {agency.name} to complete"
                + (f" by {audit.forms_due_on:%-d %B %Y}" if audit.forms_due_on else "")
                + ". Open My audit forms to pick one up."
            ),
            dedupe_key=f"audit-forms-opened:{audit.pk}:{agency.pk}",
            link=audit.get_absolute_url(),
        )
        for agency in agencies
    ]
    return notify_many(messages)


@transaction.atomic
def audit_start_moderation(*, audit: Audit, by: Any, gaps_reason: str = "") -> Audit:
    """Move to moderation: at once when every form is accepted, else only with the
    reason for the gaps (the lead closes the forms early)."""
    gaps = audit.forms.exclude(state=F.ACCEPTED).exists()
    if audit.state == A.IN_PROGRESS and gaps and not gaps_reason.strip():
        raise ValidationError({"gaps_reason": GAPS_NEED_REASON})
    return run_transition(
        audit,
        "start_moderation",
        by=by,
        refused=NOT_IN_PROGRESS,
        forbidden=NOT_PERMITTED_MANAGE,
        comment=gaps_reason.strip(),
        gaps_reason=gaps_reason.strip() if gaps else "",
    )


# -- findings -------------------------------------------------------------------------------
@transaction.atomic
def audit_draft_findings(
    *, audit: Audit, by: Any, strengths: str, areas_to_develop: str, note: str = ""
) -> Audit:
    return run_transition(
        audit,
        "draft_findings",
        by=by,
        refused=NOT_MODERATION,
        forbidden=NOT_PERMITTED_MANAGE,
        comment=note,
        strengths=strengths.strip(),
        areas_to_develop=areas_to_develop.strip(),
    )


RECOMMENDATION_STATES = [A.MODERATION, A.FINDINGS_DRAFTED]


@transaction.atomic
def recommendation_add(
    *, audit: Audit, by: Any, text: str, agency: Agency, lead: Any, target_date: date
) -> AuditRecommendation:
    if not may_manage(audit, by):
        raise TransitionForbidden(NOT_PERMITTED_MANAGE)
    if audit.state not in RECOMMENDATION_STATES:
        raise TransitionRefused(AUDIT_CLOSED_TO_RECOMMENDATIONS)
    if not user_can(lead, "update_action", agency.pk):
        raise ValidationError({"lead": LEAD_NOT_AGENCY_LEAD})
    from actions.services import target_date_problem

    problem = target_date_problem(target_date)
    if problem:
        raise ValidationError({"target_date": problem})
    last = audit.recommendations.aggregate(n=Max("number"))["n"] or 0
    rec = AuditRecommendation(
        audit=audit,
        number=last + 1,
        text=text.strip(),
        agency=agency,
        lead=lead,
        target_date=target_date,
    )
    rec.full_clean()
    rec.save()
    return rec


@transaction.atomic
def recommendation_remove(*, recommendation: AuditRecommendation, by: Any) -> None:
    if not may_manage(recommendation.audit, by):
        raise TransitionForbidden(NOT_PERMITTED_MANAGE)
    if recommendation.audit.state not in RECOMMENDATION_STATES:
        raise TransitionRefused(AUDIT_CLOSED_TO_RECOMMENDATIONS)
    recommendation.delete()


@transaction.atomic
def audit_sign_off(*, audit: Audit, by: Any, note: str = "") -> Audit:
    """Sign the findings off: each recommendation becomes a shared action of its agency
    (``actions``), followed up by the action workflow and its learning check."""
    from actions.services import action_create

    run_transition(
        audit,
        "sign_off",
        by=by,
        refused=NOT_DRAFTED,
        forbidden=NOT_PERMITTED_MANAGE,
        comment=note,
        at=timezone.now(),
    )
    for rec in audit.recommendations.select_related("agency", "lead"):
        # The sign-off above is the authority (``audits.manage_audit``): the actions are
        # made by the system on its behalf, so a QA analyst leading the audit need not
        # also hold the partnership manager's ``actions.manage_plan``.
        action_create(
            source=rec,
            agency=rec.agency,
            lead=rec.lead,
            description=rec.text,
            target_date=rec.target_date,
            by=None,
            reference=f"A{audit.pk}.{rec.number}",
            allow_past=True,
        )
    return audit


@transaction.atomic
def audit_close(*, audit: Audit, by: Any, note: str = "") -> Audit:
    return run_transition(
        audit, "close", by=by, refused=NOT_SIGNED_OFF, forbidden=NOT_PERMITTED_MANAGE, comment=note
    )


# -- forms ----------------------------------------------------------------------------------
def answers_of(form: AuditForm) -> dict[int, Answer]:
    """question id -> Answer, with its grade: one query."""
    return {a.question_id: a for a in form.answers.select_related("grade")}


@transaction.atomic
def form_save_answers(*, form: AuditForm, by: Any, values: dict[Any, Any]) -> AuditForm:
    """Save answers (question -> value from ``formengine.clean_value``; None clears one).
    A form assigned or returned is in progress from its first save."""
    if not may_complete(form, by):
        raise TransitionForbidden(NOT_PERMITTED_COMPLETE)
    if form.audit.state != A.IN_PROGRESS or form.state not in EDITABLE_FORM_STATES:
        raise TransitionRefused(FORM_NOT_EDITABLE)
    if form.state in (F.ASSIGNED, F.RETURNED):
        run_transition(form, "start", by=by, refused=FORM_NOT_EDITABLE)
    existing = answers_of(form)
    for question, value in values.items():
        answer = existing.get(question.pk)
        if value is None:
            if answer is not None:
                answer.delete()
            continue
        if answer is None:
            answer = Answer(form=form, question=question)
        formengine.assign(answer, question, value)
        answer.save()
    return form


def auditors_of(form: AuditForm) -> Any:
    """The people who may hold ``form``: the current, active members of its agency who
    hold the auditor's permission there (one query)."""
    return members_with(form.agency_id, "complete_audit_form").order_by(
        "first_name", "last_name", "username"
    )


@transaction.atomic
def form_assign(*, form: AuditForm, by: Any, assignee: Any) -> AuditForm:
    """The audit lead (or the partnership team) names the auditor who completes
    ``form``: one of its agency's auditors (``auditors_of``), never someone of another
    agency or who has left. The form's open task goes to them (the workflow layer
    listens on ``audit_form_assigned``) and they are told."""
    if not may_manage(form.audit, by):
        raise TransitionForbidden(NOT_PERMITTED_MANAGE)
    form = (
        AuditForm.objects.select_for_update()
        .select_related("audit", "agency", "case")
        .get(pk=form.pk)
    )
    if form.audit.state != A.IN_PROGRESS or form.state not in EDITABLE_FORM_STATES:
        raise TransitionRefused(FORM_NOT_ASSIGNABLE)
    if assignee is None:
        raise ValidationError({"assignee": ASSIGNEE_REQUIRED})
    if not auditors_of(form).filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": NOT_AN_AUDITOR_OF_AGENCY})
    if form.assignee_id == assignee.pk:
        raise ValidationError({"assignee": ALREADY_HOLDS_FORM})
    form.assignee = assignee
    form.save(update_fields=["assignee", "modified"])
    audit_form_assigned.send(sender=AuditForm, form=form, by=by)
    notify_many(
        [
            Message(
                recipients=[assignee],
                subject=f"Audit form for you: {form}",
                body=f"{getattr(by, 'get_full_name', lambda: '')() or by} gave you the form "
                f"for {form} in “{form.audit.title}” to complete"
                + (f" by {form.due_on:%-d %B %Y}" if form.due_on else "")
                + ".",
                dedupe_key=f"audit-form-assigned:{form.pk}:{assignee.pk}:"
                f"{timezone.now():%Y%m%d%H%M%S%f}",
                link=form.get_absolute_url(),
            )
        ]
    )
    return form


@transaction.atomic
def form_submit(*, form: AuditForm, by: Any, note: str = "") -> AuditForm:
    if not may_complete(form, by):
        raise TransitionForbidden(NOT_PERMITTED_COMPLETE)
    if form.state == F.IN_PROGRESS:
        version = formengine.load_version(form.audit.template_version_id)
        missing = formengine.missing_required(version, form.agency.kind, answers_of(form))
        if missing:
            raise ValidationError(
                [MISSING_ANSWERS] + [f"Answer “{q.text}”" for q in missing[:50]],
                code="missing",
            )
    return run_transition(
        form,
        "submit",
        by=by,
        refused=FORM_NOT_IN_PROGRESS,
        forbidden=NOT_PERMITTED_COMPLETE,
        comment=note,
        at=timezone.now(),
    )


@transaction.atomic
def form_accept(*, form: AuditForm, by: Any, note: str = "") -> AuditForm:
    """Accept a submitted form; when it is the audit's last, the audit moves to
    moderation."""
    run_transition(
        form,
        "accept",
        by=by,
        refused=FORM_NOT_SUBMITTED,
        forbidden=NOT_PERMITTED_MANAGE,
        comment=note,
    )
    audit = Audit.objects.select_for_update().get(pk=form.audit_id)
    if audit.state == A.IN_PROGRESS and not audit.forms.exclude(state=F.ACCEPTED).exists():
        audit_start_moderation(audit=audit, by=by)
    return form


@transaction.atomic
def form_return(*, form: AuditForm, by: Any, reason: str) -> AuditForm:
    if not reason.strip():
        raise ValidationError({"reason": RETURN_NEEDS_REASON})
    run_transition(
        form,
        "return_form",
        by=by,
        refused=FORM_NOT_SUBMITTED,
        forbidden=NOT_PERMITTED_MANAGE,
        comment=reason.strip(),
        reason=reason.strip(),
    )
    recipients = (
        [form.assignee]
        if form.assignee
        else list(members_with(form.agency_id, "complete_audit_form"))
    )
    notify_many(
        [
            Message(
                recipients=recipients,
                subject=f"Audit form returned: {form}",
                body=f"The moderator returned the form for {form} in “{form.audit.title}”: "
                f"{reason.strip()}",
                dedupe_key=f"audit-form-returned:{form.pk}:{timezone.now():%Y%m%d%H%M%S%f}",
                link=form.get_absolute_url(),
            )
        ]
    )
    return form


# -- form templates: the editor -------------------------------------------------------------
# A published version never changes, nor one a form was answered on: a change goes on the
# template's draft (``template_draft``), a copy of its latest version with the next number,
# which audits may use once it is published (``template_publish``).
TEMPLATE_NAME_TAKEN = "A template with this name already exists: choose another name"
TEMPLATE_HAS_NO_VERSION = "This template has no version to change"
NO_DRAFT = "There is no draft to publish: change the template first"
NO_DRAFT_TO_DISCARD = "There is no draft to discard: the latest version is published or in use"
NO_SUCH_SECTION = "There is no such section in the template"
NO_SUCH_QUESTION = "There is no such question in the section"
ALREADY_FIRST = "It is already first"
ALREADY_LAST = "It is already last"
CHOICE_NEEDS_OPTIONS = "Enter at least two options, one a line"
OVERALL_NEEDS_GRADE = "Only a question answered with a grade can be the form's overall judgement"
UNKNOWN_ANSWER_TYPE = "Choose how the question is answered"
UNKNOWN_AGENCY_KIND = "Choose agency kinds from the list"


def _check_may_edit_templates(by: Any) -> None:
    if not may_manage(None, by):
        raise TransitionForbidden(NOT_PERMITTED_MANAGE)


def _name_taken(name: str, template: FormTemplate | None = None) -> bool:
    same = FormTemplate.objects.filter(name__iexact=name.strip())
    if template is not None:
        same = same.exclude(pk=template.pk)
    return same.exists()


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "template"
    slug, n = base, 1
    while FormTemplate.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def template_create(
    *,
    by: Any,
    name: str,
    scale: GradingScale,
    kind: str = "audit",
    theme: str = "",
    description: str = "",
) -> FormTemplate:
    """A new template, with an empty draft version 1 to add sections to."""
    _check_may_edit_templates(by)
    if _name_taken(name):
        raise ValidationError({"name": TEMPLATE_NAME_TAKEN})
    template = FormTemplate(
        slug=_unique_slug(name),
        name=name.strip(),
        kind=kind,
        theme=theme.strip(),
        description=description.strip(),
    )
    template.full_clean()
    template.save()
    FormTemplateVersion.objects.create(
        template=template, number=1, scale=scale, published=False, note="New template"
    )
    return template


def is_draft(version: FormTemplateVersion) -> bool:
    """Whether ``version`` is a draft a change may go on: not published, used by no
    audit and answered on no form."""
    return (
        not version.published
        and not version.audits.exists()
        and not formengine.version_answered(version)
    )


@transaction.atomic
def template_draft(template: FormTemplate, *, by: Any) -> FormTemplateVersion:
    """The version a change to ``template`` goes on: its latest if that is a draft no
    audit uses; otherwise a new draft, a copy of the latest with the next number
    (``formengine.copy_version``). Published and answered versions are never changed."""
    _check_may_edit_templates(by)
    # One draft at a time: two editors' first changes wait for each other here.
    FormTemplate.objects.select_for_update().filter(pk=template.pk).first()
    latest = template.versions.order_by("-number").first()
    if latest is None:
        raise ValidationError(TEMPLATE_HAS_NO_VERSION)
    if is_draft(latest):
        return latest
    draft = formengine.copy_version(latest, note=f"Changed from version {latest.number}")
    draft.published = False
    draft.save(update_fields=["published", "modified"])
    return draft


@transaction.atomic
def template_update(
    *,
    template: FormTemplate,
    by: Any,
    name: str,
    scale: GradingScale,
    kind: str,
    theme: str = "",
    description: str = "",
) -> FormTemplate:
    """The template's name, kind, theme and description (the same for all its versions)
    and its grading scale (a version's: a change of scale goes on the draft)."""
    _check_may_edit_templates(by)
    if _name_taken(name, template):
        raise ValidationError({"name": TEMPLATE_NAME_TAKEN})
    template.name = name.strip()
    template.kind = kind
    template.theme = theme.strip()
    template.description = description.strip()
    template.full_clean()
    template.save()
    latest = template.versions.order_by("-number").first()
    if latest is not None and latest.scale_id != scale.pk:
        draft = template_draft(template, by=by)
        draft.scale = scale
        draft.save(update_fields=["scale", "modified"])
    return template


@transaction.atomic
def template_publish(*, template: FormTemplate, by: Any, note: str = "") -> FormTemplateVersion:
    """Publish the template's draft, so audits may use it; a draft with a section with
    no questions (or a list question with no options) is refused, with what to fix."""
    _check_may_edit_templates(by)
    FormTemplate.objects.select_for_update().filter(pk=template.pk).first()
    latest = template.versions.select_related("template", "scale").order_by("-number").first()
    if latest is None or latest.published:
        raise TransitionRefused(NO_DRAFT)
    problems = formengine.check_document(
        formengine.export_template(latest), GradingScale.objects.values_list("slug", flat=True)
    )
    if problems:
        raise ValidationError(problems)
    latest.published = True
    if note.strip():
        latest.note = note.strip()[:200]
    latest.save(update_fields=["published", "note", "modified"])
    return latest


@transaction.atomic
def template_discard_draft(*, template: FormTemplate, by: Any) -> FormTemplateVersion | None:
    """Throw the template's draft away, with its sections and questions; its published
    versions stay as they are. A template that has only its draft (never published, so
    used by no audit) goes entirely. The version now latest, or None when the template
    went; no draft is refused (409)."""
    _check_may_edit_templates(by)
    FormTemplate.objects.select_for_update().filter(pk=template.pk).first()
    versions = list(template.versions.order_by("-number")[:2])
    if not versions or not is_draft(versions[0]):
        raise TransitionRefused(NO_DRAFT_TO_DISCARD)
    versions[0].delete()  # its sections and their questions go with it
    if len(versions) == 1:
        template.delete()
        return None
    return versions[1]


def _renumber(items: list[Any]) -> None:
    """Give ``items`` the orders 1, 2, 3... in the order given. In two steps, so no two
    rows share an order on the way (the unique constraints)."""
    if not items:
        return
    model = type(items[0])
    for i, item in enumerate(items):
        item.order = 10_000 + i
    model.objects.bulk_update(items, ["order"])
    for i, item in enumerate(items, start=1):
        item.order = i
    model.objects.bulk_update(items, ["order"])


def _move(items: list[Any], index: int, direction: str) -> Any:
    """Swap ``items[index]`` with its neighbour above or below; the moved item, with its
    new order."""
    other = index - 1 if direction == "up" else index + 1
    if other < 0:
        raise ValidationError(ALREADY_FIRST)
    if other >= len(items):
        raise ValidationError(ALREADY_LAST)
    items[index], items[other] = items[other], items[index]
    _renumber(items)
    return items[other]


def _move_among(siblings: Any, item: Any, direction: str) -> Any:
    """Swap ``item`` with its neighbour above or below among ``siblings`` (a queryset of
    the sections of a version, or the questions of a section); the moved item."""
    items = list(siblings.order_by("order"))
    index = next(i for i, s in enumerate(items) if s.pk == item.pk)
    return _move(items, index, direction)


def _remove_from(siblings: Any, item: Any) -> None:
    """Delete ``item`` and renumber the ``siblings`` left."""
    item.delete()
    _renumber(list(siblings.order_by("order")))


def _section_of(version: FormTemplateVersion, number: int) -> Section:
    section = version.sections.filter(order=number).first()
    if section is None:
        raise ValidationError(NO_SUCH_SECTION)
    return section


def _put_section(
    template: FormTemplate, by: Any, number: int | None, *, title: str, help_text: str
) -> Section:
    """Section ``number`` of the template's draft (a new one at the end when None),
    given ``title`` and ``help_text``."""
    draft = template_draft(template, by=by)
    if number is None:
        last = draft.sections.aggregate(n=Max("order"))["n"] or 0
        section = Section(version=draft, order=last + 1)
    else:
        section = _section_of(draft, number)
    section.title = title.strip()
    section.help_text = help_text.strip()
    section.full_clean()
    section.save()
    return section


@transaction.atomic
def section_add(*, template: FormTemplate, by: Any, title: str, help_text: str = "") -> Section:
    return _put_section(template, by, None, title=title, help_text=help_text)


@transaction.atomic
def section_update(
    *, template: FormTemplate, by: Any, number: int, title: str, help_text: str = ""
) -> Section:
    return _put_section(template, by, number, title=title, help_text=help_text)


@transaction.atomic
def section_remove(*, template: FormTemplate, by: Any, number: int) -> None:
    draft = template_draft(template, by=by)
    _remove_from(draft.sections, _section_of(draft, number))


@transaction.atomic
def section_move(*, template: FormTemplate, by: Any, number: int, direction: str) -> Section:
    draft = template_draft(template, by=by)
    moved: Section = _move_among(draft.sections, _section_of(draft, number), direction)
    return moved


def _check_question(
    *, answer_type: str, choices: list[str], agency_kinds: list[str], overall: bool
) -> None:
    errors: dict[str, str] = {}
    if answer_type not in AnswerType.values:
        errors["answer_type"] = UNKNOWN_ANSWER_TYPE
    if answer_type == AnswerType.CHOICE and len(choices) < 2:
        errors["choices"] = CHOICE_NEEDS_OPTIONS
    if overall and answer_type != AnswerType.GRADE:
        errors["overall"] = OVERALL_NEEDS_GRADE
    if any(kind not in AgencyKind.values for kind in agency_kinds):
        errors["agency_kinds"] = UNKNOWN_AGENCY_KIND
    if errors:
        raise ValidationError(errors)


def _question_of(section: Section, number: int) -> Question:
    question = section.questions.filter(order=number).first()
    if question is None:
        raise ValidationError(NO_SUCH_QUESTION)
    return question


class QuestionFields(TypedDict, total=False):
    """A question's fields, as ``question_add`` and ``question_update`` take them (the
    question form's ``cleaned_data``); all but ``text`` and ``answer_type`` optional."""

    text: Required[str]
    answer_type: Required[str]
    help_text: str
    choices: list[str] | None
    required: bool
    agency_kinds: list[str] | None
    overall: bool


def _put_question(
    template: FormTemplate, by: Any, number: int, order: int | None, fields: QuestionFields
) -> Question:
    """Question ``order`` of section ``number`` of the template's draft (a new one at
    the end of the section when None), given ``fields``. They are checked before the
    draft is made: bad input makes no draft."""
    answer_type = fields["answer_type"]
    choices = fields.get("choices") or []
    agency_kinds = fields.get("agency_kinds") or []
    overall = fields.get("overall", False)
    _check_question(
        answer_type=answer_type, choices=choices, agency_kinds=agency_kinds, overall=overall
    )
    section = _section_of(template_draft(template, by=by), number)
    if order is None:
        last = section.questions.aggregate(n=Max("order"))["n"] or 0
        question = Question(section=section, order=last + 1)
    else:
        question = _question_of(section, order)
    question.text = fields["text"].strip()
    question.help_text = fields.get("help_text", "").strip()
    question.answer_type = answer_type
    # Options belong to a list question only.
    question.choices = list(choices) if answer_type == AnswerType.CHOICE else []
    question.required = fields.get("required", True)
    question.agency_kinds = sorted(set(agency_kinds))
    question.overall = overall
    question.full_clean()
    question.save()
    return question


@transaction.atomic
def question_add(
    *, template: FormTemplate, by: Any, number: int, **fields: Unpack[QuestionFields]
) -> Question:
    """A question at the end of section ``number`` of the template's draft."""
    return _put_question(template, by, number, None, fields)


@transaction.atomic
def question_update(
    *, template: FormTemplate, by: Any, number: int, question: int, **fields: Unpack[QuestionFields]
) -> Question:
    """Change question ``question`` of section ``number`` (their orders) on the draft."""
    return _put_question(template, by, number, question, fields)


@transaction.atomic
def question_remove(*, template: FormTemplate, by: Any, number: int, question: int) -> None:
    section = _section_of(template_draft(template, by=by), number)
    _remove_from(section.questions, _question_of(section, question))


@transaction.atomic
def question_move(
    *, template: FormTemplate, by: Any, number: int, question: int, direction: str
) -> Question:
    section = _section_of(template_draft(template, by=by), number)
    moved: Question = _move_among(section.questions, _question_of(section, question), direction)
    return moved
