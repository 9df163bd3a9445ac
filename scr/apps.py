from django.apps import AppConfig


class ScrConfig(AppConfig):
    name = "scr"
    verbose_name = "Reviews (SCR, CSPR, rapid review, CDOP)"
