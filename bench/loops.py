"""The other loops' data for the benchmark (issue 13): audits and their forms, challenges,
the improvement plan. See bench/README.md ("The other loops").

:func:`ensure_loop_data` runs after the actions are built (or a kept copy restored, which
may predate it): it adds what is missing for the size and leaves what is there, so a kept
copy, a copy of an earlier run's data or a run growing from one size to the next all end
with the same proportions. Each loop walks a few records through its own services (so
their processes, tasks, due dates and permissions are exactly what the flows make), then
clones them with ``bulk_create``: the record, its processes, every task of each, the
tasks' listing rows (``workflows.TaskDue``). Not cloned, as for the actions: the
transition log, answers, responses and the tasks' ``previous`` links, which no list reads.

:func:`loop_pages` and :func:`loop_selectors` name what is measured, and for whom.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

# Proportions to the number of actions (S 10,000; L 100,000).
ACTIONS_PER_FORM = 10  # audit forms: 1,000 at S, 10,000 at L
CASES_PER_AUDIT = 4
# 20 forms an audit: 50 audits at S (a page of the audits list), 500 at L
AGENCIES_PER_AUDIT = 5
ACTIONS_PER_CHALLENGE = 10  # challenges: 1,000 at S, 10,000 at L
ACTIONS_PER_PAST_PLAN = 10_000  # closed plans before the current one: 1 at S, 10 at L
PLAN_REPEAT = 12  # the current plan: the seed's 16 lines twelve times (192 lines)

AUDIT_PREFIX = "Bench audit "
CHALLENGE_PREFIX = "Bench challenge "
PLAN_TITLE = "Bench plan (current)"
PAST_PLAN_PREFIX = "Bench plan (past) "


@dataclass
class LoopWorld:
    auditor: Any  # auditor of the measured user's agencies (125 of 150)
    other_auditor: Any  # auditor of the rest
    qa: Any  # the audit lead: QA analyst (audits.manage_audit)
    chair: Any
    manager: Any  # partnership manager: the plan, the overview
    raiser: Any  # the measured agency lead (125 agencies): raises and responds
    li: Any  # the Learning and Improvement group member
    one_lead: Any  # one agency's lead
    plan_pk: int
    audit_pk: int  # an open audit of the bench's, for its page of forms
    audit_forms: int = 0
    challenges: int = 0
    plan_lines: int = 0
    plan_actions: int = 0
    plans: int = 0


# -- users ------------------------------------------------------------------------------
def _user(username: str, **extra: Any) -> Any:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    user, _ = User.objects.get_or_create(
        username=username,
        defaults={"email": f"{username}@example.org", "password": "!", **extra},
    )
    return user


def _users(world: Any, n_granted: int) -> tuple[Any, Any, Any, Any]:
    from django.contrib.auth.models import Group

    from agencies.grants import sync_user_grants
    from agencies.models import Membership, Role
    from agencies.roles import PartnershipRole

    auditor = _user("bench.auditor", first_name="Bench", last_name="Auditor")
    other = _user("bench.auditor2", first_name="Other", last_name="Auditor")
    for user, agencies in (
        (auditor, world.agencies[:n_granted]),
        (other, world.agencies[n_granted:]),
    ):
        if not Membership.objects.filter(user=user).exists() and agencies:
            Membership.objects.bulk_create(
                [Membership(user=user, agency=a, role=Role.AUDITOR) for a in agencies]
            )
            sync_user_grants(user=user)  # bulk_create sends no signals
    qa = _user("bench.qa", first_name="Bench", last_name="Analyst")
    qa.groups.add(Group.objects.get(name=PartnershipRole.QA_ANALYST))
    chair = _user("bench.chair", first_name="Bench", last_name="Chair")
    chair.groups.add(Group.objects.get(name=PartnershipRole.CHAIR))
    return auditor, other, qa, chair


# -- cloning a record's flows -------------------------------------------------------------
@dataclass
class Shape:
    """A record walked through its services, with every process that followed it."""

    record: Any
    processes: list[tuple[Any, list[Any], dict[int, date | None]]]


def shape_of(record: Any) -> Shape:
    from django.contrib.contenttypes.models import ContentType
    from viewflow.workflow.models import Process, Task

    from workflows.models import TaskDue

    ct = ContentType.objects.get_for_model(record)
    out = []
    for process in Process.objects.filter(
        artifact_content_type=ct, artifact_object_id=record.pk
    ).order_by("pk"):
        tasks = list(Task.objects.filter(process=process).order_by("pk"))
        dues = dict(TaskDue.objects.filter(task__in=tasks).values_list("task_id", "due_on"))
        out.append((process, tasks, dues))
    return Shape(record=record, processes=out)


@dataclass
class Clone:
    shape: Shape
    record: Any  # the clone, saved
    owners: dict[int, int]  # template's user id -> the clone's
    objs: dict[str, str]  # template's agency pk (owner_permission_obj_pk) -> the clone's
    when: datetime  # when the clone's first process started
    due: Callable[[Any, date | None], date | None]  # (template task, its due) -> due
    # a timer fires when its template's does (an action's learning check is due on its
    # template's date, which the clone keeps), rather than shifted with the clone's start
    keep_scheduled: bool = False


def clone_flows(clones: list[Clone]) -> int:
    """Processes, tasks and listing rows for each clone, as its template has them (three
    bulk inserts). Returns the number of tasks made."""
    from viewflow.workflow.models import Process, Task
    from viewflow.workflow.status import STATUS

    from workflows.models import NO_DUE_DATE, TaskDue

    def shift(value: datetime | None, origin: datetime, when: datetime) -> datetime | None:
        return None if value is None else when + (value - origin)

    processes: list[Any] = []
    plan: list[tuple[Clone, Any, list[Any], dict[int, date | None], Any]] = []
    for c in clones:
        if not c.shape.processes:
            continue
        origin = c.shape.processes[0][0].created
        for process, tasks, dues in c.shape.processes:
            p = Process(
                flow_class=process.flow_class,
                status=process.status,
                created=shift(process.created, origin, c.when),
                finished=shift(process.finished, origin, c.when),
                data=process.data,
                artifact_content_type_id=process.artifact_content_type_id,
                artifact_object_id=c.record.pk,
            )
            processes.append(p)
            plan.append((c, p, tasks, dues, origin))
    Process.objects.bulk_create(processes, batch_size=1000)

    new_tasks: list[Any] = []
    due_for: list[tuple[int, date | None]] = []
    for c, p, tasks, dues, origin in plan:
        for t in tasks:
            obj = t.owner_permission_obj_pk
            new_tasks.append(
                Task(
                    process=p,
                    flow_task=t.flow_task,
                    flow_task_type=t.flow_task_type,
                    status=t.status,
                    created=shift(t.created, origin, c.when),
                    assigned=shift(t.assigned, origin, c.when),
                    started=shift(t.started, origin, c.when),
                    finished=shift(t.finished, origin, c.when),
                    scheduled=(
                        t.scheduled if c.keep_scheduled else shift(t.scheduled, origin, c.when)
                    ),
                    token=t.token,
                    owner_id=c.owners.get(t.owner_id, t.owner_id) if t.owner_id else None,
                    owner_permission=t.owner_permission,
                    owner_permission_content_type_id=t.owner_permission_content_type_id,
                    owner_permission_obj_pk=c.objs.get(obj, obj) if obj else obj,
                    artifact_content_type_id=t.artifact_content_type_id,
                    artifact_object_id=(
                        c.record.pk
                        if t.artifact_object_id == c.shape.record.pk
                        else t.artifact_object_id
                    ),
                    data=t.data,
                )
            )
            if t.pk in dues:  # the template's task has a listing row: so has the clone's
                due_for.append((len(new_tasks) - 1, c.due(t, dues[t.pk])))
    Task.objects.bulk_create(new_tasks, batch_size=1000)
    TaskDue.objects.bulk_create(
        [
            TaskDue(
                task=new_tasks[j],
                due_on=due,
                sort_on=due or NO_DUE_DATE,
                status=new_tasks[j].status,
                owner_id=new_tasks[j].owner_id,
                owner_permission=new_tasks[j].owner_permission,
                owner_permission_obj_pk=new_tasks[j].owner_permission_obj_pk,
                created=new_tasks[j].created,
                held=new_tasks[j].status in (STATUS.ASSIGNED, STATUS.STARTED),
                is_open=new_tasks[j].status in (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED),
            )
            for j, due in due_for
        ],
        batch_size=1000,
    )
    return len(new_tasks)


def _open_task(task: Any) -> bool:
    from viewflow.workflow.status import STATUS

    return task.status in (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


# -- audits -------------------------------------------------------------------------------
def _answers(form: Any) -> dict[Any, Any]:
    """A value for every required question the form's agency is shown."""
    from decimal import Decimal

    from audits import formengine
    from audits.models import Grade

    version = formengine.load_version(form.audit.template_version_id)
    best = Grade.objects.filter(scale_id=version.scale_id).order_by("order").first()
    values: dict[Any, Any] = {}
    for q in formengine.visible_questions(version, form.agency.kind):
        if not q.required:
            continue
        values[q] = {
            "grade": best,
            "yes_no": "yes",
            "number": Decimal(1),
            "date": date.today(),
            "choice": (q.choices or ["1"])[0],
        }.get(q.answer_type, "Notes from the file.")
    return values


