from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from workflows.scheduler import run_pass


class Command(BaseCommand):
    help = "Fire due workflow timers, run due-date sweeps and send the outbox (every minute)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--loop", action="store_true", help="Run forever, one pass per interval"
        )
        parser.add_argument("--interval", type=int, default=60, help="Seconds between passes")

    def handle(self, *args: Any, loop: bool = False, interval: int = 60, **options: Any) -> None:
        while True:
            result = run_pass()
            self.stdout.write(str(result))
            if not loop:
                return
            time.sleep(interval)
