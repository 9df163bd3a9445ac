#!/usr/bin/env python
"""Task queue, home page and action lists at scale, with viewflow's stock queue as the baseline
measured in the same run. See bench/README.md.

    .venv/bin/python bench/run.py                    # SQLite in a temporary folder
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/run.py
    .venv/bin/python bench/run.py --sizes 1000,10000,50000 --runs 20
    .venv/bin/python bench/run.py --sizes S,L --runs 10   # the goals' sizes (issue 13)

It builds a throw-away database (never the project's own), prints a table and writes
bench/results.md and bench/results.json. Timing goals are printed as PASS or FAIL; the
exit status is 0 either way, because a shared machine's timings are evidence, not a gate.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import loops  # noqa: E402  (bench/loops.py: the other loops' data and what is measured)

PAGE = 50  # rows on a queue page
GOAL_QUEUE_MS = 50.0  # our queue's first page, at 10,000 actions and more
GOAL_HOME_MS = 200.0  # the whole home page (inbox, queue, overdue), same sizes
GOAL_PAGE_MS = 300.0  # every other page measured (lists of 50 rows), same sizes
HOME = "home page (My work)"
GOAL_AT_SIZE = 10_000
# Issue 13's goals, at the sizes they name: S is about 50,000 tasks, L about 500,000.
SIZES = {"XS": 1_000, "S": 10_000, "M": 30_000, "L": 100_000}
GOAL_MAX_LIST_QUERIES = 15  # the queue, inbox and every list: the same at S and L, at most
GOAL_L_OVER_S = 1.5  # median at L at most this many times the median at S
GOAL_SPEEDUP = 20.0  # at L, our queue at least this many times faster than viewflow's
GOAL_STEP_QUERIES = 30  # a workflow step
GOAL_SCHEDULER_MS = 1000.0  # a scheduler pass with nothing due, at L
# the throw-away PostgreSQL database (BENCH_DB_NAME: one of your own on a shared server)
BENCH_DB = os.environ.get("BENCH_DB_NAME", "bench_tmp")


# -- the throw-away database (before Django is set up) ---------------------------------
def _maintenance_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + (parts.path.lstrip("/") or "postgres")))


def admin(sql: str) -> None:
    """One statement on the PostgreSQL server's maintenance database (autocommit)."""
    import psycopg

    with psycopg.connect(
        _maintenance_url(os.environ["BENCH_DATABASE_URL"].strip()), autocommit=True
    ) as conn:
        conn.execute(sql)


def prepare_database() -> tuple[str, Callable[[], None]]:
    """Point DATABASE_URL at a fresh database and return (description, cleanup)."""
    tmp = tempfile.mkdtemp(prefix="assurance-bench-")
    os.environ["MEDIA_ROOT"] = os.path.join(tmp, "media")
    url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    if not url:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        return "a file in a temporary folder", lambda: shutil.rmtree(tmp, ignore_errors=True)

    parts = urlsplit(url)
    target = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
    admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    admin(f"CREATE DATABASE {BENCH_DB}")
    os.environ["DATABASE_URL"] = target

    def cleanup() -> None:
        from django.db import connections

        connections.close_all()
        admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        shutil.rmtree(tmp, ignore_errors=True)

    return f"database {BENCH_DB} on {parts.hostname}:{parts.port or 5432}", cleanup


# -- kept data (--keep, --reuse): building L takes long on a shared machine -------------
KEEP_DIR = Path(os.environ.get("BENCH_KEEP_DIR", os.path.join(tempfile.gettempdir(), "bench-keep")))


def kept_name(size: int) -> str:
    """Where the data of one size is kept: a PostgreSQL database or a SQLite file."""
    if os.environ.get("BENCH_DATABASE_URL", "").strip():
        return f"{BENCH_DB}_{size}"
    return str(KEEP_DIR / f"bench_{size}.sqlite3")


def _sqlite_file() -> str:
    from django.db import connection

    return str(connection.settings_dict["NAME"])


def keep(size: int) -> str:
    """Copy the working database, as built to ``size`` actions, where ``--reuse`` finds it."""
    from django.db import connections

    name = kept_name(size)
    connections.close_all()
    if os.environ.get("BENCH_DATABASE_URL", "").strip():
        admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin(f"CREATE DATABASE {name} TEMPLATE {BENCH_DB}")
    else:
        KEEP_DIR.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_sqlite_file(), name)
    return name


def restore(size: int) -> str:
    """Make the working database a copy of the data kept for ``size`` (the kept copy is
    never changed: measuring writes, a step and a scheduler pass)."""
    from django.db import connections

    name = kept_name(size)
    connections.close_all()
    if os.environ.get("BENCH_DATABASE_URL", "").strip():
        admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        admin(f"CREATE DATABASE {BENCH_DB} TEMPLATE {name}")
    else:
        if not os.path.exists(name):
            raise SystemExit(f"--reuse: no kept data at {name} (build it with --keep)")
        shutil.copyfile(name, _sqlite_file())
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache

    ContentType.objects.clear_cache()
    cache.clear()
    return name


