"""``core.demo``: each app registers its demo; ``load_demo`` runs them in order, in one
transaction (those marked ``after_commit`` after it), sharing one context."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection

from agencies.models import Agency
from core.demo import DemoContext, register_demo, registered_demos, run_demos, unregister_demo
from core.models import Notification
from scr.models import Review

TEST_DEMO = "tests.core.widget"
EARLY = "tests.core.early"
SUBJECT = "Demo registry test"
seen: list[tuple[str, bool]] = []


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def registered() -> Iterator[None]:
    """A demo that exists only in the tests, after the agencies' and before the SCR's:
    it uses a persona the agencies' demo made, and is idempotent by its dedupe key."""
    seen.clear()
    register_demo(TEST_DEMO, widget_demo, order=150)
    register_demo(EARLY, early_demo, order=1)
    try:
        yield
    finally:
        unregister_demo(TEST_DEMO)
        unregister_demo(EARLY)


def early_demo(ctx: DemoContext) -> None:
    seen.append((EARLY, bool(ctx.people)))


def widget_demo(ctx: DemoContext) -> None:
    seen.append((TEST_DEMO, connection.in_atomic_block))
    manager = ctx.people["manager"]
    Notification.objects.get_or_create(
        recipient=manager,
        dedupe_key="demo-registry-test",
        defaults={"subject": SUBJECT, "body": "From a test demo."},
    )
    ctx.records["tests.core"] = manager


def names() -> list[str]:
    return [d.name for d in registered_demos()]


def test_every_app_registers_its_demo_in_order_and_the_flows_run_last():
    assert names() == [
        "agencies",
        "scr",
        "improvement_plan",
        "audits",
        "challenge_log",
        "workflows.learning_checks",
    ]
    last = registered_demos()[-1]
    assert last.after_commit and not any(d.after_commit for d in registered_demos()[:-1])


def test_order_decides_and_after_commit_demos_run_last_whatever_their_order(registered):
    register_demo("tests.core.after", early_demo, order=0, after_commit=True)
    try:
        assert names() == [
            EARLY,
            "agencies",
            TEST_DEMO,
            "scr",
            "improvement_plan",
            "audits",
            "challenge_log",
            "tests.core.after",
            "workflows.learning_checks",
        ]
    finally:
        unregister_demo("tests.core.after")


def test_a_name_taken_by_another_function_is_refused(registered):
    register_demo(TEST_DEMO, widget_demo, order=150)  # the same again: harmless
    with pytest.raises(ValueError, match="already registered"):
        register_demo(TEST_DEMO, early_demo, order=150)
    with pytest.raises(ValueError, match="already registered"):
        register_demo(TEST_DEMO, widget_demo, order=151)


@pytest.mark.django_db(transaction=True)
def test_load_demo_runs_a_registered_demo_with_the_shared_context_and_twice_is_once(
    registered,
):
    call_command("load_demo", verbosity=0)
    # the early demo ran before the agencies' (no people yet); the test's inside the
    # transaction, after the agencies' demo made the personas
    assert seen == [(EARLY, False), (TEST_DEMO, True)]
    assert Notification.objects.filter(subject=SUBJECT).count() == 1
    first = Notification.objects.count()
    call_command("load_demo", verbosity=0)
    assert Notification.objects.filter(subject=SUBJECT).count() == 1
    assert Notification.objects.count() == first


@pytest.mark.django_db
def test_a_failing_demo_rolls_back_every_demo_of_the_run(registered):
    def broken(ctx: DemoContext) -> None:
        raise RuntimeError("broken demo")

    register_demo("tests.core.broken", broken, order=250)  # after the reviews
    try:
        with pytest.raises(RuntimeError, match="broken demo"):
            call_command("load_demo", verbosity=0)
    finally:
        unregister_demo("tests.core.broken")
    assert not Agency.objects.exists() and not Review.objects.exists()
    assert not Notification.objects.filter(subject=SUBJECT).exists()


def test_run_demos_says_the_notes_last(registered, db):
    lines: list[str] = []
    context = run_demos(DemoContext(say=lines.append))
    assert context.notes and lines[-len(context.notes) :] == context.notes
    assert context.notes[0].startswith("Demo partnership ready.")
    assert "Persona: manager" in lines and "Review: Child T serious case review" in lines
    assert any(line.startswith("Scheduler pass:") for line in lines)
