"""The improvement plan's pages: the plans, a plan as its table reads (filterable; it
prints as an A4 board paper), its board paper as a PDF (``core.paper``, from the same
section templates), its progress over time, its export (XLSX in the seed's layout,
re-importable), a line with its commentary, a milestone met, the plan's status, and the
import journey."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from actions.permissions import may_update
from core import paper
from core.forms import add_service_errors
from core.transitions import TransitionForbidden, TransitionRefused
from improvement_plan import exporting, forms, importing, rag, selectors, services
from improvement_plan.models import PlanState

RAG_COLOURS = {
    "red": "#d4351c",
    "amber": "#f47738",
    "green": "#00703c",
    "complete": "#1d70b8",
    rag.NONE: "#b1b4b6",
}
FILTER_LABELS = {"OR": "Ofsted recommendation", "OC": "Ofsted comment", "LR": "Board review"}


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = list(selectors.plan_list(request.user).select_related("owner"))
    return render(
        request,
        "improvement_plan/list.html",
        {"plans": plans, "may_import": request.user.has_perm("actions.manage_plan")},
    )


def _filters(request: HttpRequest) -> dict[str, str]:
    return {k: request.GET.get(k, "")[:20] for k in selectors.FILTERS}


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    filters = _filters(request)
    table = selectors.plan_table(request.user, plan, filters)
    manager = request.user.has_perm("actions.manage_plan")
    return render(
        request,
        "improvement_plan/detail.html",
        {
            "plan": plan,
            "table": table,
            "filters": filters,
            "filtered": any(filters.values()),
            "sources": FILTER_LABELS,
            "rags": [(r, rag.LABELS[r]) for r in rag.ORDER],
            "manager": manager,
            "approve_form": forms.ApproveForm(),
            "states": PlanState,
        },
    )


PAPER_STYLESHEETS = ("improvement_plan/paper.css",)


@require_GET
@login_required
def plan_paper(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan's board paper as a PDF: the plan page's summary and table (with the
    page's filters), for whoever may see the plan page (the same lines, the same
    actions)."""
    plan = selectors.plan_get(request.user, pk)
    filters = _filters(request)
    today = timezone.localdate()
    context = {
        "title": "Improvement plan",
        "as_at": today,
        "plan": plan,
        "table": selectors.plan_table(request.user, plan, filters),
        "filtered": any(filters.values()),
    }
    return paper.pdf_response(
        request,
        "improvement_plan/paper.html",
        context,
        filename=f"improvement-plan-{plan.pk}-board-paper-{today.isoformat()}.pdf",
        page_url=plan.get_absolute_url(),
        xlsx_url=reverse("improvement_plan:export", args=[plan.pk]),
        stylesheets=PAPER_STYLESHEETS,
    )


