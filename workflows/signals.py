"""What keeps workflows' own listing tables in step (issue 13, "Flat at scale").

- ``TaskDue`` copies from each human task what the task lists filter on (status,
  holder, permission and agency): viewflow saves the task at each change of status or
  holder, and each save updates the copy (one UPDATE; one INSERT when the task is new).
- ``LeadCannotAct`` names the (lead, agency) pairs whose named lead can no longer act on
  the agency's actions: re-derived for a person when their access is reduced
  (``agencies.grants.access_reduced``: a membership removed, moved or lessened, an
  account closed) and when it may have come back (a membership saved, an account
  reactivated, an agency reactivated). My work reads these rows instead of checking
  every open action on every view.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from actions.models import Action
from agencies.grants import access_reduced
from agencies.models import Agency, Membership
from agencies.selectors import holders
from workflows.models import LeadCannotAct, TaskDue

User = get_user_model()


# -- TaskDue follows its task -------------------------------------------------------------
@receiver(post_save, sender=Task, dispatch_uid="workflows.task_listing")
def task_saved(
    sender: Any, instance: Task, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw or instance.flow_task_type != "HUMAN":
        return
    copy = {
        "status": instance.status,
        "owner_id": instance.owner_id,
        "owner_permission": instance.owner_permission,
        "owner_permission_obj_pk": instance.owner_permission_obj_pk,
        "created": instance.created,
        "held": instance.status in (STATUS.ASSIGNED, STATUS.STARTED),
        "is_open": instance.status in (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED),
    }
    if created:
        # a new task's due date (if its flow gives one) written with the row, in one
        # INSERT (``RecordFlow.on_task_created`` then has nothing left to write)
        due_on = _due_on(instance)
        if due_on is not None:
            copy.update(due_on=due_on, sort_on=due_on)
            instance.__dict__["_due_written"] = True
    if created or not TaskDue.objects.filter(task_id=instance.pk).update(**copy):
        # one INSERT, no savepoint (a row already there is left as it is)
        TaskDue.objects.bulk_create([TaskDue(task_id=instance.pk, **copy)], ignore_conflicts=True)


def _due_on(task: Task) -> Any:
    due = getattr(task.flow_task.flow_class, "due_dates", {}).get(task.flow_task.name)
    return due(task.process.artifact) if due is not None else None


# -- leads who can no longer act --------------------------------------------------------
def refresh_lead_cannot_act(user_ids: set[int], agency_ids: set[int] | None = None) -> None:
    """Re-derive ``LeadCannotAct`` for these people (on these agencies, or on every
    agency where they lead an action). A lead can act on an agency's actions while a
    member of it holding ``update_action`` there (``holders``: active account, grant).
    A fixed number of queries, however many actions they lead."""
    if not user_ids:
        return
    led = Action.objects.filter(lead_id__in=user_ids)
    if agency_ids is not None:
        led = led.filter(agency_id__in=agency_ids)
    pairs = set(led.order_by().values_list("lead_id", "agency_id").distinct())
    stale = LeadCannotAct.objects.filter(user_id__in=user_ids)
    if agency_ids is not None:
        stale = stale.filter(agency_id__in=agency_ids)
    if not pairs:
        stale.delete()
        return
    agencies = {agency for _, agency in pairs}
    may_update = holders("update_action", agencies, user_ids)
    members = set(
        Membership.objects.filter(user_id__in=user_ids, agency_id__in=agencies).values_list(
            "user_id", "agency_id"
        )
    )
    failing = {
        (lead, agency)
        for lead, agency in pairs
        if (lead, agency) not in members or lead not in may_update.get(agency, set())
    }
    existing = set(stale.values_list("user_id", "agency_id"))
    gone = existing - failing
    if gone:
        for lead, agency in gone:
            stale.filter(user_id=lead, agency_id=agency).delete()
    LeadCannotAct.objects.bulk_create(
        [LeadCannotAct(user_id=lead, agency_id=agency) for lead, agency in failing - existing],
        ignore_conflicts=True,
    )


@receiver(access_reduced, dispatch_uid="workflows.lead_cannot_act")
def _access_reduced(sender: Any, user: Any, **kwargs: Any) -> None:
    refresh_lead_cannot_act({user.pk})


@receiver(post_save, sender=Membership, dispatch_uid="workflows.lead_can_act_again")
def _membership_saved(sender: Any, instance: Membership, raw: bool = False, **kwargs: Any) -> None:
    # after agencies' own receiver has re-derived the grants (registered first); a
    # membership added back clears the flag, a lesser one is announced by access_reduced
    if not raw and LeadCannotAct.objects.filter(user_id=instance.user_id).exists():
        refresh_lead_cannot_act({instance.user_id})


@receiver(post_save, sender=User, dispatch_uid="workflows.lead_account_back")
def _user_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if raw or not instance.is_active:
        return  # a closed account is announced by access_reduced
    if update_fields is not None and "is_active" not in update_fields:
        return  # e.g. last_login on each sign-in
    if LeadCannotAct.objects.filter(user_id=instance.pk).exists():
        refresh_lead_cannot_act({instance.pk})


@receiver(post_save, sender=Agency, dispatch_uid="workflows.agency_back")
def _agency_saved(
    sender: Any, instance: Agency, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw or created or not instance.is_active:
        return  # a deactivation is announced, per member, by access_reduced
    leads = set(LeadCannotAct.objects.filter(agency=instance).values_list("user_id", flat=True))
    refresh_lead_cannot_act(leads, {instance.pk})
