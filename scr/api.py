from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from scr import selectors, services
from scr.models import ModifiableFactor, Recommendation, Review


class RecommendationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Recommendation
        fields = ["id", "review", "number", "text"]


class FactorSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModifiableFactor
        fields = ["id", "domain", "description", "influence", "learning"]


class ReviewSerializer(serializers.ModelSerializer):
    recommendations = RecommendationSerializer(many=True, read_only=True)
    factors = FactorSerializer(many=True, read_only=True)
    rapid_review_due = serializers.DateField(read_only=True)

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
            "recommendations",
            "factors",
        ]


class ReviewViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Reviews the caller may see (see scr/README.md for the rule). ``?kind=scr``..."""

    serializer_class = ReviewSerializer

    def get_queryset(self) -> Any:
        return selectors.review_list(
            user=self.request.user, kind=self.request.query_params.get("kind") or None
        ).prefetch_related("recommendations", "factors")

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.review_create(
            by=self.request.user, **serializer.validated_data
        )


class RecommendationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = RecommendationSerializer

    def get_queryset(self) -> Any:
        return Recommendation.objects.filter(
            review__in=selectors.review_list(user=self.request.user)
        ).order_by("review", "number")

    @extend_schema(request=RecommendationSerializer, responses={201: RecommendationSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = RecommendationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review = body.validated_data["review"]
        if not selectors.review_list(user=request.user).filter(pk=review.pk).exists():
            raise Http404
        rec = services.recommendation_add(
            review=review,
            by=request.user,
            number=body.validated_data["number"],
            text=body.validated_data["text"],
        )
        return Response(RecommendationSerializer(rec).data, status=status.HTTP_201_CREATED)
