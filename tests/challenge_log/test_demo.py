"""The demo challenges (issue 11's "Must hold"): challenges at each stage, one overdue that
the scheduler escalates, two resolved (one by the Chair), one strategic challenge; the
``chair`` persona has decisions waiting. Loaded twice, nothing doubles."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from challenge_log import selectors
from challenge_log.demo import MARK
from challenge_log.models import Challenge, ChallengeKind, ChallengeState
from tests.conftest import login

S = ChallengeState


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def demo(key: str) -> Challenge:
    return Challenge.objects.select_related("stage").get(summary__endswith=f"{MARK}{key}")


@pytest.mark.django_db
def test_the_demo_challenges(db):
    call_command("load_demo", verbosity=0)
    waiting = Challenge.objects.filter(state=S.AWAITING_RESPONSE)
    assert set(waiting.values_list("stage__number", flat=True)) == {1, 2, 3, 4}
    # the overdue one: escalated to stage 2 by the scheduler, for its missed deadline
    overdue = demo("overdue")
    assert overdue.stage is not None and overdue.stage.number == 2
    assert overdue.state == S.AWAITING_RESPONSE
    assert overdue.missed_deadline is not None and overdue.escalations == 1
    assert demo("resolved").state == S.RESOLVED
    decided = demo("decided")
    assert decided.state == S.RESOLVED_BY_CHAIR and decided.decision and decided.highest_stage == 4
    strategic = demo("strategic")
    assert strategic.kind == ChallengeKind.STRATEGIC and strategic.state == S.RESPONDED
    # the chair persona's decisions waiting, on their queue
    chair = get_user_model().objects.get(username="chair")
    queue = list(selectors.chair_queue(user=chair))
    assert {c.pk for c in queue} == {demo("chair1").pk, demo("chair2").pk}
    page = login(chair).get(reverse("challenges:chair")).content.decode()
    assert all(c.reference in page for c in queue)

    count = Challenge.objects.count()
    call_command("load_demo", verbosity=0)
    assert Challenge.objects.count() == count
