"""Load the seed's improvement plan (``improvement_plan/seed/``) as a draft plan.

    manage.py load_improvement_plan --lead "Transformation lead=jsmith" --lead "partners=manager"

Each ``--lead`` names the person (username) for a lead the people on file do not match;
the command lists the unmatched ones and loads nothing until every lead is matched.
Loading sends no e-mail; the plan's reminders start when it is made active."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.tabular import TabularError
from improvement_plan.loading import load_seed_plan


class Command(BaseCommand):
    help = "Load the seed's improvement plan as a draft plan."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--lead",
            action="append",
            default=[],
            metavar="LEAD=USERNAME",
            help="The person for a lead as the plan writes it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model().objects
        leads = {}
        for pair in options["lead"]:
            text, _, username = pair.partition("=")
            user = users.filter(username=username.strip(), is_active=True).first()
            if not text.strip() or user is None:
                raise CommandError(f"--lead {pair!r}: give LEAD=USERNAME of an active user")
            leads[text.strip()] = user
        try:
            plan = load_seed_plan(leads=leads)
        except TabularError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        lines = sum(o.lines.count() for o in plan.objectives.all())
        self.stdout.write(f"Loaded “{plan}” ({plan.get_state_display()}): {lines} lines.")
