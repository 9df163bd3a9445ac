from __future__ import annotations

from typing import Any

from django.apps import AppConfig


def ensure_default_stages(sender: Any, **kwargs: Any) -> None:
    """After every migrate (and every flush, which sends post_migrate too), a partnership
    with no stages of escalation has the default four; stages it has set are kept."""
    from challenge_log.models import Stage
    from challenge_log.stages import DEFAULT_STAGES

    using = kwargs.get("using", "default")
    from django.db import connections

    if Stage._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated back to before the table
    if Stage.objects.using(using).exists():
        return
    for number, name, responder, days, urgent in DEFAULT_STAGES:
        Stage.objects.using(using).get_or_create(
            number=number,
            defaults={
                "name": name,
                "responder": responder,
                "working_days": days,
                "urgent_working_days": urgent,
            },
        )


class ChallengeLogConfig(AppConfig):
    name = "challenge_log"
    verbose_name = "Challenge log (professional differences)"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(
            ensure_default_stages, sender=self, dispatch_uid="challenge_log.default_stages"
        )
        from challenge_log import services
        from core.demo import register_demo
        from core.sweeps import EVERY_PASS, register_sweep

        # A missed deadline escalates on the first pass after it (once: see
        # services.escalate_missed); the query is one indexed read when nothing is due.
        register_sweep(
            "challenge_escalations", services.challenge_escalate_overdue, cadence=EVERY_PASS
        )
        register_demo("challenge_log", "challenge_log.demo.load", order=400)
        register_challenges_as_action_sources()
        from challenge_log import overview
        from core.overview import register_overview_section

        register_overview_section(
            "challenges",
            title="Challenge log",
            order=40,
            build=overview.build,
            summary=overview.summary,
        )


def register_challenges_as_action_sources() -> None:
    """A resolved challenge's learning becomes a shared action (created by the
    partnership manager from the challenge page), with its own follow-up and learning
    check; the action names the challenge as its source."""
    from actions.sources import register_source
    from challenge_log import selectors
    from challenge_log.models import Challenge

    register_source(
        Challenge,
        kind="Challenge",
        label=lambda c: f"Challenge {c.reference}",
        url=lambda c: c.get_absolute_url(),
        text=lambda c: c.learning,
        visible_to=lambda user: selectors.challenge_list(user=user),
        export_columns=[("Challenge", lambda c: c.reference)],
        related=["challenged_agency", "raised_by_agency"],
        alias="challenge",
    )
