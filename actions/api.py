"""Actions API: the same selectors and services as the pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action as api_action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from actions import selectors, services, sources
from actions.filters import action_filterset
from actions.models import (
    Action,
    ActionChange,
    LearningCheck,
)
from actions.permissions import editable_fields
from actions.steps import ACTION_STEPS, EvidenceSerializer
from agencies.models import Agency, Membership
from agencies.selectors import holder_q, members_with, visible_agencies
from core.api import (
    ID_PATTERN,
    MAX_ID,
    WHOLE_NUMBER,
    ScopedPrimaryKeyRelatedField,
    ScopedSlugRelatedField,
    query_params,
)
from core.openapi import CONFLICT
from core.steps import StepViewSetMixin
from core.transitions import TransitionForbidden

SOURCE_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "description": "The source's type, such as scr.recommendation"},
        "id": {"type": "integer", "minimum": 1},
        "label": {"type": "string", "readOnly": True},
        "url": {"type": "string", "readOnly": True},
    },
    "required": ["type", "id"],
}


class LearningCheckSerializer(serializers.ModelSerializer):
    action: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(read_only=True)
    decided_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
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
    # (the metaclass takes declared fields off the class: no clash with Field.source)
    source = serializers.SerializerMethodField(  # type: ignore[assignment]
        help_text="Where the action comes from, if anywhere: its type, id, label and link."
    )
    recommendation = serializers.SerializerMethodField(
        help_text="The recommendation the action answers, if any (the source's id when it "
        "is a recommendation)."
    )

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
            "source",
            "recommendation",
            "signed_off_at",
            "learning_check_due_on",
            "created",
            "modified",
        ]

    def get_rag(self, action: Action) -> str:
        return action.rag()

    @extend_schema_field({**SOURCE_SCHEMA, "nullable": True})
    def get_source(self, action: Action) -> dict[str, Any] | None:
        record = action.source if action.source_object_id is not None else None
        entry = sources.source_for(record) if record is not None else None
        if record is None or entry is None:
            return None
        return {
            "type": entry.key,
            "id": record.pk,
            "label": entry.label(record),
            "url": entry.url(record),
        }

    def get_recommendation(self, action: Action) -> int | None:
        # The alias a source registered (scr: "recommendation"), kept for existing callers.
        record = action.source if action.source_object_id is not None else None
        entry = sources.source_for(record) if record is not None else None
        if record is None or entry is None or entry.alias != "recommendation":
            return None
        return int(record.pk)


def _new_target_date(value: date) -> date:
    problem = services.target_date_problem(value)
    if problem:
        raise serializers.ValidationError(problem)
    return value


def _eligible_lead(agency: Agency | int, username: str) -> Any:
    """The member of ``agency`` with ``username`` who may lead its actions
    (``update_action`` on it). Anyone else, whether the account
    exists or not, is the same error: the answer never tells who has an account."""
    lead = members_with(agency, "update_action").filter(username=username).first()
    if lead is None:
        raise serializers.ValidationError(services.LEAD_NOT_IN_AGENCY)
    return lead


# What a new action may name, each as the lists scope it: a source record the caller
# sees (actions.sources: a recommendation of a review they see), an active agency whose
# records they see, and an agency lead of one.
@extend_schema_field(SOURCE_SCHEMA)
class SourceField(serializers.Field):
    """``{"type": "scr.recommendation", "id": 12}``: a record of a registered source that
    the caller may see (any other, whether it exists or not, is the same error)."""

    default_error_messages = {
        "invalid": 'Give the source as {{"type": "scr.recommendation", "id": 12}}.',
        "unknown_type": "Unknown source type “{value}”.",
        "id": WHOLE_NUMBER,
        "does_not_exist": "No such record, or not one you can see.",
    }

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict) or set(data) != {"type", "id"}:
            self.fail("invalid")
        source = sources.by_key(str(data["type"]))
        if source is None:
            self.fail("unknown_type", value=str(data["type"])[:60])
        pk = data["id"]
        if isinstance(pk, bool) or not (
            (isinstance(pk, int) and 1 <= pk <= MAX_ID)
            or (isinstance(pk, str) and pk.isascii() and pk.isdigit() and 0 < len(pk) < 20)
        ):
            self.fail("id")
        request = self.context.get("request")
        record = source.visible_to(getattr(request, "user", None)).filter(pk=int(pk)).first()
        if record is None:
            self.fail("does_not_exist")
        return record

    def to_representation(self, value: Any) -> Any:
        entry = sources.source_for(value)
        return {"type": entry.key if entry else "", "id": value.pk}


def open_agencies(user: Any) -> QuerySet[Agency]:
    return visible_agencies(user).filter(is_active=True)


def visible_leads(user: Any) -> QuerySet[Any]:
    leading = Membership.objects.filter(agency__in=open_agencies(user)).filter(
        holder_q("update_action", user="user", agency="agency")
    )
    return get_user_model().objects.filter(pk__in=leading.values("user_id")).order_by("username")


class ActionCreateSerializer(serializers.Serializer):
    """A new action. Its source (required) is ``source`` (``{"type": ..., "id": ...}``) or
    a source's alias field (``recommendation``: the id of a recommendation)."""

    # (the metaclass takes declared fields off the class: no clash with Field.source)
    source = SourceField(required=False, allow_null=True)  # type: ignore[assignment]
    agency = ScopedPrimaryKeyRelatedField(scope=open_agencies, model=Agency)
    # Anyone who is not an agency lead of an agency the caller sees, whether the account
    # exists or not, is the same error as for a lead of another agency.
    lead = ScopedSlugRelatedField(
        scope=visible_leads,
        model=get_user_model(),
        slug_field="username",
        help_text="The username of a member of the agency who may lead its actions "
        f"(holds update_action on it: {services.LEAD_ROLES}).",
        error_messages={
            "does_not_exist": services.LEAD_NOT_IN_AGENCY,
            "invalid": services.LEAD_NOT_IN_AGENCY,
        },
    )
    description = serializers.CharField()
    target_date = serializers.DateField(
        help_text="Today or later, and within 10 years.",
    )
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=30)

    def validate_target_date(self, value: date) -> date:
        return _new_target_date(value)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each source's alias (scr: "recommendation"), a record the caller may see.
        for entry in sources.sources():
            if entry.alias:
                self.fields[entry.alias] = ScopedPrimaryKeyRelatedField(
                    scope=entry.visible_to,
                    model=entry.model,
                    required=False,
                    allow_null=True,
                    help_text=f"The id of the {entry.kind.lower()} (the same as "
                    f'"source": {{"type": "{entry.key}", "id": ...}}).',
                )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [
            attrs.pop(name)
            for name in ["source", *(e.alias for e in sources.sources() if e.alias)]
            if attrs.get(name) is not None
        ]
        if len(given) > 1:
            raise serializers.ValidationError({"source": ["Give the source once."]})
        attrs["source"] = given[0] if given else None
        # the lead depends on the agency: checked once both fields are valid
        try:
            attrs["lead"] = _eligible_lead(attrs["agency"], attrs["lead"].get_username())
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"lead": exc.detail}) from None
        if not given:  # an action answers something (issue 9): never attached to nothing
            names = ", ".join(f'"{e.alias}"' for e in sources.sources() if e.alias)
            raise serializers.ValidationError(
                {
                    "source": [
                        "Say what the action answers: give its source "
                        '({"type": ..., "id": ...})'
                        + (f" or one of {names}" if names else "")
                        + "."
                    ]
                }
            )
        return attrs


