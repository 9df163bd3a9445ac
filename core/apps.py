from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from core import checks  # noqa: F401  (registers the system checks)
        from core.error_messages import install

        install()  # choice errors never repeat the value sent

        from core import lookups

        lookups.install()  # field__in_literal: partial indexes usable on SQLite

        from datetime import timedelta

        from core.submissions import sweep_used_tokens
        from core.sweeps import DAILY, register_sweep

        # One-time form tokens are kept a day; an hourly sweep forgets the older ones.
        register_sweep("used_submission_tokens", sweep_used_tokens, cadence=timedelta(hours=1))
        # SQLite's planner statistics, without which it ignores the partial indexes
        register_sweep("sqlite_statistics", lookups.refresh_statistics, cadence=DAILY)
