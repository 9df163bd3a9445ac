"""Actions API: the same selectors and services as the pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action as api_action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from actions import selectors, services
from actions.forms import target_date_problem
from actions.models import (
    Action,
    ActionChange,
    ActionState,
    EvidenceItem,
    ImpactMethod,
    LearningCheck,
    Rag,
    Verdict,
)
from actions.permissions import editable_fields
from agencies.models import Agency
from agencies.selectors import members_with
from core.api import ID_PATTERN, IdField, query_params
from core.transitions import TransitionForbidden
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


def _new_target_date(value: date) -> date:
    problem = target_date_problem(value)
    if problem:
        raise serializers.ValidationError(problem)
    return value


def _eligible_lead(agency: Agency | int, username: str) -> Any:
    """The agency lead of ``agency`` with ``username``. Anyone else, whether the account
    exists or not, is the same error: the answer never tells who has an account."""
    lead = members_with(agency, "update_action").filter(username=username).first()
    if lead is None:
        raise serializers.ValidationError(services.LEAD_NOT_IN_AGENCY)
    return lead


class ActionCreateSerializer(serializers.Serializer):
    recommendation = serializers.PrimaryKeyRelatedField(
        queryset=Recommendation.objects.all(), required=False, allow_null=True
    )
    agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.filter(is_active=True))
    lead = serializers.CharField(help_text="The username of an agency lead of the agency.")
    description = serializers.CharField()
    target_date = serializers.DateField(
        help_text="Today or later, and within 10 years.",
    )
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=30)

    def validate_target_date(self, value: date) -> date:
        return _new_target_date(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # the lead depends on the agency: checked once both fields are valid
        try:
            attrs["lead"] = _eligible_lead(attrs["agency"], attrs["lead"])
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"lead": exc.detail}) from None
        return attrs


class ActionDetailsSerializer(serializers.Serializer):
    """A change to an open action's details: any of ``description``, ``lead`` and
    ``target_date`` (what is left out stays as it is), and the ``reason``. Built with the
    action in its context: the lead is one of its agency's leads (or the current lead),
    a new target date is today or later and within 10 years."""

    description = serializers.CharField(required=False)
    lead = serializers.CharField(
        required=False, help_text="The username of an agency lead of the owning agency."
    )
    target_date = serializers.DateField(
        required=False, help_text="A new date is today or later, and within 10 years."
    )
    reason = serializers.CharField(
        error_messages={
            "required": services.EDIT_NEEDS_REASON,
            "blank": services.EDIT_NEEDS_REASON,
        }
    )

    def validate_lead(self, value: str) -> Any:
        action: Action = self.context["action"]
        if value == action.lead.get_username():
            return action.lead  # unchanged, even if their role has changed since
        return _eligible_lead(action.agency_id, value)

    def validate_target_date(self, value: date) -> date:
        action: Action = self.context["action"]
        # An overdue action keeps its date when only the lead changes.
        return value if value == action.target_date else _new_target_date(value)


class ActionListQuery(serializers.Serializer):
    """The actions list's filters (query parameters)."""

    agency = IdField(help_text="The owning agency's id.")
    review = IdField(help_text="Actions on this review's recommendations.")
    state = serializers.ChoiceField(
        choices=ActionState.choices,
        required=False,
        error_messages={"invalid_choice": "Unknown state “{input}”."},
    )
    rag = serializers.ChoiceField(
        choices=Rag.choices,
        required=False,
        error_messages={"invalid_choice": "Unknown RAG status “{input}”."},
    )
    mine = serializers.BooleanField(
        required=False, default=False, help_text="Only the actions the caller leads."
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=selectors.SEARCH_MAX_LENGTH,
        help_text="Words in the action's reference or description (any case; every word).",
    )


class LearningCheckListQuery(serializers.Serializer):
    open = serializers.BooleanField(
        required=False, default=False, help_text="Only the checks that are due."
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


@extend_schema_view(list=extend_schema(parameters=[ActionListQuery]))
class ActionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Actions of the agencies the caller may see. Filters: ``agency``, ``review``,
    ``state``, ``rag``, ``mine=1`` and ``q`` (search); a filter that is not valid is a 400
    naming it. Each step is a POST; a step not allowed from the current state is a 409,
    one the caller may not take a 403 (checked before the body is read). ``details/``
    changes an open action's details (with a reason), ``changes/`` lists those
    changes."""

    serializer_class = ActionSerializer
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> Any:
        user = self.request.user
        if self.action != "list":
            return selectors.action_list(user=user)
        params = query_params(ActionListQuery, self.request)
        return selectors.action_list(
            user=user,
            agency=params.get("agency"),
            review=params.get("review"),
            state=params.get("state"),
            rag=params.get("rag"),
            lead=user if params["mine"] else None,
            q=params.get("q"),
        )

    def get_object(self) -> Action:
        pk = str(self.kwargs["pk"])
        # ASCII digits, and no longer than the largest id (2**63 - 1 has 19 digits)
        if not pk.isascii() or not pk.isdigit() or len(pk) > 19:
            raise Http404
        return selectors.action_get(user=self.request.user, pk=int(pk))

    @extend_schema(request=ActionCreateSerializer, responses={201: ActionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The permission comes first: who may not create actions learns nothing from the
        # body's errors (which usernames, agencies or recommendations exist).
        if not request.user.has_perm("actions.manage_plan"):
            raise TransitionForbidden(services.NOT_PERMITTED_CREATE)
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
        action = self.get_object()
        # The permission comes first, as for a step.
        if not editable_fields(action, request.user):
            raise TransitionForbidden(services.NOT_PERMITTED_EDIT)
        body = ActionDetailsSerializer(data=request.data, context={"action": action})
        body.is_valid(raise_exception=True)
        services.action_update_details(action=action, by=request.user, **body.validated_data)
        action.refresh_from_db()
        return Response(ActionSerializer(action).data)

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


@extend_schema_view(list=extend_schema(parameters=[LearningCheckListQuery]))
class LearningCheckViewSet(viewsets.ReadOnlyModelViewSet):
    """Learning checks on actions the caller may see; ``?open=1`` for those due."""

    serializer_class = LearningCheckSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> Any:
        from agencies.selectors import visible_agencies

        qs = LearningCheck.objects.filter(
            action__agency__in=visible_agencies(self.request.user)
        ).select_related("decided_by")
        if self.action == "list" and query_params(LearningCheckListQuery, self.request)["open"]:
            qs = qs.filter(verdict="")
        return qs.order_by("due_on", "pk")
