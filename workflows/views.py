"""The home page (inbox, queue, overdue, and the team's tasks for a manager) and the task
pages: claim, release, reassign. A task is done on its record's page; these views only
change who holds it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from viewflow.workflow.models import Task

from core.transitions import TransitionRefused
from core.views import run_step
from workflows import selectors, services

PAGE_SIZE = 25


def _page(request: HttpRequest, qs: Any, param: str) -> Any:
    """One tab's page. Its previous/next links (``page.prev_query``, ``page.next_query``)
    keep the other tabs' page numbers, so paging one tab never resets another."""
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get(param))
    for attr, number in (
        ("prev_query", page.previous_page_number() if page.has_previous() else None),
        ("next_query", page.next_page_number() if page.has_next() else None),
    ):
        query = request.GET.copy()
        query[param] = str(number)
        setattr(page, attr, query.urlencode() if number else "")
    return page


# How many actions without a lead My work lists (the rest follow as these are fixed).
LEADLESS_SHOWN = 10


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    rights = services.TaskRights(user)
    boxes = {
        "inbox": _page(request, selectors.task_inbox(user=user), "inbox"),
        "queue": _page(request, selectors.task_queue(user=user), "queue"),
        "overdue": _page(request, selectors.task_overdue(user=user), "overdue"),
    }
    for page in boxes.values():
        rights.mark(page.object_list)
    leadless = selectors.actions_without_a_lead(user=user)
    leadless_shown = list(leadless[: LEADLESS_SHOWN + 1])
    return render(
        request,
        "workflows/home.html",
        {
            **boxes,
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
    manages many agencies it is the costliest list, so My work does not pay for it."""
    user = request.user
    rights = services.TaskRights(user)
    if not rights.manages_any():
        raise PermissionDenied("Team tasks are for managers and agency leads.")
    page = _page(request, selectors.task_team(user=user), "team")
    rights.mark(page.object_list)
    return render(request, "workflows/team.html", {"team": page, "today": timezone.localdate()})


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


@login_required
@require_POST
def task_claim(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_for(request, pk)
    run_step(
        request,
        lambda: services.task_claim(task=task, by=request.user),
        success=f"You have picked up “{task.title}”.",
    )
    return _back(request)


@login_required
@require_POST
def task_release(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_for(request, pk)
    run_step(
        request,
        lambda: services.task_release(task=task, by=request.user),
        success=f"“{task.title}” is back in the queue.",
    )
    return _back(request)


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
    people = services.eligible_assignees(task)
    # Not ``request.POST or None``: a POST with no choice is an empty (falsy) QueryDict,
    # which would leave the form unbound and show no error.
    form = ReassignForm(request.POST if request.method == "POST" else None, people=people)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            to = form.people[form.cleaned_data["assignee"]]
            try:
                services.task_reassign(task=task, to=to, by=request.user)
            except TransitionRefused as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, f"“{task.title}” is now with {to.get_full_name() or to.username}."
                )
                return _back(request)
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
