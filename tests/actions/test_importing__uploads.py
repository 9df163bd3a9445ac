"""The plan file kept between the check and the import: stored under ``imports/`` with a
random name, read and deleted safely, and swept by the scheduler after 24 hours
(idempotent, and a file that disappears meanwhile is no error)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from actions import importing
from workflows import scheduler
from workflows.scheduler import run_pass

pytestmark = pytest.mark.django_db


def folder() -> Path:
    return Path(settings.MEDIA_ROOT) / importing.UPLOAD_DIR


def kept(name: str, *, hours_old: float) -> Path:
    """A kept file last written ``hours_old`` hours ago."""
    path = importing.store_upload(b"Review,Action\n", name)
    file = Path(settings.MEDIA_ROOT) / path
    moment = (timezone.now() - timedelta(hours=hours_old)).timestamp()
    os.utime(file, (moment, moment))
    return file


def test_a_checked_file_is_stored_under_a_random_name_read_and_deleted():
    first = importing.store_upload(b"csv bytes", "Plan.CSV")
    second = importing.store_upload(b"xlsx bytes", "plan.xlsx")
    assert first.startswith("imports/") and first.endswith(".csv")
    assert second.endswith(".xlsx")
    token = importing.upload_token(first)
    assert len(token) == 32 and first == f"imports/{token}.csv"
    assert importing.upload_token(second) != token
    assert importing.read_upload(first) == b"csv bytes"
    importing.delete_upload(first)
    importing.delete_upload(first)  # twice: no error
    assert importing.read_upload(first) is None
    assert importing.read_upload(second) == b"xlsx bytes"
    with pytest.raises(ValueError):
        importing.store_upload(b"x", "plan.pdf")


@pytest.mark.parametrize(
    "path", ["evidence/2026/report.pdf", "imports/../secret.csv", "/etc/passwd", "imports/x.txt"]
)
def test_only_kept_plan_files_are_read_or_deleted(path):
    outside = Path(settings.MEDIA_ROOT) / "evidence" / "2026" / "report.pdf"
    outside.parent.mkdir(parents=True, exist_ok=True)
    outside.write_bytes(b"%PDF")
    assert importing.read_upload(path) is None
    importing.delete_upload(path)
    assert outside.exists()


def test_the_sweep_deletes_files_older_than_a_day_and_keeps_the_rest():
    old = kept("plan.csv", hours_old=25)
    older = kept("plan.xlsx", hours_old=24 * 9)
    recent = kept("plan.csv", hours_old=23)
    fresh = kept("plan.xlsx", hours_old=0)
    assert importing.delete_stale_uploads(timezone.localdate()) == 2
    assert not old.exists() and not older.exists()
    assert recent.exists() and fresh.exists()
    # idempotent: a second run finds nothing more to do
    assert importing.delete_stale_uploads(timezone.localdate()) == 0
    assert recent.exists() and fresh.exists()
    # a moment may be given instead of the scheduler's today
    assert importing.delete_stale_uploads(timezone.now() + timedelta(hours=2)) == 1
    assert not recent.exists() and fresh.exists()


def test_the_sweep_tolerates_no_folder_and_a_file_that_disappears():
    assert not folder().exists()
    assert importing.delete_stale_uploads(timezone.localdate()) == 0
    kept("plan.csv", hours_old=30)
    # listed, then gone before its age is read (a dangling link stands for it)
    os.symlink(folder() / "gone.csv", folder() / "vanished.csv")
    assert importing.delete_stale_uploads(timezone.localdate()) == 1
    assert [p.name for p in folder().iterdir()] == ["vanished.csv"]


def test_the_scheduler_runs_the_sweep():
    assert scheduler.SWEEPS["stale_import_uploads"] is importing.delete_stale_uploads
    old = kept("plan.csv", hours_old=48)
    new = kept("plan.csv", hours_old=1)
    assert run_pass().sweeps["stale_import_uploads"] == 1
    assert run_pass().sweeps["stale_import_uploads"] == 0
    assert not old.exists() and new.exists()
    # the scheduler's "today" a few days on: its midnight is the moment
    later = timezone.localdate() + timedelta(days=3)
    assert run_pass(later).sweeps["stale_import_uploads"] == 1
    assert not new.exists()