def redacted(url: str) -> str:
    """The URL without its password, fit to print."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def configure_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("DJANGO_ENV", "development")
    # DEBUG off, as in production: with DEBUG on Django keeps every query in memory.
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    # the scheduler pass measured sends the outbox: keep the e-mails in memory
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    import warnings

    # whitenoise warns when collectstatic has not been run; the pages render without it.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()


# -- building the data -------------------------------------------------------------------
@dataclass
class World:
    agencies: list[Any]
    leads: dict[int, Any]  # agency id -> its agency lead
    manager: Any
    li: Any
    bench_user: Any
    templates: list[Any]  # actions walked through the services, one per state
    object_permissions: int = 0
    actions: int = 0
    tasks: int = 0
    pattern: list[int] = field(default_factory=list)


def build_world(n_agencies: int, n_granted: int) -> World:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import UserObjectPermission

    from actions import services
    from agencies.grants import ensure_partnership_groups, sync_user_grants
    from agencies.models import (
        Agency,
        AgencyKind,
        AgencyUserObjectPermission,
        Membership,
        Partnership,
        Role,
    )
    from agencies.roles import PartnershipRole

    User = get_user_model()
    ensure_partnership_groups()
    Partnership.current()
    Agency.objects.bulk_create(
        [
            Agency(name=f"Bench agency {i:04d}", short_name=f"A{i:04d}", kind=AgencyKind.OTHER)
            for i in range(n_agencies)
        ]
    )
    agencies = list(Agency.objects.order_by("pk"))
    # Unusable passwords: nobody signs in with a password here, and hashing thousands
    # of them would dominate the set-up time.
    User.objects.bulk_create(
        [
            User(
                username=f"lead{a.pk:04d}",
                first_name="Lead",
                last_name=f"{a.pk}",
                email=f"lead{a.pk}@example.org",
                password="!",
            )
            for a in agencies
        ]
    )
    leads_by_name = {u.username: u for u in User.objects.filter(username__startswith="lead")}
    leads = {a.pk: leads_by_name[f"lead{a.pk:04d}"] for a in agencies}
    Membership.objects.bulk_create(
        [Membership(user=leads[a.pk], agency=a, role=Role.AGENCY_LEAD) for a in agencies]
    )
    for lead in leads.values():  # bulk_create sends no signals: derive the grants here
        sync_user_grants(user=lead)

    manager = User.objects.create(username="bench.manager", email="m@example.org", password="!")
    manager.groups.add(Group.objects.get(name=PartnershipRole.PARTNERSHIP_MANAGER))
    li = User.objects.create(username="bench.li", email="li@example.org", password="!")
    li.groups.add(Group.objects.get(name=PartnershipRole.LEARNING_AND_IMPROVEMENT))

    # The measured user: agency lead on many agencies, so many object permissions.
    bench_user = User.objects.create(
        username="bench.lead",
        first_name="Bench",
        last_name="Lead",
        email="b@example.org",
        password="!",
    )
    Membership.objects.bulk_create(
        [Membership(user=bench_user, agency=a, role=Role.AGENCY_LEAD) for a in agencies[:n_granted]]
    )
    sync_user_grants(user=bench_user)
    grants = list(
        AgencyUserObjectPermission.objects.filter(user=bench_user).select_related("permission")
    )
    # viewflow's stock queue reads only guardian's generic UserObjectPermission table,
    # but this project keeps Agency grants in guardian's direct foreign-key table.
    # Without this mirror the stock queue would find none of the agency tasks (wrong as
    # well as slow); with it both queues must return the same tasks, which is checked.
    agency_ct = ContentType.objects.get_for_model(Agency)
    UserObjectPermission.objects.bulk_create(
        [
            UserObjectPermission(
                user=bench_user,
                permission=g.permission,
                content_type=agency_ct,
                object_pk=str(g.content_object_id),
            )
            for g in grants
        ]
    )

    # One action per state, walked through the services so that its process and tasks
    # are exactly what ActionFlow makes; the bulk of the data is cloned from these.
    today = date.today()
    templates = []
    walk: list[list[str]] = [
        [],
        ["start"],
        ["start", "evidence", "submit"],
        ["start", "evidence", "submit", "accept"],
        ["start", "evidence", "submit", "accept", "sign_off"],
    ]
    for i, steps in enumerate(walk):
        agency = agencies[i]
        lead = leads[agency.pk]
        action = services.action_create(
            source=None,
            agency=agency,
            lead=lead,
            by=manager,
            description=f"Template action {i}",
            target_date=today + timedelta(days=60),
        )
        for step in steps:
            if step == "start":
                services.action_start_work(action=action, by=lead)
            elif step == "evidence":
                services.action_add_evidence(action=action, by=lead, description="Notes")
            elif step == "submit":
                services.action_submit_evidence(action=action, by=lead)
            elif step == "accept":
                services.action_accept_evidence(action=action, by=li)
            elif step == "sign_off":
                services.action_sign_off(action=action, by=lead)
        templates.append(action)
    # The mix of states cloned: assigned, in progress x2, evidence submitted, accepted,
    # signed off x2 (index into templates), and assigned again.
    pattern = [0, 1, 1, 2, 3, 4, 4, 0]
    return World(
        agencies=agencies,
        leads=leads,
        manager=manager,
        li=li,
        bench_user=bench_user,
        templates=templates,
        object_permissions=len(grants),
        actions=len(templates),
        pattern=pattern,
    )


def load_world(n_granted: int) -> World:
    """The World of data kept by an earlier run (``--keep``), found by its names."""
    from django.contrib.auth import get_user_model
    from viewflow.workflow.models import Task

    from actions.models import Action
    from agencies.models import Agency, AgencyUserObjectPermission

    User = get_user_model()
    agencies = list(Agency.objects.filter(name__startswith="Bench agency ").order_by("pk"))
    by_name = {u.username: u for u in User.objects.filter(username__startswith="lead")}
    bench_user = User.objects.get(username="bench.lead")
    return World(
        agencies=agencies,
        leads={a.pk: by_name[f"lead{a.pk:04d}"] for a in agencies},
        manager=User.objects.get(username="bench.manager"),
        li=User.objects.get(username="bench.li"),
        bench_user=bench_user,
        templates=list(
            Action.objects.filter(description__startswith="Template action ").order_by("pk")
        ),
        object_permissions=AgencyUserObjectPermission.objects.filter(user=bench_user).count(),
        # the bench's own actions (the other loops' data, bench/loops.py, gives its
        # actions a source: a plan line)
        actions=Action.objects.filter(source_content_type__isnull=True).count(),
        tasks=Task.objects.count(),
        pattern=[0, 1, 1, 2, 3, 4, 4, 0],
    )


def _work_due(clone: Any) -> Callable[[Any, date | None], date | None]:
    """A cloned action's tasks fall due as its template's, its work on its target date."""

    def due(task: Any, template_due: date | None) -> date | None:
        if template_due is not None and task.flow_task.name == "work":
            return clone.target_date
        return template_due

    return due


def grow(world: World, target: int, granted_ids: set[int]) -> None:
    """Clone the template actions, their processes, tasks and due dates with bulk
    inserts until there are ``target`` actions."""
    from django.db import transaction
    from django.utils import timezone
    from viewflow.workflow.models import Task

    from actions.models import Action

    # each template's process, its tasks and their due dates (loops.shape_of)
    shapes = [loops.shape_of(action) for action in world.templates]

    now = timezone.now()
    today = timezone.localdate()
    batch = 2000
    while world.actions < target:
        n = min(batch, target - world.actions)
        start = world.actions
        with transaction.atomic():
            clones = []
            for k in range(n):
                i = start + k
                shape = shapes[world.pattern[i % len(world.pattern)]]
                template = shape.record
                agency = world.agencies[i % len(world.agencies)]
                # Target dates from five weeks ago to eight months ahead: some overdue.
                target_date = today + timedelta(days=(i * 7) % 280 - 35)
                clone = Action(
                    agency=agency,
                    lead=world.leads[agency.pk],
                    description=f"Bench action {i}",
                    target_date=target_date,
                    state=template.state,
                    signed_off_at=template.signed_off_at,
                    learning_check_due_on=template.learning_check_due_on,
                    created_by=world.manager,
                )
                clones.append(
                    loops.Clone(
                        shape=shape,
                        record=clone,
                        # steps the template's lead took are the clone's lead's; the L&I
                        # reviewer stays the same person
                        owners={template.lead_id: clone.lead_id},
                        objs={str(template.agency_id): str(agency.pk)},
                        # created over a year, oldest first
                        when=now - timedelta(minutes=(i * 37) % (365 * 24 * 60)),
                        due=_work_due(clone),
                        # its learning-check timer fires on the template's date, the
                        # clone's learning_check_due_on (a year of backlog would otherwise
                        # fire in the first pass measured)
                        keep_scheduled=True,
                    )
                )
            Action.objects.bulk_create([c.record for c in clones])
            # processes, tasks and their listing rows (bulk_create sends no signals)
            loops.clone_flows(clones)
        world.actions += n
        world.tasks = Task.objects.count()


def fill_inbox(world: World, granted_ids: set[int]) -> int:
    """One in forty of the open tasks on the measured user's agencies become his, so
    his inbox and overdue list on the home page are not empty (idempotent; tasks added
    by a later size get theirs). Three queries."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import F
    from django.utils import timezone
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from actions.models import Action
    from workflows.models import TaskDue

    uid = world.bench_user.pk
    # open tasks on his agencies, waiting or held by their lead (a work task, due on its
    # action's target date, some of them overdue: his overdue list is not empty either)
    open_there = {
        "is_open": True,
        "status__in": [STATUS.NEW, STATUS.ASSIGNED],
        "owner_permission_obj_pk__in": [str(pk) for pk in granted_ids],
        # the actions' tasks only, so the inbox measured holds the same kind of rows at
        # every size, whether the other loops' data (bench/loops.py) was there or not
        "task__process__artifact_content_type": ContentType.objects.get_for_model(Action),
    }
    mine = TaskDue.objects.filter(**open_there).exclude(owner_id=uid)
    ids = list(mine.annotate(m=F("task_id") % 40).filter(m=0).values_list("task_id", flat=True))
    # and one in forty of those already overdue, by rank (task ids repeat with the cloned
    # pattern, so picking them by id alone may find none overdue)
    late = mine.filter(due_on__lt=date.today()).order_by("task_id")
    ids += list(late.values_list("task_id", flat=True))[::40]
    Task.objects.filter(pk__in=ids).update(
        owner_id=uid, status=STATUS.ASSIGNED, assigned=timezone.now()
    )
    TaskDue.objects.filter(task_id__in=ids).update(owner_id=uid, status=STATUS.ASSIGNED, held=True)
    return len(ids)


