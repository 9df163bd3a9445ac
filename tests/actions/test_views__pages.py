"""The action and review pages: each step through the page, bad input, refused steps."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from actions import services
from actions.models import ActionState as S
from tests.conftest import login
from tests.factories import (
    ActionFactory,
    EvidenceItemFactory,
    RecommendationFactory,
    ReviewFactory,
    walk_to,
)
from tests.factories.actions import pdf


@pytest.fixture
def review(agency_a):
    return ReviewFactory(lead_agency=agency_a)


@pytest.fixture
def action(alice, manager, review):
    return ActionFactory(
        agency=alice.memberships.first().agency,
        lead=alice,
        by=manager,
        source=RecommendationFactory(review=review, number=1),
    )


def step_url(action, step):
    return reverse("actions:step", args=[action.pk, step])


@pytest.mark.django_db
def test_lead_walks_the_action_through_the_page(action, alice, li):
    client = login(alice)
    page = client.get(action.get_absolute_url())
    assert page.status_code == 200
    assert b"Start work" in page.content

    assert client.post(step_url(action, "start"), {"start-note": ""}).status_code == 302
    assert client.post(step_url(action, "progress"), {"progress-text": "Booked"}).status_code == 302
    response = client.post(
        step_url(action, "evidence"), {"evidence-description": "Register", "evidence-file": pdf()}
    )
    assert response.status_code == 302
    assert client.post(step_url(action, "submit"), {}).status_code == 302
    action.refresh_from_db()
    assert action.state == S.EVIDENCE_SUBMITTED

    reviewer = login(li)
    page = reviewer.get(action.get_absolute_url())
    assert b"Accept evidence" in page.content and b"Return evidence" in page.content
    assert reviewer.post(step_url(action, "accept"), {}).status_code == 302
    assert client.post(step_url(action, "sign_off"), {"confirm": "yes"}).status_code == 302
    action.refresh_from_db()
    assert action.state == S.SIGNED_OFF
    page = client.get(action.get_absolute_url())
    assert b"Signed off" in page.content  # the timeline shows it


@pytest.mark.django_db
def test_return_without_reason_is_a_form_error_and_changes_nothing(action, alice, li):
    walk_to(action, S.EVIDENCE_SUBMITTED)
    response = login(li).post(step_url(action, "return"), {"return-reason": ""})
    assert response.status_code == 400
    assert b"There is a problem" in response.content
    assert b"Enter the reason for returning the evidence" in response.content
    action.refresh_from_db()
    assert action.state == S.EVIDENCE_SUBMITTED


@pytest.mark.django_db
def test_sign_off_before_acceptance_is_refused_on_the_page(action, alice):
    services.action_start_work(action=action, by=alice)
    response = login(alice).post(step_url(action, "sign_off"), {}, follow=True)
    assert response.redirect_chain == [(action.get_absolute_url(), 302)]
    assert services.NOT_ACCEPTED.encode() in response.content
    action.refresh_from_db()
    assert action.state == S.IN_PROGRESS


@pytest.mark.django_db
def test_practitioner_of_the_agency_may_see_but_not_act(action, bob):
    client = login(bob)
    assert client.get(action.get_absolute_url()).status_code == 200
    assert client.post(step_url(action, "start"), {}).status_code == 403
    action.refresh_from_db()
    assert action.state == S.ASSIGNED


@pytest.mark.django_db
def test_other_agency_gets_404_everywhere(action, charlie, alice, review):
    item = EvidenceItemFactory(action=action, by=alice, description="x", file=pdf())
    client = login(charlie)
    assert client.get(action.get_absolute_url()).status_code == 404
    assert client.post(step_url(action, "progress"), {"progress-text": "x"}).status_code == 404
    assert client.get(item.get_download_url()).status_code == 404
    assert client.get(review.get_absolute_url()).status_code == 404
    listing = client.get(reverse("actions:list"))
    # an action is named as a page escapes it ("Action for Barnet Children&#x27;s ...")
    assert listing.status_code == 200 and escape(action).encode() not in listing.content
    assert escape(action).encode() not in client.get(reverse("actions:mine")).content
    for fmt in ("csv", "xlsx"):
        export = client.get(reverse("actions:export", args=[fmt]))
        assert export.status_code == 200
        assert action.description.encode() not in export.content
    assert review.title.encode() not in client.get(reverse("scr:list")).content


@pytest.mark.django_db
def test_evidence_download_needs_the_download_permission(action, alice, bob):
    item = EvidenceItemFactory(action=action, by=alice, description="x", file=pdf())
    response = login(alice).get(item.get_download_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert login(bob).get(item.get_download_url()).status_code == 403


@pytest.mark.django_db
def test_bad_evidence_file_is_refused_with_a_message(action, alice):
    from django.core.files.uploadedfile import SimpleUploadedFile

    services.action_start_work(action=action, by=alice)
    fake = SimpleUploadedFile("report.pdf", b"MZ\x90\x00 not a pdf")
    response = login(alice).post(
        step_url(action, "evidence"), {"evidence-description": "x", "evidence-file": fake}
    )
    assert response.status_code == 400
    assert b"do not match its type" in response.content
    assert not action.evidence.exists()


@pytest.mark.django_db
def test_manager_creates_an_action_for_a_recommendation(manager, alice, review, agency_a):
    rec = RecommendationFactory(review=review, number=2)
    client = login(manager)
    url = reverse("actions:create") + f"?recommendation={rec.pk}"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"recommendation": rec.pk, "agency": agency_a.pk})
    assert bad.status_code == 400 and b"There is a problem" in bad.content
    good = client.post(
        url,
        {
            "recommendation": rec.pk,
            "agency": agency_a.pk,
            "lead": alice.pk,
            "description": "Audit ten cases",
            "target_date_0": "31",
            "target_date_1": "3",
            "target_date_2": "2027",
        },
    )
    assert good.status_code == 302
    assert rec.pk in set(
        __import__("actions.models", fromlist=["Action"]).Action.objects.values_list(
            "source_object_id", flat=True
        )
    )


@pytest.mark.django_db
def test_lists_and_queues_render(action, alice, li, manager, review):
    for user, name in [
        (alice, "actions:mine"),
        (alice, "actions:list"),
        (li, "actions:li-queue"),
        (manager, "actions:list"),
        (manager, "scr:list"),
        (manager, "actions:import"),
    ]:
        assert login(user).get(reverse(name)).status_code == 200, name
    assert login(alice).get(reverse("actions:li-queue")).status_code == 403
    assert login(manager).get(review.get_absolute_url()).status_code == 200
    assert login(alice).get(review.get_absolute_url()).status_code == 200
