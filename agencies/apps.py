from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "Agencies and people"

    def ready(self) -> None:
        from agencies import signals  # noqa: F401  (connects the grant sync)
        from core.demo import register_demo

        register_demo("agencies", "agencies.demo.load", order=100)
