"""Action pages: lists, the action page with the forms for its next steps, evidence
downloads, exports and import. Views check permission, call a service, respond."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_fsm_log.models import StateLog

from actions import forms, selectors, services
from actions.models import Action, ActionState, EvidenceItem
from actions.permissions import (
    available_steps,
    can_download_evidence,
    can_edit_details,
    editable_fields,
    lead_cannot_act,
)
from agencies.selectors import user_can, visible_agencies
from core.forms import add_service_errors
from core.transitions import TransitionForbidden, TransitionRefused

PAGE_SIZE = 50


def _agency_may(perm: str) -> Callable[[Action, Any], bool]:
    return lambda action, user: user_can(user, perm, action.agency_id)


def _partnership_may(perm: str) -> Callable[[Action, Any], bool]:
    return lambda action, user: bool(user.has_perm(perm))


@dataclass(frozen=True)
class Step:
    form: type[forms.GdsForm]
    run: Callable[[Action, Any, dict[str, Any]], Any]  # (action, user, cleaned_data)
    success: str
    button: str
    # Whether the user may ever take the step on this action (whatever its state), and
    # the messages when they may not (403) or the state does not allow it now.
    permitted: Callable[[Action, Any], bool]
    forbidden: str
    refused: str


STEPS: dict[str, Step] = {
    "start": Step(
        forms.NoteForm,
        lambda a, u, d: services.action_start_work(action=a, by=u, note=d["note"]),
        "Work on the action has started.",
        "Start work",
        _agency_may("update_action"),
        services.NOT_PERMITTED_UPDATE,
        services.NOT_STARTABLE,
    ),
    "progress": Step(
        forms.ProgressForm,
        lambda a, u, d: services.action_report_progress(action=a, by=u, text=d["text"]),
        "Progress update saved.",
        "Save progress update",
        _agency_may("update_action"),
        services.NOT_PERMITTED_UPDATE,
        services.NOT_IN_PROGRESS,
    ),
    "evidence": Step(
        forms.EvidenceForm,
        lambda a, u, d: services.action_add_evidence(
            action=a, by=u, description=d["description"], file=d.get("file")
        ),
        "Evidence added.",
        "Add evidence",
        _agency_may("update_action"),
        services.NOT_PERMITTED_UPDATE,
        services.NOT_IN_PROGRESS,
    ),
    "submit": Step(
        forms.NoteForm,
        lambda a, u, d: services.action_submit_evidence(action=a, by=u, note=d["note"]),
        "Evidence submitted to the Learning and Improvement group.",
        "Submit for review",
        _agency_may("update_action"),
        services.NOT_PERMITTED_UPDATE,
        services.NOT_IN_PROGRESS,
    ),
    "accept": Step(
        forms.NoteForm,
        lambda a, u, d: services.action_accept_evidence(action=a, by=u, note=d["note"]),
        "Evidence accepted.",
        "Accept evidence",
        _partnership_may("actions.review_evidence"),
        services.NOT_PERMITTED_REVIEW,
        services.NOT_SUBMITTED,
    ),
    "return": Step(
        forms.ReturnForm,
        lambda a, u, d: services.action_return_evidence(action=a, by=u, reason=d["reason"]),
        "Evidence returned to the lead.",
        "Return evidence",
        _partnership_may("actions.review_evidence"),
        services.NOT_PERMITTED_REVIEW,
        services.NOT_SUBMITTED,
    ),
    "sign_off": Step(
        forms.NoteForm,
        lambda a, u, d: services.action_sign_off(action=a, by=u, note=d["note"]),
        "Action signed off.",
        "Sign off",
        _agency_may("sign_off_action"),
        services.NOT_PERMITTED_SIGN_OFF,
        services.NOT_ACCEPTED,
    ),
    "learning_check": Step(
        forms.LearningCheckForm,
        lambda a, u, d: services.action_record_learning_check(
            action=a, by=u, method=d["method"], evidence=d["evidence"], verdict=d["verdict"]
        ),
        "Learning check recorded.",
        "Record learning check",
        _partnership_may("actions.run_learning_check"),
        services.NOT_PERMITTED_CHECK,
        services.NO_CHECK_DUE,
    ),
    "cancel": Step(
        forms.CancelForm,
        lambda a, u, d: services.action_cancel(action=a, by=u, reason=d["reason"]),
        "Action cancelled.",
        "Cancel action",
        _partnership_may("actions.cancel_action"),
        services.NOT_PERMITTED_CANCEL,
        services.ALREADY_CLOSED,
    ),
}


@dataclass
class TimelineEntry:
    at: datetime
    title: str
    by: Any
    text: str = ""
    lines: tuple[str, ...] = ()


def timeline(action: Action, evidence: list[EvidenceItem]) -> list[TimelineEntry]:
    entries = [
        TimelineEntry(
            log.timestamp, log.get_state_display() or log.state, log.by, log.description or ""
        )
        for log in StateLog.objects.for_(action).select_related("by", "content_type")
    ]
    entries += [
        TimelineEntry(p.at, "Progress update", p.by, p.text)
        for p in action.progress.select_related("by")
    ]
    entries += [TimelineEntry(e.at, "Evidence added", e.by, e.description) for e in evidence]
    changes = list(action.changes.select_related("by"))  # newest first
    entries += [
        TimelineEntry(c.at, "Details changed", c.by, f"Reason: {c.reason}", tuple(c.lines()))
        for c in changes
    ]
    # The target date the action was created with: the "before" of its first change.
    first_target = next(
        (c.fields["target_date"][0] for c in reversed(changes) if "target_date" in c.fields),
        f"{action.target_date:%-d %B %Y}",
    )
    entries.append(
        TimelineEntry(
            action.created, "Action created", action.created_by, f"Target date {first_target}"
        )
    )
    return sorted(entries, key=lambda e: e.at, reverse=True)


def _detail(
    request: HttpRequest, action: Action, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    evidence = list(action.evidence.select_related("by"))
    steps = available_steps(action, request.user)
    step_forms = [
        {
            "name": name,
            "button": spec.button,
            "form": (bound or {}).get(name) or spec.form(prefix=name),
        }
        for name, spec in STEPS.items()
        if name in steps
    ]
    return render(
        request,
        "actions/detail.html",
        {
            "action": action,
            "rag": action.rag(),
            "step_forms": step_forms,
            "error_form": next((f for f in (bound or {}).values() if f.errors), None),
            "timeline": timeline(action, evidence),
            "evidence": evidence,
            "checks": action.learning_checks.select_related("decided_by"),
            "can_download": can_download_evidence(action, request.user),
            "can_edit": can_edit_details(action, request.user),
            "lead_problem": lead_cannot_act(action),
            "source": action.source,
        },
        status=status,
    )


@login_required
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.action_get(user=request.user, pk=pk))


@login_required
@require_POST
def action_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Take one step. The step must be one the action page offers the user now, before
    the form is read: one they may never take is a 403; one the action's state does not
    allow (signing off before acceptance, a second click on "Cancel action") goes back to
    the action page with the reason as an error message (post/redirect/get), as does a
    step the state refused meanwhile. Only an offered step's form errors are shown on
    the form (400)."""
    action = selectors.action_get(user=request.user, pk=pk)
    if step not in STEPS:
        raise Http404("No such step")
    spec = STEPS[step]
    if step not in available_steps(action, request.user):
        if not spec.permitted(action, request.user):
            raise PermissionDenied(spec.forbidden)
        refused = (
            services.CANCELLED_NO_CHANGES
            if action.state == ActionState.CANCELLED and step != "cancel"
            else spec.refused
        )
        messages.error(request, refused)
        return redirect(action)
    form = spec.form(request.POST, request.FILES, prefix=step)
    if not form.is_valid():
        return _detail(request, action, {step: form}, status=400)
    try:
        spec.run(action, request.user, form.cleaned_data)
    except TransitionForbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except TransitionRefused as exc:
        messages.error(request, exc.message)
        return redirect(action)
    except ValidationError as exc:
        add_service_errors(form, exc)
        action.refresh_from_db()
        return _detail(request, action, {step: form}, status=400)
    messages.success(request, spec.success)
    return redirect(action)


