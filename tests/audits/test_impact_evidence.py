"""A learning check may cite a later audit's findings as its impact evidence (the
re-audit closes the loop), through ``actions.impact``: the form offers the signed-off
audits later than the action's source audit that the person may see; the check stores
the citation; the action page links it (or names it hidden for a reader who may not
see it); anything else is refused with the field's error and nothing is recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from actions import impact
from actions.models import Action, LearningCheck
from actions.models import ActionState as S
from audits import services
from audits.models import Audit
from tests.conftest import login
from tests.factories import in_days
from tests.factories.actions import walk_to
from tests.factories.audits import accepted, form_of, make_audit

pytestmark = pytest.mark.django_db


def signed_off(qa, agencies, auditors, *, title, reference, recommend=None):
    """An audit walked to sign-off through the services (a recommendation for the
    first agency, led by ``recommend``, if given)."""
    audit = make_audit(lead=qa, agencies=agencies, references=[reference], title=title)
    for agency, auditor in zip(agencies, auditors, strict=True):
        accepted(form_of(audit, agency), by=auditor, moderator=qa)
    audit.refresh_from_db()
    if recommend is not None:
        services.recommendation_add(
            audit=audit,
            by=qa,
            text="Refresh neglect training",
            agency=agencies[0],
            lead=recommend,
            target_date=in_days(60),
        )
    services.audit_draft_findings(audit=audit, by=qa, strengths="Voice", areas_to_develop="-")
    audit.refresh_from_db()
    services.audit_sign_off(audit=audit, by=qa)
    audit.refresh_from_db()
    return audit


@pytest.fixture
def world(qa, agency_a, agency_b, amy, bea, alice, li):
    first = signed_off(
        qa, [agency_a], [amy], title="Neglect audit", reference="LCS-1", recommend=alice
    )
    action = Action.objects.get()
    walk_to(action, S.LEARNING_CHECK_DUE, lead=alice, li=li)
    later = signed_off(qa, [agency_a], [amy], title="Neglect re-audit", reference="LCS-2")
    # the police's own re-audit: agency A's people may not see it
    police = signed_off(qa, [agency_b], [bea], title="Police re-audit", reference="LCS-3")
    earlier = signed_off(qa, [agency_a], [amy], title="Older audit", reference="LCS-4")
    Audit.objects.filter(pk=earlier.pk).update(
        signed_off_at=first.signed_off_at - timedelta(days=30)
    )
    unsigned = make_audit(lead=qa, agencies=[agency_a], references=["LCS-5"], title="Open audit")
    action.refresh_from_db()
    return {
        "action": action,
        "first": first,
        "later": later,
        "police": police,
        "earlier": earlier,
        "unsigned": unsigned,
    }


def check_data(cites):
    return {
        "learning_check-method": "re_audit",
        "learning_check-evidence": "The re-audit found 80% good or better.",
        "learning_check-verdict": "embedded",
        "learning_check-cites": cites,
    }


def step(action):
    return reverse("actions:step", args=[action.pk, "learning_check"])


def test_only_later_signed_off_audits_the_reader_sees_are_offered(world, li, alice):
    action, later = world["action"], world["later"]
    keys = [key for key, _ in impact.choices(action, li)]
    # the most recently signed off first; the L&I group sees every agency's
    assert keys == [impact.key_of(world["police"]), impact.key_of(later)]
    assert [key for key, _ in impact.choices(action, alice)] == [impact.key_of(later)]
    page = login(li).get(action.get_absolute_url()).content.decode()
    assert f'value="{impact.key_of(later)}"' in page and "Audit findings: Neglect re-audit" in page
    for other in ("first", "earlier", "unsigned"):
        assert f'value="{impact.key_of(world[other])}"' not in page


def test_a_check_cites_the_re_audit_and_the_action_page_links_it(world, li, alice, charlie):
    action, later = world["action"], world["later"]
    response = login(li).post(step(action), check_data(impact.key_of(later)))
    assert response.status_code == 302
    check = LearningCheck.objects.get(action=action)
    assert check.verdict == "embedded" and check.cites == later
    findings = reverse("audits:findings", args=[later.pk])
    for reader in (li, alice):
        page = login(reader).get(action.get_absolute_url()).content.decode()
        assert f'href="{findings}"' in page and "Cites audit findings" in page


def test_a_reader_who_may_not_see_the_cited_audit_is_not_told_its_name(world, li, alice):
    action, police = world["action"], world["police"]
    assert login(li).post(step(action), check_data(impact.key_of(police))).status_code == 302
    page = login(alice).get(action.get_absolute_url()).content.decode()
    assert "Police re-audit" not in page and impact.HIDDEN in page
    assert reverse("audits:findings", args=[police.pk]) not in page


@pytest.mark.parametrize(
    "cites", ["first", "earlier", "unsigned", "junk", "actions.action:1", "audits.audit:99999"]
)
def test_anything_else_is_refused_and_nothing_recorded(world, li, cites):
    action = world["action"]
    key = impact.key_of(world[cites]) if cites in world else cites
    response = login(li).post(step(action), check_data(key))
    assert response.status_code == 400
    assert impact.NOT_CITABLE.split(":")[0] in response.content.decode()
    action.refresh_from_db()
    assert action.state == S.LEARNING_CHECK_DUE
    assert not LearningCheck.objects.filter(action=action).exclude(verdict="").exists()


def test_an_audit_the_recorder_may_not_see_is_refused(world, agency_a, li):
    """The police's re-audit, cited by someone who sees only agency A's audits: their
    service call is refused as if it did not exist."""
    from agencies.models import Role
    from tests.factories import member

    a_only = member(agency_a, Role.AGENCY_LEAD, "ann")
    with pytest.raises(LookupError):
        impact.resolve(impact.key_of(world["police"]), action=world["action"], user=a_only)


def test_without_a_citation_the_check_is_recorded_as_before(world, li):
    action = world["action"]
    assert login(li).post(step(action), check_data("")).status_code == 302
    check = LearningCheck.objects.get(action=action)
    assert check.verdict == "embedded" and check.cites_id is None


def test_the_api_takes_a_citation(world, li):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(li)
    action, later = world["action"], world["later"]
    url = reverse("action-learning-check", args=[action.pk])
    bad = client.post(
        url,
        {
            "method": "re_audit",
            "evidence": "x",
            "verdict": "embedded",
            "cites": impact.key_of(world["first"]),
        },
        format="json",
    )
    assert bad.status_code == 400 and "cites" in bad.json()
    ok = client.post(
        url,
        {
            "method": "re_audit",
            "evidence": "x",
            "verdict": "embedded",
            "cites": impact.key_of(later),
        },
        format="json",
    )
    assert ok.status_code == 200, ok.content
    assert LearningCheck.objects.get(action=action).cites == later
