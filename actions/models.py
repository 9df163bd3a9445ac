"""The one action record every loop produces, and its learning checks.

States (``ActionState``)::

    assigned -> in_progress -> evidence_submitted -> accepted -> signed_off
        -> learning_check_due -> embedded
    evidence_submitted -> returned -> in_progress        (L&I returns it, with a reason)
    learning_check_due -> not_embedded -> in_progress    (the work reopens)
    learning_check_due -> partly_embedded -> learning_check_due   (another check later)
    any open state -> cancelled                          (partnership manager, with a reason)

Transition methods change memory only; ``actions.services`` owns every transition.
"""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django_fsm import ConcurrentTransitionMixin, FSMField

from actions.permissions import (
    may_cancel,
    may_review_evidence,
    may_run_learning_check,
    may_sign_off,
    may_update,
)
from agencies.models import Partnership
from core.kept import changed
from core.links import record_url
from core.models import ChangeRecord, TimeStampedModel
from core.transitions import logged_transition


class ActionState(models.TextChoices):
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    EVIDENCE_SUBMITTED = "evidence_submitted", "Evidence submitted"
    RETURNED = "returned", "Returned for more evidence"
    ACCEPTED = "accepted", "Evidence accepted"
    SIGNED_OFF = "signed_off", "Signed off"
    LEARNING_CHECK_DUE = "learning_check_due", "Learning check due"
    EMBEDDED = "embedded", "Learning embedded"
    PARTLY_EMBEDDED = "partly_embedded", "Partly embedded"
    NOT_EMBEDDED = "not_embedded", "Not embedded"
    CANCELLED = "cancelled", "Cancelled"


S = ActionState
# The lead is working: these states take progress updates and evidence.
WORK_STATES = [S.ASSIGNED, S.IN_PROGRESS, S.RETURNED, S.NOT_EMBEDDED]
# The work is done and signed off; what follows is about impact.
COMPLETE_STATES = [S.SIGNED_OFF, S.LEARNING_CHECK_DUE, S.EMBEDDED, S.PARTLY_EMBEDDED]
CLOSED_STATES = [S.EMBEDDED, S.CANCELLED]
OPEN_STATES = [s for s in S.values if s not in CLOSED_STATES]
# The L&I queue's states, in the order of its partial index's condition (the queue asks
# with ``state__in_literal``, so SQLite picks the index too: ``core.lookups``).
LI_QUEUE_STATES = [S.EVIDENCE_SUBMITTED.value, S.LEARNING_CHECK_DUE.value]
# States in which the target date still matters for RAG (red, amber, green), in the order
# of the partial index the RAG filters walk (asked with ``state__in_literal``).
DELIVERY_STATES = [
    S.ASSIGNED.value,
    S.IN_PROGRESS.value,
    S.RETURNED.value,
    S.NOT_EMBEDDED.value,
    S.EVIDENCE_SUBMITTED.value,
    S.ACCEPTED.value,
]


# The attribute (a queryset annotation, see ``actions.selectors``) holding the amber window.
AMBER_WINDOW_ANNOTATION = "amber_window_days"


class Rag(models.TextChoices):
    COMPLETE = "complete", "Complete"
    GREEN = "green", "On track"
    AMBER = "amber", "Due soon"
    RED = "red", "Overdue"
    CANCELLED = "cancelled", "Cancelled"


def has_evidence(action: Any) -> bool:
    return bool(action.evidence.exists())


# the name the actions' figures are kept under (core.kept): every action, extension request
# and learning check written replaces its stamp (the signals: actions.apps)
KEPT = "actions"


class ActionQuerySet(models.QuerySet["Action"]):
    # The stubs type bulk_create's parameters one by one; this passes them all through.
    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        # bulk_create skips save(): set the original target date here too.
        objs = list(objs)
        for action in objs:
            if action.original_target_date is None:
                action.original_target_date = action.target_date
        made = super().bulk_create(objs, *args, **kwargs)
        changed(KEPT)  # no signal: the overview's kept figures (core.kept), after the write
        return made

    def update(self, **kwargs: Any) -> int:
        rows = super().update(**kwargs)
        changed(KEPT)
        return rows

    def delete(self) -> tuple[int, dict[str, int]]:
        deleted = super().delete()
        changed(KEPT)
        return deleted

    def reminding(self) -> ActionQuerySet:
        """The actions reminders and escalations may be sent about: not held, and whose
        target date is not before the day reminders start (``reminders_from``)."""
        return self.filter(reminders_held=False).filter(
            models.Q(reminders_from__isnull=True)
            | models.Q(target_date__gte=models.F("reminders_from"))
        )


