"""An error never repeats a choice that was sent (core.error_messages): Django's "Select a
valid choice. %(value)s is not one of the available choices." and DRF's ``"{input}" is
not a valid choice.`` / ``Invalid pk "{pk_value}"`` made a megabyte sent a two-megabyte
page or 400 body. Every form and serializer field of those kinds now says it without the
value, and any other API error quotes at most MAX_ECHO characters of the input."""

from __future__ import annotations

import importlib

import pytest
from django import forms
from django.urls import reverse
from rest_framework import serializers
from rest_framework.test import APIClient

from agencies.models import Agency
from core.error_messages import API_CHOICE, API_NO_RECORD, CHOICE, MAX_ECHO
from scr.models import Review
from tests.conftest import login
from tests.factories.actions import make_review

MEGABYTE = "q" * 1_000_000
# Small enough to show nothing of a megabyte was sent back.
SMALL = 100_000


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# -- pages -----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_megabyte_choice_on_a_page_is_not_sent_back(manager):
    response = login(manager).post(
        reverse("scr:create"),
        {"kind": MEGABYTE, "title": "Child T rapid review", "pseudonym": "Child T"},
    )
    assert response.status_code == 400
    assert len(response.content) < SMALL
    assert MEGABYTE[:100] not in response.content.decode()
    assert CHOICE in response.content.decode()
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_a_megabyte_typed_choice_on_a_page_is_not_sent_back(manager):
    review = make_review()
    response = login(manager).post(
        reverse("scr:factor-add", args=[review.pk]),
        {"domain": MEGABYTE, "description": "Unsafe sleeping", "influence": MEGABYTE},
    )
    assert response.status_code == 400
    assert len(response.content) < SMALL
    assert MEGABYTE[:100] not in response.content.decode()


# -- API -------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_megabyte_choice_in_the_api_is_not_sent_back(manager):
    r = api(manager).post(
        "/api/v1/reviews/",
        {"kind": MEGABYTE, "title": "Child T rapid review", "pseudonym": "Child T"},
        format="json",
    )
    assert r.status_code == 400
    assert len(r.content) < 1000
    assert r.json() == {"kind": [API_CHOICE]}


@pytest.mark.django_db
def test_a_record_that_does_not_exist_is_not_quoted(manager):
    r = api(manager).post(
        "/api/v1/reviews/",
        {
            "kind": "scr",
            "title": "Child T serious case review",
            "pseudonym": "Child T",
            "lead_agency": 987654321,
        },
        format="json",
    )
    assert r.status_code == 400
    assert r.json() == {"lead_agency": [API_NO_RECORD]}
    assert b"987654321" not in r.content


@pytest.mark.django_db
def test_a_query_parameter_s_own_message_quotes_a_little(manager):
    r = api(manager).get("/api/v1/reviews/", {"kind": "k" * 20_000})
    assert r.status_code == 400
    assert len(r.content) < 500
    [message] = r.json()["kind"]
    assert "k" * MAX_ECHO + "…" in message and "k" * (MAX_ECHO + 1) not in message


# -- every kind of choice field ----------------------------------------------------------------
CHOICES = [("a", "A"), ("b", "B")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field",
    [
        lambda: forms.ChoiceField(choices=CHOICES),
        lambda: forms.TypedChoiceField(choices=[(1, "One")], coerce=int),
        lambda: forms.MultipleChoiceField(choices=CHOICES),
        lambda: forms.TypedMultipleChoiceField(choices=[(1, "One")], coerce=int),
        lambda: forms.ModelChoiceField(queryset=Agency.objects.all()),
        lambda: forms.ModelMultipleChoiceField(queryset=Agency.objects.all()),
    ],
    ids=["choice", "typed", "multiple", "typed multiple", "model", "model multiple"],
)
def test_no_form_choice_field_repeats_the_value(field):
    class OneField(forms.Form):
        value = field()

    multiple = OneField.base_fields["value"].widget.allow_multiple_selected
    for sent in (MEGABYTE, "987654321"):
        form = OneField({"value": [sent] if multiple else sent})
        assert not form.is_valid()
        assert form.errors["value"] == [CHOICE]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "message"),
    [
        (lambda: serializers.ChoiceField(choices=CHOICES), API_CHOICE),
        (lambda: serializers.MultipleChoiceField(choices=CHOICES), API_CHOICE),
        (
            lambda: serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all()),
            API_NO_RECORD,
        ),
        (
            lambda: serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all(), many=True),
            API_NO_RECORD,
        ),
        (
            lambda: serializers.SlugRelatedField(queryset=Agency.objects.all(), slug_field="name"),
            API_NO_RECORD,
        ),
    ],
    ids=["choice", "multiple", "pk", "pk many", "slug"],
)
def test_no_api_choice_field_repeats_the_value(field, message):
    class OneField(serializers.Serializer):
        value = field()

    many = isinstance(
        OneField().fields["value"], serializers.ManyRelatedField | serializers.MultipleChoiceField
    )
    for sent in ("x" * 10_000, "987654321"):
        body = OneField(data={"value": [sent] if many else sent})
        assert not body.is_valid()
        found = str(body.errors["value"])
        assert sent not in found
        if sent.isdigit():  # a record id that is not there (not "Incorrect type")
            assert message in found


def test_a_field_s_own_message_is_kept_but_quotes_a_little():
    class Own(serializers.Serializer):
        state = serializers.ChoiceField(
            choices=CHOICES, error_messages={"invalid_choice": "Unknown state “{input}”."}
        )

    body = Own(data={"state": "s" * 1_000_000})
    assert not body.is_valid()
    assert body.errors["state"] == ["Unknown state “" + "s" * MAX_ECHO + "…”."]
    body = Own(data={"state": "short"})
    assert not body.is_valid()
    assert body.errors["state"] == ["Unknown state “short”."]


# -- the project's own forms -------------------------------------------------------------------
FORM_MODULES = ["core.forms", "actions.forms", "scr.forms", "agencies.forms", "workflows.forms"]


def _fields(field: forms.Field) -> list[forms.Field]:
    return [field, *(f for sub in getattr(field, "fields", ()) for f in _fields(sub))]


def test_no_form_in_the_project_has_an_echoing_message():
    checked = 0
    for name in FORM_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if not (isinstance(value, type) and issubclass(value, forms.BaseForm)):
                continue
            for field in value.base_fields.values():
                for each in _fields(field):
                    for message in each.error_messages.values():
                        assert "%(value)" not in str(message), (value, each)
                        assert "%(pk)" not in str(message), (value, each)
                    checked += 1
    assert checked > 20
