from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.models import Agency
from agencies.selectors import visible_agencies
from core.api import ID_PATTERN, IdField, ScopedPrimaryKeyRelatedField, query_params
from core.dates import ApiDateField
from core.transitions import TransitionForbidden
from scr import selectors, services
from scr.models import (
    RECOMMENDATION_NUMBER_MAX,
    RECOMMENDATION_NUMBER_MIN,
    REVIEW_DATE_NAMES,
    ModifiableFactor,
    Recommendation,
    Review,
    ReviewKind,
)

MOVE_REFUSED = "A recommendation cannot be moved to another review."


# The model's one rule (as on the pages' form): recommendation numbers run from 1 to 999.
NUMBER_LIMITS = {
    "number": {"min_value": RECOMMENDATION_NUMBER_MIN, "max_value": RECOMMENDATION_NUMBER_MAX}
}


def _visible_reviews(user: Any) -> Any:
    return selectors.review_list(user=user)


def _review_field() -> ScopedPrimaryKeyRelatedField:
    """A review the caller may see: any other is the same 400 as one that does not
    exist, and the browsable API offers only these."""
    return ScopedPrimaryKeyRelatedField(scope=_visible_reviews, model=Review)


class RecommendationSerializer(serializers.ModelSerializer):
    review = _review_field()

    class Meta:
        model = Recommendation
        fields = ["id", "review", "number", "text"]
        extra_kwargs = NUMBER_LIMITS


class RecommendationUpdateSerializer(serializers.ModelSerializer):
    """A correction: ``number`` and/or ``text``. ``review`` may be sent only unchanged."""

    review = _review_field()

    class Meta:
        model = Recommendation
        fields = ["id", "review", "number", "text"]
        extra_kwargs = NUMBER_LIMITS
        # uniqueness within the review is the service's to check, with a field error
        validators: list[Any] = []


class FactorSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModifiableFactor
        fields = ["id", "domain", "description", "influence", "learning"]


class ReviewSerializer(serializers.ModelSerializer):
    recommendations = RecommendationSerializer(many=True, read_only=True)
    factors = FactorSerializer(many=True, read_only=True)
    rapid_review_due = serializers.DateField(read_only=True, allow_null=True)
    # an agency whose records the caller sees (the others are as unknown as a bad id)
    lead_agency = ScopedPrimaryKeyRelatedField(
        scope=visible_agencies, model=Agency, required=False, allow_null=True
    )
    notified_on = ApiDateField(
        name=REVIEW_DATE_NAMES["notified_on"], required=False, allow_null=True
    )
    published_on = ApiDateField(
        name=REVIEW_DATE_NAMES["published_on"], required=False, allow_null=True
    )

    class Meta:
        model = Review
        fields = [
            "id",
            "kind",
            "title",
            "pseudonym",
            "notified_on",
            "rapid_review_due",
            "published_on",
            "lead_agency",
            "lead_reviewer",
            "summary",
            "death_category",
            "learning_published_at",
            "recommendations",
            "factors",
        ]
        read_only_fields = ["learning_published_at"]


class ReviewListQuery(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=ReviewKind.choices,
        required=False,
        error_messages={"invalid_choice": "Unknown kind of review “{input}”."},
    )


class RecommendationListQuery(serializers.Serializer):
    review = IdField(help_text="Only this review's recommendations.")


def _require_manager(request: Request) -> None:
    # before the body is validated: a caller who may not edit gets 403, not field errors
    if not services.can_manage(request.user):
        raise TransitionForbidden(services.NOT_PERMITTED)


@extend_schema_view(list=extend_schema(parameters=[ReviewListQuery]))
class ReviewViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Reviews the caller may see (see scr/README.md for the rule). ``?kind=scr``...

    POST creates a review and PATCH corrects one (partnership manager; for a correction
    the fields sent, through ``scr.services.review_update``, which records the change).
    PUT is not offered (405): a correction names only what changes."""

    serializer_class = ReviewSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> Any:
        kind = (
            query_params(ReviewListQuery, self.request).get("kind")
            if self.action == "list"
            else None
        )
        return selectors.review_list(user=self.request.user, kind=kind).prefetch_related(
            "recommendations", "factors"
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _require_manager(request)
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.review_create(
            by=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=ReviewSerializer, responses=ReviewSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        review = self.get_object()
        _require_manager(request)
        body = ReviewSerializer(
            review, data=request.data, partial=True, context=self.get_serializer_context()
        )
        body.is_valid(raise_exception=True)
        services.review_update(review=review, by=request.user, **body.validated_data)
        return Response(ReviewSerializer(self.get_object()).data)


@extend_schema_view(list=extend_schema(parameters=[RecommendationListQuery]))
class RecommendationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Recommendations of the reviews the caller may see (``?review=`` for one review's).
    POST adds one and PATCH corrects the number or text (partnership manager); PUT is not
    offered (405)."""

    serializer_class = RecommendationSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> Any:
        qs = Recommendation.objects.filter(review__in=selectors.review_list(user=self.request.user))
        if self.action == "list":
            review = query_params(RecommendationListQuery, self.request).get("review")
            if review is not None:
                qs = qs.filter(review_id=review)
        return qs.order_by("review", "number")

    @extend_schema(request=RecommendationSerializer, responses={201: RecommendationSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The permission first; then a review the caller may not see is the same 400 as
        # one that does not exist.
        _require_manager(request)
        body = RecommendationSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        review = body.validated_data["review"]
        rec = services.recommendation_add(
            review=review,
            by=request.user,
            number=body.validated_data["number"],
            text=body.validated_data["text"],
        )
        return Response(RecommendationSerializer(rec).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RecommendationUpdateSerializer, responses=RecommendationSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rec = self.get_object()
        _require_manager(request)
        body = RecommendationUpdateSerializer(
            rec, data=request.data, partial=True, context=self.get_serializer_context()
        )
        body.is_valid(raise_exception=True)
        fields = dict(body.validated_data)
        if fields.pop("review", rec.review) != rec.review:
            raise serializers.ValidationError({"review": [MOVE_REFUSED]})
        rec = services.recommendation_update(recommendation=rec, by=request.user, **fields)
        return Response(RecommendationSerializer(rec).data)