FORM_WALKS = ["assigned", "in_progress", "submitted", "returned", "accepted"]


def _walk_audits(world: Any, qa: Any, auditor: Any) -> tuple[Any, Any]:
    """Two audits through ``audits.services``: one open (a form in each state), one
    closed (its form accepted, findings signed off)."""
    from audits import services
    from audits.models import AuditForm, FormTemplateVersion

    today = date.today()
    version = FormTemplateVersion.objects.filter(template__kind="audit").order_by("pk").first()
    assert version is not None, "no audit template (audits migration 0002 loads them)"

    def plan(title: str, agencies: list[Any], refs: list[str]) -> Any:
        audit = services.audit_create(
            by=qa,
            title=title,
            theme="Neglect",
            template_version=version,
            period_start=today - timedelta(days=180),
            period_end=today - timedelta(days=1),
            lead=qa,
            agencies=agencies,
            forms_due_on=today + timedelta(days=21),
        )
        services.audit_start_sampling(audit=audit, by=qa)
        services.audit_sample_by_hand(audit=audit, by=qa, references=refs)
        services.audit_open_forms(audit=audit, by=qa)
        return audit

    def walk(form: Any, to: str) -> None:
        if to == "assigned":
            return
        services.form_save_answers(form=form, by=auditor, values=_answers(form))
        if to == "in_progress":
            return
        services.form_submit(form=form, by=auditor)
        if to == "returned":
            services.form_return(form=form, by=qa, reason="Say more about the child's day.")
        elif to == "accepted":
            services.form_accept(form=form, by=qa)

    # the open one: the measured user's agencies (the auditor audits for them)
    opened = plan("Template audit (open)", world.agencies[5:10], ["BEN-0001", "BEN-0002"])
    forms = list(AuditForm.objects.filter(audit=opened).select_related("audit", "agency"))
    for i, form in enumerate(sorted(forms, key=lambda f: f.pk)):
        walk(form, FORM_WALKS[i % len(FORM_WALKS)])
    closed = plan("Template audit (closed)", world.agencies[10:11], ["BEN-0003"])
    for form in AuditForm.objects.filter(audit=closed).select_related("audit", "agency"):
        walk(form, "accepted")  # the last form accepted: the audit moves to moderation
    closed.refresh_from_db()
    services.audit_draft_findings(
        audit=closed, by=qa, strengths="Timely visits.", areas_to_develop="Recording."
    )
    services.audit_sign_off(audit=closed, by=qa)
    services.audit_close(audit=closed, by=qa)
    return opened, closed