class ActionDetailsSerializer(serializers.Serializer):
    """A change to an open action's details: any of ``description``, ``lead`` and
    ``target_date`` (what is left out stays as it is), and the ``reason``. Built with the
    action in its context: the lead is one of its agency's leads (or the current lead),
    a new target date is today or later and within 10 years."""

    description = serializers.CharField(required=False)
    lead = serializers.CharField(
        required=False,
        help_text="The username of a member of the owning agency who may lead its actions "
        f"({services.LEAD_ROLES}).",
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


class ActionViewSet(StepViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Actions of the agencies the caller may see. Filters: ``agency``, ``review``,
    ``state``, ``rag``, ``mine=1`` and ``q`` (search); a filter that is not valid is a 400
    naming it. Each step is a POST; a step not allowed from the current state is a 409,
    one the caller may not take a 403 (checked before the body is read). ``details/``
    changes an open action's details (with a reason), ``changes/`` lists those
    changes."""

    serializer_class = ActionSerializer
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    lookup_value_regex = ID_PATTERN

    queryset = Action.objects.none()  # the model, for the OpenAPI document

    @property
    def filterset_class(self) -> Any:
        # The list's one FilterSet (actions.filters), as the page's, for the sources
        # registered now; DjangoFilterBackend answers a value that is not valid with a
        # 400 naming the parameter.
        return action_filterset()

    def get_queryset(self) -> Any:
        # Scoped to the caller's agencies; the filters apply to this.
        return selectors.action_list(user=self.request.user)

    def get_serializer_class(self) -> Any:
        # The browsable API's form for a new action is the create serializer's, with its
        # drop-downs scoped to the caller.
        return ActionCreateSerializer if self.action == "create" else ActionSerializer

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
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        created = services.action_create(
            source=d["source"],
            agency=d["agency"],
            lead=d["lead"],
            description=d["description"],
            target_date=d["target_date"],
            by=request.user,
            reference=d.get("reference", ""),
        )
        return Response(ActionSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ActionDetailsSerializer, responses={200: ActionSerializer, **CONFLICT})
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

    @extend_schema(
        request=None,
        responses=ActionChangeSerializer(many=True),
        description="Every change to the action's details, newest first (not paginated).",
    )
    @api_action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def changes(self, request: Request, pk: str | None = None) -> Response:
        action = self.get_object()
        return Response(ActionChangeSerializer(action.changes.select_related("by"), many=True).data)

    # One POST endpoint per step of ACTION_STEPS (core.steps.StepViewSetMixin): start/,
    # progress/, evidence/, submit/, accept/, return/, sign-off/, learning-check/,
    # cancel/. Adding evidence is the POST of evidence/, whose GET lists it.
    steps = ACTION_STEPS

    @extend_schema(
        request=None,
        responses=EvidenceSerializer(many=True),
        description="The action's evidence, newest first (not paginated).",
    )
    @api_action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def evidence(self, request: Request, pk: str | None = None) -> Response:
        action = self.get_object()
        return Response(EvidenceSerializer(action.evidence.select_related("by"), many=True).data)


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
