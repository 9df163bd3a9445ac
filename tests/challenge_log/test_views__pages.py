"""The challenge log's pages: who sees what, raising, the steps, the Chair's queue, the
report and the export."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from agencies.models import CaseOpening
from agencies.roles import PartnershipRole
from challenge_log.models import Challenge, ChallengeState
from tests.conftest import login
from tests.factories import UserFactory
from tests.factories.challenge_log import make_challenge, respond, walk_challenge_to

pytestmark = pytest.mark.django_db
S = ChallengeState


@pytest.fixture
def challenge(bob, agency_b):
    return make_challenge(raiser=bob, against=agency_b, case_reference="LCS-555")


def test_both_agencies_see_it_others_do_not(
    challenge, alice, charlie, agency_c, li, chair, manager
):
    from agencies.models import Role
    from tests.factories import member

    outsider = member(agency_c, Role.AGENCY_LEAD, "olive")
    url = challenge.get_absolute_url()
    for user in (alice, charlie, chair, manager):
        page = login(user).get(reverse("challenges:list"))
        assert "LCS-555" in page.content.decode(), user
        assert login(user).get(url).status_code == 200, user
    for user in (outsider, li):  # another agency; a partnership role without view_all
        assert "LCS-555" not in login(user).get(reverse("challenges:list")).content.decode()
        assert login(user).get(url).status_code == 404, user
        assert login(user).get(reverse("challenge-detail", args=[challenge.pk])).status_code == 404


def test_every_opening_of_a_case_level_challenge_is_logged(challenge, charlie):
    login(charlie).get(challenge.get_absolute_url())
    opening = CaseOpening.objects.get()
    assert opening.user == charlie and opening.case_reference == "LCS-555"
    assert opening.record_id == challenge.pk


def test_raise_a_challenge_on_the_page(bob, agency_b):
    client = login(bob)
    page = client.get(reverse("challenges:raise"))
    assert page.status_code == 200
    response = client.post(
        reverse("challenges:raise"),
        {
            "kind": "professional",
            "raised_by_agency": str(bob.memberships.get().agency_id),
            "challenged_agency": str(agency_b.pk),
            "case_reference": "lcs-104233",
            "area": "thresholds",
            "summary": "Strategy discussion declined",
            "outcome_sought": "A strategy discussion",
            "urgency": "urgent",
        },
    )
    c = Challenge.objects.get()
    assert response.status_code == 302 and response["Location"] == c.get_absolute_url()
    assert c.case_reference == "LCS-104233" and c.is_urgent and c.state == S.AWAITING_RESPONSE


def test_a_childs_name_as_case_reference_is_an_error_on_the_form(bob, agency_b):
    response = login(bob).post(
        reverse("challenges:raise"),
        {
            "kind": "professional",
            "raised_by_agency": str(bob.memberships.get().agency_id),
            "challenged_agency": str(agency_b.pk),
            "case_reference": "Jane Smith",
            "area": "thresholds",
            "summary": "Declined",
            "outcome_sought": "Discussion",
            "urgency": "standard",
        },
    )
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    assert "not a name" in response.content.decode()
    assert not Challenge.objects.exists()


def test_an_auditor_may_not_raise(amy):
    assert login(amy).get(reverse("challenges:raise")).status_code == 403


def test_respond_escalate_and_decide_on_the_pages(challenge, bob, charlie, chair):
    step = lambda name: reverse("challenges:step", args=[challenge.pk, name])  # noqa: E731
    page = login(charlie).get(challenge.get_absolute_url()).content.decode()
    assert "Respond to the challenge" in page
    assert login(charlie).post(step("respond"), {"respond-text": "No"}).status_code == 302
    challenge.refresh_from_db()
    assert challenge.state == S.RESPONDED
    # not charlie's step now
    assert login(charlie).post(step("escalate"), {"escalate-reason": "x"}).status_code == 403
    assert login(bob).post(step("escalate"), {"escalate-reason": "Still"}).status_code == 302
    challenge.refresh_from_db()
    assert challenge.stage.number == 2
    walk_challenge_to(challenge, 4)
    page = login(chair).get(challenge.get_absolute_url()).content.decode()
    assert "Record the Chair&#x27;s decision" in page or "Record the Chair's decision" in page
    empty = login(chair).post(step("decide"), {"decide-decision": ""})
    assert (
        empty.status_code == 400 and "Enter your decision and its reasons" in empty.content.decode()
    )
    done = login(chair).post(
        step("decide"),
        {
            "decide-decision": "Police attend",
            "decide-outcome_for_child": "Visit took place",
            "decide-vignette": "The Chair decided a joint visit",
            "decide-learning": "Joint visits",
        },
    )
    assert done.status_code == 302
    challenge.refresh_from_db()
    assert challenge.state == S.RESOLVED_BY_CHAIR


def test_the_chairs_queue(bob, agency_b, chair, manager, alice):
    waiting = make_challenge(raiser=bob, against=agency_b, case_reference="LCS-900")
    walk_challenge_to(waiting, 4)
    make_challenge(raiser=bob, against=agency_b, case_reference="LCS-901")
    page = login(chair).get(reverse("challenges:chair")).content.decode()
    assert "LCS-900" in page and "LCS-901" not in page
    assert login(manager).get(reverse("challenges:chair")).status_code == 200
    assert login(alice).get(reverse("challenges:chair")).status_code == 403


def test_the_report_counts_and_names_the_agencies_that_raised_none(
    bob, charlie, agency_b, agency_c, manager
):
    c = make_challenge(raiser=bob, against=agency_b, today=date(2027, 3, 1))
    respond(c, by=charlie)
    from challenge_log import services

    services.challenge_resolve(
        challenge=c, by=bob, outcome_for_child="Visit", vignette="Sorted", today=date(2027, 3, 3)
    )
    walk_challenge_to(make_challenge(raiser=bob, against=agency_b, today=date(2027, 3, 2)), 4)
    response = login(manager).get(
        reverse("challenges:report"), {"start": "2027-03-01", "end": "2027-03-31"}
    )
    assert response.status_code == 200
    report = response.context["report"]
    assert report.total == 2 and report.reached_chair == 1 and report.resolved == 1
    assert report.days_median == 2
    rows = {row.agency.name: (row.raised, row.against) for row in report.agencies}
    assert rows[bob.memberships.get().agency.name] == (2, 0)
    assert rows[agency_b.name] == (0, 2)
    assert agency_b in report.raised_none and agency_c in report.raised_none
    page = response.content.decode()
    assert "<svg" in page and 'id="by-agency"' in page and 'id="raised-none"' in page
    # a period with nothing in it
    empty = login(manager).get(reverse("challenges:report"), {"start": "2027-04-01"})
    assert empty.context["report"].total == 0
    bad = login(manager).get(
        reverse("challenges:report"), {"start": "2027-04-01", "end": "2027-03-01"}
    )
    assert bad.status_code == 400


def test_the_export_lists_what_the_user_may_see(challenge, charlie, agency_c):
    from agencies.models import Role
    from tests.factories import member

    text = (
        login(charlie).get(reverse("challenges:export", args=["csv"])).content.decode("utf-8-sig")
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["Case reference"] for r in rows] == ["LCS-555"]
    outsider = member(agency_c, Role.AGENCY_LEAD, "olive")
    book = load_workbook(
        io.BytesIO(login(outsider).get(reverse("challenges:export", args=["xlsx"])).content)
    )
    assert book.active.max_row == 1  # the header only
    assert login(charlie).get(reverse("challenges:export", args=["pdf"])).status_code == 404


def test_a_partnership_raiser_without_view_all_sees_their_own_strategic_challenge(agency_b):
    board = UserFactory(
        username="board",
        groups=[PartnershipRole.BOARD_MEMBER],
        permissions=["challenge_log.raise_strategic_challenge"],
    )
    c = make_challenge(raiser=board, against=agency_b, kind="strategic", partnership=True)
    assert login(board).get(c.get_absolute_url()).status_code == 200


def test_the_partnership_manager_raises_only_strategic_challenges(manager, agency_b):
    data = {
        "kind": "professional",
        "raised_by_agency": "",
        "challenged_agency": str(agency_b.pk),
        "case_reference": "LCS-1",
        "area": "thresholds",
        "summary": "Late returns",
        "outcome_sought": "Returns on time",
        "urgency": "standard",
    }
    refused = login(manager).post(reverse("challenges:raise"), data)
    assert refused.status_code == 400 and "govuk-error-summary" in refused.content.decode()
    assert "strategic challenges only" in refused.content.decode()
    assert not Challenge.objects.exists()
    data.update(kind="strategic", case_reference="", area="strategic")
    assert login(manager).post(reverse("challenges:raise"), data).status_code == 302
    c = Challenge.objects.get()
    assert c.raised_by_agency is None and c.stage.number == 3


def test_withdraw_asks_to_confirm(challenge, bob):
    url = reverse("challenges:step", args=[challenge.pk, "withdraw"])
    first = login(bob).post(url, {"withdraw-reason": "Sorted by phone"})
    assert first.status_code == 200 and "cannot be reopened" in first.content.decode()
    challenge.refresh_from_db()
    assert challenge.state == S.AWAITING_RESPONSE
    done = login(bob).post(url, {"withdraw-reason": "Sorted by phone", "confirm": "yes"})
    assert done.status_code == 302
    challenge.refresh_from_db()
    assert challenge.state == S.WITHDRAWN