@login_required
def plan_progress(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    months, rows = selectors.progress(request.user, plan)
    # the chart: a square a month a row, its colour and letter the RAG (the table after it
    # says the same in words, for everyone)
    cell, gap, left = 12, 2, 30
    chart = [
        {
            "label": f"Objective {row.objective.number}",
            "short": f"O{row.objective.number}",
            "y": i * (cell + gap),
            "text_y": i * (cell + gap) + cell - 3,
            "cells": [
                {
                    "x": left + j * (cell + gap),
                    "text_x": left + j * (cell + gap) + cell // 2,
                    "fill": RAG_COLOURS[found],
                    "letter": rag.LABELS[found][0] if found != rag.NONE else "",
                    "title": f"{month:%b %Y}: {rag.LABELS[found]}",
                }
                for j, (month, found, _) in enumerate(row.months)
            ],
        }
        for i, row in enumerate(rows)
    ]
    table = [
        (month, [(row.objective, rag.LABELS[row.months[i][1]], row.months[i][2]) for row in rows])
        for i, month in enumerate(months)
    ]
    return render(
        request,
        "improvement_plan/progress.html",
        {
            "plan": plan,
            "months": months,
            "rows": rows,
            "chart": chart,
            "table": table,
            "width": left + len(months) * (cell + gap),
            "height": max(len(rows) * (cell + gap), 1),
        },
    )


@login_required
def plan_export(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    table = selectors.plan_table(request.user, plan)
    response = HttpResponse(
        exporting.xlsx(table),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="improvement-plan-{plan.pk}.xlsx"'
    return response


@login_required
@require_POST
def plan_status(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    step = request.POST.get("step", "")
    if not request.user.has_perm("actions.manage_plan"):
        raise PermissionDenied(services.NOT_PERMITTED)
    try:
        if step == "consult":
            services.plan_consult(plan=plan, by=request.user)
        elif step == "approve":
            form = forms.ApproveForm(request.POST)
            if not form.is_valid():
                table = selectors.plan_table(request.user, plan)
                return render(
                    request,
                    "improvement_plan/detail.html",
                    {
                        "plan": plan,
                        "table": table,
                        "filters": {},
                        "sources": FILTER_LABELS,
                        "rags": [(r, rag.LABELS[r]) for r in rag.ORDER],
                        "manager": True,
                        "approve_form": form,
                        "states": PlanState,
                    },
                    status=400,
                )
            services.plan_approve(
                plan=plan, by=request.user, approved_by=form.cleaned_data["approved_by"]
            )
        elif step == "activate":
            services.plan_activate(plan=plan, by=request.user)
        elif step == "close":
            services.plan_close(plan=plan, by=request.user)
        else:
            return HttpResponse("Unknown step", status=400)
    except TransitionForbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except TransitionRefused as exc:
        return render(
            request,
            "improvement_plan/refused.html",
            {"plan": plan, "message": exc.message},
            status=409,
        )
    messages.success(request, f"The plan is now {plan.get_state_display().lower()}.")
    return redirect(plan.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def line_detail(request: HttpRequest, pk: int) -> HttpResponse:
    line = selectors.line_get(request.user, pk)
    plan = line.objective.plan
    actions = [
        a for a in selectors.plan_actions(request.user, plan) if a.source_object_id == line.pk
    ]
    rollup = rag.Rollup()
    for action in actions:
        action.plan_rag = rag.action_rag(action)  # type: ignore[attr-defined]
        rollup.add(action.plan_rag)  # type: ignore[attr-defined]
    may_comment = request.user.has_perm("actions.manage_plan") or any(
        may_update(a, request.user) for a in actions
    )
    form = forms.CommentaryForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not may_comment:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.commentary_save(
                    line=line,
                    by=request.user,
                    period=timezone.localdate(),
                    text=form.cleaned_data["text"],
                )
            except TransitionForbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Commentary saved.")
                return redirect(line.get_absolute_url())
        status = 400
    return render(
        request,
        "improvement_plan/line.html",
        {
            "line": line,
            "plan": plan,
            "actions": actions,
            "rollup": rollup,
            "commentaries": line.commentaries.select_related("by"),
            "form": form,
            "may_comment": may_comment,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def milestone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = selectors.milestone_get(request.user, pk)
    action = milestone.action
    if not may_update(action, request.user):
        raise PermissionDenied(services.MILESTONE_NOT_PERMITTED)
    initial = {"met": "yes" if milestone.completed_on else None}
    form = forms.MilestoneForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.milestone_record(
                    milestone=milestone,
                    by=request.user,
                    completed_on=form.cleaned_data["completed_on"],
                )
            except TransitionForbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except TransitionRefused as exc:
                return render(
                    request,
                    "improvement_plan/refused.html",
                    {"plan": None, "message": exc.message},
                    status=409,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Milestone “{milestone.text}” saved.")
                source = action.source_object_id
                return redirect(reverse("improvement_plan:line", args=[source]))
        status = 400
    return render(
        request,
        "improvement_plan/milestone.html",
        {"milestone": milestone, "action": action, "form": form},
        status=status,
    )


# -- import ------------------------------------------------------------------------------
SESSION_KEY = "improvement_plan_imports"
IMPORT_NOT_PERMITTED = "Only the partnership manager may import a plan."
IMPORT_NO_FILE = "Select the plan file (CSV or XLSX)"
IMPORT_EXPIRED = "The check has expired: upload the file again"
IMPORT_TITLE_EMPTY = "Enter the plan's title"
IMPORT_CHOOSE_LEAD = "Select the person who leads “{text}”"


@login_required
@require_http_methods(["GET", "POST"])
def plan_import(request: HttpRequest) -> HttpResponse:
    """Check (every problem listed; the leads no one matches, to resolve), preview (what
    will be made, a person chosen for each unmatched lead, the title), import."""
    from actions import importing as uploads
    from core.tabular import TabularError

    if not request.user.has_perm("actions.manage_plan"):
        raise PermissionDenied(IMPORT_NOT_PERMITTED)
    context: dict[str, Any] = {
        "parsed": None,
        "errors": [],
        "token": "",
        "columns": importing.COLUMNS,
    }
    status = 200
    pending: dict[str, dict[str, str]] = request.session.get(SESSION_KEY, {})
    if request.method == "POST":
        token = request.POST.get("token", "")
        if token:
            entry = pending.get(token)
            data = uploads.read_upload(entry["path"]) if entry else None
            if entry is None or data is None:
                context["errors"] = [("id_plan", IMPORT_EXPIRED)]
                return render(request, "improvement_plan/import.html", context, status=400)
            parsed = importing.read_plan(data, filename=entry["filename"])
            people = {str(u.pk): u for u in importing.lead_candidates()}
            chosen = {}
            errors = []
            for i, text in enumerate(parsed.unmatched_leads):
                user = people.get(request.POST.get(f"lead-{i}", ""))
                if user is None:
                    errors.append((f"id_lead-{i}", IMPORT_CHOOSE_LEAD.format(text=text)))
                chosen[text] = user
            unmatched = parsed.unmatched_leads
            title = request.POST.get("title", "").strip()[:200]
            if not title:
                errors.append(("id_title", IMPORT_TITLE_EMPTY))
            if errors or parsed.problems:
                context.update(
                    parsed=parsed,
                    token=token,
                    errors=errors,
                    unmatched=[
                        (i, text, request.POST.get(f"lead-{i}", ""))
                        for i, text in enumerate(unmatched)
                    ],
                    people=list(people.values()),
                    title=title,
                    filename=entry["filename"],
                )
                return render(request, "improvement_plan/import.html", context, status=400)
            importing.match_leads(parsed, chosen)
            plan = importing.import_plan(parsed, title=title, by=request.user)
            uploads.delete_upload(entry["path"])
            pending.pop(token, None)
            request.session[SESSION_KEY] = pending
            messages.success(
                request, f"“{plan}” imported as a draft: {parsed.action_count} actions."
            )
            return redirect(plan.get_absolute_url())
        upload = request.FILES.get("plan")
        if upload is None:
            context["errors"] = [("id_plan", IMPORT_NO_FILE)]
            return render(request, "improvement_plan/import.html", context, status=400)
        data = upload.read(uploads.MAX_BYTES + 1)
        filename = upload.name or ""
        try:
            parsed = importing.read_plan(data, filename=filename)
        except TabularError as exc:
            context["errors"] = [("id_plan", m) for m in exc.messages]
            return render(request, "improvement_plan/import.html", context, status=400)
        context.update(parsed=parsed, filename=filename)
        if parsed.problems:
            status = 400
        else:
            path = uploads.store_upload(data, filename)
            token = uploads.upload_token(path)
            pending = dict(list(pending.items())[-4:])
            pending[token] = {"path": path, "filename": filename}
            request.session[SESSION_KEY] = pending
            context.update(
                token=token,
                unmatched=[(i, text, "") for i, text in enumerate(parsed.unmatched_leads)],
                people=importing.lead_candidates(),
                title=filename.rsplit(".", 1)[0],
            )
    return render(request, "improvement_plan/import.html", context, status=status)
