from django.apps import AppConfig


class RiskRegisterConfig(AppConfig):
    name = "risk_register"
    verbose_name = "Risk register"
