"""Issue 9, "Who may lead": the rule is the permission (``update_action`` on the agency,
``agencies.selectors``), not a role name. A designated safeguarding lead (a school has
only its DSL) may be named lead and carry the action to sign-off; the new action page
offers only people who may lead, grouped by agency or narrowed to the chosen one, and
refuses a lead of another agency by name; after a leaver, the change of lead offers the
agency's eligible people, or says who must be added and where; ``/actions/new/`` without
a source asks for it first and never creates an action attached to nothing."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from rest_framework.test import APIClient

from actions import forms, services
from actions.models import Action
from actions.models import ActionState as S
from agencies.models import Membership, Role
from agencies.roles import roles_holding
from tests.conftest import login
from tests.factories import AgencyFactory, in_days, member
from tests.factories.actions import make_action, make_recommendation, make_review


def date_fields(day) -> dict[str, str]:
    return {
        "target_date_0": str(day.day),
        "target_date_1": str(day.month),
        "target_date_2": str(day.year),
    }


@pytest.fixture
def rec(agency_a):
    return make_recommendation(make_review(lead_agency=agency_a))


@pytest.fixture
def schools(db):
    return AgencyFactory(name="Barnet schools", short_name="Schools")


@pytest.fixture
def dsl(schools):
    return member(
        schools, Role.DESIGNATED_LEAD, "school.dsl", first_name="Gareth", last_name="Evans"
    )


def new_url(rec, **query) -> str:
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    return reverse("actions:create") + f"?recommendation={rec.pk}{extra}"


def options(html: str) -> dict[str, list[str]]:
    """The lead list's options by group label ('' for options outside a group)."""
    select = html[html.index('id="id_lead"') : html.index("</select>", html.index('id="id_lead"'))]
    groups: dict[str, list[str]] = {}
    current = ""
    for tag, label, text in re.findall(
        r'<(optgroup) label="([^"]*)"|<option value="\d+"[^>]*>([^<]*)</option>', select
    ):
        if tag:
            current = unescape(label)
        else:
            groups.setdefault(current, []).append(unescape(text))
    return {group: sorted(people) for group, people in groups.items()}


# -- the rule --------------------------------------------------------------------------------
def test_the_roles_that_may_lead_are_read_from_the_permission_table():
    assert roles_holding("update_action") == ["Agency lead", "Designated safeguarding lead"]
    assert roles_holding("sign_off_action") == ["Agency lead", "Designated safeguarding lead"]
    assert services.LEAD_ROLES == "agency lead or designated safeguarding lead"


@pytest.mark.django_db
def test_a_school_dsl_is_named_lead_and_completes_the_action(schools, dsl, manager, li):
    """The journey Barnet schools could never make: the DSL leads, evidences and signs off."""
    review = make_review(title="Child T serious case review")
    action = services.action_create(
        source=make_recommendation(review),
        agency=schools,
        lead=dsl,
        description="Record attendance concerns at every strategy discussion",
        target_date=in_days(60),
        by=manager,
    )
    services.action_start_work(action=action, by=dsl)
    services.action_report_progress(action=action, by=dsl, text="Template changed")
    services.action_add_evidence(action=action, by=dsl, description="Attendance audit")
    services.action_submit_evidence(action=action, by=dsl)
    services.action_accept_evidence(action=action, by=li)
    services.action_sign_off(action=action, by=dsl, note="Done")
    action.refresh_from_db()
    assert action.state == S.SIGNED_OFF and action.signed_off_at is not None