class Action(ConcurrentTransitionMixin, TimeStampedModel):
    # Where the action comes from: an SCR recommendation, an audit finding, a
    # challenge's learning, an improvement-plan line, a risk mitigation, an S11 gap.
    source_content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_object_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_content_type", "source_object_id")

    reference = models.CharField(
        max_length=30, blank=True, help_text="The plan's own number, such as 3.2"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="actions")
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_actions"
    )
    description = models.TextField()
    target_date = models.DateField()
    # The target date the action was created with: kept whatever happens to the target
    # date (extensions, direct changes), shown beside it on the page, lists and export.
    original_target_date = models.DateField(editable=False)
    # How many extensions the partnership manager has approved (ExtensionRequest).
    extensions = models.PositiveSmallIntegerField(default=0, editable=False)
    state = FSMField(default=S.ASSIGNED, choices=S.choices, protected=True, db_index=True)

    # Agencies that contribute to the action besides its owner: their users see it (through
    # ``actions.selectors``) and their agency leads may add evidence (``may_add_evidence``).
    contributing_agencies = models.ManyToManyField(
        "agencies.Agency", blank=True, related_name="contributed_actions"
    )
    # Reminders and escalations: none while held (a plan not yet active), and none about a
    # target date before ``reminders_from`` (a plan made active part-way through its life
    # reminds only about what falls due from then on). See ``ActionQuerySet.reminding``.
    reminders_held = models.BooleanField(default=False)
    reminders_from = models.DateField(null=True, blank=True)

    objects = ActionQuerySet.as_manager()

    signed_off_at = models.DateTimeField(null=True, blank=True)
    learning_check_due_on = models.DateField(null=True, blank=True)
    escalated_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the partnership manager was told the action is long overdue.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["target_date", "pk"]
        indexes = [
            models.Index(fields=["source_content_type", "source_object_id"]),
            models.Index(fields=["agency", "state", "target_date"]),
            models.Index(fields=["lead", "state"]),
            # the action list (ordered by target date, then id) walks this in order, so
            # its first page reads about a page of rows however many actions exist
            models.Index(fields=["target_date", "id"], name="action_target_walk_idx"),
            # the overdue, due-soon and on-track lists (by target date) walk the actions
            # still being delivered, not the years of signed-off ones before them
            models.Index(
                fields=["target_date", "id"],
                name="action_delivery_walk_idx",
                condition=models.Q(state__in=DELIVERY_STATES),
            ),
            # the L&I queue (oldest waiting first) walks the few waiting actions in order,
            # not every action of the states' index sorted (issue 13)
            models.Index(
                fields=["modified", "id"],
                name="action_li_queue_idx",
                condition=models.Q(state__in=LI_QUEUE_STATES),
            ),
        ]
        permissions = [
            ("cancel_action", "Cancel an action (partnership manager)"),
            ("review_evidence", "Accept or return evidence (Learning and Improvement group)"),
            ("run_learning_check", "Record learning checks (Learning and Improvement group)"),
            ("manage_plan", "Create, import and export actions (partnership manager)"),
        ]

    def __str__(self) -> str:
        # What people call it: "Action LM1.1", else "Action for Met Police: Audit the
        # neglect pathway…" (the first words tell two of one agency's actions apart, in a
        # list or an e-mail's subject); never the database id, which means nothing.
        if self.reference:
            return f"Action {self.reference}"
        if self.agency_id is None:
            return "New action"
        words = Truncator(" ".join(self.description.split())).words(6, truncate="…")
        return (
            f"Action for {self.agency.label}: {words}"
            if words
            else f"Action for {self.agency.label}"
        )

    def get_absolute_url(self) -> str:
        return record_url("actions:detail", self.pk)  # a plan's page links hundreds

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Set once, when the action is first saved; never changed after.
        if self.original_target_date is None:
            self.original_target_date = self.target_date
        super().save(*args, **kwargs)

    def target_date_history(self) -> str:
        """ "originally 28 Oct 2026, extended once", or "" when the target date never moved."""
        if self.original_target_date in (None, self.target_date) and not self.extensions:
            return ""
        parts = []
        if self.original_target_date is not None:
            parts.append(f"originally {self.original_target_date:%-d %b %Y}")
        if self.extensions:
            times = {1: "once", 2: "twice"}.get(self.extensions, f"{self.extensions} times")
            parts.append(f"extended {times}")
        return ", ".join(parts)

    def pending_extension(self) -> ExtensionRequest | None:
        return self.extension_requests.filter(decision=ExtensionDecision.PENDING).first()

    # -- derived, never typed -------------------------------------------------------
    def amber_days(self) -> int:
        """The partnership's amber window (``Partnership.amber_window_days``): read with the
        row when a selector annotated it (``amber_window_days``, so a list costs no query
        per row), otherwise once for this instance."""
        days = getattr(self, AMBER_WINDOW_ANNOTATION, None)
        if days is None:
            days = Partnership.current().amber_window_days
            setattr(self, AMBER_WINDOW_ANNOTATION, days)
        return int(days)

    def rag(self, today: date | None = None, amber_days: int | None = None) -> str:
        """Complete, cancelled, red (target date passed), amber (due within the
        partnership's amber window) or green; ``actions.selectors.rag_q`` is the same rule
        in the database."""
        today = today or timezone.localdate()
        if amber_days is None:
            amber_days = self.amber_days()
        if self.state == S.CANCELLED:
            return Rag.CANCELLED
        if self.state in COMPLETE_STATES:
            return Rag.COMPLETE
        if self.target_date < today:
            return Rag.RED
        if (self.target_date - today).days <= amber_days:
            return Rag.AMBER
        return Rag.GREEN

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    # -- transitions: memory only; actions.services owns them --------------------------
    @logged_transition(
        field=state,
        source=[S.ASSIGNED, S.RETURNED, S.NOT_EMBEDDED],
        target=S.IN_PROGRESS,
        permission=may_update,
    )
    def start_work(self, *, by: Any = None, description: str | None = None) -> None:
        pass

    @logged_transition(
        field=state,
        source=S.IN_PROGRESS,
        target=S.EVIDENCE_SUBMITTED,
        permission=may_update,
        conditions=[has_evidence],
    )
    def submit_evidence(self, *, by: Any = None, description: str | None = None) -> None:
        pass

    @logged_transition(
        field=state,
        source=S.EVIDENCE_SUBMITTED,
        target=S.ACCEPTED,
        permission=may_review_evidence,
    )
    def accept(self, *, by: Any = None, description: str | None = None) -> None:
        pass

    @logged_transition(
        field=state,
        source=S.EVIDENCE_SUBMITTED,
        target=S.RETURNED,
        permission=may_review_evidence,
    )
    def return_evidence(self, *, by: Any = None, description: str | None = None) -> None:
        pass

    @logged_transition(field=state, source=S.ACCEPTED, target=S.SIGNED_OFF, permission=may_sign_off)
    def sign_off(
        self, *, by: Any = None, description: str | None = None, check_due_on: date
    ) -> None:
        self.signed_off_at = timezone.now()
        self.learning_check_due_on = check_due_on

    @logged_transition(
        field=state, source=[S.SIGNED_OFF, S.PARTLY_EMBEDDED], target=S.LEARNING_CHECK_DUE
    )
    def learning_check_fall_due(self, *, by: Any = None, description: str | None = None) -> None:
        pass

    @logged_transition(
        field=state,
        source=S.LEARNING_CHECK_DUE,
        target=S.EMBEDDED,
        permission=may_run_learning_check,
    )
    def mark_embedded(self, *, by: Any = None, description: str | None = None) -> None:
        self.learning_check_due_on = None

    @logged_transition(
        field=state,
        source=S.LEARNING_CHECK_DUE,
        target=S.PARTLY_EMBEDDED,
        permission=may_run_learning_check,
    )
    def mark_partly_embedded(
        self, *, by: Any = None, description: str | None = None, next_check_on: date
    ) -> None:
        self.learning_check_due_on = next_check_on

    @logged_transition(
        field=state,
        source=S.LEARNING_CHECK_DUE,
        target=S.NOT_EMBEDDED,
        permission=may_run_learning_check,
    )
    def mark_not_embedded(self, *, by: Any = None, description: str | None = None) -> None:
        self.learning_check_due_on = None

    @logged_transition(field=state, source=OPEN_STATES, target=S.CANCELLED, permission=may_cancel)
    def cancel(self, *, by: Any = None, description: str | None = None) -> None:
        pass


