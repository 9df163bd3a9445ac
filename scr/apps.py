from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

# The national CDOP categories of death; partnerships may add or retire their own.
DEATH_CATEGORIES = [
    "Deliberately inflicted injury, abuse or neglect",
    "Suicide or deliberate self-inflicted harm",
    "Trauma and other external factors",
    "Malignancy",
    "Acute medical or surgical condition",
    "Chronic medical condition",
    "Chromosomal, genetic and congenital anomalies",
    "Perinatal or neonatal event",
    "Infection",
    "Sudden unexpected, unexplained death",
]


def ensure_death_categories(sender: Any, **kwargs: Any) -> None:
    """After every migrate (and every flush, which sends post_migrate too), the national
    categories exist; ones an administrator retired stay retired."""
    if sender.name != "scr":
        return
    from scr.models import DeathCategory

    for order, name in enumerate(DEATH_CATEGORIES, start=1):
        DeathCategory.objects.get_or_create(name=name, defaults={"order": order})


class ScrConfig(AppConfig):
    name = "scr"
    verbose_name = "Reviews (SCR, CSPR, rapid review, CDOP)"

    def ready(self) -> None:
        post_migrate.connect(
            ensure_death_categories, sender=self, dispatch_uid="scr.ensure_death_categories"
        )
