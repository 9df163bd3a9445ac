from django.apps import AppConfig


class ChallengeLogConfig(AppConfig):
    name = "challenge_log"
    verbose_name = "Challenge log (professional differences)"
