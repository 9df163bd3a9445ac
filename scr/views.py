from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from core.forms import add_service_errors
from core.pagination import BoundedPaginator
from core.submissions import ALREADY_SUBMITTED, AlreadySubmitted, Submission
from core.transitions import TransitionForbidden, TransitionRefused
from scr import selectors, services
from scr.forms import (
    FactorForm,
    RecommendationEditForm,
    RecommendationForm,
    ReviewEditForm,
    ReviewForm,
)
from scr.models import ReviewKind

PAGE_SIZE = 50


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind") or None
    if kind not in ReviewKind.values:
        kind = None
    reviews = selectors.review_list(user=request.user, kind=kind)
    page = BoundedPaginator(reviews, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "scr/list.html",
        {
            "reviews": page.object_list,
            "page": page,
            "query": urlencode({"kind": kind}) if kind else "",
            "kinds": ReviewKind.choices,
            "kind": kind,
            "can_manage": request.user.has_perm("scr.manage_review"),
        },
    )


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_get(user=request.user, pk=pk)
    rows = selectors.review_actions_by_recommendation(user=request.user, review=review)
    can_manage = services.can_manage(request.user)
    return render(
        request,
        "scr/detail.html",
        {
            "review": review,
            "rows": rows,
            "summary": selectors.rag_summary(rows),
            "factors": review.factors.all(),
            "changes": review.changes.select_related("by", "recommendation"),
            "can_manage": can_manage,
            "can_add_action": request.user.has_perm("actions.manage_plan"),
            "recommendation_form": RecommendationForm(prefix="rec") if can_manage else None,
            "factor_form": FactorForm(prefix="factor") if can_manage else None,
        },
    )


@login_required
def review_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("scr.manage_review"):
        raise PermissionDenied(services.NOT_PERMITTED)
    submission = Submission(request)
    if request.method == "POST" and (repeated := submission.repeated()) is not None:
        return repeated
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with submission.claim() as outcome:
                review = services.review_create(by=request.user, **form.cleaned_data)
                outcome.done(
                    review.get_absolute_url(),
                    f"{ALREADY_SUBMITTED}: the review {review.title} was added",
                )
        except AlreadySubmitted:
            return submission.already(reverse("scr:list"))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{review} created. Add its recommendations.")
            return redirect(review)
    status = 400 if form.errors else 200
    return render(request, "scr/form.html", {"form": form}, status=status)


def _sub_form(
    request: HttpRequest,
    pk: int,
    form_class: Any,
    prefix: str,
    service: Any,
    success: str,
    done: Callable[[Any], str],
) -> HttpResponse:
    """``done(added)``: what a second post of the form is told the first one did."""
    review = selectors.review_get(user=request.user, pk=pk)
    if not request.user.has_perm("scr.manage_review"):
        raise PermissionDenied(services.NOT_PERMITTED)
    submission = Submission(request, prefix=prefix)
    if request.method == "POST" and (repeated := submission.repeated()) is not None:
        return repeated
    form = form_class(request.POST or None, prefix=prefix)
    if request.method == "POST" and form.is_valid():
        try:
            with submission.claim() as outcome:
                added = service(review=review, by=request.user, **form.cleaned_data)
                outcome.done(review.get_absolute_url(), f"{ALREADY_SUBMITTED}: {done(added)}")
        except AlreadySubmitted:
            return submission.already(review.get_absolute_url())
        except TransitionForbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(review)
    status = 400 if form.errors else 200
    return render(
        request,
        "scr/sub_form.html",
        {"form": form, "review": review, "prefix": prefix},
        status=status,
    )


@login_required
def recommendation_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _sub_form(
        request,
        pk,
        RecommendationForm,
        "rec",
        services.recommendation_add,
        "Recommendation added.",
        lambda rec: f"recommendation {rec.number} was added to {rec.review.title}",
    )


@login_required
def factor_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _sub_form(
        request,
        pk,
        FactorForm,
        "factor",
        services.factor_add,
        "Modifiable factor recorded.",
        lambda factor: f"the modifiable factor was recorded on {factor.review.title}",
    )


@login_required
def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_get(user=request.user, pk=pk)
    if not services.can_manage(request.user):
        raise PermissionDenied(services.NOT_PERMITTED)
    submission = Submission(request)
    if request.method == "POST" and (repeated := submission.repeated()) is not None:
        return repeated
    form = ReviewEditForm(request.POST or None, review=review)
    if request.method == "POST" and form.is_valid():
        try:
            with submission.claim() as outcome:
                services.review_update(review=review, by=request.user, **form.cleaned_data)
                outcome.done(
                    review.get_absolute_url(),
                    f"{ALREADY_SUBMITTED}: the details of {review.title} were updated",
                )
        except AlreadySubmitted:
            return submission.already(review.get_absolute_url())
        except TransitionForbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Review details updated.")
            return redirect(review)
    status = 400 if form.errors else 200
    return render(
        request,
        "scr/form.html",
        {
            "form": form,
            "review": review,
            "heading": "Change review details",
            "button": "Save changes",
        },
        status=status,
    )


@login_required
def recommendation_edit(request: HttpRequest, pk: int, rec_pk: int) -> HttpResponse:
    review = selectors.review_get(user=request.user, pk=pk)
    recommendation = get_object_or_404(review.recommendations, pk=rec_pk)
    if not services.can_manage(request.user):
        raise PermissionDenied(services.NOT_PERMITTED)
    submission = Submission(request, prefix="rec")
    if request.method == "POST" and (repeated := submission.repeated()) is not None:
        return repeated
    form = RecommendationEditForm(request.POST or None, prefix="rec", recommendation=recommendation)
    if request.method == "POST" and form.is_valid():
        try:
            with submission.claim() as outcome:
                services.recommendation_update(
                    recommendation=recommendation, by=request.user, **form.cleaned_data
                )
                outcome.done(
                    recommendation.get_absolute_url(),
                    f"{ALREADY_SUBMITTED}: recommendation {recommendation.number} was updated",
                )
        except AlreadySubmitted:
            return submission.already(recommendation.get_absolute_url())
        except TransitionForbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Recommendation {recommendation.number} updated.")
            return redirect(recommendation)
    status = 400 if form.errors else 200
    return render(
        request,
        "scr/sub_form.html",
        {
            "form": form,
            "review": review,
            "prefix": "rec",
            "heading": f"Change recommendation {recommendation.number}",
        },
        status=status,
    )


@login_required
def review_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish a review to the partnership (the partnership manager): a confirm page
    saying what every partner will then read, and what stays with the agencies; the
    POST publishes. 404 for a review the user cannot see, 403 for one they may not
    publish; an already published review is said so on its page."""
    review = selectors.review_get(user=request.user, pk=pk)
    if not services.can_manage(request.user):
        raise PermissionDenied(services.NOT_PERMITTED_PUBLISH)
    if request.method == "POST":
        try:
            services.review_publish(review=review, by=request.user)
        except TransitionRefused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"{review.title} is published to the partnership: every partner agency's "
                "members can now read its summary and recommendations.",
            )
        return redirect(review)
    if review.is_published_to_partnership:
        messages.error(request, services.ALREADY_PUBLISHED)
        return redirect(review)
    return render(request, "scr/publish.html", {"review": review})
