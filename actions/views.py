"""Action pages: lists, the action page with the forms for its next steps, evidence
downloads, exports and import. Views check permission, call a service, respond."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from actions import forms, impact, selectors, services, sources
from actions.filters import action_filterset
from actions.models import Action, ActionState, EvidenceItem, next_open_milestone
from actions.permissions import (
    can_download_evidence,
    can_edit_details,
    editable_fields,
    lead_cannot_act,
)
from actions.steps import ACTION_STEPS
from core.forms import add_service_errors
from core.pagination import BoundedPaginator
from core.steps import next_steps, step_page_view
from core.submissions import ALREADY_SUBMITTED, AlreadySubmitted, Submission
from core.timeline import TimelineEntry
from core.timeline import timeline as record_timeline
from core.transitions import TransitionForbidden, TransitionRefused

PAGE_SIZE = 50


# The action's steps (actions.steps): the page's forms, its POST and the API's endpoints.
STEPS = ACTION_STEPS


def timeline(action: Action, evidence: list[EvidenceItem]) -> list[TimelineEntry]:
    """The action's history (``core.timeline``: its transitions, changes of details and
    task events), with what only the action has: progress updates, evidence and its
    creation (with the target date it was created with)."""
    extra = [
        TimelineEntry(p.at, "Progress update", p.by, p.text)
        for p in action.progress.select_related("by")
    ]
    extra += [TimelineEntry(e.at, "Evidence added", e.by, e.description) for e in evidence]
    # The target date the action was created with: the "before" of its first change.
    first_change = action.changes.filter(fields__has_key="target_date").order_by("at", "pk").first()
    first_target = (
        first_change.fields["target_date"][0]
        if first_change is not None
        else f"{action.target_date:%-d %B %Y}"
    )
    extra.append(
        TimelineEntry(
            action.created, "Action created", action.created_by, f"Target date {first_target}"
        )
    )
    return record_timeline(action, extra=extra)


def _latest_return(action: Action, history: list[TimelineEntry]) -> TimelineEntry | None:
    """While the action is returned, the entry of the return that sent it back (the
    timeline is newest first), with who returned it, when and the reason."""
    if action.state != ActionState.RETURNED:
        return None
    titles = {str(ActionState.RETURNED.label), str(ActionState.RETURNED.value)}
    return next((entry for entry in history if entry.title in titles), None)


def _detail(
    request: HttpRequest,
    action: Action,
    bound: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    evidence = list(action.evidence.select_related("by"))
    history = timeline(action, evidence)
    # a plan action's milestones (as written; a row a date) and contributing agencies:
    # one query each, whatever their number
    milestones = list(action.milestones.select_related("completed_by"))
    offered = next_steps(ACTION_STEPS, action, request.user, bound)
    impact.offer(offered, action, request.user)  # a learning check may cite a record
    return render(
        request,
        "actions/detail.html",
        {
            "action": action,
            "rag": action.rag(),
            # returned evidence: the latest return (and its reason), shown at the top
            "returned": _latest_return(action, history),
            # "What you can do next": the steps offered, each with its form
            "next_steps": offered,
            "error_form": next((f for f in (bound or {}).values() if f.errors), None),
            "timeline": history,
            "evidence": evidence,
            "checks": impact.attach(
                action.learning_checks.select_related("decided_by"), request.user
            ),
            "can_download": can_download_evidence(action, request.user),
            "can_edit": can_edit_details(action, request.user),
            "lead_problem": lead_cannot_act(action),
            # The source block: its kind, label, link and text (actions.sources).
            "source": sources.describe(action.source),
            "milestones": milestones,
            "next_milestone": next_open_milestone(milestones),
            "contributors": list(action.contributing_agencies.order_by("name")),
        },
        status=status,
    )


@login_required
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.action_get(user=request.user, pk=pk))


# Take one step (core.steps.step_page_view): 404 for an action the user may not see,
# 403 for a step they may never take (before the form is read), the reason on the
# action page for one its state does not allow now, the form's errors on the action page
# (400), a double post sent where the first went.
action_step = step_page_view(ACTION_STEPS, _detail)


@login_required
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an open action's details (what the user may change of them), with a
    reason; the rest is shown read-only. A closed action sends the user back to the
    action page with an error message."""
    action = selectors.action_get(user=request.user, pk=pk)
    editable = editable_fields(action, request.user)
    if not editable:
        raise PermissionDenied(services.NOT_PERMITTED_EDIT)
    submission = Submission(request)
    if request.method == "POST" and (repeated := submission.repeated()) is not None:
        return repeated
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
                with submission.claim() as outcome:
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
                    outcome.done(
                        action.get_absolute_url(),
                        f"{ALREADY_SUBMITTED}: the details of {action} were changed",
                    )
            except AlreadySubmitted:
                return submission.already(action.get_absolute_url())
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
        {
            "action": action,
            "form": form,
            "editable": editable,
            # a lead who can no longer act: said why, and whom to choose instead
            "lead_problem": lead_cannot_act(action),
        },
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


