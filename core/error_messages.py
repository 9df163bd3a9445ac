"""What an error message may repeat of what was sent: for a choice, nothing; anywhere
else in the API, at most :data:`MAX_ECHO` characters.

Django's "Select a valid choice. %(value)s is not one of the available choices." and
DRF's ``"{input}" is not a valid choice.`` and ``Invalid pk "{pk_value}" - object does
not exist.`` repeat the value sent, so a megabyte sent gave a two-megabyte page or 400
body. :func:`install` (run once, from ``CoreConfig.ready``) gives every form and
serializer field of those kinds a message without the value, and makes every DRF field
error cut what it quotes (a field's own message such as "Unknown state “{input}”."
included). A field's own ``error_messages`` still win over these defaults.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import ModelMultipleChoiceField
from rest_framework import fields as drf_fields
from rest_framework import relations

# Django's own wording for a record that is not a choice (ModelChoiceField), for all.
CHOICE = "Select a valid choice. That choice is not one of the available choices."
API_CHOICE = "Not one of the available choices."
API_NO_RECORD = "Invalid pk - object does not exist."
# The most of an input an API error quotes.
MAX_ECHO = 40

_drf_fail = drf_fields.Field.fail


def capped(value: Any) -> Any:
    """``value`` to quote in a message: as it is when short (or a number), else its first
    ``MAX_ECHO`` characters and an ellipsis."""
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = value if isinstance(value, str) else str(value)
    if len(text) <= MAX_ECHO:
        return value
    return text[:MAX_ECHO] + "…"


def _fail(self: drf_fields.Field, key: str, **kwargs: Any) -> Any:
    return _drf_fail(self, key, **{name: capped(value) for name, value in kwargs.items()})


def install() -> None:
    """Set the messages (idempotent). Fields made after this use them: the project's
    forms and serializers are all imported after the apps are ready."""
    for form_field in (forms.ChoiceField, forms.MultipleChoiceField, ModelMultipleChoiceField):
        form_field.default_error_messages["invalid_choice"] = CHOICE
    ModelMultipleChoiceField.default_error_messages["invalid_pk_value"] = CHOICE
    for api_field in (
        drf_fields.ChoiceField,
        drf_fields.MultipleChoiceField,
        drf_fields.FilePathField,
    ):
        api_field.default_error_messages["invalid_choice"] = API_CHOICE
    for related in (relations.PrimaryKeyRelatedField, relations.SlugRelatedField):
        related.default_error_messages["does_not_exist"] = API_NO_RECORD
    # Every DRF field raises its errors through Field.fail, formatting the input into the
    # message there: capping the values at this one point covers every field and message
    # (a setting per field would miss the ones DRF adds later).
    drf_fields.Field.fail = _fail  # type: ignore[method-assign]
