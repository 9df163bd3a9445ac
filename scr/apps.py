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
        from core.demo import register_demo

        register_demo("scr", "scr.demo.load", order=200)
        register_recommendations_as_action_sources()


def register_recommendations_as_action_sources() -> None:
    """How a recommendation appears as an action's source (``actions.sources``): its
    label and link, its review to group and filter by, the export's columns, how a plan
    row finds or creates it, and the alias ``recommendation`` of the API's create field
    and of the create page's query parameter."""
    from actions.sources import Parent, register_source
    from scr import importing, selectors
    from scr.models import Recommendation, Review

    def visible_recommendations(user: Any) -> Any:
        return Recommendation.objects.filter(review__in=selectors.review_list(user=user))

    register_source(
        Recommendation,
        kind="Recommendation",
        label=str,  # "Child T recommendation 2"
        url=lambda r: r.get_absolute_url(),
        text=lambda r: r.text,
        visible_to=visible_recommendations,
        parent=Parent(
            model=Review,
            param="review",
            lookup="review",
            visible_to=lambda user: selectors.review_list(user=user),
            help_text="Actions on this review's recommendations.",
        ),
        export_columns=[
            (importing.REVIEW, lambda r: r.review.title),
            (importing.KIND, lambda r: r.review.get_kind_display()),
            (importing.RECOMMENDATION_NO, lambda r: r.number, None),
            (importing.RECOMMENDATION, lambda r: r.text),
        ],
        related=["review"],
        alias="recommendation",
        importer=importing.RecommendationImporter(),
    )