def _filtered(request: HttpRequest) -> tuple[Any, QuerySet[Action]]:
    """The list's one FilterSet (``actions.filters``) as the page reads it, and the
    actions it leaves: scoped to the user's agencies first; a filter that is not valid is
    left out (and shown on its field) while the valid ones apply."""
    filterset = action_filterset()(
        request.GET or None,
        selectors.action_list(user=request.user),
        request=request,
        api=False,
    )
    return filterset, filterset.qs


SHOWN_FILTERS = {"q", "agency", "state", "rag"}


@dataclass(frozen=True)
class OtherFilter:
    label: str
    html_name: str
    value: Any
    shown: str


def _other_filters(filterset: Any) -> list[OtherFilter]:
    """The filters the list page has no control for (those the overview's figures link
    with: owner, extended, extension, verdict, target dates ...) that are on: shown as a
    line saying so (an agency by its name), and carried by "Apply filters" as hidden
    fields."""
    form = filterset.form
    shown = SHOWN_FILTERS | set(filterset.parent_params)
    cleaned = getattr(form, "cleaned_data", {}) or {}
    others = []
    for name in form.fields:
        field = form[name]
        value = field.value()
        if name in shown or value in (None, "", []):
            continue
        label = getattr(cleaned.get(name), "label", None)
        others.append(OtherFilter(str(field.label), field.html_name, value, str(label or value)))
    return others


@login_required
def action_list(request: HttpRequest) -> HttpResponse:
    filterset, qs = _filtered(request)
    # counted up to a bound ("more than 500"): the same cost for any size of plan
    page = BoundedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "actions/list.html",
        {
            "form": filterset.form,
            "parent_fields": [filterset.form[name] for name in filterset.parent_params],
            "other_filters": _other_filters(filterset),
            "page": page,
            "today": timezone.localdate(),
            "query": query.urlencode(),
            "title": "Actions",
            "can_manage": request.user.has_perm("actions.manage_plan"),
        },
    )


