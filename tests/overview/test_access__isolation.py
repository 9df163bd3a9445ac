"""Who sees the overview: the partnership roles. An agency's own people get a 403 on
every route (the page, the PDF, the XLSX), see no summary on My work and no link in the
navigation; and the figures a section builds count only what the user may see."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.overview import Period, build_overview
from tests.conftest import login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROUTES = ["overview:index", "overview:pdf", "overview:xlsx"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("who", ["alice", "bob", "amy", "charlie"])
def test_agency_people_are_refused(plan, route, who, request):
    response = login(request.getfixturevalue(who)).get(reverse(route))
    assert response.status_code == 403


@pytest.mark.parametrize("route", ROUTES)
def test_signed_out_goes_to_sign_in(route, client):
    response = client.get(reverse(route))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("group", ["Chair", "Partnership manager", "Board member"])
def test_partnership_roles_see_it(plan, group):
    user = UserFactory(username=f"u-{group}".replace(" ", "-"), groups=[group])
    client = login(user)
    response = client.get(reverse("overview:index"))
    assert response.status_code == 200
    assert 'href="/overview/"' in client.get(reverse("home")).content.decode()


def test_no_navigation_link_for_an_agency_lead(plan, alice):
    assert 'href="/overview/"' not in login(alice).get(reverse("actions:list")).content.decode()


def test_a_post_is_not_allowed(plan, chair):
    assert login(chair).post(reverse("overview:index")).status_code == 405


def test_a_section_counts_only_the_users_agencies(plan, charlie, chair):
    """Were an agency user to reach the figures (another page, a future section), they
    would count only their own agency's actions: agency B has two, one overdue."""
    (section,) = build_overview(charlie, Period.ending(), only=["actions"])
    assert [f.value for f in section.figures.key_figures[:2]] == [2, 1]
    (table,) = [t for t in section.figures.tables if t.caption.startswith("Actions by agency")]
    assert [row.label for row in table.rows] == ["Metropolitan Police (North West BCU)"]
    (section,) = build_overview(chair, Period.ending(), only=["actions"])
    assert section.figures.key_figures[0].value == 13
