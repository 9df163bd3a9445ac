"""``manage.py load_audit_templates``: add the shipped grading scales and starter
templates that are missing (the data migration loads them on a new install; this brings
back one deleted since, or adds a starter shipped later)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand

from audits.starters import load


class Command(BaseCommand):
    help = "Add the grading scales and starter audit templates that are missing."

    def handle(self, *args: Any, **options: Any) -> None:
        made = load(apps.get_model)
        self.stdout.write(f"{made} starter template(s) added.")