def analyse() -> None:
    from django.db import connection

    from core.lookups import refresh_statistics

    if connection.vendor == "postgresql":
        # After a bulk load autovacuum would gather statistics by itself, at a moment of
        # its choosing; doing it now makes the runs repeatable.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        # SQLite: what the daily sweep "sqlite_statistics" gathers (core.lookups)
        refresh_statistics()


# -- measuring ---------------------------------------------------------------------------
@dataclass
class Row:
    size: int
    tasks: int
    ours_ms: float
    ours_queries: int
    stock_ms: float
    stock_queries: int
    # page label -> (median ms, queries) or the error it answered with
    pages: dict[str, tuple[float, int]] = field(default_factory=dict)
    page_errors: dict[str, str] = field(default_factory=dict)
    same_tasks: bool = True
    queue_len: int = 0
    inbox_ms: float = 0.0
    inbox_queries: int = 0
    step_queries: int = 0  # one workflow step (start work: transition, task done, next)
    scheduler_ms: float = 0.0  # a scheduler pass with nothing due
    scheduler_queries: int = 0
    # the steps of an action through its page (POST, as a browser sends it): name -> queries
    step_pages: dict[str, int] = field(default_factory=dict)
    # the first pass of a day: every overdue action reminded (ms, queries, queued)
    due_ms: float = 0.0
    due_queries: int = 0
    due_queued: int = 0
    due_actions: int = 0
    send_ms: float = 0.0  # the next pass sending the outbox (OUTBOX_SEND_PER_PASS)
    send_sent: int = 0
    peak_mb: float = 0.0  # the process's peak resident memory so far
    # the overview for the partnership manager right after an action changed: the one
    # scan its kept figures cost (core.kept), once per change; not a goal of its own
    overview_scan_ms: float = 0.0
    overview_scan_queries: int = 0
    # the other loops (bench/loops.py): selector label -> (median ms, queries), or error
    selectors: dict[str, tuple[float, int]] = field(default_factory=dict)
    selector_errors: dict[str, str] = field(default_factory=dict)
    loop_data: dict[str, int] = field(default_factory=dict)  # what the loops hold