@pytest.mark.django_db
def test_the_dsl_is_offered_on_the_page_and_signs_off_there(schools, dsl, manager, li):
    rec = make_recommendation(make_review())
    client = login(manager)
    response = client.post(
        new_url(rec),
        {
            "recommendation": rec.pk,
            "agency": schools.pk,
            "lead": dsl.pk,
            "description": "Record attendance concerns",
            **date_fields(in_days(60)),
        },
    )
    assert response.status_code == 302
    action = Action.objects.get()
    assert action.lead == dsl
    services.action_start_work(action=action, by=dsl)
    services.action_add_evidence(action=action, by=dsl, description="Audit")
    services.action_submit_evidence(action=action, by=dsl)
    services.action_accept_evidence(action=action, by=li)
    page = login(dsl).get(action.get_absolute_url()).content.decode()
    assert "Sign off" in page


@pytest.mark.django_db
def test_the_api_names_a_dsl_as_lead(schools, dsl, manager):
    rec = make_recommendation(make_review())
    client = APIClient()
    client.force_authenticate(manager)
    r = client.post(
        "/api/v1/actions/",
        {
            "recommendation": rec.pk,
            "agency": schools.pk,
            "lead": dsl.username,
            "description": "Record attendance concerns",
            "target_date": str(in_days(60)),
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    assert Action.objects.get().lead == dsl


# -- the new action page's lead list ----------------------------------------------------------
@pytest.mark.django_db
def test_the_lead_list_offers_only_people_who_may_lead_grouped_by_agency(
    rec, manager, alice, ann, bob, amy, charlie, agency_a, agency_b
):
    html = login(manager).get(new_url(rec)).content.decode()
    assert options(html) == {
        agency_a.name: sorted([alice.get_full_name(), ann.get_full_name()]),
        agency_b.name: [charlie.get_full_name() or "charlie"],
    }
    # the hint says the rule
    assert escape("Someone who may lead the owning agency's actions") in html
    assert "agency lead or designated safeguarding lead" in html


@pytest.mark.django_db
def test_choosing_the_agency_narrows_the_list(rec, manager, alice, ann, charlie, agency_a):
    html = login(manager).get(new_url(rec, agency=agency_a.pk)).content.decode()
    groups = options(html)
    assert list(groups) == [agency_a.name]
    assert len(groups[agency_a.name]) == 2
    assert escape(f"Someone who may lead {agency_a.name}'s actions") in html


@pytest.mark.django_db
def test_a_lead_of_another_agency_is_refused_by_name(rec, manager, alice, charlie, agency_a):
    response = login(manager).post(
        new_url(rec),
        {
            "recommendation": rec.pk,
            "agency": agency_a.pk,
            "lead": charlie.pk,
            "description": "Audit ten cases",
            **date_fields(in_days(60)),
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert escape(forms.cannot_lead(charlie, agency_a)) in html
    # sent back narrowed to the chosen agency
    assert list(options(html)) == [agency_a.name]
    assert not Action.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["bob", "amy"])
def test_a_member_who_may_not_lead_is_refused(request, rec, manager, alice, agency_a, persona):
    person = request.getfixturevalue(persona)
    response = login(manager).post(
        new_url(rec),
        {
            "recommendation": rec.pk,
            "agency": agency_a.pk,
            "lead": person.pk,
            "description": "Audit ten cases",
            **date_fields(in_days(60)),
        },
    )
    assert response.status_code == 400
    assert not Action.objects.exists()


@pytest.mark.django_db
def test_an_agency_nobody_may_lead_says_who_must_be_added_and_where(rec, manager, alice):
    empty = AgencyFactory(name="Barnet CAMHS")
    member(empty, Role.PRACTITIONER, "pat")
    html = login(manager).get(new_url(rec, agency=empty.pk)).content.decode()
    assert escape(forms.nobody_may_lead(empty)) in html
    assert "in the admin, under Memberships" in html
    response = login(manager).post(
        new_url(rec),
        {
            "recommendation": rec.pk,
            "agency": empty.pk,
            "lead": alice.pk,
            "description": "Audit",
            **date_fields(in_days(60)),
        },
    )
    assert response.status_code == 400
    assert escape(forms.nobody_may_lead(empty)) in response.content.decode()


@pytest.mark.django_db
def test_the_new_action_page_costs_the_same_queries_for_few_and_many_people(rec, manager):
    client = login(manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(new_url(rec)).status_code == 200
        return len(ctx)

    for _ in range(2):
        member(AgencyFactory.create(), Role.AGENCY_LEAD)
    few = queries()
    for _ in range(20):
        agency = AgencyFactory.create()
        member(agency, Role.AGENCY_LEAD)
        member(agency, Role.DESIGNATED_LEAD)
    assert queries() == few


# -- when a lead leaves ----------------------------------------------------------------------
@pytest.fixture
def action(agency_a, alice, manager, rec):
    return make_action(agency=agency_a, lead=alice, by=manager, source=rec)


@pytest.mark.django_db
def test_after_a_leaver_the_change_of_lead_offers_the_agency_s_eligible_people(
    action, alice, ann, bob, manager
):
    Membership.objects.filter(user=alice).delete()
    response = login(manager).get(reverse("actions:edit", args=[action.pk]))
    html = response.content.decode()
    select = html[html.index('id="id_lead"') : html.index("</select>", html.index('id="id_lead"'))]
    assert f'value="{ann.pk}"' in select
    assert f'value="{alice.pk}"' not in select  # the person who left is not offered back
    assert f'value="{bob.pk}"' not in select
    assert "Choose the new lead" in select
    assert "is no longer a member of" in html
    response = login(manager).post(
        reverse("actions:edit", args=[action.pk]),
        {
            "description": action.description,
            "lead": ann.pk,
            **date_fields(action.target_date),
            "reason": "Alice left",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.lead == ann


@pytest.mark.django_db
def test_with_nobody_left_who_may_lead_the_page_says_who_must_be_added(action, alice, manager):
    Membership.objects.filter(user=alice).delete()
    html = login(manager).get(reverse("actions:edit", args=[action.pk])).content.decode()
    assert 'id="id_lead"' not in html
    assert escape(forms.nobody_may_lead(action.agency)) in html
    assert "in the admin, under Memberships" in html
    # the partnership manager may still change the rest
    assert 'id="id_description"' in html


# -- /actions/new/ without a source ----------------------------------------------------------
@pytest.mark.django_db
def test_without_a_source_the_page_asks_for_one_first(rec, manager, alice, agency_a):
    client = login(manager)
    response = client.get(reverse("actions:create"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "What does the action answer?" in html
    assert f'value="scr.recommendation:{rec.pk}"' in html
    assert 'id="id_lead"' not in html
    chosen = client.get(reverse("actions:create") + f"?answers=scr.recommendation:{rec.pk}")
    assert chosen.status_code == 302
    assert chosen["Location"] == reverse("actions:create") + f"?recommendation={rec.pk}"
    missing = client.get(reverse("actions:create") + "?answers=")
    assert (
        missing.status_code == 400 and "Choose what the action answers" in missing.content.decode()
    )
    hostile = client.get(reverse("actions:create") + "?answers=scr.recommendation:999999")
    assert hostile.status_code == 400


@pytest.mark.django_db
def test_a_post_without_a_source_creates_nothing(manager, alice, agency_a, rec):
    response = login(manager).post(
        reverse("actions:create"),
        {
            "agency": agency_a.pk,
            "lead": alice.pk,
            "description": "Attached to nothing",
            **date_fields(in_days(60)),
        },
    )
    assert response.status_code == 400
    assert "Choose what the action answers" in response.content.decode()
    assert not Action.objects.exists()


@pytest.mark.django_db
def test_with_nothing_to_answer_the_page_says_what_to_add_first(manager):
    html = login(manager).get(reverse("actions:create")).content.decode()
    assert 'id="nothing-to-answer"' in html


@pytest.mark.django_db
def test_the_source_question_is_for_the_partnership_manager_only(alice, rec):
    assert login(alice).get(reverse("actions:create")).status_code == 403