def ensure_audits(
    world: Any, size: int, users: tuple[Any, Any, Any, Any], n_granted: int
) -> tuple[int, int]:
    """Audits until there are ``size / ACTIONS_PER_FORM`` forms of the bench's audits:
    three in four open (forms assigned, in progress, submitted, returned, accepted, due
    from three weeks ago to seven weeks ahead), one in four closed. Returns (forms, an
    open audit's pk)."""
    from django.db import transaction
    from django.utils import timezone

    from audits.models import Audit, AuditCase, AuditForm

    auditor, other, qa, _chair = users
    opened = Audit.objects.filter(title="Template audit (open)").first()
    closed = Audit.objects.filter(title="Template audit (closed)").first()
    if opened is None or closed is None:
        opened, closed = _walk_audits(world, qa, auditor)
    open_forms = sorted(AuditForm.objects.filter(audit=opened), key=lambda f: f.pk)
    open_shapes = [shape_of(f) for f in open_forms[: len(FORM_WALKS)]]
    closed_shape = shape_of(AuditForm.objects.get(audit=closed))
    granted = {a.pk for a in world.agencies[:n_granted]}
    now = timezone.now()
    today = timezone.localdate()
    per_audit = CASES_PER_AUDIT * AGENCIES_PER_AUDIT
    target = max(1, size // ACTIONS_PER_FORM // per_audit)
    done = Audit.objects.filter(title__startswith=AUDIT_PREFIX).count()
    n_agencies = len(world.agencies)
    while done < target:
        batch = range(done, min(target, done + 20))
        with transaction.atomic():
            audits = []
            for i in batch:
                is_closed = i % 4 == 3
                template = closed if is_closed else opened
                audits.append(
                    Audit(
                        title=f"{AUDIT_PREFIX}{i}",
                        theme=template.theme,
                        template_version_id=template.template_version_id,
                        period_start=template.period_start - timedelta(days=30 * (i % 40)),
                        period_end=template.period_end - timedelta(days=30 * (i % 40)),
                        lead=qa,
                        target_percent=template.target_percent,
                        forms_due_on=(
                            today - timedelta(days=60 + i)
                            if is_closed
                            else today + timedelta(days=(i * 11) % 70 - 21)
                        ),
                        sampling_criteria=template.sampling_criteria,
                        state=template.state,
                        signed_off_at=template.signed_off_at,
                        strengths=template.strengths,
                        areas_to_develop=template.areas_to_develop,
                    )
                )
            Audit.objects.bulk_create(audits)
            through = Audit.agencies.through
            members: dict[int, list[Any]] = {}
            for i, audit in zip(batch, audits, strict=True):
                members[audit.pk] = [
                    world.agencies[(i * AGENCIES_PER_AUDIT + j) % n_agencies]
                    for j in range(AGENCIES_PER_AUDIT)
                ]
            through.objects.bulk_create(
                [through(audit_id=pk, agency_id=a.pk) for pk, ags in members.items() for a in ags]
            )
            cases = [
                AuditCase(audit=audit, reference=f"BEN-{i:05d}-{c:02d}")
                for i, audit in zip(batch, audits, strict=True)
                for c in range(CASES_PER_AUDIT)
            ]
            AuditCase.objects.bulk_create(cases)
            forms: list[tuple[Any, Shape]] = []
            k = 0
            for audit, i in zip(audits, batch, strict=True):
                for case in cases[(i - batch.start) * CASES_PER_AUDIT :][:CASES_PER_AUDIT]:
                    for agency in members[audit.pk]:
                        shape = closed_shape if i % 4 == 3 else open_shapes[k % len(open_shapes)]
                        k += 1
                        t = shape.record
                        due = audit.forms_due_on
                        forms.append(
                            (
                                AuditForm(
                                    audit=audit,
                                    case=case,
                                    agency=agency,
                                    assignee=(
                                        (auditor if agency.pk in granted else other)
                                        if t.assignee_id
                                        else None
                                    ),
                                    state=t.state,
                                    returned_reason=t.returned_reason,
                                    submitted_at=t.submitted_at,
                                    due_on=due,
                                    # reminded already, as the daily sweep would have: the
                                    # first scheduler pass measured is the actions'
                                    reminded=(
                                        "after"
                                        if due < today
                                        else "before"
                                        if due <= today + timedelta(days=5)
                                        else ""
                                    ),
                                ),
                                shape,
                            )
                        )
            AuditForm.objects.bulk_create([f for f, _ in forms], batch_size=1000)
            clone_flows(
                [
                    Clone(
                        shape=shape,
                        record=form,
                        owners={auditor.pk: (auditor if form.agency_id in granted else other).pk},
                        objs={str(shape.record.agency_id): str(form.agency_id)},
                        when=now - timedelta(days=(form.audit_id % 60) + 1),
                        due=_form_due(form),
                    )
                    for form, shape in forms
                ]
            )
        done = batch.stop
    n = AuditForm.objects.filter(audit__title__startswith=AUDIT_PREFIX).count()
    sample = (
        Audit.objects.filter(title__startswith=AUDIT_PREFIX, state=opened.state)
        .order_by("-pk")
        .first()
    )
    return n, (sample or opened).pk


def _form_due(form: Any) -> Callable[[Any, date | None], date | None]:
    def due(task: Any, template_due: date | None) -> date | None:
        if task.flow_task.name == "complete" and template_due is not None:
            return form.due_on  # AuditFormFlow.due_dates: the form's due date
        return template_due

    return due


# -- challenges ---------------------------------------------------------------------------
# how far each template was walked (after it was raised)
CHALLENGE_WALKS: list[list[str]] = [
    [],  # awaiting a response at the first stage
    ["respond"],  # responded: the raiser to accept or escalate
    ["respond", "escalate"],  # awaiting the manager's response
    ["respond", "escalate", "respond", "escalate", "respond", "escalate"],  # with the Chair
    ["respond", "resolve"],  # resolved
    ["respond", "escalate", "respond", "escalate", "respond", "escalate", "decide"],
    ["withdraw"],
]
# the mix cloned (index into the walks): most resolved, some open at each stage
CHALLENGE_MIX = [0, 0, 1, 2, 4, 4, 4, 3, 5, 6, 0, 1, 4, 2, 4, 3]


def _walk_challenges(world: Any, chair: Any) -> list[Any]:
    from challenge_log import services
    from challenge_log.models import Area, Challenge, ChallengeKind

    raiser_agency, challenged = world.agencies[20], world.agencies[21]
    raiser, responder = world.leads[raiser_agency.pk], world.leads[challenged.pk]
    vignette = "Two agencies disagreed about the level of need; agreed after a meeting."
    out = []
    for k, steps in enumerate(CHALLENGE_WALKS):
        c = services.challenge_raise(
            by=raiser,
            kind=ChallengeKind.PROFESSIONAL,
            raised_by_agency=raiser_agency,
            challenged_agency=challenged,
            area=Area.THRESHOLDS,
            summary=f"Template challenge {k}",
            outcome_sought="A strategy discussion.",
            case_reference=f"BEN-C{k:04d}",
        )
        for step in steps:
            c = Challenge.objects.get(pk=c.pk)
            if step == "respond":
                services.challenge_respond(challenge=c, by=responder, text="We have reviewed it.")
            elif step == "escalate":
                services.challenge_escalate(challenge=c, by=raiser, reason="Not resolved.")
            elif step == "resolve":
                services.challenge_resolve(
                    challenge=c, by=raiser, outcome_for_child="Referred.", vignette=vignette
                )
            elif step == "decide":
                services.challenge_decide(
                    challenge=c,
                    by=chair,
                    decision="The threshold is met.",
                    outcome_for_child="Referred.",
                    vignette=vignette,
                )
            elif step == "withdraw":
                services.challenge_withdraw(challenge=c, by=raiser, reason="Agreed locally.")
        out.append(Challenge.objects.get(pk=c.pk))
    return out


def ensure_challenges(world: Any, size: int, chair: Any) -> int:
    """Challenges until there are ``size / ACTIONS_PER_CHALLENGE`` of the bench's, between
    agencies in turn, raised by and answered by their agency leads: the open ones raised
    in the last three weeks with deadlines ahead (so the scheduler has nothing to escalate:
    its pass is the actions' figure), the closed ones over four years."""
    from django.db import transaction
    from django.utils import timezone

    from challenge_log.models import OPEN_STATES, Area, Challenge

    templates = list(
        Challenge.objects.filter(summary__startswith="Template challenge ").order_by("pk")
    )
    if len(templates) < len(CHALLENGE_WALKS):
        templates = _walk_challenges(world, chair)
    shapes = [shape_of(t) for t in templates]
    now = timezone.now()
    today = timezone.localdate()
    target = max(len(CHALLENGE_MIX), size // ACTIONS_PER_CHALLENGE)
    done = Challenge.objects.filter(summary__startswith=CHALLENGE_PREFIX).count()
    agencies = world.agencies
    n = len(agencies)
    areas = [a for a in Area.values if a != Area.STRATEGIC]
    while done < target:
        batch = range(done, min(target, done + 1000))
        with transaction.atomic():
            made = []
            for i in batch:
                shape = shapes[CHALLENGE_MIX[i % len(CHALLENGE_MIX)]]
                t = shape.record
                raiser_agency = agencies[i % n]
                challenged = agencies[(i + 1 + (i // n) % (n - 1)) % n]
                is_open = t.state in OPEN_STATES
                raised_on = (
                    today - timedelta(days=i % 21)
                    if is_open
                    else today - timedelta(days=30 + (i * 3) % 1460)
                )
                offset = raised_on - t.raised_on

                def moved(d: date | None, offset: timedelta = offset) -> date | None:
                    return None if d is None else d + offset

                deadline = today + timedelta(days=1 + i % 15) if t.deadline else None
                made.append(
                    (
                        Challenge(
                            kind=t.kind,
                            case_reference=f"BEN-C{i:07d}",
                            raised_by=world.leads[raiser_agency.pk],
                            raised_by_agency=raiser_agency,
                            challenged_agency=challenged,
                            area=areas[i % len(areas)],
                            summary=f"{CHALLENGE_PREFIX}{i}",
                            outcome_sought=t.outcome_sought,
                            urgency=t.urgency,
                            raised_on=raised_on,
                            state=t.state,
                            stage_id=t.stage_id,
                            stage_opened_on=moved(t.stage_opened_on),
                            deadline=deadline,
                            escalations=t.escalations,
                            highest_stage=t.highest_stage,
                            resolved_on=moved(t.resolved_on),
                            resolved_by_id=(
                                world.leads[raiser_agency.pk].pk
                                if t.resolved_by_id == t.raised_by_id
                                else t.resolved_by_id
                            ),
                            decision=t.decision,
                            outcome_for_child=t.outcome_for_child,
                            vignette=t.vignette,
                            learning=t.learning,
                            withdrawn_reason=t.withdrawn_reason,
                        ),
                        shape,
                        raised_on,
                    )
                )
            Challenge.objects.bulk_create([c for c, _, _ in made], batch_size=1000)
            clones = []
            for c, shape, raised_on in made:
                t = shape.record
                responder = world.leads[templates[0].challenged_agency_id]
                clones.append(
                    Clone(
                        shape=shape,
                        record=c,
                        owners={
                            t.raised_by_id: c.raised_by_id,
                            responder.pk: world.leads[c.challenged_agency_id].pk,
                        },
                        objs={
                            str(t.challenged_agency_id): str(c.challenged_agency_id),
                            str(t.raised_by_agency_id): str(c.raised_by_agency_id),
                        },
                        when=now - (today - raised_on),
                        due=_challenge_due(c),
                    )
                )
            clone_flows(clones)
        done = batch.stop
    return Challenge.objects.filter(summary__startswith=CHALLENGE_PREFIX).count()


def _challenge_due(challenge: Any) -> Callable[[Any, date | None], date | None]:
    def due(task: Any, template_due: date | None) -> date | None:
        # the open stage's response is due on the challenge's deadline
        if _open_task(task) and template_due is not None:
            return challenge.deadline
        return template_due

    return due


# -- the improvement plan -------------------------------------------------------------------
def _import_plan(world: Any, manager: Any, title: str, repeat: int) -> Any:
    """The seed's plan through ``improvement_plan.importing`` (its lines ``repeat``
    times), led by the bench's agency leads in turn, contributed to by bench agencies."""
    from improvement_plan import importing, loading

    parsed = loading.seed_plan()
    lines = parsed.lines
    parsed.lines = [copy.deepcopy(line) for _ in range(repeat) for line in lines]
    names = sorted({name for line in parsed.lines for name in line.contributing})
    for k, name in enumerate(names):
        parsed.agencies[name] = world.agencies[(30 + k) % len(world.agencies)]
    texts = sorted({line.lead_text for line in parsed.lines})
    chosen = {
        text: world.leads[world.agencies[(40 + 7 * k) % len(world.agencies)].pk]
        for k, text in enumerate(texts)
    }
    parsed.leads = dict(chosen)
    importing.match_leads(parsed, chosen)
    assert not parsed.problems and not parsed.unmatched_leads, parsed.problems
    return importing.import_plan(parsed, title=title, by=manager, period="Bench", goal="Bench")


def ensure_plans(world: Any, size: int) -> tuple[int, int, int, int]:
    """The current plan (the seed's lines ``PLAN_REPEAT`` times, approved and active) and
    ``size / ACTIONS_PER_PAST_PLAN`` closed plans before it, through the plan's services.
    Returns (the current plan's pk, its lines, its actions, plans)."""
    from actions.models import Action
    from improvement_plan import services
    from improvement_plan.models import Plan, PlanState, RecommendationLine

    manager = world.manager
    target = size // ACTIONS_PER_PAST_PLAN
    done = Plan.objects.filter(title__startswith=PAST_PLAN_PREFIX).count()
    for i in range(done, target):
        plan = _import_plan(world, manager, f"{PAST_PLAN_PREFIX}{i}", 1)
        services.plan_approve(plan=plan, by=manager, approved_by="The board")
        services.plan_activate(plan=plan, by=manager)
        services.plan_close(plan=plan, by=manager)
    current = Plan.objects.filter(title=PLAN_TITLE).first()
    if current is None:
        current = _import_plan(world, manager, PLAN_TITLE, PLAN_REPEAT)
        services.plan_approve(plan=current, by=manager, approved_by="The board")
        services.plan_activate(plan=current, by=manager)
    assert current.state != PlanState.CLOSED
    lines = RecommendationLine.objects.filter(objective__plan=current)
    actions = Action.objects.filter(
        source_content_type__model="recommendationline",
        source_object_id__in=lines.values("pk"),
    )
    return current.pk, lines.count(), actions.count(), Plan.objects.count()


# -- all of it ------------------------------------------------------------------------------
def ensure_loop_data(world: Any, size: int, n_granted: int) -> LoopWorld:
    """Add what is missing of the other loops' data for ``size`` actions (idempotent)."""
    users = _users(world, n_granted)
    auditor, other, qa, chair = users
    forms, audit_pk = ensure_audits(world, size, users, n_granted)
    challenges = ensure_challenges(world, size, chair)
    plan_pk, lines, plan_actions, plans = ensure_plans(world, size)
    return LoopWorld(
        auditor=auditor,
        other_auditor=other,
        qa=qa,
        chair=chair,
        manager=world.manager,
        raiser=world.bench_user,
        li=world.li,
        one_lead=world.leads[world.agencies[0].pk],
        plan_pk=plan_pk,
        audit_pk=audit_pk,
        audit_forms=forms,
        challenges=challenges,
        plan_lines=lines,
        plan_actions=plan_actions,
        plans=plans,
    )


# -- what is measured -----------------------------------------------------------------------
def loop_pages(lw: LoopWorld) -> list[tuple[str, Any, str]]:
    """The loops' pages: (label, who is signed in, URL)."""
    plan = f"/plan/{lw.plan_pk}/"
    return [
        ("My work: queue tab (auditor, 125 agencies)", lw.auditor, "/?tab=queue"),
        ("My work: queue tab (the Chair)", lw.chair, "/?tab=queue"),
        ("audits (audit lead)", lw.qa, "/audits/"),
        ("audits (auditor, 125 agencies)", lw.auditor, "/audits/"),
        ("my audit forms (auditor, 125 agencies)", lw.auditor, "/audits/forms/"),
        ("an audit and its forms (audit lead)", lw.qa, f"/audits/{lw.audit_pk}/"),
        ("challenges, open (agency lead, 125 agencies)", lw.raiser, "/challenges/"),
        ("challenges, all (agency lead, 125 agencies)", lw.raiser, "/challenges/?show=all"),
        ("challenges, open (the Chair)", lw.chair, "/challenges/"),
        ("the Chair's queue", lw.chair, "/challenges/chair/"),
        ("plans (partnership manager)", lw.manager, "/plan/"),
        ("the plan (partnership manager)", lw.manager, plan),
        ("the plan (agency lead, 125 agencies)", lw.raiser, plan),
        ("the plan's progress (partnership manager)", lw.manager, f"{plan}progress/"),
        ("overview (partnership manager)", lw.manager, "/overview/"),
    ]


def loop_selectors(lw: LoopWorld) -> list[tuple[str, int, Callable[[Any], Any]]]:
    """The selectors behind the lists (the actions' pages measured by run.py too; their
    queue and inbox selectors are measured there), first page fully evaluated: (label,
    user pk, callable(user loaded afresh) -> rows)."""
    from actions import selectors as actions
    from audits import selectors as audits
    from challenge_log import selectors as challenges
    from challenge_log.models import OPEN_STATES
    from core.overview import Period, build_overview
    from improvement_plan import selectors as plans
    from improvement_plan.models import Plan
    from workflows.selectors import keyset_page, queue_rows, team_rows

    page = 50

    def queue(user: Any) -> Any:
        rows = keyset_page(queue_rows(user=user), size=page, count=False).object_list
        for task in rows:
            _ = (task.process.artifact, getattr(task, "due", None), task.owner)
        return rows

    def team(user: Any) -> Any:
        rows = keyset_page(team_rows(user=user), size=25, count=False).object_list
        for task in rows:
            _ = (task.process.artifact, getattr(task, "due", None), task.owner)
        return rows

    def action_rows(qs: Any) -> Any:
        rows = list(qs[:page])
        for a in rows:
            _ = (a.agency, a.lead)
        return rows

    def action_list(user: Any) -> Any:
        return action_rows(actions.action_list(user=user))

    def overdue_actions(user: Any) -> Any:
        return action_rows(actions.action_list(user=user, rag="red"))

    def my_actions(user: Any) -> Any:
        return action_rows(actions.my_actions(user=user))

    def li_queue(user: Any) -> Any:
        return action_rows(actions.li_queue(user=user))

    def my_forms(user: Any) -> Any:
        rows = list(audits.my_forms(user=user)[:page])
        for f in rows:
            _ = (f.audit.title, f.case.reference, f.agency.name, f.assignee)
        return rows

    def audit_list(user: Any) -> Any:
        rows = list(audits.audit_list(user=user)[:page])
        for a in rows:
            _ = (a.lead, a.template_version.template)
        return rows

    def challenge_list(user: Any) -> Any:
        rows = list(challenges.challenge_list(user=user, states=OPEN_STATES)[:page])
        for c in rows:
            _ = (c.raised_by, c.raised_by_agency, c.challenged_agency, c.stage)
        return rows

    def chair(user: Any) -> Any:
        return list(challenges.chair_queue(user=user)[:page])

    def plan_table(user: Any) -> Any:
        return plans.plan_table(user, Plan.objects.get(pk=lw.plan_pk))

    def plan_list(user: Any) -> Any:
        return list(plans.plan_list(user).select_related("owner"))

    def overview(user: Any) -> Any:
        return build_overview(user, Period.ending())

    def actions_of_plan(user: Any) -> Any:
        return list(plans.plan_actions(user, Plan.objects.get(pk=lw.plan_pk))[:page])

    return [
        ("actions.action_list (agency lead, 125 agencies)", lw.raiser.pk, action_list),
        ("actions.action_list, rag red (same user)", lw.raiser.pk, overdue_actions),
        ("actions.action_list (partnership manager)", lw.manager.pk, action_list),
        ("actions.my_actions (one agency's lead)", lw.one_lead.pk, my_actions),
        ("actions.li_queue (L&I)", lw.li.pk, li_queue),
        ("team_rows, first 25 (agency lead, 125 agencies)", lw.raiser.pk, team),
        ("queue_rows (auditor, 125 agencies)", lw.auditor.pk, queue),
        ("queue_rows (the Chair)", lw.chair.pk, queue),
        ("audits.audit_list (audit lead)", lw.qa.pk, audit_list),
        ("audits.audit_list (auditor)", lw.auditor.pk, audit_list),
        ("audits.my_forms (auditor)", lw.auditor.pk, my_forms),
        ("challenge_list, open (agency lead, 125 agencies)", lw.raiser.pk, challenge_list),
        ("challenge_list, open (the Chair)", lw.chair.pk, challenge_list),
        ("chair_queue (the Chair)", lw.chair.pk, chair),
        ("plan_list (partnership manager)", lw.manager.pk, plan_list),
        ("plan_table (partnership manager)", lw.manager.pk, plan_table),
        ("plan_table (agency lead, 125 agencies)", lw.raiser.pk, plan_table),
        ("plan_actions, first 50 (partnership manager)", lw.manager.pk, actions_of_plan),
        ("build_overview (partnership manager)", lw.manager.pk, overview),
    ]
