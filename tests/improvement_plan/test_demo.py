"""The demo's improvement plan: the seed's own, every lead matched, approved and active,
nothing reminded for 2017-18's milestones; loaded twice, nothing doubles."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from actions.models import Action
from core.models import Notification
from improvement_plan.loading import TITLE
from improvement_plan.models import Plan, PlanState, RecommendationLine
from workflows.base import open_tasks


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_the_demo_plan(db):
    call_command("load_demo", verbosity=0)
    plan = Plan.objects.get(title=TITLE)
    assert plan.state == PlanState.ACTIVE and plan.approved_by
    lines = RecommendationLine.objects.filter(objective__plan=plan)
    assert lines.count() == 16
    actions = Action.objects.filter(
        source_content_type=ContentType.objects.get_for_model(RecommendationLine),
        source_object_id__in=lines.values("pk"),
    )
    assert actions.count() == 63
    assert not actions.filter(reminders_held=True).exists()
    subjects = Notification.objects.values_list("subject", flat=True)
    assert not [s for s in subjects if any(f"Action {a.reference}" in s for a in actions)]
    # the work of the actions the Chair leads (in a partnership role) is in the Chair's
    # inbox, not a queue of the partnership's business unit
    chair_work = [
        task
        for action in actions.filter(lead__username="chair")
        for task in open_tasks(action)
        if task.flow_task.name == "work"
    ]
    assert chair_work and {t.owner.username for t in chair_work} == {"chair"}
    call_command("load_demo", verbosity=0)
    assert Plan.objects.filter(title=TITLE).count() == 1
    assert RecommendationLine.objects.filter(objective__plan=plan).count() == 16
