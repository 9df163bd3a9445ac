"""The home page (inbox, queue, overdue, and the team's tasks for a manager) and the task
pages: claim, release, reassign. A task is done on its record's page; these views only
change who holds it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from viewflow.workflow.models import Task

from core.submissions import ALREADY_SUBMITTED, ALREADY_TAKEN, AlreadySubmitted, Submission
from core.transitions import TransitionRefused
from core.views import run_step
from workflows import selectors, services

PAGE_SIZE = 25

# My work's tabs: each a list of TaskDue rows and the key it is ordered and paged by.
# The inbox and overdue are walked without the record check, which ``home`` makes on the
# records of the page it shows (``load_tasks(..., visible_to=user)``).
TABS: dict[str, tuple[Callable[..., Any], tuple[str, str]]] = {
    "inbox": (partial(selectors.inbox_rows, checked=False), selectors.SORT_KEY),
    "queue": (selectors.queue_rows, selectors.SORT_KEY),
    "overdue": (partial(selectors.overdue_rows, checked=False), selectors.OVERDUE_KEY),
}
# the tabs whose shown tasks are checked against the records the user may see
CHECKED = {"inbox", "overdue"}


def _number(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def _link(request: HttpRequest, param: str, number: int, cursor: tuple[str, str] | None) -> str:
    """The query string of page ``number`` of the list ``param``, keeping the other
    lists' places: with a cursor (``param_after`` / ``param_before``), read by keyset;
    without, page 1 (or a page named by number, read by offset)."""
    query = request.GET.copy()
    for suffix in ("_after", "_before"):
        query.pop(param + suffix, None)
    query[param] = str(number)
    if cursor is not None:
        query[param + cursor[0]] = cursor[1]
    return query.urlencode()


def _spec(
    request: HttpRequest,
    rows: Any,
    param: str,
    key: tuple[str, str] = selectors.SORT_KEY,
    *,
    page: bool = True,
    count: bool = True,
) -> selectors.ListSpec:
    """Where list ``param``'s page starts, from the query string: a keyset cursor
    (``?queue_after=<due date>.<task id>``: the rows after the last one shown, whatever
    was added or taken meanwhile) or a page number."""
    return selectors.ListSpec(
        rows=rows,
        key=key,
        after=request.GET.get(param + "_after"),
        before=request.GET.get(param + "_before"),
        number=_number(request.GET.get(param)),
        size=PAGE_SIZE,
        page=page,
        count=count,
    )


def _with_links(
    request: HttpRequest, page: selectors.KeysetPage, param: str
) -> selectors.KeysetPage:
    """The page's links (``prev_query``, ``next_query``, ``first_query``,
    ``following_query``), keeping the other lists' places, so paging one tab never
    resets another."""
    number = page.number
    links: dict[str, str] = {"prev_query": "", "next_query": "", "first_query": ""}
    if page.has_previous:
        links["first_query"] = _link(request, param, 1, None)
        if number <= 2 or page.first_key is None:
            links["prev_query"] = links["first_query"]
        else:
            cursor = ("_before", selectors.format_cursor(page.first_key))
            links["prev_query"] = _link(request, param, number - 1, cursor)
    if page.has_next and page.last_key is not None:
        cursor = ("_after", selectors.format_cursor(page.last_key))
        links["next_query"] = _link(request, param, number + 1, cursor)
    # the next page named by its number too (GOV.UK pagination lists page numbers)
    links["following_query"] = _link(request, param, number + 1, None) if page.has_next else ""
    for attr, value in links.items():
        setattr(page, attr, value)
    return page


def _page(
    request: HttpRequest,
    rows: Any,
    param: str,
    key: tuple[str, str] = selectors.SORT_KEY,
    *,
    count: bool = True,
) -> selectors.KeysetPage:
    """One list's page, read by keyset, with a bounded count and its links."""
    page = selectors.keyset_pages([_spec(request, rows, param, key, count=count)])[0]
    return _with_links(request, page, param)


_PK = 2147483647  # a task id no route has, replaced by each row's own


@dataclass
class Row:
    """What a task table shows of one task, worked out once in Python: the template
    would otherwise render the title, the record's name and reverse each link several
    times a row, the larger part of a page's time."""

    task: Task
    title: str
    record: Any
    record_label: str
    record_url: str
    agency_label: str
    due_on: date | None
    late: bool
    holder: str
    can_pick_up: bool
    can_release: bool
    can_manage: bool
    claim_url: str
    release_url: str
    reassign_url: str


