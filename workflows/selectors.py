"""Inbox, queue, overdue and team tasks: our own selectors over viewflow's task table.

viewflow's stock ``Task.objects.user_queue`` loads every object permission into Python
and filters with an unindexable ``Concat(...) IN (...)``. Here the user's grants are read
once per request (``agencies.selectors.agency_grants``, two queries) and turned into
literal ``owner_permission = p AND owner_permission_obj_pk IN (...)`` terms. The number
of queries does not depend on how many tasks or grants exist.

Issue 13 ("Flat at scale"): the lists filter and sort ``workflows.TaskDue``, which
carries each human task's due date together with what the lists filter on, under
partial indexes on open tasks whose order is the order shown (``sort_on``, then the
task). A page is read by keyset (``keyset_page``: the rows after, or before, the last
one shown), so the first page, and every next one, reads about a page of index entries
however many tasks exist; the tab counts are bounded (``bounded_count``: "50+").
``task_inbox`` and the others still return the whole list as a queryset of tasks (the
API pages it); the pages use ``*_rows`` and ``keyset_page``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from actions.models import OPEN_STATES, Action
from agencies.models import Membership
from agencies.selectors import agency_grants, has_partnership_wide
from workflows.base import registered_flows
from workflows.models import LeadCannotAct, TaskDue

QUEUE_STATUSES = [STATUS.NEW]
INBOX_STATUSES = [STATUS.ASSIGNED, STATUS.STARTED]


def queue_permissions() -> list[str]:
    """Every permission a registered flow puts on its human tasks."""
    return list(_queue_permissions())


@cache
def _queue_permissions() -> tuple[str, ...]:
    # the flows are classes, fixed once imported: read them once per process
    perms: set[str] = set()
    for flow_class in registered_flows():
        for node in flow_class.instance.nodes():
            perm = getattr(node, "_owner_permission", None)
            if isinstance(perm, str):
                perms.add(perm)
    return tuple(sorted(perms))


def _ids(agency_ids: frozenset[int]) -> list[str]:
    # viewflow stores owner_permission_obj_pk as text
    return sorted(str(pk) for pk in agency_ids)


def _memo(user: Any, name: str, build: Any) -> Any:
    """``build()``, kept on the user object for the request while their grants stay the
    same object (``agency_grants``' cache, cleared when they change): My work builds
    its lists from the same terms several times, and building the visibility terms of
    every flow costs several milliseconds of Python each time."""
    grants = agency_grants(user)
    store = user.__dict__.setdefault("_workflows_memo", {})
    hit = store.get(name)
    if hit is not None and hit[0] is grants:
        return hit[1]
    value = build()
    store[name] = (grants, value)
    return value


def _permission_q(user: Any) -> Q:
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    return _memo(user, "permission_q", lambda: _build_permission_q(user))  # type: ignore[no-any-return]


def _build_permission_q(user: Any) -> Q:
    grants = agency_grants(user)
    everywhere: list[str] = []
    # permissions held on the same agencies share one term: ``owner_permission IN (...)
    # AND owner_permission_obj_pk IN (...)``. An agency lead holds every task permission
    # on the same agencies, so their queue is one term, not one per permission, which
    # PostgreSQL plans several times faster (each agency list is long).
    by_agencies: dict[frozenset[int], list[str]] = {}
    for perm in queue_permissions():
        app_label, codename = perm.split(".", 1)
        if user.has_perm(perm):  # partnership-wide (group) or superuser
            everywhere.append(perm)
        elif app_label == "agencies" and grants.get(codename):
            by_agencies.setdefault(grants[codename], []).append(perm)
    q = Q(pk__in=[])
    if everywhere:
        q |= Q(owner_permission__in=everywhere)
    for agency_ids, perms in by_agencies.items():
        q |= Q(owner_permission__in=perms, owner_permission_obj_pk__in=_ids(agency_ids))
    return q


def _with_rows(qs: QuerySet[Task], *, visible_to: Any = None) -> QuerySet[Task]:
    """Everything a task table shows, in a fixed number of queries. With
    ``visible_to``, a record the user may not see is not loaded (the task's
    ``process.artifact`` is None): see ``load_tasks``."""
    records = []
    for flow_class in registered_flows():
        qs_records = flow_class.record_queryset()
        if visible_to is not None:
            # the visibility terms on the record itself (never a subquery: SQLite
            # would read every visible record to answer it)
            qs_records = qs_records & flow_class.visible_records(visible_to).order_by()
        records.append(qs_records)
    return qs.select_related("process", "owner", "due").prefetch_related(
        GenericPrefetch("process__artifact", records)
    )


# -- the lists, as rows of TaskDue (what the pages walk) -------------------------------
def inbox_rows(*, user: Any, checked: bool = True) -> QuerySet[TaskDue]:
    """The rows of the tasks assigned to the user (index ``wf_due_inbox_idx``), each
    checked in the walk for whether the user may still see its record. ``checked=False``
    leaves that check to whoever shows the page: My work checks the records of the
    page it loads (``load_tasks(..., visible_to=user)``), which spares it building and
    planning the check for every list on every view."""
    if not user.is_authenticated:
        return TaskDue.objects.none()
    rows = TaskDue.objects.filter(owner=user, held=True)
    return rows.filter(_visible_rows(user)) if checked else rows


def queue_rows(*, user: Any) -> QuerySet[TaskDue]:
    """The rows of the unclaimed tasks the user may pick up (``wf_due_queue_idx`` per
    permission and agency, or ``wf_due_queue_walk_idx`` in due-date order)."""
    # ``status = 'NEW'`` as the partial indexes say it (SQLite uses a partial index only
    # when the query repeats its condition: ``status IN ('NEW')`` would not do)
    return TaskDue.objects.filter(_permission_q(user), status=STATUS.NEW, owner__isnull=True)


def overdue_rows(*, user: Any, checked: bool = True) -> list[QuerySet[TaskDue]]:
    """The rows of the user's own and claimable tasks whose due date has passed: two
    lists that ``keyset_page`` merges, each the start of its tab's own index walk
    (``sort_on`` is the due date wherever it is before today), so overdue needs no
    index of its own and the planner has one index to choose per list (with a second,
    in ``due_on`` order, SQLite took it for the queue and sorted every match). The
    claimable part is the queue's rows, as the queue tab shows them. ``checked``: as
    for ``inbox_rows``."""
    if not user.is_authenticated:
        return [TaskDue.objects.none()]
    today = timezone.localdate()
    return [
        inbox_rows(user=user, checked=checked).filter(sort_on__lt=today),
        queue_rows(user=user).filter(sort_on__lt=today),
    ]


def team_rows(*, user: Any) -> QuerySet[TaskDue]:
    """The rows of every open task of the agencies whose tasks the user manages."""
    if not manages_tasks(user):
        return TaskDue.objects.none()
    return TaskDue.objects.filter(_team_q(user, rows=True), is_open=True)


def _visible_rows(user: Any) -> Q | Exists:
    """``_record_visible_q`` for rows of TaskDue, checked row by row (a correlated
    EXISTS on the row's task), so that the planner walks the list's index in order and
    checks each row it reads, rather than starting from every record the user may see
    and sorting what it finds."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser or has_partnership_wide(user, "view_agency_records"):
        return Q()
    return _memo(user, "visible_rows", lambda: _build_visible_rows(user))  # type: ignore[no-any-return]


def _build_visible_rows(user: Any) -> Exists:
    # the row's task and its process (one join), then per flow its record by primary
    # key among the records the user may see (a correlated EXISTS: never the list of
    # every record the user may see, which grows with the data). One join rather than
    # one per flow keeps the planning short: PostgreSQL plans these lists' queries for
    # longer than it runs them.
    per_flow = Q(pk__in=[])
    for flow_class in registered_flows():
        record = flow_class.visible_records(user).filter(pk=OuterRef("process__artifact_object_id"))
        per_flow |= Q(
            Exists(record),
            process__artifact_content_type=ContentType.objects.get_for_model(
                flow_class.record_model
            ),
        )
    return Exists(Task.objects.filter(per_flow, pk=OuterRef("task_id")))


# -- the lists, as querysets of tasks (the API pages these) -----------------------------
def _tasks_of(rows: QuerySet[TaskDue] | list[QuerySet[TaskDue]], key: str) -> QuerySet[Task]:
    parts = rows if isinstance(rows, list) else [rows]
    which = Q(pk__in=[])
    for part in parts:
        which |= Q(pk__in=part.values("task_id"))
    return _with_rows(Task.objects.filter(which)).order_by(f"due__{key}", "pk")


def task_inbox(*, user: Any) -> QuerySet[Task]:
    """Tasks assigned to the user."""
    return _tasks_of(inbox_rows(user=user), "sort_on")


def task_queue(*, user: Any) -> QuerySet[Task]:
    """Unclaimed tasks the user may pick up."""
    return _tasks_of(queue_rows(user=user), "sort_on")


def task_overdue(*, user: Any) -> QuerySet[Task]:
    """The user's own and claimable tasks whose due date has passed."""
    return _tasks_of(overdue_rows(user=user), "sort_on")


# -- keyset pages -------------------------------------------------------------------------
# What each list is ordered by: a task's due date (``sort_on``: never NULL), then the
# task; overdue too (there ``sort_on`` is the due date: it is before today).
SORT_KEY = ("sort_on", "task_id")
OVERDUE_KEY = SORT_KEY
COUNT_BOUND = 50  # a tab counts up to this, then says "50+"

Cursor = tuple[date, int]


def parse_cursor(value: str | None) -> Cursor | None:
    """``2026-12-31.1234`` (a due date and a task id), or None for anything else."""
    if not value:
        return None
    day, _, pk = value.partition(".")
    try:
        return date.fromisoformat(day), int(pk)
    except ValueError:
        return None


def format_cursor(key: Cursor) -> str:
    return f"{key[0].isoformat()}.{key[1]}"


@dataclass
class KeysetPage:
    """One page of a task list, read by keyset. ``number`` is for display only (and
    for a link that names a page by number alone, read by offset)."""

    object_list: list[Task]
    number: int
    has_next: bool
    has_previous: bool
    first_key: Cursor | None
    last_key: Cursor | None
    count: int = 0  # bounded: at most COUNT_BOUND + 1
    ids: list[int] = field(default_factory=list)  # the tasks', in order (``keyset_keys``)
    paginator: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.paginator = self  # ``page.paginator.count`` as with Django's Paginator

    def __iter__(self) -> Iterator[Task]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def count_label(self) -> str:
        return count_label(self.count)


def count_label(count: int) -> str:
    """A bounded count as a tab shows it: "7", or "50+" past the bound."""
    return f"{COUNT_BOUND}+" if count > COUNT_BOUND else str(count)


def _pieces(
    parts: Sequence[QuerySet[TaskDue]],
    key: tuple[str, str],
    *,
    after: Cursor | None,
    before: Cursor | None,
    limit: int,
) -> list[QuerySet[Any]]:
    """Each part as one index walk of at most ``limit`` keys: after ``after``, or
    before ``before`` (then nearest first, i.e. descending), or from the start."""
    cols = Tuple(F(key[0]), F(key[1]))
    out: list[QuerySet[Any]] = []
    for part in parts:
        if before is not None:
            qs = part.filter(TupleLessThan(cols, before)).order_by(f"-{key[0]}", f"-{key[1]}")
        else:
            if after is not None:
                part = part.filter(TupleGreaterThan(cols, after))
            qs = part.order_by(*key)
        out.append(qs.values_list(*key)[:limit])
    return out


def _as_date(value: Any) -> date:
    # SQLite gives a raw query's dates as text
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def fetch_keys(pieces: Sequence[QuerySet[Any]]) -> list[list[Cursor]]:
    """The (date, task id) keys of several walks (sliced ``values_list`` querysets of
    TaskDue), in ONE query: ``SELECT 0, k.* FROM (walk 0) k UNION ALL SELECT 1, ...``,
    each walk keeping its own ORDER BY and LIMIT (so its own index walk). A walk that
    can match nothing is not sent. The keys of each walk come back unordered."""
    selects: list[str] = []
    params: list[Any] = []
    for i, qs in enumerate(pieces):
        try:
            sql, piece_params = qs.query.sql_with_params()
        except EmptyResultSet:
            continue
        selects.append(f"SELECT {i} AS piece, k.* FROM ({sql}) k")
        params += piece_params
    found: list[list[Cursor]] = [[] for _ in pieces]
    if not selects:
        return found
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        for piece, day, pk in cursor.fetchall():
            found[int(piece)].append((_as_date(day), int(pk)))
    return found


@dataclass
class ListSpec:
    """One list to read with ``keyset_pages``: its rows (one queryset, or several
    merged), the key it is ordered by, where its page starts (``after`` / ``before``
    cursors, else page ``number`` by offset), and whether to read a page and a count."""

    rows: QuerySet[TaskDue] | list[QuerySet[TaskDue]]
    key: tuple[str, str] = ("sort_on", "task_id")
    after: str | None = None
    before: str | None = None
    number: int = 1
    size: int = 25
    page: bool = True
    count: bool = True

    @property
    def parts(self) -> list[QuerySet[TaskDue]]:
        return self.rows if isinstance(self.rows, list) else [self.rows]


def keyset_pages(specs: Sequence[ListSpec]) -> list[KeysetPage]:
    """A page (and a bounded count) of each of several lists in a fixed number of
    queries, however many lists and rows: ONE query for every list's page keys and
    counts (``keyset_keys``), then ONE for the tasks of every page with everything a
    task table shows (``load_tasks``: the task, its process, holder and due date, and
    one query per kind of record). A page reads about a page of index entries (keyset);
    a count at most ``COUNT_BOUND + 1`` per part."""
    pages = keyset_keys(specs)
    load_tasks(pages)
    return pages


def keyset_keys(specs: Sequence[ListSpec]) -> list[KeysetPage]:
    """The pages of ``keyset_pages`` with their task ids only (``page.ids``; the
    ``object_list`` is empty until ``load_tasks``), and their counts: ONE query. My work
    reads every tab's first page and count so, then loads the tasks of the one tab it
    shows (a first page and its count are the same walk: the other tabs' first pages
    cost nothing more)."""
    plans: list[tuple[int, int, Cursor | None, Cursor | None, int, list[int], list[int]]] = []
    pieces: list[QuerySet[Any]] = []
    for spec in specs:
        after_key, before_key = parse_cursor(spec.after), parse_cursor(spec.before)
        if after_key is not None:
            before_key = None
        number = max(1, spec.number)
        offset = 0 if after_key is not None or before_key is not None else (number - 1) * spec.size
        page_at: list[int] = []
        count_at: list[int] = []
        first = after_key is None and before_key is None and offset == 0
        if spec.page:
            # the first page and the count are one walk (of COUNT_BOUND + 1 keys)
            shared = first and spec.count
            limit = offset + spec.size + 1
            walks = _pieces(
                spec.parts,
                spec.key,
                after=after_key,
                before=before_key,
                limit=max(limit, COUNT_BOUND + 1) if shared else limit,
            )
            page_at = list(range(len(pieces), len(pieces) + len(walks)))
            pieces += walks
            if shared:
                count_at = page_at
        if spec.count and not count_at:
            # in the list's own order, so that the count too is an index walk that
            # stops at the bound (unordered, the planner may read every match first)
            walks = [
                part.order_by(*spec.key).values_list(*spec.key)[: COUNT_BOUND + 1]
                for part in spec.parts
            ]
            count_at = list(range(len(pieces), len(pieces) + len(walks)))
            pieces += walks
        plans.append((number, offset, after_key, before_key, spec.size, page_at, count_at))
    found = fetch_keys(pieces)

    pages: list[KeysetPage] = []
    for spec, (number, offset, after_key, before_key, size, page_at, count_at) in zip(
        specs, plans, strict=True
    ):
        keys = sorted((k for i in page_at for k in found[i]), reverse=before_key is not None)
        keys = keys[offset : offset + size + 1]
        more = len(keys) > size
        if before_key is not None:
            keys = keys[:size][::-1]
            has_next, has_previous = True, more
        else:
            keys = keys[:size]
            has_next, has_previous = more, after_key is not None or number > 1
        if spec.page and not keys and number > 1 and after_key is None and before_key is None:
            # past the end (a stale page number): page 1
            page = keyset_keys([ListSpec(rows=spec.rows, key=spec.key, size=size, count=False)])[0]
        else:
            page = KeysetPage(
                object_list=[],
                number=number,
                has_next=has_next,
                has_previous=has_previous,
                first_key=keys[0] if keys else None,
                last_key=keys[-1] if keys else None,
                ids=[pk for _, pk in keys],
            )
        if spec.count:
            page.count = min(sum(len(found[i]) for i in count_at), COUNT_BOUND + 1)
        pages.append(page)
    return pages


def load_tasks(pages: Sequence[KeysetPage], *, visible_to: Any = None) -> None:
    """Fill each page's ``object_list`` with its tasks (``page.ids``, in order) and
    everything a task table shows (``_with_rows``), in ONE query for all the pages
    (then one per kind of record); none if no page has any.

    With ``visible_to``, a task whose record that user may not see is left out (the
    record check of ``inbox_rows``, made here on the page's few records rather than in
    the walk: for lists read with ``checked=False``). Such a task is one the user holds
    at an agency whose records they may no longer see, which ``release_tasks_out_of_
    reach`` has normally put back in the queue: the page is then shorter by it, and the
    bounded count may include it."""
    wanted = [pk for page in pages for pk in page.ids]
    tasks = (
        {t.pk: t for t in _with_rows(Task.objects.filter(pk__in=wanted), visible_to=visible_to)}
        if wanted
        else {}
    )
    for page in pages:
        found = [tasks[pk] for pk in page.ids if pk in tasks]
        if visible_to is not None:
            found = [task for task in found if task.process.artifact is not None]
        page.object_list = found


def keyset_page(
    rows: QuerySet[TaskDue] | list[QuerySet[TaskDue]],
    *,
    key: tuple[str, str] = SORT_KEY,
    after: str | None = None,
    before: str | None = None,
    number: int = 1,
    size: int = 25,
    count: bool = True,
) -> KeysetPage:
    """A page of ``rows`` (one list, or several merged) as tasks with everything a task
    table shows: after the cursor ``after``, before ``before``, or else page ``number``
    by offset (1: the first). Queries: one for the keys (and the bounded count), then
    the page's tasks (``_with_rows``). See ``keyset_pages``."""
    spec = ListSpec(
        rows=rows, key=key, after=after, before=before, number=number, size=size, count=count
    )
    return keyset_pages([spec])[0]


def bounded_count(rows: QuerySet[TaskDue] | list[QuerySet[TaskDue]]) -> int:
    """How many rows, counted up to ``COUNT_BOUND + 1`` (shown as "50+"): a count that
    reads at most that many index entries per list, however long the list is."""
    return bounded_counts([rows])[0]


def bounded_counts(lists: Sequence[QuerySet[TaskDue] | list[QuerySet[TaskDue]]]) -> list[int]:
    """``bounded_count`` of each list, all in one query (My work's three tab counts):
    ``SELECT (SELECT COUNT(*) FROM (... LIMIT 51)), ...``."""
    selects: list[str] = []
    params: list[Any] = []
    for rows in lists:
        parts = rows if isinstance(rows, list) else [rows]
        terms = []
        for part in parts:
            try:
                sql, part_params = (
                    part.order_by().values("task_id")[: COUNT_BOUND + 1].query.sql_with_params()
                )
            except EmptyResultSet:
                continue
            terms.append(f"(SELECT COUNT(*) FROM ({sql}) AS bounded)")
            params += part_params
        selects.append(" + ".join(terms) or "0")
    if not selects:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        counts = cursor.fetchone()
    return [min(int(n), COUNT_BOUND + 1) for n in counts]


def _record_visible_q(user: Any, prefix: str = "") -> Q:
    """Tasks whose record the user may see (``RecordFlow.visible_records``): held
    partnership-wide (or by a superuser), every record; otherwise a subquery per flow.
    What keeps someone who left an agency from opening the tasks they held or finished
    there."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser or has_partnership_wide(user, "view_agency_records"):
        return Q()
    q = Q(pk__in=[])
    for flow_class in registered_flows():
        q |= Q(
            **{
                f"{prefix}process__artifact_content_type": ContentType.objects.get_for_model(
                    flow_class.record_model
                ),
                f"{prefix}process__artifact_object_id__in": flow_class.visible_records(user).values(
                    "pk"
                ),
            }
        )
    return q


def task_visible(*, user: Any) -> QuerySet[Task]:
    """Tasks the user may open: their own, their queue's, and any on an agency whose
    records they may see; in every case only while they may see the task's record (so
    not the tasks they held or finished at an agency they have left)."""
    if not user.is_authenticated:
        return Task.objects.none()
    grants = agency_grants(user)
    q = Q(owner=user) | _permission_q(user) | _team_q(user)
    if user.has_perm("agencies.view_agency_records"):
        q |= Q(owner_permission_obj_pk__isnull=False)
    elif grants.get("view_agency_records"):
        q |= Q(owner_permission_obj_pk__in=_ids(grants["view_agency_records"]))
    return Task.objects.filter(q, _record_visible_q(user), flow_task_type="HUMAN")


def _team_q(user: Any, *, rows: bool = False) -> Q:
    """The tasks the user manages (``manage_agency_tasks``): on the agencies they hold it
    on; held model-wide (the partnership manager), every task, with or without an
    agency (the L&I group's)."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.has_perm("agencies.manage_agency_tasks"):
        # every task (an empty Q() would vanish in an OR)
        return Q(status__isnull=False) if rows else Q(pk__isnull=False)
    agency_ids = agency_grants(user).get("manage_agency_tasks")
    if not agency_ids:
        return Q(pk__in=[])
    # a task on an agency carries one of the agencies' permissions on it: naming them
    # lets the (owner_permission, owner_permission_obj_pk, status) index serve this
    perms = [p for p in queue_permissions() if p.startswith("agencies.")]
    return Q(owner_permission__in=perms, owner_permission_obj_pk__in=_ids(agency_ids))


def manages_tasks(user: Any) -> bool:
    """Whether the user may reassign the tasks of at least one agency."""
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(
        user.has_perm("agencies.manage_agency_tasks")
        or agency_grants(user).get("manage_agency_tasks")
    )


def task_team(*, user: Any) -> QuerySet[Task]:
    """Every open task of the agencies whose tasks the user manages, picked up or not
    (the "Team tasks" page): see ``_team_q``."""
    if not manages_tasks(user):
        return Task.objects.none()
    return _tasks_of(team_rows(user=user), "sort_on")


# -- what My work flags beside tasks -----------------------------------------------------
def actions_without_a_lead(*, user: Any) -> QuerySet[Action]:
    """Open actions whose named lead can no longer act on them (no longer a member of
    the action's agency who may update its actions, or their account is closed), on
    the agencies where ``user`` may change the lead: every agency for the partnership
    manager (``actions.manage_plan``), the agencies they lead for an agency lead; with
    the agency and the lead, and ``lead_is_member``.

    Read from ``LeadCannotAct`` (kept by ``workflows.signals`` when access changes), not
    worked out over every open action on every view: one query for the few (lead,
    agency) pairs, then, only if there are some, the actions of those pairs (by the
    index on the action's lead)."""
    if not user.is_authenticated or not user.is_active:
        return Action.objects.none()
    gaps = LeadCannotAct.objects.all()
    everywhere = user.has_perm("actions.manage_plan") or has_partnership_wide(user, "update_action")
    if not everywhere:
        # the agencies as literal ids from the grants already read for the request (a
        # subquery over guardian's tables cost more than the rest of the check)
        ids = agency_grants(user).get("update_action", frozenset())
        gaps = gaps.filter(agency_id__in=sorted(ids))
    pairs = list(gaps.values_list("user_id", "agency_id")[:LEAD_PAIRS_READ])
    if not pairs:
        return Action.objects.none()
    which = Q(pk__in=[])
    for lead, agency in pairs:
        which |= Q(lead_id=lead, agency_id=agency)
    member = Membership.objects.filter(user=OuterRef("lead"), agency=OuterRef("agency"))
    return (
        Action.objects.filter(which, state__in=OPEN_STATES)
        .annotate(lead_is_member=Exists(member))
        .select_related("agency", "lead")
        .order_by("target_date", "pk")
    )


# At most this many (lead, agency) pairs are read per view; the rest show as these are fixed.
LEAD_PAIRS_READ = 200
