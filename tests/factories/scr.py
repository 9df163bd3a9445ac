"""Reviews, their recommendations and CDOP modifiable factors. Made as rows (as an import
or the admin would leave them); corrections (``ReviewChangeFactory``) go through
``scr.services`` so their History is real."""

from __future__ import annotations

from typing import Any

import factory

from scr import services
from scr.models import (
    DeathCategory,
    FactorDomain,
    Influence,
    ModifiableFactor,
    Recommendation,
    Review,
    ReviewChange,
    ReviewKind,
)
from tests.factories.agencies import partnership_manager


class ReviewFactory(factory.django.DjangoModelFactory[Review]):
    class Meta:
        model = Review

    kind = ReviewKind.SCR
    title = "Child T serious case review"
    pseudonym = "Child T"
    lead_agency = None

    class Params:
        cdop = factory.Trait(
            kind=ReviewKind.CDOP,
            title="Baby R CDOP learning",
            pseudonym="Baby R",
            death_category=factory.LazyFunction(
                lambda: DeathCategory.objects.order_by("order").first()
            ),
        )


class DeathCategoryFactory(factory.django.DjangoModelFactory[DeathCategory]):
    """A category of death (the national ones are seeded after every migrate and flush)."""

    class Meta:
        model = DeathCategory
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Local category {n}")
    order = factory.Sequence(lambda n: 100 + n)


def _next_number(rec: Any) -> int:
    numbers = rec.review.recommendations.values_list("number", flat=True)
    return max(numbers, default=0) + 1


class RecommendationFactory(factory.django.DjangoModelFactory[Recommendation]):
    """A recommendation of ``review`` (a new SCR unless given), numbered after the last."""

    class Meta:
        model = Recommendation

    review = factory.SubFactory(ReviewFactory)
    number = factory.LazyAttribute(_next_number)
    text = "Improve information sharing"


class ModifiableFactorFactory(factory.django.DjangoModelFactory[ModifiableFactor]):
    class Meta:
        model = ModifiableFactor

    review = factory.SubFactory(ReviewFactory, cdop=True)
    domain = FactorDomain.SERVICES
    description = "Health visiting did not follow up a missed appointment"
    influence = Influence.CONTRIBUTED
    learning = ""


class ReviewChangeFactory(factory.django.DjangoModelFactory[ReviewChange]):
    """A correction made through ``scr.services``: ``changes`` (field: new value) to the
    review, or to ``recommendation`` when given; ``by`` the partnership manager unless
    given. Returns the History row it wrote."""

    class Meta:
        model = ReviewChange

    recommendation = None
    review = factory.LazyAttribute(
        lambda o: o.recommendation.review if o.recommendation is not None else ReviewFactory()
    )
    by = factory.LazyFunction(partnership_manager)
    changes = factory.LazyAttribute(
        lambda o: (
            {"text": f"{o.recommendation.text} (corrected)"}
            if o.recommendation is not None
            else {"title": f"{o.review.title} (corrected)"}
        )
    )

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> ReviewChange:
        review, rec, by = kwargs["review"], kwargs["recommendation"], kwargs["by"]
        if rec is not None:
            services.recommendation_update(recommendation=rec, by=by, **kwargs["changes"])
            return rec.changes.order_by("-pk").first()
        services.review_update(review=review, by=by, **kwargs["changes"])
        return review.changes.order_by("-pk").first()
