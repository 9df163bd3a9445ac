from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.core.exceptions import ValidationError
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.utils import timezone

from core.models import Notification
from core.outbox import notify


class SignInForm(AuthenticationForm):
    """Django's sign-in form with GOV.UK-style messages ("Enter your username")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form that sent its input: an error about
    a field the form has on that field, anything else (``"Nothing has changed"``, a field
    the form does not show) on the form as a whole, so the error summary lists it."""
    found = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    for field, errors in found.items():
        form.add_error(field if field in form.fields else None, errors)


# -- account: forgotten and changed passwords ---------------------------------------------
NEW_PASSWORD_MESSAGES = {
    "password_mismatch": "The passwords do not match: enter the same new password twice",
}


def _password_messages(form: forms.Form) -> None:
    form.fields["new_password1"].label = "New password"
    form.fields["new_password1"].help_text = ""
    form.fields["new_password1"].error_messages["required"] = "Enter a new password"
    form.fields["new_password2"].label = "Confirm new password"
    form.fields["new_password2"].help_text = ""
    form.fields["new_password2"].error_messages["required"] = "Enter your new password again"


def _check_new_password(form: SetPasswordForm) -> None:
    """Django's checks, with the password rules' errors on the new password (the field
    they are about), not on its confirmation."""
    form.validate_passwords("new_password1", "new_password2")
    form.validate_password_for_user(form.user, "new_password1")


class NewPasswordForm(SetPasswordForm):
    """The new password, from a reset link: GOV.UK-style labels and messages."""

    error_messages = {**SetPasswordForm.error_messages, **NEW_PASSWORD_MESSAGES}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _password_messages(self)

    def clean(self) -> dict[str, Any]:
        _check_new_password(self)
        return self.cleaned_data


class ChangePasswordForm(PasswordChangeForm):
    """Change your password (signed in): the current one, then the new one twice."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        **NEW_PASSWORD_MESSAGES,
        "password_incorrect": "Your current password is not right: check it and enter it again",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        old = self.fields["old_password"]
        old.label = "Current password"
        old.error_messages["required"] = "Enter your current password"
        old.widget.attrs.pop("autofocus", None)  # the page starts at its heading
        _password_messages(self)

    def clean(self) -> dict[str, Any]:
        _check_new_password(self)
        return self.cleaned_data


RESET_KEY = "password-reset:"


class ForgottenPasswordForm(PasswordResetForm):
    """Ask for a reset link by e-mail address. The link goes through the outbox (a
    ``core.Notification``, sent by the scheduler with retries), never straight from the
    page; an account is sent at most ``PASSWORD_RESET_PER_HOUR`` links an hour. The page
    answers the same whether or not a link was sent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        email.label = "Email address"
        email.error_messages["required"] = "Enter your email address"
        email.error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.org"
        )
        email.error_messages["max_length"] = "Email address must be 254 characters or fewer"

    def get_users(self, email: str) -> Iterable[Any]:
        limit = int(getattr(settings, "PASSWORD_RESET_PER_HOUR", 3))
        since = timezone.now() - timedelta(hours=1)
        for user in super().get_users(email):
            recent = Notification.objects.filter(
                recipient=user, dedupe_key__startswith=RESET_KEY, created__gte=since
            ).count()
            if recent < limit:
                yield user

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context["user"]
        minutes = max(1, int(settings.PASSWORD_RESET_TIMEOUT) // 60)
        body = render_to_string(
            email_template_name,
            {
                **context,
                "PARTNERSHIP_NAME": settings.PARTNERSHIP_NAME,
                "expires_in": (
                    f"{minutes // 60} hour{pluralize(minutes // 60)}"
                    if minutes % 60 == 0
                    else f"{minutes} minute{pluralize(minutes)}"
                ),
            },
        ).strip()
        notify(
            recipients=[user],
            subject=f"Reset your password: {settings.PARTNERSHIP_NAME}",
            body=body,
            # each request its own key: the limit above counts them
            dedupe_key=f"{RESET_KEY}{secrets.token_urlsafe(12)}",
        )