def median_ms(func: Callable[[], Any], runs: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        func()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        func()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def count_queries(func: Callable[[], Any]) -> int:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    # Django keeps at most 9,000 queries in ``queries_log``: once it is full, a capture
    # sees none (its start and end are both 9,000), so empty it first
    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)


BACKEND = "django.contrib.auth.backends.ModelBackend"


def step_queries(world: World) -> int:
    """The queries of one workflow step at this size: an agency lead starts work on a new
    action (the transition, its log, the work task done and the next one made)."""
    from datetime import date, timedelta

    from actions import services

    agency = world.agencies[0]
    lead = world.leads[agency.pk]
    action = services.action_create(
        source=None,
        agency=agency,
        lead=lead,
        by=world.manager,
        description="Measured step",
        target_date=date.today() + timedelta(days=60),
    )
    return count_queries(lambda: services.action_start_work(action=action, by=lead))


STEPS_THROUGH_PAGES = ("submit", "accept", "sign_off")


def step_page_queries(world: World) -> dict[str, int]:
    """The queries of each step of an action through its page, as a browser posts it
    (session, permission checks, the one-time token, the transition, the flow, the
    notifications): the lead submits the evidence, L&I accepts it, the lead signs off."""
    from datetime import date, timedelta

    from django.test import Client

    from actions import services
    from core.submissions import field_name, new_token

    agency = world.agencies[1]
    lead = world.leads[agency.pk]
    action = services.action_create(
        source=None,
        agency=agency,
        lead=lead,
        by=world.manager,
        description="Measured steps",
        target_date=date.today() + timedelta(days=60),
    )
    services.action_start_work(action=action, by=lead)
    services.action_add_evidence(action=action, by=lead, description="Notes")
    out: dict[str, int] = {}
    for step, who in zip(STEPS_THROUGH_PAGES, (lead, world.li, lead), strict=True):
        client = Client()
        client.force_login(who, backend=BACKEND)
        data = {field_name(step): new_token(), "confirm": "yes"}
        url = f"/actions/{action.pk}/steps/{step}/"
        response = None

        def post(client: Any = client, url: str = url, data: dict = data) -> None:
            nonlocal response
            response = client.post(url, data)

        out[step] = count_queries(post)
        if response is None or response.status_code != 302:
            raise RuntimeError(f"{url} answered {getattr(response, 'status_code', None)}")
    return out


def due_pass(row: Row) -> None:
    """The first scheduler pass of a day at this size: every overdue action reminded
    (``action_reminders``), then the next pass sending the outbox."""
    from django.core import mail

    from actions.models import Action
    from core.models import Notification
    from workflows.models import SweepRun
    from workflows.scheduler import run_pass

    today = date.today()
    # the bench's own actions: the plans' (bench/loops.py) are from 2017 and held from
    # reminders until their plan is made active (only what falls due after is reminded)
    row.due_actions = Action.objects.filter(
        target_date__lt=today, source_content_type__isnull=True
    ).count()
    Notification.objects.all().delete()
    SweepRun.objects.update(last_run_at=None)  # every sweep due again
    before = Notification.objects.count()
    t0 = time.perf_counter()
    row.due_queries = count_queries(lambda: run_pass(today))
    row.due_ms = (time.perf_counter() - t0) * 1000
    row.due_queued = Notification.objects.count() - before
    mail.outbox = []
    t0 = time.perf_counter()
    row.send_sent = run_pass(today).sent
    row.send_ms = (time.perf_counter() - t0) * 1000


def peak_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return round(peak / 1024, 1)


def page_probes(world: World) -> list[tuple[str, Any, str]]:
    """The pages measured at every size: (label, who is signed in, URL)."""
    lead = world.leads[world.agencies[0].pk]
    return [
        (HOME, world.bench_user, "/"),
        ("My work: queue tab (same user)", world.bench_user, "/?tab=queue"),
        ("My work: overdue tab (same user)", world.bench_user, "/?tab=overdue"),
        ("action list (agency lead, 125 agencies)", world.bench_user, "/actions/"),
        ("overdue actions (same user)", world.bench_user, "/actions/?rag=red"),
        ("team tasks (same user)", world.bench_user, "/tasks/team/"),
        ("action list (partnership manager, all)", world.manager, "/actions/"),
        ("my actions (one agency's lead)", lead, "/actions/mine/"),
        ("L&I queue (evidence to review)", world.li, "/actions/learning-and-improvement/"),
    ]


