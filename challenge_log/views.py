"""Challenge log pages: the list, raising a challenge, the challenge page with its
history and next steps, the Chair's queue, the report for a period and its export.
Views check permission, call a service, respond."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from actions import sources
from agencies.casework import log_opening
from challenge_log import forms, permissions, reports, selectors, services
from challenge_log.models import CLOSED_STATES, OPEN_STATES, Challenge
from challenge_log.steps import CHALLENGE_STEPS
from core import paper
from core.forms import add_service_errors
from core.pagination import BoundedPaginator
from core.steps import next_steps, step_page_view
from core.submissions import ALREADY_SUBMITTED, AlreadySubmitted, Submission
from core.timeline import TimelineEntry
from core.timeline import timeline as record_timeline
from core.transitions import TransitionForbidden, TransitionRefused

PAGE_SIZE = 50
STEPS = CHALLENGE_STEPS
SHOW = {"open": ("Open", OPEN_STATES), "closed": ("Closed", CLOSED_STATES), "all": ("All", None)}


@login_required
def challenge_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "open")
    if show not in SHOW:
        show = "open"
    qs = selectors.challenge_list(user=request.user, states=SHOW[show][1])
    page = BoundedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "challenge_log/list.html",
        {
            "page": page,
            "challenges": page.object_list,
            "show": show,
            "tabs": [(key, label) for key, (label, _) in SHOW.items()],
            "today": timezone.localdate(),
            "may_raise": permissions.may_raise(request.user),
            "sees_all": permissions.sees_all(request.user),
        },
    )


@login_required
def challenge_raise(request: HttpRequest) -> HttpResponse:
    if not permissions.may_raise(request.user):
        raise PermissionDenied(services.NOT_PERMITTED_RAISE)
    submission = Submission(request)
    if request.method == "POST" and (repeated := submission.repeated()) is not None:
        return repeated
    form = forms.RaiseForm(request.POST if request.method == "POST" else None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                with submission.claim() as outcome:
                    challenge = services.challenge_raise(
                        by=request.user,
                        kind=data["kind"],
                        raised_by_agency=data["raised_by_agency"],
                        challenged_agency=data["challenged_agency"],
                        area=data["area"],
                        summary=data["summary"],
                        outcome_sought=data["outcome_sought"],
                        urgency=data["urgency"],
                        case_reference=data["case_reference"],
                    )
                    outcome.done(
                        challenge.get_absolute_url(),
                        f"{ALREADY_SUBMITTED}: you raised {challenge}",
                    )
            except AlreadySubmitted:
                return submission.already(reverse("challenges:list"))
            except (TransitionForbidden, TransitionRefused) as exc:
                # someone who may raise challenges chose what they may not raise (a
                # professional difference for the partnership, a strategic one as a
                # practitioner): said on the form
                form.add_error(None, exc.message)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"Challenge {challenge} raised. {challenge.challenged_agency.name} has "
                    f"until {challenge.deadline:%-d %B %Y} to respond.",
                )
                return redirect(challenge)
        status = 400
    return render(request, "challenge_log/raise.html", {"form": form}, status=status)


def timeline(challenge: Challenge) -> list[TimelineEntry]:
    extra = [
        TimelineEntry(r.at, f"Response at stage {r.stage.number}", r.by, r.text)
        for r in challenge.responses.select_related("by", "stage")
    ]
    return record_timeline(challenge, extra=extra)


def _detail(
    request: HttpRequest,
    challenge: Challenge,
    bound: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    if challenge.is_case_level:
        # every opening of a case-level record is logged (agencies.casework)
        log_opening(
            user=request.user,
            record=challenge,
            agency=challenge.raised_by_agency_id,
            case_reference=challenge.case_reference,
            path=request.path,
        )
    learning_action = (
        challenge.learning
        and challenge.state not in OPEN_STATES
        and sources.may_create_actions(request.user, challenge)
    )
    return render(
        request,
        "challenge_log/detail.html",
        {
            "challenge": challenge,
            "responses": list(challenge.responses.select_related("by", "stage")),
            "next_steps": next_steps(CHALLENGE_STEPS, challenge, request.user, bound),
            "error_form": next((f for f in (bound or {}).values() if f.errors), None),
            "timeline": timeline(challenge),
            "overdue": challenge.is_overdue(timezone.localdate()),
            "learning_action_url": (
                reverse("actions:create") + f"?challenge={challenge.pk}" if learning_action else ""
            ),
        },
        status=status,
    )


@login_required
def challenge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.challenge_get(user=request.user, pk=pk))


challenge_step = step_page_view(CHALLENGE_STEPS, _detail)


@login_required
def chair_queue(request: HttpRequest) -> HttpResponse:
    if not permissions.sees_all(request.user):
        raise PermissionDenied("The Chair's queue is for the Chair and the partnership manager.")
    return render(
        request,
        "challenge_log/chair.html",
        {
            "waiting": list(selectors.chair_queue(user=request.user)[:PAGE_SIZE]),
            "decisions": selectors.chair_decisions(user=request.user),
            "today": timezone.localdate(),
        },
    )


def _period(request: HttpRequest) -> tuple[forms.PeriodForm, date | None, date | None]:
    form = forms.PeriodForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data.get("start"), form.cleaned_data.get("end")
    return form, None, None


REPORT_TITLE = "Challenge log report"


def _report_context(request: HttpRequest) -> dict[str, Any]:
    """The report for the period asked (every challenge when none is, or when the period
    is wrong: the page says why), from the challenges the user may see."""
    form, start, end = _period(request)
    report = reports.build_report(user=request.user, start=start, end=end)
    valid = form.is_bound and form.is_valid()
    return {
        "title": REPORT_TITLE,
        "form": form,
        "report": report,
        "query": request.GET.urlencode() if valid else "",
        "as_at": timezone.localdate(),
        "period_label": report.period_label
        + ("" if report.sees_all else ", of those your agency raised or received"),
    }


@login_required
def challenge_report(request: HttpRequest) -> HttpResponse:
    context = _report_context(request)
    form = context["form"]
    return render(
        request,
        "challenge_log/report.html",
        context,
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@require_GET
@login_required
def challenge_report_pdf(request: HttpRequest) -> HttpResponse:
    """The report as a board paper (PDF): the same figures and rows as the page."""
    context = _report_context(request)
    if context["form"].is_bound and not context["form"].is_valid():
        # the page says what is wrong with the period
        return challenge_report(request)
    report = context["report"]
    query = f"?{context['query']}" if context["query"] else ""
    span = "-".join(d.isoformat() for d in (report.start, report.end) if d is not None)
    return paper.pdf_response(
        request,
        "challenge_log/paper.html",
        context,
        filename=f"challenge-report-{span or context['as_at'].isoformat()}.pdf",
        page_url=reverse("challenges:report") + query,
        xlsx_url=reverse("challenges:export", args=["xlsx"]) + query,
    )


@login_required
def challenge_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404("Export as csv or xlsx")
    _, start, end = _period(request)
    qs = selectors.in_period(selectors.challenge_list(user=request.user), start, end)
    rows = reports.export_rows(qs)
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="challenge-log-{stamp}.csv"'
        reports.write_csv(rows, response)
        return response
    response = HttpResponse(
        reports.write_xlsx(rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="challenge-log-{stamp}.xlsx"'
    return response
