from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError


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
