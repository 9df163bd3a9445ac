"""The list's parent filters (review, audit, objective) offer the newest
``PARENT_CHOICES`` parents, not every one ever made; an older one is still a filter (a
link from its own page) and shows chosen; one the user may not see is an error."""

from __future__ import annotations

import re

from django.urls import reverse

from actions.filters import PARENT_CHOICES
from tests.conftest import login
from tests.factories.actions import make_action, make_recommendation, make_review


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name}"
    return re.findall(r'<option value="(\d*)"', select.group(1))


def test_the_review_select_offers_the_newest_and_accepts_an_older_one(
    manager, alice, agency_a, agency_b
):
    reviews = [
        make_review(title=f"Review {i}", pseudonym=f"Child {i}", lead_agency=agency_a)
        for i in range(PARENT_CHOICES + 2)
    ]
    oldest = reviews[0]
    make_action(
        agency=agency_a, lead=alice, by=manager, source=make_recommendation(oldest), reference="OLD"
    )
    make_action(
        agency=agency_a,
        lead=alice,
        by=manager,
        source=make_recommendation(reviews[-1]),
        reference="NEW",
    )

    html = login(manager).get(reverse("actions:list")).content.decode()
    offered = _options(html, "review")
    assert offered[0] == "" and len(offered) == PARENT_CHOICES + 1
    assert str(reviews[-1].pk) == offered[1]  # the newest first
    assert str(oldest.pk) not in offered

    page = login(manager).get(reverse("actions:list"), {"review": oldest.pk}).content.decode()
    assert "There is a problem" not in page
    assert f'<option value="{oldest.pk}" selected>' in page
    assert ">Action OLD</a>" in page and ">Action NEW</a>" not in page

    # a review the user may not see is an error on its field, as a made-up one
    hidden = make_review(title="Hidden", pseudonym="Child H", lead_agency=agency_b)
    for bad in (hidden.pk, 999_999, "1" * 40, "²", "-1"):
        page = login(alice).get(reverse("actions:list"), {"review": bad}).content.decode()
        assert "Choose a review from the list" in page, bad


def test_the_objective_select_names_the_plan(manager, alice, agency_a):
    from improvement_plan.models import Objective, Plan, RecommendationLine

    line_of = {}
    for title in ("Plan 2025", "Plan 2026"):
        plan = Plan.objects.create(title=title, owner=agency_a)
        objective = Objective.objects.create(plan=plan, number=1, text="Lead the partnership")
        line_of[title] = RecommendationLine.objects.create(
            objective=objective, position=1, provenance_text="OR 1", recommendation="Do it"
        )
        make_action(agency=agency_a, lead=alice, by=manager, source=line_of[title])
    html = login(manager).get(reverse("actions:list")).content.decode()
    assert ">Plan 2026: Objective 1</option>" in html
    assert ">Plan 2025: Objective 1</option>" in html