@login_required
def my_actions(request: HttpRequest) -> HttpResponse:
    page = BoundedPaginator(selectors.my_actions(user=request.user), PAGE_SIZE).get_page(
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
    if not selectors.may_see_li_queue(request.user):
        raise PermissionDenied("This queue is for the Learning and Improvement group.")
    page = BoundedPaginator(selectors.li_queue(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # who sent each (``waiting_by_id``, annotated by the selector): one query a page
    sent_by = {a.pk: getattr(a, "waiting_by_id", None) for a in page.object_list}
    senders = get_user_model().objects.in_bulk({pk for pk in sent_by.values() if pk})
    for action in page.object_list:
        action.waiting_by = senders.get(sent_by[action.pk])  # type: ignore[attr-defined]
    return render(
        request,
        "actions/li_queue.html",
        {
            "page": page,
            "title": "Learning and Improvement queue",
            "intro": "Evidence waiting for review and learning checks that have fallen due.",
            "empty": "Nothing is waiting for the group.",
        },
    )


def _source_from_request(request: HttpRequest) -> Any:
    """The record a new action will answer, named by a source's alias (``?recommendation=
    12``) or by ``?source=scr.recommendation&source_id=12``; 404 if it is not one the user
    may see, 403 if they may not create actions on it; None if none is named."""
    data = request.POST if request.method == "POST" else request.GET
    named: list[tuple[sources.Source | None, str | None]] = [
        (s, data.get(s.alias)) for s in sources.sources() if s.alias and data.get(s.alias)
    ]
    if data.get("source"):
        named.append((sources.by_key(data["source"]), data.get("source_id")))
    if not named:
        return None
    entry, value = named[0]
    if len(named) > 1 or entry is None or not value or not value.isascii() or not value.isdigit():
        raise Http404("No such record")
    if len(value) > 19:
        raise Http404("No such record")
    record = entry.visible_to(request.user).filter(pk=int(value)).first()
    if record is None:
        raise Http404("No such record")
    if not entry.may_create_actions(request.user, record):
        raise PermissionDenied(services.NOT_PERMITTED_CREATE)
    return record


NO_SOURCE = "Choose what the action answers"
NOTHING_TO_ANSWER = (
    "An action answers a record such as a review's recommendation, and there is none "
    "yet: add the record first, then add its actions from it."
)
SOURCE_OPTIONS_MAX = 2000  # per source: a partnership's open plans, not its archive


def _source_options(user: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every record the user may create an action on, from every registered source
    (``actions.sources``), grouped by its parent ("Child T serious case review"): one
    query a source. Values are ``<source key>:<id>``."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for entry in sources.sources():
        qs = entry.visible_to(user)
        if entry.parent is not None:
            qs = qs.select_related(entry.parent.lookup)
        for record in qs[:SOURCE_OPTIONS_MAX]:
            parent = getattr(record, entry.parent.lookup) if entry.parent is not None else None
            heading = str(parent) if parent is not None else entry.kind
            text = " ".join(str(entry.text(record) or "").split())
            if len(text) > 90:
                text = text[:89].rstrip() + "…"
            label = entry.label(record) + (f": {text}" if text else "")
            groups.setdefault(heading, []).append((f"{entry.key}:{record.pk}", label))
    return list(groups.items())


def _choose_source(request: HttpRequest, *, refused: bool = False) -> HttpResponse:
    """``/actions/new/`` names no source: ask for it first (a GET form that comes back
    here naming it). An action is never created attached to nothing: a post without a
    source is refused here, with the same question."""
    options = _source_options(request.user)
    form = forms.SourceChoiceForm(
        request.GET if "answers" in request.GET else None, options=options
    )
    if form.is_bound and form.is_valid():
        entry = sources.by_key(form.cleaned_data["answers"][0])
        pk = form.cleaned_data["answers"][1]
        assert entry is not None
        query = f"{entry.alias}={pk}" if entry.alias else f"source={entry.key}&source_id={pk}"
        return redirect(f"{reverse('actions:create')}?{query}")
    if refused:
        form = forms.SourceChoiceForm({"answers": ""}, options=options)
        form.is_valid()
    status = 400 if form.is_bound else 200
    return render(
        request,
        "actions/choose_source.html",
        {"form": form, "options": options, "nothing": NOTHING_TO_ANSWER},
        status=status,
    )


@login_required
def action_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("actions.manage_plan"):
        raise PermissionDenied(services.NOT_PERMITTED_CREATE)
    submission = Submission(request)
    if request.method == "POST" and (repeated := submission.repeated()) is not None:
        return repeated
    record = _source_from_request(request)
    if record is None:
        return _choose_source(request, refused=request.method == "POST")
    source = sources.describe(record)
    entry = sources.source_for(record)
    assert entry is not None
    agency = request.GET.get("agency", "")
    form = forms.ActionForm(
        request.POST if request.method == "POST" else None,
        initial={"agency": agency} if agency.isdigit() and len(agency) < 19 else None,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                with submission.claim() as outcome:
                    action = services.action_create(
                        source=record,
                        agency=d["agency"],
                        lead=d["lead"],
                        description=d["description"],
                        target_date=d["target_date"],
                        by=request.user,
                        reference=d["reference"],
                    )
                    outcome.done(
                        action.get_absolute_url(),
                        f"{ALREADY_SUBMITTED}: {action} was created",
                    )
            except AlreadySubmitted:
                return submission.already(reverse("actions:list"))
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
        {
            "form": form,
            "source": source,
            # the hidden field that names the source again when the form is posted
            "source_field": (entry.alias, record.pk) if entry.alias else None,
            "source_key": entry.key if not entry.alias else None,
        },
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


def _import_preview(result: Any, preview_columns: Any) -> list[dict[str, Any]]:
    """What the import will create, a row of the file each."""
    return [
        {
            "row": row.row,
            # the source's columns, as its importer shows them (actions.sources)
            "source": [row.source.preview.get(key, "") for _, key in preview_columns],
            "new": row.source.new,
            "reference": row.reference,
            "description": _shorten(row.description),
            "agency": row.agency.name,
            "lead": row.lead.get_full_name() or row.lead.get_username(),
            "target_date": row.target_date,
        }
        for row in result.rows
    ]


def _plan_words() -> dict[str, Any]:
    """What the import page says about the plan's columns and source (its importer)."""
    from actions import importing

    source = importing.plan_source()
    importer = source.importer if source is not None else None
    return {
        "columns": list(importing.plan_table().columns),
        "preview_columns": list(importer.preview_columns) if importer else [],
        "new_noun": importer.new_noun if importer else "record",
        "help_text": importer.help_text if importer else "",
    }


@login_required
def action_import_template(request: HttpRequest) -> HttpResponse:
    """An empty plan to fill in: the header row of the columns the importer reads, in
    its order (CSV, UTF-8 with a byte-order mark so spreadsheet programs read it right)."""
    if not request.user.has_perm("actions.manage_plan"):
        raise PermissionDenied(services.NOT_PERMITTED_CREATE)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="action-plan-template.csv"'
    response.write("\ufeff")
    csv.writer(response).writerow(_plan_words()["columns"])
    return response


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

    "Check a different file" forgets the check and deletes its file. A second post of
    "Import N actions" (its one-time token used: a double click) imports nothing and goes
    to the actions list saying the plan was imported, and when."""
    from actions import importing

    if not request.user.has_perm("actions.manage_plan"):
        raise PermissionDenied(services.NOT_PERMITTED_CREATE)
    plan = _plan_words()
    context: dict[str, Any] = {
        "result": None,
        "error": None,
        "token": None,
        "confirmed": False,
        "plan": plan,
    }
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
            submission = Submission(request)
            if (repeated := submission.repeated()) is not None:
                return repeated
            entry = pending.pop(token, None)
            data = importing.read_upload(entry["path"]) if entry is not None else None
            if entry is None or data is None:
                if entry is not None:
                    _save_pending_imports(request, pending)
                # The first of two posts may have imported the file meanwhile.
                if (repeated := submission.repeated()) is not None:
                    return repeated
                context["error"] = IMPORT_CHECK_EXPIRED
                status = 400
            else:
                try:
                    with submission.claim() as outcome:
                        result = importing.import_plan(
                            file=data, filename=entry["filename"], by=request.user
                        )
                        if result.ok:
                            count = len(result.created)
                            outcome.done(
                                reverse("actions:list"),
                                f"{ALREADY_SUBMITTED}: the action plan {entry['filename']} "
                                f"was imported ({count} action{'s' if count != 1 else ''} "
                                "created)",
                            )
                except AlreadySubmitted:
                    _save_pending_imports(request, pending)
                    return submission.already(reverse("actions:list"))
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
                    context.update(
                        token=token, preview=_import_preview(result, plan["preview_columns"])
                    )
    return render(request, "actions/import.html", context, status=status)
