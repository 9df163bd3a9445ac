"""The plan in the API (read-only): plans, objectives, recommendation lines (with their
references, outcome measures and the ids of their actions the caller may see) and
milestones, each scoped as the pages are (``improvement_plan.selectors``). A milestone
is recorded met on its page or through ``PATCH /milestones/<id>/`` (the action's lead)."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from actions.models import Milestone
from core.api import ID_PATTERN, IdField, query_params
from core.dates import ApiDateField
from improvement_plan import selectors, services
from improvement_plan.models import Objective, Plan, Provenance, RecommendationLine


class PlanSerializer(serializers.ModelSerializer):
    state = serializers.CharField(read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "title",
            "period",
            "goal",
            "owner",
            "state",
            "approved_by",
            "approved_on",
            "activated_on",
            "closed_on",
        ]


class ObjectiveSerializer(serializers.ModelSerializer):
    class Meta:
        model = Objective
        fields = ["id", "plan", "number", "text"]


class ReferenceSerializer(serializers.ModelSerializer):
    text = serializers.SerializerMethodField()

    class Meta:
        model = Provenance
        fields = ["kind", "number", "paragraph", "sub_part", "text", "inspection"]

    def get_text(self, ref: Provenance) -> str:
        return str(ref)


class LineSerializer(serializers.ModelSerializer):
    references = ReferenceSerializer(source="refs", many=True, read_only=True)
    outcome_measures = serializers.ListField(
        source="measures", child=serializers.CharField(), read_only=True
    )
    actions = serializers.SerializerMethodField()

    class Meta:
        model = RecommendationLine
        fields = [
            "id",
            "objective",
            "position",
            "provenance_text",
            "references",
            "recommendation",
            "sub_part",
            "sub_part_text",
            "lead_text",
            "milestones_text",
            "outcome_measures",
            "actions",
        ]

    def get_actions(self, line: RecommendationLine) -> list[int]:
        return sorted(getattr(line, "action_ids", []))


class MilestoneSerializer(serializers.ModelSerializer):
    completed_on = ApiDateField(allow_null=True, required=True)

    class Meta:
        model = Milestone
        fields = ["id", "action", "position", "text", "kind", "starts_on", "due_on", "completed_on"]
        read_only_fields = ["id", "action", "position", "text", "kind", "starts_on", "due_on"]


class PlanQuery(serializers.Serializer):
    plan = IdField()


class LineQuery(serializers.Serializer):
    plan = IdField()
    objective = IdField()


class MilestoneQuery(serializers.Serializer):
    action = IdField()


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    """Improvement plans the caller may see."""

    serializer_class = PlanSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> Any:
        return selectors.plan_list(self.request.user)


@extend_schema_view(list=extend_schema(parameters=[PlanQuery]))
class ObjectiveViewSet(viewsets.ReadOnlyModelViewSet):
    """The objectives of the plans the caller may see (``?plan=`` for one plan's)."""

    serializer_class = ObjectiveSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> Any:
        qs = Objective.objects.filter(plan__in=selectors.plan_list(self.request.user))
        if self.action == "list":
            plan = query_params(PlanQuery, self.request).get("plan")
            if plan is not None:
                qs = qs.filter(plan_id=plan)
        return qs.order_by("plan", "number")


@extend_schema_view(list=extend_schema(parameters=[LineQuery]))
class LineViewSet(viewsets.ReadOnlyModelViewSet):
    """Recommendation lines the caller may see (``?plan=``, ``?objective=``)."""

    serializer_class = LineSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> Any:
        qs = selectors.visible_lines(self.request.user).prefetch_related(
            Prefetch("refs", queryset=Provenance.objects.order_by("pk"))
        )
        if self.action == "list":
            params = query_params(LineQuery, self.request)
            if params.get("plan") is not None:
                qs = qs.filter(objective__plan_id=params["plan"])
            if params.get("objective") is not None:
                qs = qs.filter(objective_id=params["objective"])
        return qs.order_by("objective__plan", "objective__number", "position")

    def _with_actions(self, lines: list[RecommendationLine]) -> list[RecommendationLine]:
        ids: dict[int, list[int]] = {}
        for pk, line_id in (
            selectors.visible_actions(self.request.user)
            .filter(
                source_content_type=ContentType.objects.get_for_model(RecommendationLine),
                source_object_id__in=[line.pk for line in lines],
            )
            .values_list("pk", "source_object_id")
        ):
            if line_id is not None:
                ids.setdefault(line_id, []).append(pk)
        for line in lines:
            line.action_ids = ids.get(line.pk, [])  # type: ignore[attr-defined]
        return lines

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        lines = self._with_actions(list(page if page is not None else self.get_queryset()))
        data = self.get_serializer(lines, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        line = self._with_actions([self.get_object()])[0]
        return Response(self.get_serializer(line).data)


@extend_schema_view(list=extend_schema(parameters=[MilestoneQuery]))
class MilestoneViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Milestones of the plan actions the caller may see (``?action=``). PATCH
    ``{"completed_on": "2026-03-01"}`` records one met (``null``: open again); the action's
    lead only; its target date follows its next open milestone. PUT is not offered."""

    serializer_class = MilestoneSerializer
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the schema is drawn without a request
            return Milestone.objects.none()
        qs = Milestone.objects.filter(
            action__in=selectors.visible_actions(self.request.user).filter(
                source_content_type=ContentType.objects.get_for_model(RecommendationLine)
            )
        )
        if self.action == "list":
            action = query_params(MilestoneQuery, self.request).get("action")
            if action is not None:
                qs = qs.filter(action_id=action)
        return qs.order_by("action", "position", "due_on", "pk")

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        milestone = self.get_object()
        body = MilestoneSerializer(milestone, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        if "completed_on" not in body.validated_data:
            raise ValidationError({"completed_on": ["This field is required."]})
        try:
            services.milestone_record(
                milestone=milestone,
                by=request.user,
                completed_on=body.validated_data["completed_on"],
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(MilestoneSerializer(milestone).data)
