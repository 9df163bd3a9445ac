"""``manage.py load_demo``: the demo partnership is complete, real (made through the
services, so the flows and logs exist) and safe to load twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.utils import timezone
from django_fsm_log.models import StateLog
from viewflow.workflow.models import Process, Task

from actions.models import (
    DELIVERY_STATES,
    Action,
    ActionState,
    EvidenceItem,
    LearningCheck,
    ProgressUpdate,
)
from agencies.demo import CSC, DEMO_PASSWORD, PERSONAS, POLICE
from agencies.models import Agency, AgencyUserObjectPermission, Membership
from core.models import Notification
from scr.models import ModifiableFactor, Recommendation, Review, ReviewKind
from workflows.base import open_tasks
from workflows.selectors import task_inbox, task_overdue, task_queue, task_visible
from workflows.services import task_release

S = ActionState
User = get_user_model()

COUNTED = [
    User,
    Group,
    Agency,
    Membership,
    AgencyUserObjectPermission,
    Review,
    Recommendation,
    ModifiableFactor,
    Action,
    ProgressUpdate,
    EvidenceItem,
    LearningCheck,
    StateLog,
    Process,
    Task,
    Notification,
]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    # Thirteen personas hashed with PBKDF2 cost seconds per test; the hasher is not
    # what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0)


def user(username: str):
    return User.objects.get(username=username)


def test_running_twice_creates_no_duplicates(db):
    call_command("load_demo", verbosity=0)
    first = counts()
    call_command("load_demo", verbosity=0)
    assert counts() == first
    assert first["Agency"] >= 8  # the eight agencies (other loops may add the partnership's)
    assert first["Review"] == 3
    assert first["Action"] >= 9


def test_every_persona_can_sign_in_with_the_demo_password(demo):
    for persona in PERSONAS:
        client = Client()
        response = client.post(
            "/sign-in/", {"username": persona.username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, persona.username
        assert client.session.get("_auth_user_id") == str(user(persona.username).pk)
    # django-axes needs the request to authenticate, which Client.login() does not pass
    # by itself; give it one, so the password is checked by the real backends.
    assert Client().login(
        request=RequestFactory().post("/sign-in/"), username="police.lead", password=DEMO_PASSWORD
    )
    assert user("admin").is_superuser


def test_personas_have_their_roles(demo):
    assert user("qa").has_perm("actions.run_learning_check")
    assert user("manager").has_perm("actions.manage_plan")
    police = Agency.objects.get(name=POLICE)
    assert Membership.objects.filter(
        user__username="police.lead", agency=police, role="agency_lead"
    ).exists()
    # grants followed the memberships
    assert AgencyUserObjectPermission.objects.filter(
        user__username="police.lead", content_object=police, permission__codename="sign_off_action"
    ).exists()


def test_reviews_use_pseudonyms_and_the_cdop_record_has_factors_in_every_domain(demo):
    child_t = Review.objects.get(title="Child T serious case review")
    assert child_t.kind == ReviewKind.SCR and child_t.pseudonym == "Child T"
    assert child_t.recommendations.count() >= 2
    lm = Review.objects.get(kind=ReviewKind.CSPR)
    assert lm.pseudonym == "Children L and M"
    assert lm.recommendations.count() >= 2
    cdop = Review.objects.get(kind=ReviewKind.CDOP)
    assert cdop.death_category is not None
    assert set(cdop.factors.values_list("domain", flat=True)) == {
        "child",
        "family",
        "environment",
        "services",
    }


def test_actions_exist_in_every_state_for_several_agencies(demo):
    states = set(Action.objects.values_list("state", flat=True))
    assert {
        S.ASSIGNED,
        S.IN_PROGRESS,
        S.EVIDENCE_SUBMITTED,
        S.RETURNED,
        S.ACCEPTED,
        S.SIGNED_OFF,
        S.LEARNING_CHECK_DUE,
        S.EMBEDDED,
    } <= states
    assert Action.objects.values("agency").distinct().count() >= 3
    today = timezone.localdate()
    open_work = Action.objects.filter(state__in=DELIVERY_STATES)
    assert open_work.filter(target_date__lt=today).exists()  # overdue
    assert open_work.filter(
        target_date__gte=today, target_date__lte=today + timedelta(days=14)
    ).exists()
    # every step went through the services: each action has a running flow or a log
    for action in Action.objects.exclude(state=S.ASSIGNED):
        assert StateLog.objects.for_(action).exists(), action


def test_a_learning_check_is_due_and_in_the_li_queue(demo):
    action = Action.objects.get(state=S.LEARNING_CHECK_DUE)
    assert action.learning_check_due_on < timezone.localdate()
    assert LearningCheck.objects.filter(action=action, verdict="").count() == 1
    # the timer really fired: the system transition is in the log
    assert StateLog.objects.for_(action).filter(transition="learning_check_fall_due").exists()
    assert [t.flow_task.name for t in open_tasks(action)] == ["learning_check"]
    queue = task_queue(user=user("qa"))
    assert queue.filter(process__artifact_object_id=action.pk, flow_task_type="HUMAN").exists()
    assert any(t.flow_task.name == "learning_check" for t in queue)


def test_the_overdue_action_shows_in_its_leads_overdue_list(demo):
    overdue = Action.objects.get(state=S.IN_PROGRESS, target_date__lt=timezone.localdate())
    assert task_overdue(user=overdue.lead).filter(process__artifact_object_id=overdue.pk).exists()


def test_police_lead_never_sees_csc_action_tasks(demo):
    csc = Agency.objects.get(name=CSC)
    csc_action_ids = list(Action.objects.filter(agency=csc).values_list("pk", flat=True))
    assert csc_action_ids
    police_lead = user("police.lead")
    for selector in (task_queue, task_inbox, task_overdue, task_visible):
        # actions' tasks only: other loops' records (challenges, audits) share ids
        seen = set(
            selector(user=police_lead)
            .filter(process__artifact_content_type__model="action")
            .values_list("process__artifact_object_id", flat=True)
        )
        assert not seen & set(csc_action_ids), selector.__name__
    # ...while the CSC lead does see their own (assigned to them, issue 9)
    assert (
        task_inbox(user=user("csc.lead"))
        .filter(process__artifact_object_id__in=csc_action_ids)
        .exists()
    )


def test_csc_manager_reassigns_a_csc_task_from_team_tasks(demo):
    """The README's walk for csc.manager: My work links to Team tasks, which lists CSC's
    open tasks with a Reassign link, and one goes to someone else who may take it."""
    client = Client()
    client.force_login(user("csc.manager"), backend="django.contrib.auth.backends.ModelBackend")
    assert "/tasks/team/" in client.get("/").content.decode()
    home = client.get("/tasks/team/")
    team = list(home.context["team"].object_list)
    csc = Agency.objects.get(name=CSC)
    # every task on CSC (actions, and other loops' records such as challenges to CSC)
    assert team and all(t.owner_permission_obj_pk == str(csc.pk) for t in team)
    task = team[0]
    assert f"/tasks/{task.pk}/reassign/" in home.content.decode()
    if task.owner_id:  # a work task opens held by its named lead (issue 9): back in the queue
        task_release(task=task, by=task.owner)
    form = client.get(f"/tasks/{task.pk}/reassign/").context["form"]
    (choice, _label), *_ = form.fields["assignee"].choices
    assert client.post(f"/tasks/{task.pk}/reassign/", {"assignee": choice}).status_code == 302
    task.refresh_from_db()
    assert task.owner_id == choice
    assert task.pk in {t.pk for t in task_inbox(user=User.objects.get(pk=choice))}