def measure(world: World, runs: int, loop: Any = None) -> Row:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from workflows.scheduler import run_pass
    from workflows.selectors import inbox_rows, keyset_page, queue_rows

    User = get_user_model()
    pk = world.bench_user.pk

    def fresh_user() -> Any:
        # Each request loads its user afresh, so no permission cache survives between
        # runs (viewflow caches object permissions on the user instance).
        return User.objects.get(pk=pk)

    def ours() -> list[Any]:
        # the queue tab's first page as My work reads it (keyset, without the count)
        rows = keyset_page(queue_rows(user=fresh_user()), size=PAGE, count=False).object_list
        for task in rows:  # what the table shows, all prefetched
            _ = (task.process.artifact, getattr(task, "due", None), task.owner)
        return rows

    def inbox() -> list[Any]:
        rows = keyset_page(inbox_rows(user=fresh_user()), size=PAGE, count=False).object_list
        for task in rows:
            _ = (task.process.artifact, getattr(task, "due", None), task.owner)
        return rows

    def stock() -> list[Any]:
        qs = Task.objects.user_queue(fresh_user()).filter(status=STATUS.NEW)
        return list(qs.select_related("process")[:PAGE])

    # Both queues must find the same tasks before their speed means anything.
    u = fresh_user()
    ours_ids = set(queue_rows(user=u).values_list("task_id", flat=True))
    stock_ids = set(
        Task.objects.user_queue(fresh_user()).filter(status=STATUS.NEW).values_list("pk", flat=True)
    )

    row = Row(
        size=world.actions,
        tasks=world.tasks,
        ours_ms=median_ms(ours, runs),
        ours_queries=count_queries(ours),
        stock_ms=median_ms(stock, runs),
        stock_queries=count_queries(stock),
        same_tasks=ours_ids == stock_ids,
        queue_len=len(ours_ids),
        inbox_ms=median_ms(inbox, runs),
        inbox_queries=count_queries(inbox),
    )
    row.step_queries = step_queries(world)
    row.step_pages = step_page_queries(world)
    due_pass(row)  # the day's reminders: every overdue action, and the outbox sent
    while run_pass().sent:  # whatever is left (the rest of the outbox) is sent now
        pass
    row.scheduler_ms = median_ms(run_pass, runs)
    row.scheduler_queries = count_queries(run_pass)

    probes = page_probes(world) + (loops.loop_pages(loop) if loop is not None else [])
    for label, user, url in probes:
        client = Client()
        client.force_login(User.objects.get(pk=user.pk), backend=BACKEND)

        def get(client: Any = client, url: str = url) -> None:
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            # a listing must list something, or its speed means nothing
            if b"govuk-table__body" not in response.content and url not in UNTABLED:
                raise RuntimeError(f"{url} shows no table")

        try:
            ms = median_ms(get, runs)  # warm first: process-wide caches (content types)
            row.pages[label] = (ms, count_queries(get))
        except Exception as exc:  # report, do not hide: the other figures still stand
            row.page_errors[label] = f"{type(exc).__name__}: {str(exc)[:120]}"
    measure_overview_scan(row, world, runs)
    if loop is not None:
        measure_selectors(row, loop, runs)
        row.loop_data = {
            "audit_forms": loop.audit_forms,
            "challenges": loop.challenges,
            "plans": loop.plans,
            "plan_lines": loop.plan_lines,
            "plan_actions": loop.plan_actions,
        }
    row.peak_mb = peak_mb()
    return row


# pages that are not a table of rows (the home page, charts and figures)
UNTABLED = {"/"}


def measure_overview_scan(row: Row, world: World, runs: int) -> None:
    """``build_overview`` for the partnership manager with the actions' stamp replaced
    before each run (as any committed change of an action does), so every run scans."""
    from django.contrib.auth import get_user_model

    from actions.models import KEPT
    from core.kept import changed
    from core.overview import Period, build_overview

    manager = get_user_model().objects.get(pk=world.manager.pk)
    times = []
    for _ in range(runs):
        changed(KEPT)  # outside a transaction: at once
        t0 = time.perf_counter()
        build_overview(manager, Period.ending())
        times.append((time.perf_counter() - t0) * 1000)
    row.overview_scan_ms = statistics.median(times)
    changed(KEPT)
    row.overview_scan_queries = count_queries(lambda: build_overview(manager, Period.ending()))


