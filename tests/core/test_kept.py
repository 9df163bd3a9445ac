"""Issue 13: figures kept between requests until their records change (``core.kept``),
with real commits (the stamp is replaced after a commit): the overview's actions figures
are scanned once per change, not once per view, and are never stale after a commit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actions.models import KEPT, Action, ActionState
from agencies.models import Partnership
from core import kept
from core.overview import build_overview_summary
from tests.factories import ActionFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _nothing_kept():
    kept.forget()
    yield
    kept.forget()


def counter():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return calls, compute


def test_the_first_read_starts_the_stamp():
    assert kept.stamp_of("things") is None
    _calls, compute = counter()
    assert [kept.kept("things", key=1, compute=compute) for _ in range(3)] == [1, 1, 1]
    assert kept.stamp_of("things") is not None


def test_a_value_is_kept_until_a_change_commits():
    kept.changed("things")  # outside a transaction: at once
    first = kept.stamp_of("things")
    assert first is not None
    _calls, compute = counter()
    assert kept.kept("things", key=1, compute=compute) == 1
    with CaptureQueriesContext(connection) as ctx:
        assert kept.kept("things", key=1, compute=compute) == 1  # kept: not computed
    assert len(ctx) == 1  # the stamp alone
    assert kept.kept("things", key=2, compute=compute) == 2  # another key: its own value
    with transaction.atomic():
        kept.changed("things")
        kept.changed("things")  # once per transaction
        assert len([c for c in connection.run_on_commit if kept._pending("things")]) == 1
        # the writer's own reads see its change at once
        assert kept.kept("things", key=1, compute=compute) == 3
        assert kept.stamp_of("things") == first  # not replaced before the commit
    assert kept.stamp_of("things") != first
    assert kept.kept("things", key=1, compute=compute) == 4
    assert kept.kept("things", key=1, compute=compute) == 4


def test_a_rolled_back_change_replaces_nothing():
    kept.changed("things")
    first = kept.stamp_of("things")
    with pytest.raises(RuntimeError), transaction.atomic():
        kept.changed("things")
        raise RuntimeError
    assert kept.stamp_of("things") == first


@pytest.mark.parametrize(
    "write",
    [
        lambda a: a.save(),
        lambda a: Action.objects.filter(pk=a.pk).update(description="Changed"),
        lambda a: Action.objects.filter(pk=a.pk).delete(),
        lambda a: Action.objects.bulk_create(
            [Action(agency=a.agency, lead=a.lead, description="More", target_date=a.target_date)]
        ),
        lambda a: Partnership.current().save(),
    ],
    ids=["save", "update", "delete", "bulk_create", "amber window"],
)
def test_every_way_of_writing_actions_replaces_their_stamp(write, agency_a, alice, manager):
    action = ActionFactory(agency=agency_a, lead=alice, by=manager)
    before = kept.stamp_of(KEPT)
    assert before is not None  # made by the factory's commit
    write(action)
    assert kept.stamp_of(KEPT) != before


def test_the_overview_counts_again_after_a_committed_change(chair, agency_a, alice, manager):
    Partnership.current()  # made once, if missing (a change of its own)
    late = ActionFactory(
        agency=agency_a,
        lead=alice,
        by=manager,
        target_date=timezone.localdate() + timedelta(days=90),
    )

    def overdue() -> int:
        (section,) = build_overview_summary(chair, only=["actions"])
        return {f.label: f.value for f in section.figures.key_figures}["Overdue"]

    assert overdue() == 0
    with CaptureQueriesContext(connection) as ctx:
        assert overdue() == 0
    assert len(ctx) == 2  # the stamp and the visible agencies: no scan
    # the target date passes (a committed change, as a page's transition makes it)
    Action.objects.filter(pk=late.pk).update(target_date=timezone.localdate() - timedelta(days=1))
    assert overdue() == 1
    late.refresh_from_db()
    assert late.state == ActionState.ASSIGNED


@pytest.mark.parametrize(
    "write",
    [
        lambda a: Action.objects.filter(pk=a.pk).update(description="Changed"),
        lambda a: Action.objects.filter(pk=a.pk).delete(),
        lambda a: Action.objects.bulk_create(
            [Action(agency=a.agency, lead=a.lead, description="More", target_date=a.target_date)]
        ),
    ],
    ids=["update", "delete", "bulk_create"],
)
def test_outside_a_transaction_the_stamp_is_replaced_after_the_write(
    write, agency_a, alice, manager
):
    """Replaced before, a reader in between would keep the old figures under the new
    stamp, and nothing would replace it again."""
    action = ActionFactory(agency=agency_a, lead=alice, by=manager)
    with CaptureQueriesContext(connection) as ctx:
        write(action)
    sql = [q["sql"] for q in ctx.captured_queries]
    wrote = max(i for i, q in enumerate(sql) if '"actions_action"' in q and "SELECT" not in q[:8])
    stamped = next(i for i, q in enumerate(sql) if '"core_datastamp"' in q)
    assert wrote < stamped, sql
