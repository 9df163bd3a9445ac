from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "Workflows"

    def ready(self) -> None:
        # registers the flows and the receivers (advance_flow, release_tasks_out_of_reach)
        from workflows import base, flows, services  # noqa: F401