def table_rows(request: HttpRequest, tasks: list[Task], rights: services.TaskRights) -> list[Row]:
    """The rows of a task table (``workflows/task_table.html``), with what the user may
    do with each (``rights``). Each link is reversed once for the page, not per row."""
    rights.mark(tasks)
    links = {
        name: reverse(f"workflows:{name}", args=[_PK]) for name in ("claim", "release", "reassign")
    }
    today = timezone.localdate()
    rows = []
    for task in tasks:
        record = task.process.artifact
        due = getattr(task, "due", None)
        due_on = due.due_on if due is not None else None
        owner = task.owner
        agency = getattr(record, "agency", None)
        pk = str(task.pk)
        rows.append(
            Row(
                task=task,
                title=str(task.flow_task.task_title or task.flow_task),
                record=record,
                record_label=str(record) if record is not None else "",
                record_url=record.get_absolute_url() if record is not None else "",
                agency_label=str(getattr(agency, "label", "") or "\u2013"),
                due_on=due_on,
                late=due_on is not None and due_on < today,
                holder=(owner.get_full_name() or owner.username) if owner is not None else "",
                can_pick_up=task.can_pick_up,  # type: ignore[attr-defined]
                can_release=task.can_release,  # type: ignore[attr-defined]
                can_manage=task.can_manage,  # type: ignore[attr-defined]
                **{f"{name}_url": url.replace(str(_PK), pk) for name, url in links.items()},
            )
        )
    return rows


def _asked_tab(request: HttpRequest) -> str | None:
    """The tab asked for: ``?tab=``, else the tab a paging link names (the last one),
    else none (My work then shows the first tab with any tasks)."""
    tab = request.GET.get("tab")
    if tab in TABS:
        return tab
    asked = [
        name
        for param in request.GET
        if (name := param.removesuffix("_after").removesuffix("_before")) in TABS
    ]
    return asked[-1] if asked else None


# How many actions without a lead My work lists (the rest follow as these are fixed).
LEADLESS_SHOWN = 10
TAB_LABELS = {"inbox": "Assigned to me", "queue": "I can pick up", "overdue": "Overdue"}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """My work: one tab of tasks, the one asked for (``?tab=queue``, or a tab's paging
    link), else the first with any tasks (Assigned to me, I can pick up, Overdue), and
    every tab's bounded count ("50+") in the navigation between them. Every tab's page
    keys and count are one query (a first page and its count are one index walk of at
    most 51 entries), then only the shown tab's tasks are loaded and rendered: the page
    costs the same however many tasks exist, and one tab's rows, not three."""
    user = request.user
    rights = services.TaskRights(user)
    asked = _asked_tab(request)
    specs = [
        _spec(request, rows_for(user=user), name, key, page=asked in (None, name))
        for name, (rows_for, key) in TABS.items()
    ]
    pages = dict(zip(TABS, selectors.keyset_keys(specs), strict=True))
    shown = asked or next((name for name, page in pages.items() if page.ids), "inbox")
    page = pages[shown]
    selectors.load_tasks([page], visible_to=user if shown in CHECKED else None)
    tabs = []
    for name, tab_page in pages.items():
        query = request.GET.copy()
        query["tab"] = name
        tabs.append(
            {
                "name": name,
                "label": TAB_LABELS[name],
                "count_label": tab_page.count_label,
                "query": query.urlencode(),
                "current": name == shown,
            }
        )
    leadless = selectors.actions_without_a_lead(user=user)
    leadless_shown = list(leadless[: LEADLESS_SHOWN + 1])
    return render(
        request,
        "workflows/home.html",
        {
            "tabs": tabs,
            "shown": shown,
            "shown_label": TAB_LABELS[shown],
            "page": _with_links(request, page, shown),
            "rows": table_rows(request, page.object_list, rights),
            shown: page,
            "manages": rights.manages_any(),
            "today": timezone.localdate(),
            "leadless": leadless_shown[:LEADLESS_SHOWN],
            "leadless_count": (
                leadless.count() if len(leadless_shown) > LEADLESS_SHOWN else len(leadless_shown)
            ),
        },
    )


