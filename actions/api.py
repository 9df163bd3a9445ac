"""Actions API: the same selectors and services as the pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action as api_action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from actions import selectors, services
from actions.models import (
    Action,
    ActionChange,
    ActionState,
    EvidenceItem,
    ImpactMethod,
    LearningCheck,
    Verdict,
)
from agencies.models import Agency
from scr.models import Recommendation


class EvidenceSerializer(serializers.ModelSerializer):
    by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceItem
        fields = [
            "id",
            "description",
            "original_name",
            "file_type",
            "size",
            "by",
            "at",
            "download_url",
        ]

    def get_download_url(self, item: EvidenceItem) -> str | None:
        return item.get_download_url() if item.file else None


class LearningCheckSerializer(serializers.ModelSerializer):
    decided_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = LearningCheck
        fields = [
            "id",
            "action",
            "due_on",
            "opened_at",
            "method",
            "evidence",
            "verdict",
            "decided_by",
            "decided_at",
            "next_check_on",
        ]


class ActionSerializer(serializers.ModelSerializer):
    agency: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    lead: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    rag = serializers.SerializerMethodField()
    recommendation = serializers.SerializerMethodField()

    class Meta:
        model = Action
        fields = [
            "id",
            "reference",
            "description",
            "agency",
            "agency_name",
            "lead",
            "target_date",
            "state",
            "rag",
            "recommendation",
            "signed_off_at",
            "learning_check_due_on",
            "created",
            "modified",
        ]

    def get_rag(self, action: Action) -> str:
        return action.rag()

    def get_recommendation(self, action: Action) -> int | None:
        return action.source_object_id if isinstance(action.source, Recommendation) else None


class ActionCreateSerializer(serializers.Serializer):
    recommendation = serializers.PrimaryKeyRelatedField(
        queryset=Recommendation.objects.all(), required=False, allow_null=True
    )
    agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.filter(is_active=True))
    lead = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True)
    )
    description = serializers.CharField()
    target_date = serializers.DateField()
    reference = serializers.CharField(required=False, allow_blank=True, default="")


class ActionDetailsSerializer(serializers.Serializer):
    """A change to an open action's details: any of ``description``, ``lead`` and
    ``target_date`` (what is left out stays as it is), and the ``reason``."""

    description = serializers.CharField(required=False)
    lead = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
    )
    target_date = serializers.DateField(required=False)
    reason = serializers.CharField(
        error_messages={
            "required": services.EDIT_NEEDS_REASON,
            "blank": services.EDIT_NEEDS_REASON,
        }
    )


class ActionChangeSerializer(serializers.ModelSerializer):
    by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    changed = serializers.DictField(
        source="fields",
        child=serializers.ListField(child=serializers.CharField()),
        read_only=True,
        help_text="{field: [old, new]}, as displayed",
    )

    class Meta:
        model = ActionChange
        fields = ["id", "at", "by", "reason", "changed"]
        read_only_fields = fields


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ProgressSerializer(serializers.Serializer):
    text = serializers.CharField()


class EvidenceUploadSerializer(serializers.Serializer):
    description = serializers.CharField()
    file = serializers.FileField(required=False, allow_null=True)


class LearningCheckInputSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=ImpactMethod.choices)
    evidence = serializers.CharField()
    verdict = serializers.ChoiceField(choices=Verdict.choices)


class ActionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Actions of the agencies the caller may see. Filters: ``agency``, ``review``,
    ``state``, ``rag``, ``mine=1``. Each step is a POST; a step not allowed from the
    current state is a 409, one the caller may not take a 403. ``details/`` changes an
    open action's details (with a reason), ``changes/`` lists those changes."""

    serializer_class = ActionSerializer
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self) -> Any:
        user = self.request.user
        if self.action != "list":
            return selectors.action_list(user=user)
        params = self.request.query_params

        def _int(name: str) -> int | None:
            value = params.get(name, "")
            if value and not value.isdigit():
                raise serializers.ValidationError({name: ["Must be a whole number."]})
            return int(value) if value else None

        state = params.get("state") or None
        if state and state not in ActionState.values:
            raise serializers.ValidationError({"state": [f"Unknown state “{state}”."]})
        return selectors.action_list(
            user=user,
            agency=_int("agency"),
            review=_int("review"),
            state=state,
            rag=params.get("rag") or None,
            lead=user if params.get("mine") == "1" else None,
        )

    def get_object(self) -> Action:
        pk = self.kwargs["pk"]
        if not str(pk).isdigit():
            from django.http import Http404

            raise Http404
        return selectors.action_get(user=self.request.user, pk=int(pk))

    @extend_schema(request=ActionCreateSerializer, responses={201: ActionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = ActionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        created = services.action_create(
            source=d.get("recommendation"),
            agency=d["agency"],
            lead=d["lead"],
            description=d["description"],
            target_date=d["target_date"],
            by=request.user,
            reference=d.get("reference", ""),
        )
        return Response(ActionSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ActionDetailsSerializer, responses=ActionSerializer)
    @api_action(detail=True, methods=["post"])
    def details(self, request: Request, pk: str | None = None) -> Response:
        return self._step(
            request,
            ActionDetailsSerializer,
            lambda a, d: services.action_update_details(action=a, by=request.user, **d),
        )

    @extend_schema(request=None, responses=ActionChangeSerializer(many=True))
    @api_action(detail=True, methods=["get"])
    def changes(self, request: Request, pk: str | None = None) -> Response:
        action = self.get_object()
        return Response(ActionChangeSerializer(action.changes.select_related("by"), many=True).data)

    def _step(self, request: Request, serializer_class: Any, run: Any) -> Response:
        action = self.get_object()
        body = serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        run(action, body.validated_data)
        action.refresh_from_db()
        return Response(ActionSerializer(action).data)

    @extend_schema(request=NoteSerializer, responses=ActionSerializer)
    @api_action(detail=True, methods=["post"], url_path="start")
    def start(self, request: Request, pk: str | None = None) -> Response:
        return self._step(
            request,
            NoteSerializer,
            lambda a, d: services.action_start_work(action=a, by=request.user, note=d["note"]),
        )

    @extend_schema(request=ProgressSerializer, responses=ActionSerializer)
    @api_action(detail=True, methods=["post"])
    def progress(self, request: Request, pk: str | None = None) -> Response:
        return self._step(
            request,
            ProgressSerializer,
            lambda a, d: services.action_report_progress(action=a, by=request.user, text=d["text"]),
        )

    @extend_schema(request=EvidenceUploadSerializer, responses={201: EvidenceSerializer})
    @api_action(detail=True, methods=["get", "post"])
    def evidence(self, request: Request, pk: str | None = None) -> Response:
        action = self.get_object()
        if request.method == "GET":
            return Response(
                EvidenceSerializer(action.evidence.select_related("by"), many=True).data
            )
        body = EvidenceUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.action_add_evidence(
            action=action,
            by=request.user,
            description=body.validated_data["description"],
            file=body.validated_data.get("file"),
        )
        return Response(EvidenceSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=NoteSerializer, responses=ActionSerializer)
    @api_action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._step(
            request,
            NoteSerializer,
            lambda a, d: services.action_submit_evidence(action=a, by=request.user, note=d["note"]),
        )

    @extend_schema(request=NoteSerializer, responses=ActionSerializer)
    @api_action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        return self._step(
            request,
            NoteSerializer,
            lambda a, d: services.action_accept_evidence(action=a, by=request.user, note=d["note"]),
        )

    @extend_schema(request=ReasonSerializer, responses=ActionSerializer)
    @api_action(detail=True, methods=["post"], url_path="return")
    def return_evidence(self, request: Request, pk: str | None = None) -> Response:
        return self._step(
            request,
            ReasonSerializer,
            lambda a, d: services.action_return_evidence(
                action=a, by=request.user, reason=d["reason"]
            ),
        )

    @extend_schema(request=NoteSerializer, responses=ActionSerializer)
    @api_action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request: Request, pk: str | None = None) -> Response:
        return self._step(
            request,
            NoteSerializer,
            lambda a, d: services.action_sign_off(action=a, by=request.user, note=d["note"]),
        )

    @extend_schema(request=LearningCheckInputSerializer, responses=ActionSerializer)
    @api_action(detail=True, methods=["post"], url_path="learning-check")
    def learning_check(self, request: Request, pk: str | None = None) -> Response:
        return self._step(
            request,
            LearningCheckInputSerializer,
            lambda a, d: services.action_record_learning_check(action=a, by=request.user, **d),
        )

    @extend_schema(request=ReasonSerializer, responses=ActionSerializer)
    @api_action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        return self._step(
            request,
            ReasonSerializer,
            lambda a, d: services.action_cancel(action=a, by=request.user, reason=d["reason"]),
        )


class LearningCheckViewSet(viewsets.ReadOnlyModelViewSet):
    """Learning checks on actions the caller may see; ``?open=1`` for those due."""

    serializer_class = LearningCheckSerializer

    def get_queryset(self) -> Any:
        from agencies.selectors import visible_agencies

        qs = LearningCheck.objects.filter(
            action__agency__in=visible_agencies(self.request.user)
        ).select_related("decided_by")
        if self.request.query_params.get("open") == "1":
            qs = qs.filter(verdict="")
        return qs.order_by("due_on", "pk")
