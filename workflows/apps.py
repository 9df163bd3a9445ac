from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "Workflows"

    def ready(self) -> None:
        from core.demo import register_demo
        from core.timeline import register_timeline_provider

        # registers the flows and the receivers (advance_flow, release_tasks_out_of_reach,
        # the task lists' TaskDue copy and LeadCannotAct: workflows.signals)
        from workflows import base, flows, services, signals  # noqa: F401

        # tasks picked up, released and reassigned, on every followed record's history
        from workflows.timeline import task_events

        register_timeline_provider("workflows.task_events", task_events)

        # last, after the other demos commit: it runs the scheduler, which sends mail
        register_demo(
            "workflows.learning_checks",
            "workflows.demo.bring_learning_checks_due",
            order=900,
            after_commit=True,
        )