class ProgressUpdate(models.Model):
    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="progress")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    text = models.TextField()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"Progress on {self.action} at {self.at:%Y-%m-%d}"


# The fields an action's details change may touch, in the order the history lists them.
CHANGE_LABELS = {"description": "Description", "lead": "Named lead", "target_date": "Target date"}


class ActionChange(ChangeRecord):
    """One change to an open action's details (description, lead, target date), with
    the reason. Written by ``actions.services.action_update_details``."""

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="changes")
    reason = models.TextField()

    what = "A change to an action"

    def __str__(self) -> str:
        return f"Change to {self.action} at {self.at:%Y-%m-%d %H:%M}"

    def lines(self) -> list[str]:
        return self.lines_for(CHANGE_LABELS)


class ExtensionDecision(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class ExtensionRequest(models.Model):
    """An agency lead's request to move an action's target date, which the partnership
    manager approves or refuses (``actions.services.action_ask_extension`` /
    ``action_decide_extension``). Until it is approved the target date stays."""

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="extension_requests")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField(default=timezone.now)
    new_target_date = models.DateField()
    reason = models.TextField()
    decision = models.CharField(
        max_length=10, choices=ExtensionDecision.choices, default=ExtensionDecision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-asked_at", "-pk"]
        constraints = [
            # At most one request waiting for a decision per action.
            models.UniqueConstraint(
                fields=["action"],
                condition=models.Q(decision="pending"),
                name="one_pending_extension_per_action",
            )
        ]

    def __str__(self) -> str:
        return f"Extension of {self.action} to {self.new_target_date:%-d %b %Y}"


def evidence_path(instance: EvidenceItem, filename: str) -> str:
    # Stored under a random name: the original name is kept in the row, never on disk.
    return f"evidence/{instance.action_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class EvidenceItem(models.Model):
    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="evidence")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    description = models.TextField()
    file = models.FileField(upload_to=evidence_path, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    file_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return self.original_name or f"Evidence #{self.pk}"

    def get_download_url(self) -> str:
        return reverse("actions:evidence-download", args=[self.action_id, self.pk])


class ImpactMethod(models.TextChoices):
    RE_AUDIT = "re_audit", "Re-audit"
    FOCUS_GROUP = "focus_group", "Practitioner focus group"
    SURVEY = "survey", "Practitioner survey"
    SCORECARD = "scorecard", "Scorecard indicator"
    CASE_SAMPLING = "case_sampling", "Case sampling"
    OTHER = "other", "Other"


class Verdict(models.TextChoices):
    EMBEDDED = "embedded", "Embedded"
    PARTLY = "partly_embedded", "Partly embedded"
    NOT_EMBEDDED = "not_embedded", "Not embedded"


class LearningCheck(models.Model):
    """One six-month check on whether an action's learning is embedded."""

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="learning_checks")
    due_on = models.DateField()
    opened_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=20, choices=ImpactMethod.choices, blank=True)
    evidence = models.TextField(blank=True, help_text="What the impact test found")
    verdict = models.CharField(max_length=20, choices=Verdict.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    next_check_on = models.DateField(null=True, blank=True)
    # The record cited as the impact evidence (``actions.impact``): a later audit's
    # findings, say. Generic, so this app names no other.
    cites_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cites_id = models.PositiveBigIntegerField(null=True, blank=True)
    cites = GenericForeignKey("cites_type", "cites_id")

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            # Completion without impact evidence is not completion.
            models.CheckConstraint(
                condition=models.Q(verdict="") | (~models.Q(evidence="") & ~models.Q(method="")),
                name="learning_check_verdict_needs_evidence",
            )
        ]

    def __str__(self) -> str:
        return f"Learning check on {self.action} due {self.due_on}"

    @property
    def is_open(self) -> bool:
        return not self.verdict


