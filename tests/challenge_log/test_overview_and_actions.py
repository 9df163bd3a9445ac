"""The challenge log on the partnership overview, and its learning as a shared action."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from challenge_log import overview, services
from challenge_log.models import Challenge
from core.overview import Period
from tests.challenge_log.test_queries import seed
from tests.conftest import login
from tests.factories.challenge_log import make_challenge, respond

pytestmark = pytest.mark.django_db
PERIOD = Period.ending(date(2027, 3, 31))


def test_the_figures_are_the_reports(bob, agency_b, manager):
    make_challenge(raiser=bob, against=agency_b, today=date(2027, 1, 11))
    built = overview.build(manager, PERIOD)
    raised = built.key_figures[0]
    assert raised.value == 1
    report = login(manager).get(raised.url).context["report"]
    assert report.total == raised.value


def test_an_agency_counts_only_what_it_sees(bob, charlie, agency_b, agency_c):
    from agencies.models import Role
    from tests.factories import member

    make_challenge(raiser=bob, against=agency_b, today=date(2027, 1, 11))
    outsider = member(agency_c, Role.AGENCY_LEAD, "olive")
    assert overview.build(charlie, PERIOD).key_figures[0].value == 1
    assert overview.build(outsider, PERIOD).key_figures[0].value == 0


def test_bounded_queries(alice, manager, agency_a, agency_b, django_assert_num_queries):
    seed(10, raiser=alice, agency=agency_a, against=agency_b)
    overview.build(manager, PERIOD)
    with CaptureQueriesContext(connection) as ctx:
        overview.build(manager, PERIOD)
    seed(2_000, raiser=alice, agency=agency_a, against=agency_b)
    with django_assert_num_queries(len(ctx)):
        overview.build(manager, PERIOD)


def test_learning_becomes_a_shared_action(bob, charlie, agency_b, manager):
    c = make_challenge(raiser=bob, against=agency_b)
    respond(c, by=charlie)
    services.challenge_resolve(
        challenge=c,
        by=bob,
        outcome_for_child="Visit",
        vignette="Sorted",
        learning="Joint visits after a second notification",
    )
    page = login(manager).get(c.get_absolute_url()).content.decode()
    create = reverse("actions:create") + f"?challenge={c.pk}"
    assert create.replace("&", "&amp;") in page or create in page
    form = login(manager).get(create)
    assert (
        form.status_code == 200
        and "Joint visits after a second notification" in form.content.decode()
    )
    # the raiser's side sees the learning, not the link (the partnership manager creates actions)
    assert create not in login(bob).get(c.get_absolute_url()).content.decode()
    assert Challenge.objects.count() == 1
