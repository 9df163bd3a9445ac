"""The steps kit (``core.steps``) on a record that is not an action: a test-only StepSet
on the outbox's ``Notification`` gives a record page with "What you can do next", a
page POST per step and an API endpoint per step, from one declaration each, with the
permission checked before the input everywhere."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.template import Context, Template
from django.urls import include, path, reverse
from rest_framework import serializers, viewsets
from rest_framework.routers import SimpleRouter
from rest_framework.test import APIClient

from core.models import Notification
from core.steps import Step, StepSet, StepViewSetMixin, next_steps, step_page_view
from core.transitions import TransitionRefused
from tests.conftest import login
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.urls(__name__)

Status = Notification.Status
NOT_PERMITTED = "Only the outbox's keepers can retry or drop notifications."
NOT_FAILED = "Only a failed notification can be retried."
ALREADY_SENT = "This notification has been sent."


# -- the declaration -------------------------------------------------------------------
def retry(*, notification: Notification, by: Any, reason: str) -> Notification:
    if notification.status != Status.FAILED:
        raise TransitionRefused(NOT_FAILED)
    notification.status = Status.PENDING
    notification.attempts = 0
    notification.last_error = f"Retried by {by.username}: {reason}"
    notification.save()
    return notification


def drop(*, notification: Notification, by: Any, note: str = "") -> Notification:
    notification.status = Status.SENT
    notification.last_error = note
    notification.save()
    return notification


class RetryForm(forms.Form):
    reason = forms.CharField(error_messages={"required": "Enter why it is retried"})


class NoteForm(forms.Form):
    note = forms.CharField(required=False)


class RetrySerializer(serializers.Serializer):
    reason = serializers.CharField()


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


def may_keep_outbox(notification: Notification, user: Any) -> bool:
    return bool(user.has_perm("core.change_notification"))


def visible(user: Any, pk: int) -> Notification:
    """A notification is seen by its recipient only."""
    return get_object_or_404(Notification.objects.filter(recipient=user), pk=pk)


NOTE_STEPS = StepSet(
    steps=[
        Step(
            name="retry",
            label="Retry the notification",
            button="Retry",
            service=retry,
            form=RetryForm,
            serializer=RetrySerializer,
            permitted=may_keep_outbox,
            forbidden=NOT_PERMITTED,
            refused=NOT_FAILED,
            states=[Status.FAILED],
            success="Queued again.",
            done="Already retried: {record}",
        ),
        Step(
            name="drop",
            label="Drop the notification",
            button="Drop",
            service=drop,
            form=NoteForm,
            serializer=NoteSerializer,
            permitted=may_keep_outbox,
            forbidden=NOT_PERMITTED,
            refused=ALREADY_SENT,
            available=lambda n: n.status != Status.SENT,
            success="Dropped.",
            optional=True,
            style="warning",
            api_path="drop-it",
        ),
    ],
    record_arg="notification",
    get_record=visible,
    url_name="note-step",
    state_field="status",
    record_url=lambda n: reverse("note-page", args=[n.pk]),
)

PAGE = Template(
    "{% for m in messages %}<p class='message'>{{ m }}</p>{% endfor %}"
    "{% if error_form %}There is a problem{% endif %}"
    '{% include "includes/next_steps.html" %}'
)


def render_note(
    request: HttpRequest, note: Notification, bound: dict | None = None, status: int = 200
) -> HttpResponse:
    context = Context(
        {
            "request": request,
            "csrf_token": get_token(request),
            "messages": get_messages(request),
            "error_form": next((f for f in (bound or {}).values() if f.errors), None),
            "next_steps": next_steps(NOTE_STEPS, note, request.user, bound),
        }
    )
    return HttpResponse(PAGE.render(context), status=status)


def note_page(request: HttpRequest, pk: int) -> HttpResponse:
    return render_note(request, visible(request.user, pk))


class NoteRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "status", "last_error"]


class NoteViewSet(StepViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = NoteRecordSerializer
    steps = NOTE_STEPS

    def get_queryset(self) -> Any:
        return Notification.objects.filter(recipient_id=self.request.user.pk)


router = SimpleRouter()
router.register("notes", NoteViewSet, basename="note")

urlpatterns = [
    path("notes/<int:pk>/", note_page, name="note-page"),
    path(
        "notes/<int:pk>/steps/<str:step>/",
        step_page_view(NOTE_STEPS, render_note),
        name="note-step",
    ),
    path("api/", include(router.urls)),
]


# -- the tests -------------------------------------------------------------------------
def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def keeper(db):
    user = UserFactory(username="keeper")
    user.user_permissions.add(Permission.objects.get(codename="change_notification"))
    return user


@pytest.fixture
def reader(db):
    return UserFactory(username="reader")


@pytest.fixture
def failed(keeper):
    return NotificationFactory(recipient=keeper, status=Status.FAILED, attempts=5)


def step_url(note, name) -> str:
    return reverse("note-step", args=[note.pk, name])


def test_a_step_set_is_a_mapping_of_its_steps():
    assert list(NOTE_STEPS) == ["retry", "drop"]
    assert "retry" in NOTE_STEPS and "start" not in NOTE_STEPS
    assert NOTE_STEPS["drop"].api_path == "drop-it" and NOTE_STEPS["retry"].api_path == "retry"
    assert NOTE_STEPS.get("nope") is None
    with pytest.raises(ValueError):
        StepSet(
            steps=[NOTE_STEPS["retry"], NOTE_STEPS["retry"]],
            record_arg="notification",
            get_record=visible,
            url_name="note-step",
        )


@pytest.mark.django_db
def test_the_page_offers_the_steps_the_user_may_take_now(failed, keeper, reader):
    html = login(keeper).get(reverse("note-page", args=[failed.pk])).content.decode()
    assert "What you can do next" in html
    assert f'action="{step_url(failed, "retry")}"' in html
    assert f'action="{step_url(failed, "drop")}"' in html
    assert 'name="retry-submission_token"' in html
    assert "govuk-button--warning" in html and "(optional)" in html  # drop's style
    failed.status = Status.PENDING
    failed.save()
    names = [s.name for s in NOTE_STEPS.offered(failed, keeper)]
    assert names == ["drop"]  # retry needs a failed notification
    own = NotificationFactory(recipient=reader, status=Status.FAILED)
    assert NOTE_STEPS.offered(own, reader) == []  # may take none
    assert (
        "What you can do next"
        not in login(reader).get(reverse("note-page", args=[own.pk])).content.decode()
    )


@pytest.mark.django_db
def test_page_post_404_then_403_before_the_form(failed, keeper, reader):
    mine = NotificationFactory(recipient=reader, status=Status.FAILED)
    for body in ({}, {"retry-reason": ""}, {"retry-reason": "x" * 5000}):
        # another's notification: 404, for the keeper too
        assert login(reader).post(step_url(failed, "retry"), body).status_code == 404
        # one's own, without the permission: 403, whatever the body
        response = login(reader).post(step_url(mine, "retry"), body)
        assert response.status_code == 403
    assert login(keeper).post(step_url(failed, "nope"), {}).status_code == 404
    mine.refresh_from_db()
    assert mine.status == Status.FAILED


@pytest.mark.django_db
def test_page_post_form_errors_then_service(failed, keeper):
    client = login(keeper)
    bad = client.post(step_url(failed, "retry"), {"retry-reason": ""})
    assert bad.status_code == 400
    assert "There is a problem" in bad.content.decode()
    assert "Enter why it is retried" in bad.content.decode()
    token = "t" * 22
    data = {"retry-reason": "Mail server back", "retry-submission_token": token}
    ok = client.post(step_url(failed, "retry"), data, follow=True)
    assert ok.redirect_chain == [(reverse("note-page", args=[failed.pk]), 302)]
    assert "Queued again." in ok.content.decode()
    failed.refresh_from_db()
    assert failed.status == Status.PENDING and failed.last_error.endswith("Mail server back")
    # the same form again (a double click): sent where the first went, saying so
    again = client.post(step_url(failed, "retry"), data, follow=True)
    assert f"Already retried: {failed}" in again.content.decode()
    # a new post the state no longer allows: back to the page with the reason
    refused = client.post(step_url(failed, "retry"), {"retry-reason": "Again"}, follow=True)
    assert NOT_FAILED in refused.content.decode()


@pytest.mark.django_db
def test_a_step_url_opened_with_get_goes_to_the_record(failed, keeper, reader):
    response = login(keeper).get(step_url(failed, "retry"), follow=True)
    assert response.redirect_chain == [(reverse("note-page", args=[failed.pk]), 302)]
    assert "Retry the notification: use its form on this page." in response.content.decode()
    assert login(reader).get(step_url(failed, "retry")).status_code == 404
    assert login(keeper).put(step_url(failed, "retry")).status_code == 405


@pytest.mark.django_db
def test_api_one_endpoint_per_step_permission_before_body(failed, keeper, reader):
    mine = NotificationFactory(recipient=reader, status=Status.FAILED)
    assert reverse("note-retry", args=[1]) == "/api/notes/1/retry/"
    assert reverse("note-drop", args=[1]) == "/api/notes/1/drop-it/"
    for body in ({}, [], {"reason": {"x": 1}}):
        assert (
            api(reader).post(f"/api/notes/{failed.pk}/retry/", body, format="json").status_code
            == 404
        )
        r = api(reader).post(f"/api/notes/{mine.pk}/retry/", body, format="json")
        assert r.status_code == 403 and r.json()["detail"] == NOT_PERMITTED
    r = api(keeper).post(f"/api/notes/{failed.pk}/retry/", {}, format="json")
    assert r.status_code == 400 and "reason" in r.json()
    r = api(keeper).post(f"/api/notes/{failed.pk}/retry/", {"reason": "Back"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == Status.PENDING
    r = api(keeper).post(f"/api/notes/{failed.pk}/retry/", {"reason": "Again"}, format="json")
    assert r.status_code == 409 and r.json()["detail"] == NOT_FAILED
    r = api(keeper).post(f"/api/notes/{failed.pk}/drop-it/", {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == Status.SENT