@login_required
def team_tasks(request: HttpRequest) -> HttpResponse:
    """Every open task of the agencies whose tasks the user manages (assigned or not),
    with Reassign and Release. Its own page, not a tab of My work: for someone who
    manages many agencies it is the longest list, so My work does not pay for it."""
    user = request.user
    rights = services.TaskRights(user)
    if not rights.manages_any():
        raise PermissionDenied("Team tasks are for managers and agency leads.")
    page = _page(request, selectors.team_rows(user=user), "team")
    return render(
        request,
        "workflows/team.html",
        {"team": page, "rows": table_rows(request, page.object_list, rights)},
    )


def _task_for(request: HttpRequest, pk: int) -> Task:
    return get_object_or_404(selectors.task_visible(user=request.user), pk=pk)


def record_url(task: Task) -> str:
    record = task.process.artifact
    return record.get_absolute_url() if record is not None else reverse("home")


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_for(request, pk)
    return HttpResponseRedirect(record_url(task))


def _next(value: str) -> str:
    """A path on this site to go back to, or "" (never another site: no "//host" or
    "/\\host", which browsers read as one)."""
    if value.startswith("/") and url_has_allowed_host_and_scheme(value, allowed_hosts=None):
        return value
    return ""


def _back(request: HttpRequest) -> HttpResponse:
    nxt = _next(request.POST.get("next", ""))
    if nxt:
        return HttpResponseRedirect(nxt)
    return redirect("home")


def _once(request: HttpRequest, done: str, step: Callable[[], bool]) -> HttpResponse:
    """Take ``step`` (True when it was taken) once per one-time token, then go back: a
    second post of the same button (a double click) is told ``done`` instead."""
    submission = Submission(request)
    back = _back(request)
    if (repeated := submission.repeated()) is not None:
        return repeated
    try:
        with submission.claim() as outcome:
            if step():
                outcome.done(back["Location"], done)
    except AlreadySubmitted:
        return submission.already(back["Location"])
    return back


@login_required
@require_POST
def task_claim(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_for(request, pk)
    return _once(
        request,
        f"{ALREADY_TAKEN}: you picked up “{task.title}”",
        lambda: run_step(
            request,
            lambda: services.task_claim(task=task, by=request.user),
            success=f"You have picked up “{task.title}”.",
        ),
    )


@login_required
@require_POST
def task_release(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_for(request, pk)
    return _once(
        request,
        f"{ALREADY_TAKEN}: you released “{task.title}” back to the queue",
        lambda: run_step(
            request,
            lambda: services.task_release(task=task, by=request.user),
            success=f"“{task.title}” is back in the queue.",
        ),
    )


class ReassignForm(forms.Form):
    assignee = forms.TypedChoiceField(
        label="Who should take this task?",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who should take this task"},
    )

    def __init__(self, *args: Any, people: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {p.pk: p for p in people}
        field = self.fields["assignee"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(p.pk, p.get_full_name() or p.username) for p in people]


@login_required
def task_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_for(request, pk)
    if not services.can_manage(request.user, task):
        raise PermissionDenied(services.REASSIGN_NOT_MANAGER)
    submission = Submission(request)
    if request.method == "POST" and (repeated := submission.repeated()) is not None:
        return repeated
    people = services.eligible_assignees(task)
    # Not ``request.POST or None``: a POST with no choice is an empty (falsy) QueryDict,
    # which would leave the form unbound and show no error.
    form = ReassignForm(request.POST if request.method == "POST" else None, people=people)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            to = form.people[form.cleaned_data["assignee"]]
            back = _back(request)
            try:
                with submission.claim() as outcome:
                    services.task_reassign(task=task, to=to, by=request.user)
                    outcome.done(
                        back["Location"],
                        f"{ALREADY_SUBMITTED}: “{task.title}” was reassigned to "
                        f"{to.get_full_name() or to.username}",
                    )
            except AlreadySubmitted:
                return submission.already(back["Location"])
            except TransitionRefused as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, f"“{task.title}” is now with {to.get_full_name() or to.username}."
                )
                return back
        status = 400 if form.errors else 200
    nxt = _next(request.POST.get("next", "") or request.GET.get("next", ""))
    return render(
        request,
        "workflows/reassign.html",
        {
            "task": task,
            "form": form,
            "record_url": record_url(task),
            "next": nxt,
            "back_url": nxt or record_url(task),
        },
        status=status,
    )
