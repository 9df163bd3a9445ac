from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = "Actions and learning checks"

    def ready(self) -> None:
        from datetime import timedelta

        from actions import importing, services
        from core.sweeps import DAILY, register_sweep

        # Overdue, unsigned and learning-check reminders (each at most once a week, by
        # its dedupe key) and escalations: on the first scheduler pass of each day.
        register_sweep("action_reminders", services.action_send_reminders, cadence=DAILY)
        # Plan files uploaded for an import that was checked but never confirmed.
        register_sweep(
            "stale_import_uploads", importing.delete_stale_uploads, cadence=timedelta(hours=1)
        )
        # The partnership overview's actions section (/overview/, the board paper).
        from actions import overview
        from core.overview import register_overview_section

        register_overview_section(
            "actions", title="Actions", order=10, build=overview.build, summary=overview.summary
        )
        # its figures are kept until an action, extension request, learning check or the
        # partnership's amber window changes
        from actions.models import KEPT, Action, ExtensionRequest, LearningCheck
        from agencies.models import Partnership
        from core.kept import watch

        watch(KEPT, Action, ExtensionRequest, LearningCheck, Partnership)
