"""Every write to an action goes through here: the pages, the API, the flow and the
importer all call these functions. Error messages are constants the tests reuse."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django_fsm import ConcurrentTransition

from actions import impact, sources
from actions.models import (
    CHANGE_LABELS,
    DELIVERY_STATES,
    WORK_STATES,
    Action,
    ActionChange,
    ActionState,
    EvidenceItem,
    ExtensionDecision,
    ExtensionRequest,
    ImpactMethod,
    LearningCheck,
    ProgressUpdate,
    Verdict,
)
from actions.permissions import (
    editable_fields,
    may_add_evidence,
    may_ask_extension,
    may_decide_extension,
    may_run_learning_check,
    may_update,
)
from actions.signals import action_created, action_details_changed
from actions.validators import validate_evidence_file
from agencies.models import Agency, AgencyKind, Membership, Partnership
from agencies.roles import roles_holding
from agencies.selectors import (
    has_partnership_wide,
    holders,
    members_holding,
    user_can,
    users_holding,
)
from core import dates
from core.memo import atomic as step_atomic
from core.outbox import Message, notify_many
from core.transitions import (
    CONCURRENT_CHANGE,
    TransitionForbidden,
    TransitionRefused,
    run_transition,
)
from core.workdays import working_days_between

S = ActionState

NOT_STARTABLE = "Work can only be started on an action that is assigned, returned or not embedded."
NOT_IN_PROGRESS = "Progress and evidence can only be added while the action is in progress."
NO_EVIDENCE = "Add at least one piece of evidence before submitting the action for review."
NOT_SUBMITTED = "Only evidence that has been submitted for review can be accepted or returned."
RETURN_NEEDS_REASON = "Enter the reason for returning the evidence"
NOT_ACCEPTED = (
    "An action can only be signed off after the Learning and Improvement group has "
    "accepted its evidence."
)
NO_CHECK_DUE = "There is no learning check due on this action."
EMBEDDED_NEEDS_EVIDENCE = (
    "An action cannot be recorded as embedded without impact evidence: say how impact was "
    "tested and what it found."
)
CHECK_NEEDS_METHOD = "Choose how impact was tested"
CHECK_NEEDS_EVIDENCE = "Enter the impact evidence"
ALREADY_CLOSED = "This action is closed (embedded or cancelled), so it cannot be cancelled."
CANCEL_NEEDS_REASON = "Enter the reason for cancelling the action"
CANCELLED_NO_CHANGES = "This action is cancelled: nothing more can be added to it."
NOT_PERMITTED_UPDATE = "Only a lead of the action's agency can update it."
NOT_PERMITTED_SIGN_OFF = "Only a lead of the action's agency can sign it off."
NOT_PERMITTED_REVIEW = "Only the Learning and Improvement group can accept or return evidence."
NOT_PERMITTED_CHECK = "Only the Learning and Improvement group can record learning checks."
NOT_PERMITTED_CANCEL = "Only the partnership manager can cancel an action."
NOT_PERMITTED_CREATE = "Only the partnership manager can create actions."
# Who may lead is a permission (``update_action`` on the agency), not a role name: the
# roles that hold it are named only to tell people how it is given.
LEAD_ROLES = " or ".join(label.lower() for label in roles_holding("update_action"))
LEAD_NOT_IN_AGENCY = (
    f"The lead must be a member of the owning agency who may lead its actions ({LEAD_ROLES})"
)
PROGRESS_EMPTY = "Enter the progress update"
NOT_PERMITTED_EDIT = (
    "Only the partnership manager or an agency lead of the action's agency can change its details."
)
NOT_PERMITTED_EDIT_DESCRIPTION = "Only the partnership manager can change what the action is."
NOT_PERMITTED_EDIT_TARGET_DATE = (
    "Only the partnership manager can change the target date: ask for an extension instead."
)
CLOSED_NO_EDIT = "This action is closed (embedded or cancelled), so its details cannot be changed."
EDIT_NEEDS_REASON = "Enter the reason for the change"
DESCRIPTION_EMPTY = "Describe the action"
NOTHING_CHANGED = "Nothing has changed"
EVIDENCE_EMPTY = "Describe the evidence"


def learning_check_months() -> int:
    return Partnership.current().learning_check_months


def next_check_date(from_day: date) -> date:
    # Past the calendar's end (an absurd setting) the check is as good as never due.
    return dates.add_months(from_day, learning_check_months()) or date.max


# -- notifications ----------------------------------------------------------------------
# Who may be told about an action: whoever may still see its agency's records. A lead
# who has left the agency (or whose account is closed) is not told, since the e-mails
# quote the action.
READ_PERMISSION = "view_agency_records"


def readers(actions: list[Action], *recipients: Any) -> dict[int, set[int]]:
    """For the agencies of ``actions``, the ids of those of ``recipients`` (users, or
    lists of users) who may see its records: at most three queries, whatever the
    numbers, so a sweep reads it once for all its actions."""
    people: list[Any] = []
    for r in recipients:
        people.extend(r if isinstance(r, list | tuple | set) else [r])
    return holders(READ_PERMISSION, {a.agency_id for a in actions}, people)


def _message(
    *,
    action: Action,
    recipients: list[Any],
    subject: str,
    template: str,
    dedupe_key: str,
    allowed: dict[int, set[int]],
    **context: Any,
) -> Message:
    """A notification about an action, for those of ``recipients`` who may still see
    the action's agency's records (``allowed``, from ``readers``). Its body is
    ``templates/emails/<template>.txt``, rendered with the action and ``context``."""
    may_see = allowed.get(action.agency_id, set())
    return Message(
        recipients=[r for r in recipients if r is not None and r.pk in may_see],
        subject=subject,
        template=template,
        context={"action": action, **context},
        dedupe_key=dedupe_key,
        link=action.get_absolute_url(),
        agency_pk=action.agency_id,
    )


def _notify(
    *,
    action: Action,
    recipients: list[Any],
    subject: str,
    template: str,
    dedupe_key: str,
    new_key: bool = False,
    **context: Any,
) -> int:
    """Every notification about one action goes through here (a sweep about many
    builds ``_message``s and queues them at once): only the recipients who may still
    see the action's agency's records are told. ``new_key``: the dedupe key names the
    step just taken (``_step_key``), so the outbox need not look for it first."""
    recipients = [r for r in recipients if r is not None]
    return notify_many(
        [
            _message(
                action=action,
                recipients=recipients,
                subject=subject,
                template=template,
                dedupe_key=dedupe_key,
                allowed=readers([action], recipients),
                **context,
            )
        ],
        new_keys=new_key,
    )


def _step_key(action: Action) -> str:
    """A dedupe key for what the step just taken on the action tells people: the action
    and the moment the step saved it (no query: the transition set ``modified``)."""
    return f"{action.pk}-{action.modified:%Y%m%dT%H%M%S%f}"


# -- creating ----------------------------------------------------------------------
TARGET_DATE_NAME = "Target date"
SOURCE_NOT_REGISTERED = "Actions cannot be created on this kind of record."

# A target date is inside the window every date keeps (core.dates: from 2000, no more
# than 10 years ahead) and, when it is set now (a page, the API, a change of date), today
# or later. Only a caller recording a plan as it stood (an import of an existing plan,
# the demo, a test of an overdue action) passes ``allow_past=True``.
TARGET_DATE_MAX_YEARS = dates.YEARS_AHEAD
TARGET_DATE_PAST = "Target date must be today or in the future"
TARGET_DATE_TOO_FAR = f"Target date must be within {TARGET_DATE_MAX_YEARS} years from today"


def target_date_problem(
    value: date, today: date | None = None, *, allow_past: bool = False
) -> str | None:
    """Why ``value`` cannot be set as a target date, as a sentence; or None."""
    today = today or timezone.localdate()
    if allow_past:
        return dates.window_problem(value, TARGET_DATE_NAME, on=today)
    if value < today:
        return TARGET_DATE_PAST
    if not dates.in_window(value, on=today):
        return TARGET_DATE_TOO_FAR
    return None


def _check_target_date(value: date, *, allow_past: bool = False) -> None:
    problem = target_date_problem(value, allow_past=allow_past)
    if problem:
        raise ValidationError({"target_date": problem})


def _check_lead(agency: Agency, lead: Any) -> None:
    # The lead must be able to do the work: a member of the agency who holds
    # ``update_action`` on it (agencies.roles), or nobody could ever start it. The
    # partnership's own actions may also be led by a holder of a partnership role (the
    # Chair, the partnership manager: ``permissions.may_update`` lets them do the work).
    if not lead.is_active:
        raise ValidationError({"lead": LEAD_NOT_IN_AGENCY})
    if agency.kind == AgencyKind.PARTNERSHIP and has_partnership_wide(lead, "view_agency_records"):
        return
    if not (
        Membership.objects.filter(agency=agency, user=lead).exists()
        and user_can(lead, "update_action", agency)
    ):
        raise ValidationError({"lead": LEAD_NOT_IN_AGENCY})


@transaction.atomic
def action_create(
    *,
    source: models.Model | None,
    agency: Agency,
    lead: Any,
    description: str,
    target_date: date,
    by: Any | None,
    reference: str = "",
    allow_past: bool = False,
) -> Action:
    if by is not None and not by.has_perm("actions.manage_plan"):
        raise TransitionForbidden(NOT_PERMITTED_CREATE)
    if source is not None:
        # Only a registered source's records, and only by whoever it lets create actions.
        if sources.source_for(source) is None:
            raise ValidationError({"source": SOURCE_NOT_REGISTERED})
        if by is not None and not sources.may_create_actions(by, source):
            raise TransitionForbidden(NOT_PERMITTED_CREATE)
    _check_lead(agency, lead)
    _check_target_date(target_date, allow_past=allow_past)
    action = Action(
        source=source,
        agency=agency,
        lead=lead,
        description=description.strip(),
        target_date=target_date,
        reference=reference.strip(),
        created_by=by,
    )
    action.full_clean(exclude=["state"])
    action.save()
    # A domain app does not import the workflow layer; the flow starts from this signal.
    action_created.send(sender=Action, action=action)
    # The named lead is told (whether the action was made on a page or imported), unless
    # they made it themselves.
    _notify(
        action=action,
        recipients=[lead] if lead.pk != getattr(by, "pk", None) else [],
        subject=f"You are the named lead for {action}",
        template="action_assigned",
        dedupe_key=f"action-assigned-{action.pk}",
        by_name=_person(by) if by is not None else "",
    )
    return action


# -- changing an open action's details -------------------------------------------------
def _person(user: Any) -> str:
    return str(user.get_full_name() or user.username)


def _text(value: str) -> str:
    # A browser sends a textarea's line breaks as CRLF: compare and store them as LF.
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


@transaction.atomic
def action_update_details(
    *,
    action: Action,
    by: Any,
    reason: str,
    description: str | None = None,
    lead: Any | None = None,
    target_date: date | None = None,
    allow_past: bool = False,
) -> ActionChange:
    """Change an open action's description, named lead or target date (``None``: leave
    it), with a reason. The partnership manager may change all three, an agency lead of
    the owning agency the lead and the target date. Writes one ``ActionChange`` row
    (``{field: [old, new]}`` as displayed), tells the new lead, and lets the workflow
    re-derive the due date of the lead's task. Refused when the action is closed (409),
    the user may not change a field (403), or nothing changes; changes nothing then."""
    allowed = editable_fields(action, by)
    if not allowed:
        raise TransitionForbidden(NOT_PERMITTED_EDIT)
    # Read the row again under a lock (PostgreSQL; SQLite serialises writers), so the
    # "before" values in the history are the ones this change replaces.
    current = (
        Action.objects.select_for_update(of=("self",))
        .select_related("agency", "lead")
        .get(pk=action.pk)
    )
    if not current.is_open:
        raise TransitionRefused(CLOSED_NO_EDIT)

    errors: dict[str, list[str]] = {}
    new: dict[str, Any] = {}
    if description is not None:
        text = _text(description)
        if not text:
            errors["description"] = [DESCRIPTION_EMPTY]
        elif text != _text(current.description):
            new["description"] = text
    if lead is not None and lead.pk != current.lead_id:
        try:
            _check_lead(current.agency, lead)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        new["lead"] = lead
    if target_date is not None and target_date != current.target_date:
        try:
            _check_target_date(target_date, allow_past=allow_past)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        new["target_date"] = target_date
    if "target_date" in set(new) - allowed:
        raise TransitionForbidden(NOT_PERMITTED_EDIT_TARGET_DATE)
    if set(new) - allowed:
        raise TransitionForbidden(NOT_PERMITTED_EDIT_DESCRIPTION)
    if not new and not errors:
        raise ValidationError(NOTHING_CHANGED)
    if not reason.strip():
        errors["reason"] = [EDIT_NEEDS_REASON]
    if errors:
        raise ValidationError(errors)

    shown = {
        "description": lambda a: a.description,
        "lead": lambda a: _person(a.lead),
        "target_date": lambda a: f"{a.target_date:%-d %B %Y}",
    }
    before = {name: shown[name](current) for name in new}
    old_lead = current.lead
    for name, value in new.items():
        setattr(current, name, value)
    update_fields = [*new, "modified"]
    if "target_date" in new:
        # A new deadline: the long-overdue flag was about the old one.
        current.escalated_at = None
        update_fields.append("escalated_at")
    try:
        current.save(update_fields=update_fields)
    except ConcurrentTransition as exc:
        raise TransitionRefused(CONCURRENT_CHANGE) from exc
    change = ActionChange.objects.create(
        action=current,
        by=by,
        reason=_text(reason),
        fields={
            name: [before[name], shown[name](current)] for name in CHANGE_LABELS if name in new
        },
    )
    action_details_changed.send(sender=Action, action=current, fields=set(new), by=by)
    if "lead" in new:
        _notify(
            action=current,
            recipients=[r for r in [current.lead] if r.pk != getattr(by, "pk", None)],
            subject=f"You are now the named lead for {current}",
            template="action_lead_now",
            dedupe_key=f"action-lead-{change.pk}",
            by_name=_person(by),
            changes="\n".join(change.lines()),
            reason=change.reason,
        )
        _notify(
            action=current,
            recipients=[r for r in [old_lead] if r.pk != getattr(by, "pk", None)],
            subject=f"You are no longer the named lead for {current}",
            template="action_lead_no_longer",
            dedupe_key=f"action-lead-{change.pk}-previous",
            by_name=_person(by),
            lead_name=_person(current.lead),
            reason=change.reason,
        )
    action.refresh_from_db()
    return change


# -- extensions: a lead asks, the partnership manager decides --------------------------
NOT_PERMITTED_ASK_EXTENSION = "Only an agency lead of the action's agency can ask for an extension."
NOT_PERMITTED_DECIDE_EXTENSION = "Only the partnership manager can decide on an extension."
EXTENSION_NOT_NOW = (
    "An extension can only be asked for while the action is being delivered "
    "(before it is signed off, and not once it is closed)."
)
EXTENSION_PENDING = "An extension is already waiting for the partnership manager's decision."
NO_EXTENSION_PENDING = "There is no extension waiting for a decision on this action."
EXTENSION_NEEDS_REASON = "Enter the reason for the extension"
EXTENSION_NOT_LATER = "The new target date must be after the current target date"
DECISION_NEEDS_REASON = "Enter the reason for the decision"


def _pending_extension(action: Action, *, lock: bool = False) -> ExtensionRequest | None:
    requests = ExtensionRequest.objects.filter(action=action, decision=ExtensionDecision.PENDING)
    if lock:
        requests = requests.select_for_update()
    return requests.select_related("asked_by").first()


@step_atomic  # a savepoint only outside a step's page (core.memo)
def action_ask_extension(
    *, action: Action, by: Any, new_target_date: date, reason: str
) -> ExtensionRequest:
    """An agency lead of the action's agency asks the partnership manager to move the
    target date of an open action to a later date, with a reason. Until it is approved
    the target date (and so the RAG) stays as it is. One request waits at a time."""
    if not may_ask_extension(action, by):
        raise TransitionForbidden(NOT_PERMITTED_ASK_EXTENSION)
    current = Action.objects.select_for_update(of=("self",)).get(pk=action.pk)
    if current.state not in DELIVERY_STATES:
        raise TransitionRefused(EXTENSION_NOT_NOW)
    if _pending_extension(current) is not None:
        raise TransitionRefused(EXTENSION_PENDING)
    errors: dict[str, list[str]] = {}
    problem = target_date_problem(new_target_date)
    if problem is None and new_target_date <= current.target_date:
        problem = EXTENSION_NOT_LATER
    if problem:
        errors["new_target_date"] = [problem]
    if not reason.strip():
        errors["reason"] = [EXTENSION_NEEDS_REASON]
    if errors:
        raise ValidationError(errors)
    request = ExtensionRequest.objects.create(
        action=current, asked_by=by, new_target_date=new_target_date, reason=_text(reason)
    )
    _notify(
        action=current,
        recipients=list(users_holding(ESCALATION_PERMISSION)),
        subject=f"Extension asked for {current}",
        template="action_extension_asked",
        dedupe_key=f"action-extension-{request.pk}-asked",
        request=request,
        by_name=_person(by),
    )
    return request


class ExtensionChoice(models.TextChoices):
    APPROVE = "approve", "Approve the new target date"
    REFUSE = "refuse", "Refuse: the target date stays"


@step_atomic  # a savepoint only outside a step's page (core.memo)
def action_decide_extension(
    *, action: Action, by: Any, decision: str, reason: str
) -> ExtensionRequest:
    """The partnership manager approves or refuses the extension waiting on ``action``,
    with a reason. Approving sets the target date as a change of details does (the
    work task's due date follows; an ``ActionChange`` "Extension approved: ...") and
    counts the extension; either way the lead who asked is told."""
    if not may_decide_extension(action, by):
        raise TransitionForbidden(NOT_PERMITTED_DECIDE_EXTENSION)
    request = _pending_extension(action, lock=True)
    if request is None:
        raise TransitionRefused(NO_EXTENSION_PENDING)
    if decision not in ExtensionChoice.values:
        raise ValidationError({"decision": "Choose whether to approve or refuse the extension"})
    if not reason.strip():
        raise ValidationError({"reason": DECISION_NEEDS_REASON})
    approved = decision == ExtensionChoice.APPROVE
    if approved:
        action_update_details(
            action=action,
            by=by,
            reason=f"Extension approved: {_text(reason)}",
            target_date=request.new_target_date,
        )
        Action.objects.filter(pk=action.pk).update(extensions=models.F("extensions") + 1)
        action.refresh_from_db()
    request.decision = ExtensionDecision.APPROVED if approved else ExtensionDecision.REFUSED
    request.decided_by = by
    request.decided_at = timezone.now()
    request.decision_reason = _text(reason)
    request.save(update_fields=["decision", "decided_by", "decided_at", "decision_reason"])
    _notify(
        action=action,
        recipients=[request.asked_by],
        subject=f"Extension {'approved' if approved else 'refused'} for {action}",
        template="action_extension_decided",
        dedupe_key=f"action-extension-{request.pk}-decided",
        request=request,
        approved=approved,
        by_name=_person(by),
    )
    return request


# -- the lead's work ---------------------------------------------------------------
def _require_update(action: Action, by: Any) -> None:
    if not may_update(action, by):
        raise TransitionForbidden(NOT_PERMITTED_UPDATE)


@step_atomic  # a savepoint only outside a step's page (core.memo)
def action_start_work(*, action: Action, by: Any, note: str = "") -> Action:
    return run_transition(
        action,
        "start_work",
        by=by,
        refused=NOT_STARTABLE,
        forbidden=NOT_PERMITTED_UPDATE,
        comment=note,
    )


def _back_to_work(action: Action, by: Any) -> None:
    """Returned evidence is worked on at once (issue 9): adding progress or evidence to a
    returned action first takes it back to in progress (the "start" step, logged), so
    submitting again needs no separate "Start work". Called once the input is valid."""
    if action.state == S.RETURNED:
        action_start_work(action=action, by=by, note="Work resumed on the returned evidence.")


@step_atomic  # a savepoint only outside a step's page (core.memo)
def action_report_progress(*, action: Action, by: Any, text: str) -> ProgressUpdate:
    _require_update(action, by)
    if action.state == S.CANCELLED:
        raise TransitionRefused(CANCELLED_NO_CHANGES)
    if action.state not in (S.IN_PROGRESS, S.RETURNED):
        raise TransitionRefused(NOT_IN_PROGRESS)
    if not text.strip():
        raise ValidationError({"text": PROGRESS_EMPTY})
    _back_to_work(action, by)
    return ProgressUpdate.objects.create(action=action, by=by, text=text.strip())


@step_atomic  # a savepoint only outside a step's page (core.memo)
def action_add_evidence(
    *, action: Action, by: Any, description: str, file: UploadedFile | None = None
) -> EvidenceItem:
    if not may_add_evidence(action, by):  # the lead's agency, or a contributing agency's
        raise TransitionForbidden(NOT_PERMITTED_UPDATE)
    if action.state == S.CANCELLED:
        raise TransitionRefused(CANCELLED_NO_CHANGES)
    if action.state not in (S.IN_PROGRESS, S.RETURNED):
        raise TransitionRefused(NOT_IN_PROGRESS)
    if not description.strip():
        raise ValidationError({"description": EVIDENCE_EMPTY})
    file_type = validate_evidence_file(file) if file is not None else ""
    _back_to_work(action, by)
    item = EvidenceItem(action=action, by=by, description=description.strip())
    if file is not None:
        item.file_type = file_type
        name = file.name or "evidence"
        item.original_name = name[:255]
        item.size = file.size or 0
        item.file.save(name, file, save=False)
    item.save()
    return item


@step_atomic  # a savepoint only outside a step's page (core.memo)
def action_submit_evidence(*, action: Action, by: Any, note: str = "") -> Action:
    # The evidence is read once for the step (its ids): this check, the transition's
    # condition (asked by can_proceed, the permission check and the transition itself)
    # and the e-mail's count all use it; forgotten again when the step ends.
    prefetch_related_objects(
        [action], Prefetch("evidence", queryset=EvidenceItem.objects.only("pk", "action_id"))
    )
    try:
        items = len(action.evidence.all())
        if action.state == S.IN_PROGRESS and not items:
            _require_update(action, by)
            raise TransitionRefused(NO_EVIDENCE)
        run_transition(
            action,
            "submit_evidence",
            by=by,
            refused=NOT_IN_PROGRESS,
            forbidden=NOT_PERMITTED_UPDATE,
            comment=note,
        )
    finally:
        getattr(action, "_prefetched_objects_cache", {}).pop("evidence", None)
    # The Learning and Improvement group reviews it: whoever may accept or return evidence.
    _notify(
        action=action,
        recipients=list(users_holding(REVIEW_PERMISSION)),
        subject=f"Evidence to review: {action}",
        template="action_evidence_submitted",
        dedupe_key=f"action-submitted-{_step_key(action)}",
        new_key=True,
        by_name=_person(by),
        note=note.strip(),
        items=items,
    )
    return action


# -- the Learning and Improvement group's review --------------------------------------
@step_atomic  # a savepoint only outside a step's page (core.memo)
def action_accept_evidence(*, action: Action, by: Any, note: str = "") -> Action:
    run_transition(
        action, "accept", by=by, refused=NOT_SUBMITTED, forbidden=NOT_PERMITTED_REVIEW, comment=note
    )
    _notify(
        action=action,
        recipients=_agency_leads({action.agency_id}).get(action.agency_id, []),
        subject=f"Evidence accepted, awaiting sign-off: {action}",
        template="action_evidence_accepted",
        dedupe_key=f"action-accepted-{_step_key(action)}",
        new_key=True,
        note=note.strip(),
    )
    return action


@step_atomic  # a savepoint only outside a step's page (core.memo)
def action_return_evidence(*, action: Action, by: Any, reason: str) -> Action:
    if not reason.strip():
        raise ValidationError({"reason": RETURN_NEEDS_REASON})
    run_transition(
        action,
        "return_evidence",
        by=by,
        refused=NOT_SUBMITTED,
        forbidden=NOT_PERMITTED_REVIEW,
        comment=reason.strip(),
    )
    _notify(
        action=action,
        recipients=[action.lead],
        subject=f"Evidence returned: {action}",
        template="action_evidence_returned",
        dedupe_key=f"action-returned-{_step_key(action)}",
        new_key=True,
        reason=reason.strip(),
    )
    return action


# -- the agency lead's sign-off -------------------------------------------------------
@step_atomic  # a savepoint only outside a step's page (core.memo)
def action_sign_off(*, action: Action, by: Any, note: str = "") -> Action:
    return run_transition(
        action,
        "sign_off",
        by=by,
        refused=NOT_ACCEPTED,
        forbidden=NOT_PERMITTED_SIGN_OFF,
        comment=note,
        check_due_on=next_check_date(timezone.localdate()),
    )


# -- learning checks ------------------------------------------------------------------
@transaction.atomic
def action_learning_check_fall_due(*, action: Action) -> LearningCheck:
    """Called by the flow's timer (the system acts, so no permission check)."""
    due_on = action.learning_check_due_on or timezone.localdate()
    run_transition(
        action,
        "learning_check_fall_due",
        by=None,
        refused=NO_CHECK_DUE,
        check_permission=False,
        comment="Learning check fell due",
    )
    check = LearningCheck.objects.create(action=action, due_on=due_on)
    _notify(
        action=action,
        recipients=[
            action.lead,
            *_reminder_recipients({action.agency_id}).get(action.agency_id, []),
            *_li_group(),
        ],
        subject=f"Learning check due: {action}",
        template="learning_check_due",
        dedupe_key=f"learning-check-{check.pk}",
    )
    return check


@step_atomic  # a savepoint only outside a step's page (core.memo)
def action_record_learning_check(
    *, action: Action, by: Any, method: str, evidence: str, verdict: str, cites: str = ""
) -> LearningCheck:
    """Record the check's verdict and its impact evidence; ``cites`` (optional) names a
    record of another loop as evidence too (``actions.impact``: a later audit's
    findings), one ``by`` may cite for this action."""
    if not may_run_learning_check(action, by):
        raise TransitionForbidden(NOT_PERMITTED_CHECK)
    if action.state != S.LEARNING_CHECK_DUE:
        raise TransitionRefused(NO_CHECK_DUE)
    errors: dict[str, str] = {}
    if verdict not in Verdict.values:
        errors["verdict"] = "Choose whether the learning is embedded"
    if method not in ImpactMethod.values:
        errors["method"] = CHECK_NEEDS_METHOD
    if not evidence.strip():
        errors["evidence"] = (
            EMBEDDED_NEEDS_EVIDENCE if verdict == Verdict.EMBEDDED else CHECK_NEEDS_EVIDENCE
        )
    cited = None
    if cites:
        try:
            cited = impact.resolve(cites, action=action, user=by)
        except LookupError as exc:
            errors["cites"] = str(exc.args[0])
    if errors:
        raise ValidationError(errors)
    check = action.learning_checks.filter(verdict="").order_by("-opened_at").first()
    if check is None:  # a check due with no open row: open one now rather than fail
        check = LearningCheck.objects.create(action=action, due_on=timezone.localdate())
    comment = f"{ImpactMethod(method).label}: {evidence.strip()}"
    next_check_on = None
    if verdict == Verdict.EMBEDDED:
        run_transition(
            action,
            "mark_embedded",
            by=by,
            refused=NO_CHECK_DUE,
            forbidden=NOT_PERMITTED_CHECK,
            comment=comment,
        )
    elif verdict == Verdict.PARTLY:
        next_check_on = next_check_date(timezone.localdate())
        run_transition(
            action,
            "mark_partly_embedded",
            by=by,
            refused=NO_CHECK_DUE,
            forbidden=NOT_PERMITTED_CHECK,
            comment=comment,
            next_check_on=next_check_on,
        )
    else:
        run_transition(
            action,
            "mark_not_embedded",
            by=by,
            refused=NO_CHECK_DUE,
            forbidden=NOT_PERMITTED_CHECK,
            comment=comment,
        )
    check.method = method
    check.evidence = evidence.strip()
    check.verdict = verdict
    check.decided_by = by
    check.decided_at = timezone.now()
    check.next_check_on = next_check_on
    if cited is not None:
        check.cites_type = impact.content_type_of(cited)
        check.cites_id = cited.pk
    check.save()
    _notify(
        action=action,
        recipients=[action.lead],
        subject=f"Learning check on {action}: {Verdict(verdict).label}",
        template="learning_check_result",
        dedupe_key=f"learning-check-result-{check.pk}",
        verdict=Verdict(verdict).label,
        comment=comment,
    )
    return check


# -- cancelling -----------------------------------------------------------------------
@step_atomic  # a savepoint only outside a step's page (core.memo)
def action_cancel(*, action: Action, by: Any, reason: str) -> Action:
    if not reason.strip():
        raise ValidationError({"reason": CANCEL_NEEDS_REASON})
    return run_transition(
        action,
        "cancel",
        by=by,
        refused=ALREADY_CLOSED,
        forbidden=NOT_PERMITTED_CANCEL,
        comment=reason.strip(),
    )


# -- reminders (a scheduler sweep) ------------------------------------------------------
# Who is told is read from the grants, through agencies.selectors only.
LEARNING_CHECK_PERMISSION = "actions.run_learning_check"
# Submitted evidence goes to whoever may accept or return it (the L&I group).
REVIEW_PERMISSION = "actions.review_evidence"
# Long-overdue actions go to whoever manages the plan (the partnership manager): they
# may move the target date or change the lead.
ESCALATION_PERMISSION = "actions.manage_plan"


def _li_group() -> list[Any]:
    """Whoever may run learning checks (``actions.run_learning_check``), their own grant
    or a group's: the Learning and Improvement group."""
    return list(users_holding(LEARNING_CHECK_PERMISSION))


def _escalation_recipients() -> list[Any]:
    return list(users_holding(ESCALATION_PERMISSION))


def _reminder_recipients(agency_ids: set[int]) -> dict[int, list[Any]]:
    """Each agency's members who receive its reminders (``receive_reminders``: its
    designated and agency leads), as the grants say."""
    return members_holding("receive_reminders", agency_ids)


def _agency_leads(agency_ids: set[int]) -> dict[int, list[Any]]:
    """Each agency's members who may sign its actions off, as the grants say."""
    return members_holding("sign_off_action", agency_ids)


def action_send_reminders(today: date) -> int:
    """Overdue actions remind their lead and the agency's designated leads once a week;
    actions whose evidence was accepted but which are still not signed off after their
    target date remind the agency's agency leads once a week; an action in either
    list overdue by more than N working days is flagged once (per target date) to
    whoever manages the plan (``actions.manage_plan``: the partnership manager);
    learning checks still due remind the lead, the designated leads and whoever runs
    learning checks once a week. Only people who may still see the action's agency's
    records are told. Idempotent: every notification has a dedupe key.

    A fixed number of queries whatever the number of actions: the actions (3), the
    recipients per agency and partnership-wide (at most 4), who may read each agency's
    records (at most 3), the dedupe keys already queued (1), then, only when there is
    something new, one insert and one update of the escalated actions."""
    partnership = Partnership.current()
    overdue = list(
        Action.objects.reminding()
        .filter(state__in=WORK_STATES, target_date__lt=today)
        .select_related("lead", "agency")
    )
    unsigned = list(
        Action.objects.reminding()
        .filter(state=S.ACCEPTED, target_date__lt=today)
        .select_related("lead", "agency")
    )
    # A check that fell due this past week already told everyone when it opened.
    checks_due = list(
        Action.objects.filter(state=S.LEARNING_CHECK_DUE, reminders_held=False)
        .exclude(
            learning_checks__verdict="",
            learning_checks__opened_at__date__gt=today - timedelta(days=7),
        )
        .select_related("lead", "agency")
        .distinct()
    )
    if not overdue and not unsigned and not checks_due:
        return 0
    escalate = [
        (action, late_by)
        for action in [*overdue, *unsigned]
        if action.escalated_at is None
        and (late_by := working_days_between(action.target_date, today))
        > partnership.overdue_escalation_working_days
    ]
    leads = _reminder_recipients({a.agency_id for a in [*overdue, *checks_due]})
    signers = _agency_leads({a.agency_id for a in unsigned}) if unsigned else {}
    li_group = _li_group() if checks_due else []
    managers = _escalation_recipients() if escalate else []
    everyone = [a.lead for a in [*overdue, *unsigned, *checks_due]]
    for people in [*leads.values(), *signers.values(), li_group, managers]:
        everyone.extend(people)
    allowed = readers([*overdue, *unsigned, *checks_due], everyone)
    week = today.isocalendar()
    messages: list[Message] = []
    for action in unsigned:
        messages.append(
            _message(
                action=action,
                allowed=allowed,
                recipients=signers.get(action.agency_id, []),
                subject=f"Awaiting sign-off: {action}",
                template="action_unsigned",
                dedupe_key=f"action-unsigned-{action.pk}-{week.year}-W{week.week}",
            )
        )
    for action in overdue:
        messages.append(
            _message(
                action=action,
                allowed=allowed,
                recipients=[action.lead, *leads.get(action.agency_id, [])],
                subject=f"Overdue action: {action}",
                template="action_overdue",
                dedupe_key=f"action-overdue-{action.pk}-{week.year}-W{week.week}",
            )
        )
    for action, late_by in escalate:
        messages.append(
            _message(
                action=action,
                allowed=allowed,
                recipients=managers,
                subject=f"Action overdue by {late_by} working days: {action}",
                template="action_escalated",
                # per target date: a new date clears the flag (action_update_details),
                # and missing that one is flagged again
                dedupe_key=f"action-escalated-{action.pk}-{action.target_date:%Y%m%d}",
                late_by=late_by,
                lead_name=_person(action.lead),
            )
        )
    for action in checks_due:
        messages.append(
            _message(
                action=action,
                allowed=allowed,
                recipients=[action.lead, *leads.get(action.agency_id, []), *li_group],
                subject=f"Learning check still due: {action}",
                template="learning_check_still_due",
                dedupe_key=f"learning-check-due-{action.pk}-{week.year}-W{week.week}",
            )
        )
    with transaction.atomic():
        queued = notify_many(messages)
        if escalate:
            Action.objects.filter(pk__in=[action.pk for action, _ in escalate]).update(
                escalated_at=timezone.now()
            )
    return queued