class MilestoneKind(models.TextChoices):
    DAY = "day", "A day"
    MONTH = "month", "A month"
    RANGE = "range", "A range"
    OPEN_START = "open_start", "From a date"
    DATES = "dates", "Two dates"


class Milestone(models.Model):
    """One milestone of an action, kept as written ("July 17", "April-June 18", "from
    Sept 17", "Oct 17, Feb 18") with its parsed dates. A milestone of two dates is one
    row per date (same ``position`` and ``text``). The action's target date, and so its
    RAG, follow its next open milestone (``Action.follow_milestones``)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField(
        default=1, help_text="The milestone's number as written in the plan"
    )
    text = models.CharField(max_length=200, help_text="As written: 'July 17', 'from Sept 17'")
    kind = models.CharField(max_length=20, choices=MilestoneKind.choices)
    starts_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["action", "position", "due_on", "pk"]
        indexes = [models.Index(fields=["action", "completed_on", "due_on"])]

    def __str__(self) -> str:
        return f"{self.action}: {self.text}"

    @property
    def is_open(self) -> bool:
        return self.completed_on is None

    @property
    def falls_on(self) -> date | None:
        """The day the milestone falls due: its end, or its start when it has none."""
        return self.due_on or self.starts_on


def next_open_milestone(milestones: list[Milestone]) -> Milestone | None:
    """The earliest-dated milestone not yet completed."""
    open_ones = [m for m in milestones if m.is_open and m.falls_on is not None]
    return min(open_ones, key=lambda m: (m.falls_on, m.position, m.pk or 0), default=None)


def follow_milestones(action: Action, milestones: list[Milestone] | None = None) -> bool:
    """Set ``action.target_date`` to its next open milestone's date (unchanged when none
    is open); whether it changed. The caller saves."""
    if milestones is None:
        milestones = list(action.milestones.all())
    nxt = next_open_milestone(milestones)
    falls_on = nxt.falls_on if nxt is not None else None
    if falls_on is None or falls_on == action.target_date:
        return False
    action.target_date = falls_on
    return True
