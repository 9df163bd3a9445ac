"""Issue 9, "Demo data that contradicts itself": the demo's history is spread over the
past months as a real year would be (not every entry at the same minute), no action is
signed off after its next learning check, an action whose learning check is due is not
tagged "Complete", Child T is published to the partnership (``school.dsl`` reads it) and
a school's action is led by its designated safeguarding lead."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from actions.models import Action, ActionState
from scr.demo import CHILD_T, CHILDREN_LM
from scr.models import Review
from tests.conftest import login

S = ActionState


@pytest.fixture
def demo(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", verbosity=0)


def demo_actions():
    return Action.objects.filter(reference__regex=r"^(T|LM)\d\.\d$").select_related(
        "lead", "agency"
    )


@pytest.mark.django_db
def test_the_history_is_spread_over_the_past_months(demo):
    actions = list(demo_actions())
    assert len(actions) >= 11
    stamps = []
    for action in actions:
        logged = list(StateLog.objects.for_(action).values_list("timestamp", flat=True))
        minutes = [t.replace(second=0, microsecond=0) for t in logged]
        # the lead's own steps (the scheduler's may share one pass) each at its own minute
        human = list(
            StateLog.objects.for_(action).exclude(by=None).values_list("timestamp", flat=True)
        )
        assert len({t.replace(second=0, microsecond=0) for t in human}) == len(human), action
        stamps += minutes
        assert action.created <= min(logged, default=action.created) + timedelta(seconds=1)
    assert max(stamps) - min(stamps) > timedelta(days=300)
    assert len({t.date() for t in stamps}) > 20


@pytest.mark.django_db
def test_no_action_is_signed_off_after_its_next_learning_check(demo):
    for action in Action.objects.filter(signed_off_at__isnull=False):
        if action.learning_check_due_on is not None:
            assert action.learning_check_due_on > timezone.localdate(action.signed_off_at), action
    due = Action.objects.get(state=S.LEARNING_CHECK_DUE)
    # signed off more than six months ago: its check fell due by itself
    assert timezone.now() - due.signed_off_at > timedelta(days=183)


@pytest.mark.django_db
def test_a_learning_check_due_is_not_tagged_complete(demo):
    due = Action.objects.get(state=S.LEARNING_CHECK_DUE)
    html = login(due.lead).get(due.get_absolute_url()).content.decode()
    assert "Learning check due" in html
    assert '<strong class="govuk-tag">Complete</strong>' not in html
    assert "Delivered" in html


@pytest.mark.django_db
def test_child_t_is_published_and_the_school_dsl_reads_it(demo):
    from django.contrib.auth import get_user_model

    dsl = get_user_model().objects.get(username="school.dsl")
    child_t = Review.objects.get(title=CHILD_T)
    assert child_t.learning_published_at is not None
    assert child_t.learning_published_by.username == "manager"
    assert Review.objects.get(title=CHILDREN_LM).learning_published_at is None
    client = login(dsl)
    assert client.get(child_t.get_absolute_url()).status_code == 200
    csc_action = Action.objects.get(reference="T1.1")
    assert client.get(csc_action.get_absolute_url()).status_code == 404
    assert CHILD_T in client.get(reverse("scr:list")).content.decode()
    # the school's own action, led by its DSL
    school_action = Action.objects.get(reference="LM3.2")
    assert school_action.lead == dsl
    assert client.get(school_action.get_absolute_url()).status_code == 200
