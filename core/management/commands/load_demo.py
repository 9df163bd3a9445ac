"""``manage.py load_demo``: the demo partnership, made by the demo each app registers
(``core.demo``), idempotent.

The agencies' demo (``agencies.demo``) makes the partner agencies and one persona per
role, all with ``agencies.demo.DEMO_PASSWORD``; the reviews' (``scr.demo``) makes two
reviews and a CDOP learning record, with actions in every interesting state made only
through ``actions.services``; the workflows' brings two learning checks due by letting
the scheduler fire their timers. Running it again changes nothing.

Demo only: never load the demo into a live install.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from core.demo import DemoContext, run_demos


class Command(BaseCommand):
    help = "Load the demo partnership, personas, reviews and actions (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = int(options.get("verbosity", 1))

        def say(text: str) -> None:
            if verbosity:
                self.stdout.write(text)

        run_demos(DemoContext(say=say))
