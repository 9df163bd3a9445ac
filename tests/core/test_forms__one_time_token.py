"""The one-time form token kit (``core.submissions``, ``{% submission_token %}``,
``core.FormSubmission``): a token is recorded with the work it guarded, in one
transaction; a second use of it does not run the work and is sent where the first went;
work that fails leaves the token unused; used tokens are swept after a day."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import IntegrityError, transaction
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from core import submissions
from core.models import FormSubmission
from core.submissions import FIELD, AlreadySubmitted, Submission, sweep_used_tokens, when
from workflows import scheduler

TOKEN = "a" * 22


def render(form=None) -> str:
    return Template("{% load submissions %}{% submission_token form %}").render(
        Context({"form": form})
    )


def value_of(html: str, name: str) -> str:
    match = re.fullmatch(rf'<input type="hidden" name="{re.escape(name)}" value="([^"]*)">', html)
    assert match, html
    return match.group(1)


class NoteForm(forms.Form):
    note = forms.CharField()


def post(user, data: dict | None = None):
    request = RequestFactory().post("/somewhere/", data or {})
    request.user = user
    request._messages = CookieStorage(request)  # type: ignore[attr-defined]
    return request


def texts(request) -> list[str]:
    return [str(m) for m in request._messages]


# -- the template tag ---------------------------------------------------------------------
def test_each_form_gets_a_new_token():
    first, second = value_of(render(), FIELD), value_of(render(), FIELD)
    assert first != second
    assert submissions.valid_token(first) == first


def test_the_token_takes_the_form_prefix():
    html = render(NoteForm(prefix="sign_off"))
    assert submissions.valid_token(value_of(html, "sign_off-submission_token"))


def test_a_form_re_rendered_with_errors_keeps_its_token():
    form = NoteForm({"sign_off-note": "", "sign_off-submission_token": TOKEN}, prefix="sign_off")
    assert not form.is_valid()
    assert value_of(render(form), "sign_off-submission_token") == TOKEN


@pytest.mark.parametrize("sent", ["", "short", "x" * 65, '"><script>alert(1)</script>'])
def test_a_bound_form_without_a_proper_token_gets_a_new_one(sent):
    html = render(NoteForm({"note": "", FIELD: sent}))
    assert "<script>" not in html
    token = value_of(html, FIELD)
    assert token != sent and submissions.valid_token(token) == token


# -- claiming a token -----------------------------------------------------------------------
@pytest.mark.django_db
def test_work_that_succeeds_uses_the_token_with_its_outcome(alice):
    request = post(alice, {FIELD: TOKEN})
    with Submission(request).claim() as outcome:
        outcome.done("/actions/7/", "This step was already taken: you signed off T1.1")
    used = FormSubmission.objects.get()
    assert (used.user, used.token, used.redirect_to) == (alice, TOKEN, "/actions/7/")

    repeat = Submission(post(alice, {FIELD: TOKEN}))
    response = repeat.repeated()
    assert response is not None and response.status_code == 302
    assert response["Location"] == "/actions/7/"
    [message] = texts(repeat.request)
    assert re.fullmatch(
        r"This step was already taken: you signed off T1\.1 at \d{1,2}:\d\d[ap]m\.", message
    )


@pytest.mark.django_db
def test_the_prefix_picks_the_token_of_that_form(alice):
    request = post(alice, {"sign_off-submission_token": TOKEN, FIELD: "b" * 22})
    assert Submission(request, prefix="sign_off").token == TOKEN
    assert Submission(request).token == "b" * 22
    assert Submission(request, prefix="cancel").token == ""


@pytest.mark.django_db
def test_a_second_claim_of_a_used_token_does_not_run_its_work(alice):
    """What the unique constraint does for two posts at the same moment: the one that
    comes second is refused before its work runs."""
    FormSubmission.objects.create(user=alice, token=TOKEN, redirect_to="/x/", message="Done")
    ran = []
    submission = Submission(post(alice, {FIELD: TOKEN}))
    with pytest.raises(AlreadySubmitted), submission.claim():
        ran.append(True)
    assert ran == []
    assert FormSubmission.objects.count() == 1
    response = submission.already("/fallback/")
    assert response["Location"] == "/x/"


@pytest.mark.django_db
def test_work_that_is_refused_leaves_the_token_unused_and_changes_nothing(alice):
    with Submission(post(alice, {FIELD: TOKEN})).claim():
        alice.first_name = "Changed"
        alice.save()  # the work ran, but it did not call outcome.done(): refused
    alice.refresh_from_db()
    assert alice.first_name != "Changed"
    assert not FormSubmission.objects.exists()


@pytest.mark.django_db
def test_work_that_raises_leaves_the_token_unused(alice):
    with pytest.raises(ValueError), Submission(post(alice, {FIELD: TOKEN})).claim() as outcome:
        outcome.done("/x/", "Done")
        raise ValueError("the service refused")
    assert not FormSubmission.objects.exists()
    assert Submission(post(alice, {FIELD: TOKEN})).repeated() is None


@pytest.mark.django_db
@pytest.mark.parametrize("sent", [None, "", "short", "x" * 65, "a b c d e f g h i j k"])
def test_without_a_proper_token_the_work_runs_unguarded(alice, sent):
    """A post without a token (the API-less clients, scripts, the existing tests) or with
    something that is not one is handled as before: nothing recorded, never a 500."""
    request = post(alice, {} if sent is None else {FIELD: sent})
    submission = Submission(request)
    assert submission.repeated() is None
    for _ in range(2):
        with submission.claim() as outcome:
            outcome.done("/x/", "Done")
    assert not FormSubmission.objects.exists()


@pytest.mark.django_db
def test_tokens_are_per_user(alice, bob):
    FormSubmission.objects.create(user=alice, token=TOKEN, redirect_to="/x/", message="Done")
    assert Submission(post(bob, {FIELD: TOKEN})).repeated() is None
    with Submission(post(bob, {FIELD: TOKEN})).claim() as outcome:
        outcome.done("/y/", "Done")
    assert FormSubmission.objects.count() == 2


def test_an_anonymous_post_is_never_recorded():
    request = post(AnonymousUser(), {FIELD: TOKEN})
    assert Submission(request).repeated() is None
    with Submission(request).claim() as outcome:
        outcome.done("/x/", "Done")


@pytest.mark.django_db(transaction=True)
def test_the_database_allows_one_use_of_a_token_per_user(alice):
    FormSubmission.objects.create(user=alice, token=TOKEN)
    with pytest.raises(IntegrityError), transaction.atomic():
        FormSubmission.objects.create(user=alice, token=TOKEN)


# -- the message ----------------------------------------------------------------------------
def test_when_says_the_time_today_and_the_date_another_day():
    at = timezone.make_aware(datetime(2026, 3, 2, 15, 4))
    assert when(at, today=at.date()) == "at 3:04pm"
    assert when(at, today=at.date() + timedelta(days=1)) == "on 2 March 2026 at 3:04pm"
    morning = timezone.make_aware(datetime(2026, 3, 2, 9, 30))
    assert when(morning, today=morning.date()) == "at 9:30am"


# -- the sweep ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_tokens_used_more_than_a_day_ago_are_swept(alice):
    now = timezone.now()
    FormSubmission.objects.create(user=alice, token="old" * 6, at=now - timedelta(hours=25))
    FormSubmission.objects.create(user=alice, token="new" * 6, at=now - timedelta(hours=23))
    assert sweep_used_tokens() == 1
    assert list(FormSubmission.objects.values_list("token", flat=True)) == ["new" * 6]


@pytest.mark.django_db
def test_the_scheduler_runs_the_sweep(alice):
    assert scheduler.SWEEPS["used_submission_tokens"] is sweep_used_tokens
    FormSubmission.objects.create(user=alice, token=TOKEN, at=timezone.now() - timedelta(days=2))
    assert scheduler.run_pass().sweeps["used_submission_tokens"] == 1
    assert not FormSubmission.objects.exists()