def measure_selectors(row: Row, loop: Any, runs: int) -> None:
    """The other loops' selectors, the first page fully evaluated, each run with the user
    loaded afresh (as a request would)."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    for label, pk, func in loops.loop_selectors(loop):

        def run(pk: int = pk, func: Any = func) -> Any:
            return func(User.objects.get(pk=pk))

        try:
            ms = median_ms(run, runs)
            row.selectors[label] = (ms, count_queries(run))
        except Exception as exc:  # report, do not hide
            row.selector_errors[label] = f"{type(exc).__name__}: {str(exc)[:120]}"


# -- reporting ---------------------------------------------------------------------------
def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def goals(rows: list[Row]) -> list[str]:
    out = []
    big = [r for r in rows if r.size >= GOAL_AT_SIZE]
    labels = [label for label, _ in _page_labels(rows)]
    for r in big:
        out.append(
            f"{verdict(r.ours_ms < GOAL_QUEUE_MS)}  queue page < {GOAL_QUEUE_MS:.0f} ms "
            f"at {r.size:,} actions: {r.ours_ms:.1f} ms"
        )
        for label in labels:
            goal = GOAL_HOME_MS if label == HOME else GOAL_PAGE_MS
            if label in r.pages:
                ms = r.pages[label][0]
                out.append(
                    f"{verdict(ms < goal)}  {label} < {goal:.0f} ms at {r.size:,} actions: "
                    f"{ms:.1f} ms"
                )
            else:
                out.append(f"FAIL  {label} at {r.size:,} actions: {r.page_errors.get(label)}")
    if not big:
        out.append(f"(no size >= {GOAL_AT_SIZE:,}: timing goals not checked)")
    counts = {r.ours_queries for r in rows}
    out.append(
        f"{verdict(len(counts) == 1)}  queue query count the same at every size: "
        f"{', '.join(str(r.ours_queries) for r in rows)}"
    )
    for label in labels:
        per_size = [r.pages[label][1] if label in r.pages else None for r in rows]
        same = None not in per_size and len(set(per_size)) == 1
        out.append(
            f"{verdict(same)}  {label}: query count the same at every size: "
            f"{', '.join('-' if q is None else str(q) for q in per_size)}"
        )
    out.append(
        f"{verdict(all(r.same_tasks for r in rows))}  our queue and viewflow's stock "
        "queue return the same tasks"
    )
    out += scale_goals(rows, labels)
    return out


def scale_goals(rows: list[Row], labels: list[str]) -> list[str]:
    """Issue 13's goals, between S and L. When L (or S) was not measured they are
    judged between the smallest and the largest size measured, and say so."""
    out: list[str] = []
    small, large = rows[0], rows[-1]
    name = {v: k for k, v in SIZES.items()}
    s_name = name.get(small.size, f"{small.size:,}")
    l_name = name.get(large.size, f"{large.size:,}")
    if (small.size, large.size) != (SIZES["S"], SIZES["L"]):
        out.append(
            f"(S = {SIZES['S']:,} and L = {SIZES['L']:,} actions; this run measured "
            f"{small.size:,} and {large.size:,}: the goals below compare those)"
        )
    lists: list[tuple[str, int, int, float, float]] = [
        ("queue", small.ours_queries, large.ours_queries, small.ours_ms, large.ours_ms),
        ("inbox", small.inbox_queries, large.inbox_queries, small.inbox_ms, large.inbox_ms),
    ]
    for label in labels:
        if label in small.pages and label in large.pages:
            (sm, sq), (lm, lq) = small.pages[label], large.pages[label]
            lists.append((label, sq, lq, sm, lm))
        else:
            out.append(f"FAIL  {label}: not measured at both sizes")
    for label in _selector_labels(rows):
        if label in small.selectors and label in large.selectors:
            (sm, sq), (lm, lq) = small.selectors[label], large.selectors[label]
            lists.append((f"selector {label}", sq, lq, sm, lm))
        else:
            out.append(f"FAIL  selector {label}: not measured at both sizes")
    for label, sq, lq, _sm, _lm in lists:
        ok = sq == lq and lq <= GOAL_MAX_LIST_QUERIES
        out.append(
            f"{verdict(ok)}  {label}: queries the same at {s_name} and {l_name}, at most "
            f"{GOAL_MAX_LIST_QUERIES}: {sq}, {lq}"
        )
    for label, _sq, _lq, sm, lm in lists:
        ratio = lm / sm if sm else float("inf")
        out.append(
            f"{verdict(ratio <= GOAL_L_OVER_S)}  {label}: median at {l_name} <= "
            f"{GOAL_L_OVER_S}x median at {s_name}: {sm:.1f} -> {lm:.1f} ms ({ratio:.2f}x)"
        )
    speedup = large.stock_ms / large.ours_ms if large.ours_ms else 0.0
    out.append(
        f"{verdict(speedup >= GOAL_SPEEDUP)}  queue at {l_name} >= {GOAL_SPEEDUP:.0f}x faster "
        f"than viewflow's stock queue (agency lead of 125 agencies): {speedup:.0f}x"
    )
    worst_step = max(r.step_queries for r in rows)
    out.append(
        f"{verdict(worst_step <= GOAL_STEP_QUERIES)}  a workflow step (start work, the "
        f"service) <= {GOAL_STEP_QUERIES} queries: "
        f"{', '.join(str(r.step_queries) for r in rows)}"
    )
    for step in STEPS_THROUGH_PAGES:
        counts = [r.step_pages.get(step) for r in rows]
        worst = max((c for c in counts if c is not None), default=None)
        ok = worst is not None and worst <= GOAL_STEP_QUERIES
        out.append(
            f"{verdict(ok)}  a workflow step through its page ({step}) <= "
            f"{GOAL_STEP_QUERIES} queries: {', '.join(str(c) for c in counts)}"
        )
    out.append(
        f"{verdict(large.scheduler_ms < GOAL_SCHEDULER_MS)}  a scheduler pass with nothing "
        f"due at {l_name} < {GOAL_SCHEDULER_MS:.0f} ms: {large.scheduler_ms:.1f} ms"
    )
    sched = [r.scheduler_queries for r in rows]
    out.append(
        f"{verdict(len(set(sched)) == 1)}  a scheduler pass with nothing due: query count "
        f"the same at every size: {', '.join(str(q) for q in sched)}"
    )
    return out


def results_json(rows: list[Row], verdicts: list[str], env: list[str], args: Any) -> dict:
    return {
        "command": " ".join(["bench/run.py", *sys.argv[1:]]),
        "environment": env,
        "agencies": args.agencies,
        "granted": args.granted,
        "runs": args.runs,
        "page_rows": PAGE,
        "sizes": [
            {
                "actions": r.size,
                "tasks": r.tasks,
                "queue": {"ms": round(r.ours_ms, 2), "queries": r.ours_queries},
                "viewflow_stock_queue": {"ms": round(r.stock_ms, 2), "queries": r.stock_queries},
                "inbox": {"ms": round(r.inbox_ms, 2), "queries": r.inbox_queries},
                "pages": {
                    label: {"ms": round(ms, 2), "queries": q} for label, (ms, q) in r.pages.items()
                },
                "page_errors": r.page_errors,
                "workflow_step_queries": r.step_queries,
                "scheduler_idle_pass": {
                    "ms": round(r.scheduler_ms, 2),
                    "queries": r.scheduler_queries,
                },
                "same_tasks_as_stock": r.same_tasks,
                "workflow_step_page_queries": r.step_pages,
                "scheduler_day_pass": {
                    "overdue_actions": r.due_actions,
                    "ms": round(r.due_ms, 2),
                    "queries": r.due_queries,
                    "queued": r.due_queued,
                    "next_pass_sent": r.send_sent,
                    "next_pass_ms": round(r.send_ms, 2),
                },
                "peak_memory_mb": r.peak_mb,
                "overview_after_a_change": {
                    "ms": round(r.overview_scan_ms, 2),
                    "queries": r.overview_scan_queries,
                },
                "selectors": {
                    label: {"ms": round(ms, 2), "queries": q}
                    for label, (ms, q) in r.selectors.items()
                },
                "selector_errors": r.selector_errors,
                "other_loops": r.loop_data,
            }
            for r in rows
        ],
        "goals": [{"verdict": v[:4], "goal": v[6:]} for v in verdicts if v[:4] in ("PASS", "FAIL")],
    }


def _page_labels(rows: list[Row]) -> list[tuple[str, None]]:
    seen: dict[str, None] = {}
    for r in rows:
        for label in [*r.pages, *r.page_errors]:
            seen.setdefault(label)
    return list(seen.items())


def _selector_labels(rows: list[Row]) -> list[str]:
    seen: dict[str, None] = {}
    for r in rows:
        for label in [*r.selectors, *r.selector_errors]:
            seen.setdefault(label)
    return list(seen)


def table(rows: list[Row], runs: int) -> list[str]:
    head = (
        "| actions | tasks | our queue ms | our queries | viewflow stock ms "
        "| stock queries | speed-up |"
    )
    lines = [head, "|" + "---:|" * 7]
    for r in rows:
        lines.append(
            f"| {r.size:,} | {r.tasks:,} | {r.ours_ms:.1f} | {r.ours_queries} | "
            f"{r.stock_ms:.1f} | {r.stock_queries:,} | {r.stock_ms / r.ours_ms:.0f}x |"
        )
    lines += ["", "Inbox (first page), a workflow step, an idle scheduler pass:", ""]
    lines.append(
        "| actions | inbox ms / queries | step queries (service) | steps through the page: "
        "submit / accept / sign off | scheduler pass ms / queries | peak memory MB |"
    )
    lines.append("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        pages = " / ".join(str(r.step_pages.get(s, "-")) for s in STEPS_THROUGH_PAGES)
        lines.append(
            f"| {r.size:,} | {r.inbox_ms:.1f} / {r.inbox_queries} | {r.step_queries} | "
            f"{pages} | {r.scheduler_ms:.1f} / {r.scheduler_queries} | {r.peak_mb:,.0f} |"
        )
    lines += [
        "",
        "The first scheduler pass of a day (every overdue action reminded), then "
        "the next pass sending the outbox:",
        "",
    ]
    lines.append(
        "| actions | overdue actions | pass ms / queries | notifications queued "
        "| next pass: sent / ms |"
    )
    lines.append("|---:|---:|---:|---:|---:|")
    for r in rows:
        lines.append(
            f"| {r.size:,} | {r.due_actions:,} | {r.due_ms:,.0f} / {r.due_queries} | "
            f"{r.due_queued:,} | {r.send_sent:,} / {r.send_ms:,.0f} |"
        )
    lines += [
        "",
        "The overview's actions figures are kept until an action, extension request or "
        "learning check changes (core.kept): the first view after a change scans every "
        "action once. That view, for the partnership manager (ms / queries; not a goal "
        "of its own, shown so the kept figures hide nothing):",
        "",
        "| actions | build_overview after a change |",
        "|---:|---:|",
        *(f"| {r.size:,} | {r.overview_scan_ms:.1f} / {r.overview_scan_queries} |" for r in rows),
    ]
    lines += ["", "Whole pages through Django's test client (ms / queries):", ""]
    lines.append("| page | " + " | ".join(f"{r.size:,} actions" for r in rows) + " |")
    lines.append("|---|" + "---:|" * len(rows))
    for label, _ in _page_labels(rows):
        cells = [
            f"{r.pages[label][0]:.1f} / {r.pages[label][1]}" if label in r.pages else "error"
            for r in rows
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    if any(r.selectors or r.selector_errors for r in rows):
        lines += [
            "",
            "The other loops' selectors, first page of 50 fully evaluated (ms / queries):",
            "",
        ]
        lines.append("| selector | " + " | ".join(f"{r.size:,} actions" for r in rows) + " |")
        lines.append("|---|" + "---:|" * len(rows))
        for label in _selector_labels(rows):
            cells = [
                f"{r.selectors[label][0]:.1f} / {r.selectors[label][1]}"
                if label in r.selectors
                else "error"
                for r in rows
            ]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines += ["", "The other loops' data (bench/loops.py):", ""]
        lines.append(
            "| actions | audit forms | challenges | plans | the current plan: lines / actions |"
        )
        lines.append("|---:|---:|---:|---:|---:|")
        for r in rows:
            d = r.loop_data
            lines.append(
                f"| {r.size:,} | {d.get('audit_forms', 0):,} | {d.get('challenges', 0):,} | "
                f"{d.get('plans', 0)} | {d.get('plan_lines', 0)} / {d.get('plan_actions', 0)} |"
            )
    lines.append("")
    lines.append(
        f"Median of {runs} runs after 2 warm-up runs; first page of {PAGE} rows, fully evaluated."
    )
    return lines


def environment(db: str) -> list[str]:
    from importlib.metadata import version

    import django
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            engine = f"SQLite {cursor.fetchone()[0]}"
        else:
            cursor.execute("show server_version")
            engine = f"PostgreSQL {cursor.fetchone()[0]}"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"- database: {engine} ({db})",
        f"- Python {platform.python_version()}, Django {django.get_version()}, "
        f"django-viewflow {version('django-viewflow')}, "
        f"django-guardian {version('django-guardian')}",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPU(s), load average at the "
        f"end {load} (shared machine: other work was running)",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="1000,10000",
        help="comma-separated numbers of actions, or the goals' names "
        + ", ".join(f"{k}={v:,}" for k, v in SIZES.items())
        + " (default 1000,10000; S,L for issue 13's goals)",
    )
    parser.add_argument("--runs", type=int, default=20, help="timed runs per figure")
    parser.add_argument("--agencies", type=int, default=150, help="agencies in the partnership")
    parser.add_argument(
        "--granted",
        type=int,
        default=125,
        help="agencies the measured user is agency lead of (8 permissions each)",
    )
    parser.add_argument(
        "--output",
        default=str(ROOT / "bench" / "results.md"),
        help="where to write the results ('-' for nowhere)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep a copy of the data at each size (PostgreSQL: database BENCH_DB_NAME_<size>; "
        "SQLite: BENCH_KEEP_DIR, default /tmp/bench-keep) for --reuse",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure each size on a copy of the data kept by --keep (migrated first)",
    )
    parser.add_argument("--build-only", action="store_true", help="build (and --keep), no timing")
    parser.add_argument(
        "--no-loops",
        action="store_true",
        help="the actions alone: neither build nor measure the other loops (bench/loops.py)",
    )
    args = parser.parse_args()
    try:
        sizes = sorted(
            SIZES[s.strip().upper()] if s.strip().upper() in SIZES else int(s.replace("_", ""))
            for s in args.sizes.split(",")
            if s.strip()
        )
    except ValueError:
        parser.error(f"--sizes: numbers or {', '.join(SIZES)}")
    if args.granted > args.agencies:
        parser.error("--granted cannot exceed --agencies")

    db, cleanup = prepare_database()
    try:
        configure_django()
        from django.core.management import call_command
        from viewflow.workflow.models import Task

        print(f"== throw-away database: {db}; migrating", flush=True)
        call_command("migrate", verbosity=0, interactive=False)
        t0 = time.perf_counter()
        world = None
        if not args.reuse:
            world = build_world(args.agencies, args.granted)
            print(
                f"== {args.agencies} agencies; the measured user holds "
                f"{world.object_permissions} object permissions "
                f"({args.granted} agencies x 8)",
                flush=True,
            )
        rows: list[Row] = []
        for size in sizes:
            if args.reuse:
                print(f"== reusing {restore(size)}; migrating", flush=True)
                call_command("migrate", verbosity=0, interactive=False)
                world = load_world(args.granted)
            assert world is not None
            granted_ids = {a.pk for a in world.agencies[: args.granted]}
            grow(world, size, granted_ids)
            fill_inbox(world, granted_ids)
            t1 = time.perf_counter()
            loop = None
            if not args.no_loops:
                # added to what a kept copy holds, if it was kept without them: idempotent
                loop = loops.ensure_loop_data(world, size, args.granted)
                world.tasks = Task.objects.count()
                print(
                    f"   other loops: {loop.audit_forms:,} audit forms, {loop.challenges:,} "
                    f"challenges, {loop.plans} plans (the current one {loop.plan_lines} "
                    f"lines, {loop.plan_actions} actions) ({time.perf_counter() - t1:.0f} s)",
                    flush=True,
                )
            analyse()
            print(
                f"== {world.actions:,} actions, {world.tasks:,} tasks "
                f"(built in {time.perf_counter() - t0:.0f} s)",
                flush=True,
            )
            if args.keep:
                print(f"   kept as {keep(size)}", flush=True)
            if args.build_only:
                continue
            print("   measuring", flush=True)
            rows.append(measure(world, args.runs, loop))
            r = rows[-1]
            print(
                f"   ours {r.ours_ms:.1f} ms / {r.ours_queries} queries; stock "
                f"{r.stock_ms:.1f} ms / {r.stock_queries} queries; pages "
                + "; ".join(f"{k} {v[0]:.0f} ms/{v[1]}q" for k, v in r.pages.items())
                + "".join(f"; {k} ERROR {v}" for k, v in r.page_errors.items())
                + "".join(f"; {k} ERROR {v}" for k, v in r.selector_errors.items()),
                flush=True,
            )
        if args.build_only or world is None:
            return 0

        env = environment(db)
        report = table(rows, args.runs)
        verdicts = goals(rows)
        print()
        print("\n".join(report))
        print()
        print("\n".join(verdicts))
        errors = [
            f"- {label} at {r.size:,}: {error}"
            for r in rows
            for label, error in [*r.page_errors.items(), *r.selector_errors.items()]
        ]
        if args.output != "-":
            command = " ".join([".venv/bin/python bench/run.py", *sys.argv[1:]])
            if os.environ.get("BENCH_DATABASE_URL"):
                command = (
                    f"BENCH_DATABASE_URL={redacted(os.environ['BENCH_DATABASE_URL'])} {command}"
                )
            write_results(
                Path(args.output), command.strip(), env, report, verdicts, errors, world, args
            )
            from django.db import connection

            json_path = Path(args.output).with_suffix(".json")
            data = json.loads(json_path.read_text()) if json_path.exists() else {}
            data[connection.vendor] = results_json(rows, verdicts, env, args)
            json_path.write_text(json.dumps(data, indent=2) + "\n")
            print(f"\nwritten to {args.output} and {json_path}")
    finally:
        cleanup()
    return 0


def write_results(
    path: Path,
    command: str,
    env: list[str],
    report: list[str],
    verdicts: list[str],
    errors: list[str],
    world: World,
    args: Any,
) -> None:
    """Each database engine keeps its own section in the file: a run replaces the
    section of the engine it ran on and leaves the other, so the SQLite and the
    PostgreSQL figures can sit side by side."""
    import re

    from django.db import connection
    from django.utils import timezone

    vendor = connection.vendor
    title = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(vendor, vendor)
    body = [
        f"<!-- bench:{vendor} -->",
        f"## {title}",
        "",
        f"Measured {timezone.localtime():%Y-%m-%d %H:%M %Z} with (`make bench` runs the same):",
        "",
        "```",
        command,
        "```",
        "",
        *env,
        f"- data: {args.agencies} agencies; the measured user is agency lead of "
        f"{args.granted} of them ({world.object_permissions} guardian object permissions); "
        "actions cloned from five walked through the services (assigned, in progress, "
        "evidence submitted, accepted, signed off)",
        "- the other loops (`bench/loops.py`): audits and their forms, challenges, the "
        "current plan and past ones, walked through their services and cloned (sizes in "
        "the last table)",
        "",
        *report,
        "",
        "```",
        *verdicts,
        "```",
    ]
    if errors:
        body += ["", "Errors:", "", *errors]
    body.append(f"<!-- /bench:{vendor} -->")
    section = "\n".join(body)

    header = (
        "# Benchmark results\n\nWritten by `bench/run.py` (`make bench`). Each "
        "database has its own section, replaced by the next run on it. What is "
        "measured and how: [README.md](README.md).\n"
    )
    old = path.read_text() if path.exists() else header
    pattern = re.compile(rf"<!-- bench:{vendor} -->.*?<!-- /bench:{vendor} -->", re.S)
    if pattern.search(old):
        text = pattern.sub(lambda _m: section, old)
    else:
        text = old.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
