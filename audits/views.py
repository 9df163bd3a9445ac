"""Audit pages. Views check permission, call a service, respond; the rules live in
``audits.permissions``, ``audits.selectors`` and ``audits.services``."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from agencies.casework import log_opening
from audits import findings as computed
from audits import formengine, forms, sampling, selectors, services
from audits.models import (
    Audit,
    AuditForm,
    AuditState,
    FormState,
    FormTemplateVersion,
)
from audits.permissions import may_complete, may_manage
from audits.steps import AUDIT_STEPS, FORM_STEPS
from core import paper
from core.forms import add_service_errors
from core.pagination import BoundedPaginator
from core.steps import next_steps, step_page_view
from core.tabular import csv_cell, set_xlsx_cell
from core.timeline import timeline
from core.transitions import TransitionForbidden, TransitionRefused

PAGE_SIZE = 50
A = AuditState
F = FormState


# -- audits ---------------------------------------------------------------------------------
@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    audits = selectors.audit_list(user=request.user)
    state = request.GET.get("state", "")
    if state in AuditState.values:  # the overview's figures link here, filtered
        audits = audits.filter(state=state)
    page = BoundedPaginator(audits, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "audits/list.html",
        {
            "page": page,
            "can_manage": may_manage(None, request.user),
            "state": AuditState(state).label if state in AuditState.values else "",
            "query": f"state={state}" if state in AuditState.values else "",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def audit_create(request: HttpRequest) -> HttpResponse:
    if not may_manage(None, request.user):
        raise PermissionDenied(services.NOT_PERMITTED_MANAGE)
    form = forms.AuditCreateForm(
        request.POST or None, initial={"lead": request.user.pk, "target_percent": 75}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                audit = services.audit_create(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Audit “{audit}” planned.")
                return redirect(audit)
        status = 400
    return render(request, "audits/create.html", {"form": form}, status=status)


def _detail(
    request: HttpRequest, audit: Audit, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    visible = selectors.form_list(user=user).filter(audit=audit)
    page = BoundedPaginator(visible, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "audits/detail.html",
        {
            "audit": audit,
            "agencies": list(audit.agencies.order_by("name")),
            "cases": list(audit.cases.all()[:500]) if may_manage(audit, user) else [],
            "case_count": audit.cases.count(),
            "forms": page,
            "counts": selectors.form_counts(audit, user=user),
            "can_manage": may_manage(audit, user),
            "next_steps": next_steps(AUDIT_STEPS, audit, user, bound),
            "error_form": next((f for f in (bound or {}).values() if f.errors), None),
            "timeline": timeline(audit),
            "redrawn": sampling.redraw(audit) if audit.random_seed is not None else None,
            "recommendations": audit.recommendations.select_related("agency", "lead"),
        },
        status=status,
    )


@login_required
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.audit_get(user=request.user, pk=pk))


audit_step = step_page_view(AUDIT_STEPS, _detail)


@login_required
@require_http_methods(["GET", "POST"])
def audit_sample(request: HttpRequest, pk: int) -> HttpResponse:
    """Sample the cases: by hand, or a random sample of N from an uploaded list."""
    audit = selectors.audit_get(user=request.user, pk=pk)
    if not may_manage(audit, request.user):
        raise PermissionDenied(services.NOT_PERMITTED_MANAGE)
    if audit.state != A.SAMPLING:
        messages.error(request, services.NOT_SAMPLING)
        return redirect(audit)
    how = request.POST.get("how", "hand")
    by_hand = forms.SampleByHandForm(
        request.POST if request.method == "POST" and how == "hand" else None, prefix="hand"
    )
    randomly = forms.SampleRandomForm(
        request.POST if request.method == "POST" and how == "random" else None,
        request.FILES if request.method == "POST" and how == "random" else None,
        prefix="random",
    )
    status = 200
    if request.method == "POST":
        form = by_hand if how == "hand" else randomly
        if form.is_valid():
            d = form.cleaned_data
            try:
                if how == "hand":
                    cases = services.audit_sample_by_hand(
                        audit=audit,
                        by=request.user,
                        references=d["references"],
                        criteria=d["criteria"],
                    )
                else:
                    population = sampling.read_population(d["file"])
                    cases = services.audit_sample_randomly(
                        audit=audit,
                        by=request.user,
                        population=population,
                        size=d["size"],
                        seed=d["seed"],
                        criteria=d["criteria"],
                    )
            except ValidationError as exc:
                form.add_error("references" if how == "hand" else "file", exc.messages)
            except TransitionRefused as exc:
                messages.error(request, exc.message)
                return redirect(audit)
            else:
                messages.success(request, f"{len(cases)} cases sampled.")
                return redirect(audit)
        status = 400
    return render(
        request,
        "audits/sample.html",
        {
            "audit": audit,
            "by_hand": by_hand,
            "randomly": randomly,
            "error_form": by_hand if by_hand.errors else randomly if randomly.errors else None,
        },
        status=status,
    )


# -- findings -------------------------------------------------------------------------------
FINDINGS_STATES = [A.MODERATION, A.FINDINGS_DRAFTED, A.SIGNED_OFF, A.CLOSED]


def _findings_context(request: HttpRequest, audit: Audit) -> dict[str, Any]:
    """The findings page's and its board paper's context: one computation, and the
    case-level rows (the disagreements) only for who sees every participating agency."""
    result = computed.compute(audit)
    case_level = selectors.sees_every_agency(audit, request.user)
    return {
        "title": f"Findings: {audit.title}",
        "as_at": timezone.localdate(),
        "audit": audit,
        "f": result,
        "table": computed.table_rows(result),
        "disagreements": result.disagreements if case_level else None,
        "can_manage": may_manage(audit, request.user),
        "recommendations": audit.recommendations.select_related("agency", "lead"),
        "chart": _chart(result),
    }


@login_required
def audit_findings(request: HttpRequest, pk: int) -> HttpResponse:
    audit = selectors.audit_get(user=request.user, pk=pk)
    return render(request, "audits/findings.html", _findings_context(request, audit))


@require_GET
@login_required
def findings_paper(request: HttpRequest, pk: int) -> HttpResponse:
    """The findings as a board paper (PDF, from the page's own section templates), or
    a 503 page saying why the PDF cannot be made here (the page still prints)."""
    audit = selectors.audit_get(user=request.user, pk=pk)
    return paper.pdf_response(
        request,
        "audits/paper.html",
        _findings_context(request, audit),
        filename=f"audit-{audit.pk}-findings-{timezone.localdate().isoformat()}.pdf",
        page_url=reverse("audits:findings", args=[audit.pk]),
        xlsx_url=reverse("audits:findings-export", args=[audit.pk, "xlsx"]),
    )


def _chart(result: computed.Findings) -> dict[str, Any]:
    """An SVG bar chart of the shares (presentation attributes only: the page's
    Content-Security-Policy allows no inline style)."""
    bars = []
    shares = [result.overall, *result.by_agency]
    for i, share in enumerate(shares):
        pct = share.percent or 0
        bars.append(
            {
                "label": share.label,
                "y": 10 + i * 34,
                "width": pct * 4,
                "text_x": 210 + pct * 4 + 6,
                "percent": share.percent,
                "meets": share.meets_target,
            }
        )
    target_x = 210 + result.audit.target_percent * 4
    return {"bars": bars, "height": 20 + len(shares) * 34, "target_x": target_x}


@login_required
def findings_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    audit = selectors.audit_get(user=request.user, pk=pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404("No such format")
    rows = computed.table_rows(computed.compute(audit))
    name = f"audit-{audit.pk}-findings"
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        writer = csv.writer(response)
        for row in rows:
            writer.writerow([csv_cell(v) for v in row])
        return response
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Findings"
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            set_xlsx_cell(sheet, r, c, value)
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def audit_narrative(request: HttpRequest, pk: int) -> HttpResponse:
    """The lead's narrative (strengths, areas to develop) and recommendations."""
    audit = selectors.audit_get(user=request.user, pk=pk)
    if not may_manage(audit, request.user):
        raise PermissionDenied(services.NOT_PERMITTED_MANAGE)
    if audit.state not in (A.MODERATION, A.FINDINGS_DRAFTED):
        messages.error(request, services.AUDIT_CLOSED_TO_RECOMMENDATIONS)
        return redirect(audit)
    what = request.POST.get("what", "narrative")
    narrative = forms.NarrativeForm(
        request.POST if request.method == "POST" and what == "narrative" else None,
        initial={"strengths": audit.strengths, "areas_to_develop": audit.areas_to_develop},
        prefix="narrative",
    )
    recommendation = forms.RecommendationForm(
        request.POST if request.method == "POST" and what == "recommendation" else None,
        audit=audit,
        prefix="recommendation",
    )
    status = 200
    if request.method == "POST":
        try:
            if what == "remove":
                rec_id = request.POST.get("recommendation", "")
                rec = (
                    audit.recommendations.filter(pk=int(rec_id)).first()
                    if rec_id.isdigit() and len(rec_id) < 19
                    else None
                )
                if rec is None:
                    raise Http404("No such recommendation")
                services.recommendation_remove(recommendation=rec, by=request.user)
                messages.success(request, f"Recommendation {rec.number} removed.")
                return redirect("audits:narrative", pk=audit.pk)
            form: django_forms.Form = narrative if what == "narrative" else recommendation
            if form.is_valid():
                try:
                    if what == "narrative":
                        services.audit_draft_findings(
                            audit=audit, by=request.user, **form.cleaned_data
                        )
                        messages.success(request, "Findings drafted.")
                        return redirect("audits:findings", pk=audit.pk)
                    services.recommendation_add(audit=audit, by=request.user, **form.cleaned_data)
                    messages.success(request, "Recommendation added.")
                    return redirect("audits:narrative", pk=audit.pk)
                except ValidationError as exc:
                    add_service_errors(form, exc)
            status = 400
        except TransitionRefused as exc:
            messages.error(request, exc.message)
            return redirect(audit)
        except TransitionForbidden as exc:
            raise PermissionDenied(exc.message) from exc
    return render(
        request,
        "audits/narrative.html",
        {
            "audit": audit,
            "narrative": narrative,
            "recommendation": recommendation,
            "recommendations": audit.recommendations.select_related("agency", "lead"),
            "error_form": narrative
            if narrative.errors
            else recommendation
            if recommendation.errors
            else None,
        },
        status=status,
    )


# -- forms ----------------------------------------------------------------------------------
@login_required
def my_forms(request: HttpRequest) -> HttpResponse:
    page = BoundedPaginator(selectors.my_forms(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "audits/my_forms.html", {"page": page})


def _sections(form: AuditForm, answers: dict[int, Any]) -> tuple[Any, list[dict[str, Any]]]:
    version = formengine.load_version(form.audit.template_version_id)
    kind = form.agency.kind
    rows = []
    for i, section in enumerate(version.sections.all(), start=1):
        questions = [q for q in section.questions.all() if q.shown_to(kind)]
        if not questions:
            continue
        rows.append(
            {
                "number": i,
                "section": section,
                "status": formengine.section_status(section, kind, answers),
                "answers": [(q, formengine.display(q, answers.get(q.pk))) for q in questions],
            }
        )
    return version, rows


def _log(request: HttpRequest, form: AuditForm) -> None:
    log_opening(
        user=request.user,
        record=form,
        agency=form.agency_id,
        case_reference=form.case.reference,
        path=request.path,
    )


def _form_page(
    request: HttpRequest, form: AuditForm, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    _log(request, form)
    answers = services.answers_of(form)
    version, sections = _sections(form, answers)
    steps = [
        s for s in next_steps(FORM_STEPS, form, request.user, bound) if s.step.name != "submit"
    ]
    return render(
        request,
        "audits/form.html",
        {
            "form_record": form,
            "audit": form.audit,
            "version": version,
            "sections": sections,
            "can_complete": may_complete(form, request.user)
            and form.editable
            and form.audit.state == A.IN_PROGRESS,
            "can_submit": may_complete(form, request.user) and form.state == F.IN_PROGRESS,
            "can_assign": may_manage(form.audit, request.user)
            and form.editable
            and form.audit.state == A.IN_PROGRESS,
            "next_steps": steps,
            "error_form": next((f for f in (bound or {}).values() if f.errors), None),
            "timeline": timeline(form),
        },
        status=status,
    )


@login_required
def form_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_page(request, selectors.form_get(user=request.user, pk=pk))


form_step = step_page_view(FORM_STEPS, _form_page)


class AssignForm(forms.GdsForm):
    """The auditor who completes a form. The field takes any person (its choices list
    only the agency's auditors): the service refuses anyone else with its message."""

    assignee = django_forms.ModelChoiceField(
        queryset=get_user_model().objects.all(),
        label="Auditor",
        widget=django_forms.RadioSelect,
        error_messages={
            "required": services.ASSIGNEE_REQUIRED,
            "invalid_choice": services.NOT_AN_AUDITOR_OF_AGENCY,
        },
    )

    def __init__(self, *args: Any, auditors: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, django_forms.ChoiceField)
        field.choices = [(u.pk, u.get_full_name() or u.username) for u in auditors]


@login_required
@require_http_methods(["GET", "POST"])
def form_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """The audit lead gives a form to a named auditor of its agency; its task goes to
    them (``services.form_assign``)."""
    form = selectors.form_get(user=request.user, pk=pk)
    if not may_manage(form.audit, request.user):
        raise PermissionDenied(services.NOT_PERMITTED_MANAGE)
    if form.audit.state != A.IN_PROGRESS or not form.editable:
        messages.error(request, services.FORM_NOT_ASSIGNABLE)
        return redirect(form)
    auditors = list(services.auditors_of(form))
    page_form = AssignForm(
        request.POST if request.method == "POST" else None,
        auditors=auditors,
        initial={"assignee": form.assignee_id},
    )
    status = 200
    if request.method == "POST":
        if page_form.is_valid():
            try:
                services.form_assign(
                    form=form, by=request.user, assignee=page_form.cleaned_data["assignee"]
                )
            except ValidationError as exc:
                add_service_errors(page_form, exc)
            except TransitionRefused as exc:
                messages.error(request, exc.message)
                return redirect(form)
            except TransitionForbidden as exc:
                raise PermissionDenied(exc.message) from exc
            else:
                who = page_form.cleaned_data["assignee"]
                messages.success(
                    request,
                    f"The form is now with {who.get_full_name() or who.username} to complete.",
                )
                return redirect(form)
        status = 400
    return render(
        request,
        "audits/assign.html",
        {"form_record": form, "audit": form.audit, "page_form": page_form, "auditors": auditors},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def form_section(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """One section of a form, saved on its own ("Save and come back later")."""
    form = selectors.form_get(user=request.user, pk=pk)
    if not may_complete(form, request.user):
        raise PermissionDenied(services.NOT_PERMITTED_COMPLETE)
    if not form.editable or form.audit.state != A.IN_PROGRESS:
        messages.error(request, services.FORM_NOT_EDITABLE)
        return redirect(form)
    _log(request, form)
    version = formengine.load_version(form.audit.template_version_id)
    sections = list(version.sections.all())
    section = next((s for i, s in enumerate(sections, start=1) if i == number), None)
    if section is None:
        raise Http404("No such section")
    answers = services.answers_of(form)
    grades = formengine.Grades.of(version.scale)
    page_form = formengine.section_form(
        section,
        agency_kind=form.agency.kind,
        answers=answers,
        grades=grades,
        data=request.POST if request.method == "POST" else None,
        # free-text answers are checked for names and dates of birth before saving
        extra=forms.IdentifyingCheck
        if any(q.answer_type == "text" for q in section.questions.all())
        else None,
    )
    status = 200
    if request.method == "POST":
        if page_form.is_valid():
            try:
                services.form_save_answers(form=form, by=request.user, values=page_form.values())
            except TransitionRefused as exc:
                messages.error(request, exc.message)
                return redirect(form)
            messages.success(request, f"“{section.title}” saved.")
            if request.POST.get("next") == "continue" and number < len(sections):
                return redirect("audits:form-section", pk=form.pk, number=number + 1)
            return redirect(form)
        status = 400
    return render(
        request,
        "audits/section.html",
        {
            "form_record": form,
            "section": section,
            "number": number,
            "count": len(sections),
            "page_form": page_form,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def form_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Check the answers and submit: what is missing is listed, linked to each question."""
    form = selectors.form_get(user=request.user, pk=pk)
    if not may_complete(form, request.user):
        raise PermissionDenied(services.NOT_PERMITTED_COMPLETE)
    if form.state != F.IN_PROGRESS:
        messages.error(request, services.FORM_NOT_IN_PROGRESS)
        return redirect(form)
    _log(request, form)
    answers = services.answers_of(form)
    version, sections = _sections(form, answers)
    missing = formengine.missing_required(version, form.agency.kind, answers)
    section_number = {
        q.pk: i for i, s in enumerate(version.sections.all(), start=1) for q in s.questions.all()
    }
    status = 200
    if request.method == "POST":
        try:
            services.form_submit(form=form, by=request.user, note=request.POST.get("note", ""))
        except ValidationError:
            status = 400
        except TransitionRefused as exc:
            messages.error(request, exc.message)
            return redirect(form)
        else:
            messages.success(request, "Form submitted to the moderator.")
            return redirect(form)
    return render(
        request,
        "audits/submit.html",
        {
            "form_record": form,
            "sections": sections,
            "missing": [
                (
                    q,
                    reverse("audits:form-section", args=[form.pk, section_number[q.pk]])
                    + f"#id_{formengine.field_name(q)}",
                )
                for q in missing
            ],
            "tried": request.method == "POST",
        },
        status=status,
    )


# -- templates ------------------------------------------------------------------------------
@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    if not may_manage(None, request.user):
        raise PermissionDenied(services.NOT_PERMITTED_MANAGE)
    versions = FormTemplateVersion.objects.select_related("template", "scale").order_by(
        "template__name", "-number"
    )
    return render(request, "audits/templates.html", {"versions": versions})


@login_required
def template_export(request: HttpRequest, pk: int) -> HttpResponse:
    if not may_manage(None, request.user):
        raise PermissionDenied(services.NOT_PERMITTED_MANAGE)
    version = FormTemplateVersion.objects.select_related("template", "scale").filter(pk=pk).first()
    if version is None:
        raise Http404("No such template")
    doc = formengine.export_template(version)
    response = HttpResponse(
        json.dumps(doc, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{version.template.slug}-v{version.number}.json"'
    )
    return response


MAX_TEMPLATE_BYTES = 512 * 1024


@login_required
@require_http_methods(["GET", "POST"])
def template_import(request: HttpRequest) -> HttpResponse:
    if not may_manage(None, request.user):
        raise PermissionDenied(services.NOT_PERMITTED_MANAGE)
    form = forms.TemplateImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > MAX_TEMPLATE_BYTES:
                    raise ValidationError("The file must be smaller than 512 KB")
                try:
                    doc = json.loads(upload.read().decode("utf-8-sig"))
                except (UnicodeDecodeError, ValueError):
                    raise ValidationError(formengine.IMPORT_NOT_A_TEMPLATE) from None
                version = formengine.import_template(doc)
            except ValidationError as exc:
                form.add_error("file", exc.messages)
            else:
                messages.success(request, f"Imported {version}.")
                return redirect("audits:templates")
        status = 400
    return render(request, "audits/template_import.html", {"form": form}, status=status)