@login_required
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an open action's details (what the user may change of them), with a
    reason; the rest is shown read-only. A closed action sends the user back to the
    action page with an error message."""
    action = selectors.action_get(user=request.user, pk=pk)
    editable = editable_fields(action, request.user)
    if not editable:
        raise PermissionDenied(services.NOT_PERMITTED_EDIT)
    if not action.is_open:
        messages.error(request, services.CLOSED_NO_EDIT)
        return redirect(action)
    form = forms.ActionDetailsForm(
        request.POST if request.method == "POST" else None, action=action, editable=editable
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.action_update_details(
                    action=action,
                    by=request.user,
                    reason=d["reason"],
                    **{
                        name: d[name]
                        for name in ("description", "lead", "target_date")
                        if name in d
                    },
                )
            except TransitionForbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except TransitionRefused as exc:
                messages.error(request, exc.message)
                return redirect(action)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"The details of {action} have been changed.")
                return redirect(action)
        status = 400
    return render(
        request,
        "actions/edit.html",
        {"action": action, "form": form, "editable": editable},
        status=status,
    )


@login_required
def evidence_download(request: HttpRequest, pk: int, item: int) -> FileResponse:
    evidence = selectors.evidence_get(user=request.user, action_pk=pk, pk=item)
    if not can_download_evidence(evidence.action, request.user):
        raise PermissionDenied(
            "Only the agency's leads and the partnership team can download evidence."
        )
    if not evidence.file:
        raise Http404("This evidence has no file")
    return FileResponse(
        evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name or "evidence"
    )


def _filtered(request: HttpRequest) -> tuple[forms.ActionFilterForm, QuerySet[Action]]:
    from scr.selectors import review_list

    user = request.user
    form = forms.ActionFilterForm(
        request.GET or None, agencies=visible_agencies(user), reviews=review_list(user=user)
    )
    filters: dict[str, Any] = {}
    if form.is_bound:
        # The valid filters apply; an invalid one is left out and shown on its field.
        form.is_valid()
        data = form.cleaned_data
        filters = {
            "agency": data["agency"].pk if data.get("agency") else None,
            "review": data.get("review"),
            "state": data.get("state") or None,
            "rag": data.get("rag") or None,
            "q": data.get("q") or None,
        }
    return form, selectors.action_list(user=user, **filters)


@login_required
def action_list(request: HttpRequest) -> HttpResponse:
    form, qs = _filtered(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "actions/list.html",
        {
            "form": form,
            "page": page,
            "today": timezone.localdate(),
            "query": query.urlencode(),
            "title": "Actions",
            "can_manage": request.user.has_perm("actions.manage_plan"),
        },
    )


@login_required
def my_actions(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.my_actions(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "actions/simple_list.html",
        {
            "page": page,
            "title": "My actions",
            "intro": "Actions you lead, and your agency's actions you can sign off.",
            "empty": "You have no open actions.",
        },
    )


@login_required
def li_queue(request: HttpRequest) -> HttpResponse:
    if not (
        request.user.has_perm("actions.review_evidence")
        or request.user.has_perm("actions.run_learning_check")
    ):
        raise PermissionDenied("This queue is for the Learning and Improvement group.")
    page = Paginator(selectors.li_queue(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "actions/simple_list.html",
        {
            "page": page,
            "title": "Learning and Improvement queue",
            "intro": "Evidence waiting for review and learning checks that have fallen due.",
            "empty": "Nothing is waiting for the group.",
        },
    )


@login_required
def action_create(request: HttpRequest) -> HttpResponse:
    from scr.models import Recommendation

    if not request.user.has_perm("actions.manage_plan"):
        raise PermissionDenied(services.NOT_PERMITTED_CREATE)
    recommendation = None
    rec_id = request.GET.get("recommendation") or request.POST.get("recommendation")
    if rec_id:
        try:
            recommendation = Recommendation.objects.select_related("review").get(pk=int(rec_id))
        except (ValueError, Recommendation.DoesNotExist):
            raise Http404("No such recommendation") from None
    form = forms.ActionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                action = services.action_create(
                    source=recommendation,
                    agency=d["agency"],
                    lead=d["lead"],
                    description=d["description"],
                    target_date=d["target_date"],
                    by=request.user,
                    reference=d["reference"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"{action} created and assigned to "
                    f"{action.lead.get_full_name() or action.lead}.",
                )
                return redirect(action)
        status = 400
    return render(
        request,
        "actions/form.html",
        {"form": form, "recommendation": recommendation},
        status=status,
    )


@login_required
def action_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered action plan, as the user may see it, for a board paper."""
    from actions import exporting

    if fmt not in ("csv", "xlsx"):
        raise Http404("Export as csv or xlsx")
    _, qs = _filtered(request)
    rows = exporting.export_rows(exporting.action_plan_queryset(qs), timezone.localdate())
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="action-plan-{stamp}.csv"'
        exporting.write_csv(rows, response)
        return response
    response = HttpResponse(
        exporting.write_xlsx(rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="action-plan-{stamp}.xlsx"'
    return response


# The files checked in this session and not imported yet: token -> {"path", "filename",
# "checked_at"}. The token names the file kept in ``imports/`` (``importing.store_upload``);
# only the session that checked a file can import it.
PENDING_IMPORTS = "action_imports"
MAX_PENDING_IMPORTS = 5  # checks kept per session (several tabs); the oldest go first
IMPORT_NO_FILE = "Select a CSV or Excel file"
IMPORT_CHECK_EXPIRED = "This check has expired or belongs to someone else: upload the file again"
PREVIEW_DESCRIPTION_LENGTH = 90


def _pending_imports(request: HttpRequest) -> dict[str, dict[str, str]]:
    """This session's checked files; a check older than ``importing.UPLOAD_MAX_AGE`` is
    forgotten and its file deleted."""
    from actions import importing

    stored = request.session.get(PENDING_IMPORTS)
    pending = stored if isinstance(stored, dict) else {}
    now = timezone.now()
    fresh: dict[str, dict[str, str]] = {}
    for token, entry in pending.items():
        try:
            checked_at = datetime.fromisoformat(entry["checked_at"])
            current = now - checked_at <= importing.UPLOAD_MAX_AGE
        except (KeyError, TypeError, ValueError):
            current = False
        if current:
            fresh[token] = entry
        elif isinstance(entry, dict) and isinstance(entry.get("path"), str):
            importing.delete_upload(entry["path"])
    if fresh != stored:
        _save_pending_imports(request, fresh)
    return fresh


def _save_pending_imports(request: HttpRequest, pending: dict[str, dict[str, str]]) -> None:
    if pending:
        request.session[PENDING_IMPORTS] = dict(pending)
    else:
        request.session.pop(PENDING_IMPORTS, None)


def _shorten(text: str, limit: int = PREVIEW_DESCRIPTION_LENGTH) -> str:
    """``text`` on one line, cut at a word before ``limit`` characters (with "…")."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:-\u2013") + "…"


def _import_preview(result: Any) -> list[dict[str, Any]]:
    """What the import will create, a row of the file each."""
    return [
        {
            "row": row.row,
            "review": row.review.title,
            "recommendation_number": row.recommendation_number,
            "new_recommendation": row.recommendation is None,
            "reference": row.reference,
            "description": _shorten(row.description),
            "agency": row.agency.name,
            "lead": row.lead.get_full_name() or row.lead.get_username(),
            "target_date": row.target_date,
        }
        for row in result.rows
    ]


@login_required
def action_import(request: HttpRequest) -> HttpResponse:
    """Import an action plan (CSV or XLSX) in two steps, without uploading it twice.

    1. Check: the uploaded file is checked (a dry run: every row's problems, nothing
       saved). If it can be imported, its bytes are kept (``importing.store_upload``),
       the session remembers them under a random token, and the page previews what the
       import will create, with an "Import N actions" button that posts the token.
    2. Import: the kept file is imported all-or-nothing (checked again: the data may
       have changed since), then deleted and forgotten whatever the outcome. A token this
       session does not hold answers 400 and saves nothing.

    "Check a different file" forgets the check and deletes its file."""
    from actions import importing

    if not request.user.has_perm("actions.manage_plan"):
        raise PermissionDenied(services.NOT_PERMITTED_CREATE)
    context: dict[str, Any] = {"result": None, "error": None, "token": None, "confirmed": False}
    status = 200
    if request.method == "POST":
        pending = _pending_imports(request)
        token = request.POST.get("token", "")
        if request.POST.get("step") == "discard":
            entry = pending.pop(token, None)
            if entry is not None:
                importing.delete_upload(entry["path"])
                _save_pending_imports(request, pending)
            return redirect("actions:import")
        if token:
            entry = pending.pop(token, None)
            data = importing.read_upload(entry["path"]) if entry is not None else None
            if entry is None or data is None:
                if entry is not None:
                    _save_pending_imports(request, pending)
                context["error"] = IMPORT_CHECK_EXPIRED
                status = 400
            else:
                result = importing.import_plan(
                    file=data, filename=entry["filename"], by=request.user
                )
                importing.delete_upload(entry["path"])
                _save_pending_imports(request, pending)
                context.update(result=result, confirmed=True)
                status = 200 if result.ok else 400
        else:
            upload = request.FILES.get("plan")
            if upload is None:
                context["error"] = IMPORT_NO_FILE
                status = 400
            else:
                data = upload.read(importing.MAX_BYTES + 1)
                filename = upload.name or ""
                result = importing.dry_run(file=data, filename=filename, by=request.user)
                context["result"] = result
                status = 200 if result.ok else 400
                if result.ok:
                    path = importing.store_upload(data, filename)
                    token = importing.upload_token(path)
                    pending[token] = {
                        "path": path,
                        "filename": filename,
                        "checked_at": timezone.now().isoformat(),
                    }
                    while len(pending) > MAX_PENDING_IMPORTS:
                        oldest = min(pending, key=lambda t: pending[t]["checked_at"])
                        importing.delete_upload(pending.pop(oldest)["path"])
                    _save_pending_imports(request, pending)
                    context.update(token=token, preview=_import_preview(result))
    return render(request, "actions/import.html", context, status=status)
