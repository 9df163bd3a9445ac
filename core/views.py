"""Helpers every page view shares: turning a refused step into a message, and the
error pages; the account pages (forgotten and changed passwords) and the pages every
visitor may read (accessibility statement, privacy notice, help and contact)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import password_validation, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string

from core.forms import ChangePasswordForm, ForgottenPasswordForm, NewPasswordForm
from core.models import Notification
from core.submissions import AlreadySubmitted, Submission
from core.transitions import TransitionForbidden, TransitionRefused


def run_step(request: HttpRequest, step: Callable[[], Any], *, success: str) -> bool:
    """Run a service call for a page that redirects afterwards: a refused step becomes an
    error message, a forbidden one a 403, success a success message."""
    try:
        step()
    except TransitionForbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except TransitionRefused as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: a form sent without a valid security token (usually a
    page left open across signing in or out, or for a very long time). The service's
    own 403 page, in plain words, with a way back to the form when the browser said
    where it came from (this site only)."""
    referer = request.headers.get("referer", "")
    back = (
        referer
        if referer
        and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        else ""
    )
    return render(request, "core/csrf_failure.html", {"back": back}, status=403)


# -- pages every visitor may read ----------------------------------------------------------
def _contacts() -> dict[str, Any]:
    return {
        "contact_email": settings.PARTNERSHIP_CONTACT_EMAIL,
        "dpo_email": settings.DATA_PROTECTION_OFFICER_EMAIL,
        "session_hours": settings.SESSION_COOKIE_AGE // 3600,
        "lockout_tries": settings.AXES_FAILURE_LIMIT,
    }


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html", _contacts())


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.html", _contacts())


def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "core/help.html", _contacts())


# -- account: forgotten and changed passwords -----------------------------------------------
# A password set here (or anywhere: set_password and save) also deletes the user's API
# tokens (agencies.signals) and, by changing the session hash, signs out every other
# session of the account.
def password_hint() -> str:
    """What a new password must be, from the validators in force (AUTH_PASSWORD_VALIDATORS)."""
    length = max(
        (
            int(getattr(validator, "min_length", 0))
            for validator in password_validation.get_default_password_validators()
        ),
        default=0,
    )
    first = f"Use at least {length} characters. " if length else ""
    return (
        f"{first}It must not be a commonly used password, only numbers, or like your name, "
        "username or email address."
    )


class ForgottenPasswordView(auth_views.PasswordResetView):
    """Ask for a reset link. The same answer whether or not the address is known: the
    link is queued in the outbox only for an active account with that address."""

    form_class = ForgottenPasswordForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    success_url = reverse_lazy("password_reset_done")


class ForgottenPasswordSentView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), **_contacts()}


class ResetPasswordView(auth_views.PasswordResetConfirmView):
    """The link from the e-mail: choose a new password. The link works once (its token
    is made from the password and the last sign-in) and for ``PASSWORD_RESET_TIMEOUT``
    seconds."""

    form_class = NewPasswordForm
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
    post_reset_login = False

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "password_hint": password_hint()}


class ResetPasswordDoneView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


class ChangePasswordView(LoginRequiredMixin, auth_views.PasswordChangeView):
    """Change your password, signed in: the current one, then the new one twice. This
    session stays signed in; every other one ends."""

    form_class = ChangePasswordForm
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("home")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "password_hint": password_hint()}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.submission = Submission(request)
        if (repeated := self.submission.repeated()) is not None:
            return repeated
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        done = str(self.success_url)
        try:
            with self.submission.claim() as outcome:
                form.save()
                update_session_auth_hash(self.request, form.user)
                outcome.done(done, "You already changed your password")
        except AlreadySubmitted:
            return self.submission.already(done)
        messages.success(
            self.request,
            "Your password has been changed. You stay signed in here; anywhere else "
            "you were signed in, you have been signed out.",
        )
        return HttpResponseRedirect(done)


# -- what was sent to me ----------------------------------------------------------------------
NOTIFICATIONS_PER_PAGE = 25


def _cursor(value: str) -> tuple[Any, int] | None:
    """``?before=<created, ISO>_<id>``: the last entry of the page before; None when it
    is missing or not one (the first page is shown)."""
    when, _, pk = value.rpartition("_")
    try:
        moment = parse_datetime(when) if when else None
    except ValueError:  # well formed, not a date ("2026-13-40T...")
        return None
    if moment is None or not pk.isdigit() or len(pk) > 18:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment, int(pk)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The e-mails queued for the signed-in user, newest first: subject, when, whether it
    was sent, and the record it is about. Only one's own; never the body (a reset
    e-mail's body holds a sign-in link). Keyset pages: one query a page, whatever the
    number of notifications."""
    # one about an agency's records only while the user may still read them (someone who
    # left the agency sees nothing of it); the grants are read by the function the
    # setting names (core knows no domain app), as a subquery of the same query
    readable = import_string(
        getattr(settings, "OUTBOX_READABLE_AGENCIES", "agencies.selectors.agencies_for")
    )(request.user, "view_agency_records")
    rows = (
        Notification.objects.filter(recipient_id=request.user.pk)
        .filter(Q(agency_pk__isnull=True) | Q(agency_pk__in=readable.values("pk")))
        .only("pk", "created", "subject", "status", "sent_at", "link")
    )
    cursor = _cursor(request.GET.get("before", ""))
    if cursor is not None:
        moment, pk = cursor
        rows = rows.filter(Q(created__lt=moment) | Q(created=moment, pk__lt=pk))
    page = list(rows.order_by("-created", "-pk")[: NOTIFICATIONS_PER_PAGE + 1])
    more = len(page) > NOTIFICATIONS_PER_PAGE
    page = page[:NOTIFICATIONS_PER_PAGE]
    entries = [
        {
            "note": note,
            # only a path on this site is linked (every notification queued here holds one)
            "url": note.link
            if note.link.startswith("/") and not note.link.startswith("//")
            else "",
        }
        for note in page
    ]
    older = f"{page[-1].created.isoformat()}_{page[-1].pk}" if more else ""
    return render(
        request,
        "core/notifications.html",
        {"entries": entries, "older": older, "first_page": cursor is None},
    )
