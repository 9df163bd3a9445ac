from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from viewflow.workflow.models import Task

from core.api import ID_PATTERN, query_params
from core.openapi import CONFLICT
from core.transitions import TransitionForbidden
from workflows import selectors, services


class TaskSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    record = serializers.SerializerMethodField()
    record_url = serializers.SerializerMethodField()
    due_on = serializers.SerializerMethodField()
    owner: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Task
        fields = ["id", "title", "status", "owner", "record", "record_url", "due_on", "created"]

    def get_title(self, task: Task) -> str:
        return str(task.flow_task.task_title or task.flow_task)

    def get_record(self, task: Task) -> str:
        return str(task.process.artifact)

    def get_record_url(self, task: Task) -> str | None:
        record = task.process.artifact
        return record.get_absolute_url() if record is not None else None

    def get_due_on(self, task: Task) -> date | None:
        due = getattr(task, "due", None)
        return due.due_on if due else None


class ReassignSerializer(serializers.Serializer):
    username = serializers.CharField()


class TaskListQuery(serializers.Serializer):
    box = serializers.ChoiceField(
        choices=["inbox", "queue", "overdue", "team"],
        required=False,
        default="inbox",
        help_text="inbox: assigned to you; queue: you can pick up; overdue: past their due "
        "date; team: every open task of the agencies whose tasks you manage",
    )


@extend_schema_view(list=extend_schema(parameters=[TaskListQuery]))
class TaskViewSet(viewsets.ReadOnlyModelViewSet):
    """Workflow tasks. ``?box=inbox`` (default), ``queue``, ``overdue`` or ``team`` (every
    open task of the agencies whose tasks you manage)."""

    serializer_class = TaskSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> Any:
        user = self.request.user
        if self.action != "list":
            return selectors.task_visible(user=user).select_related("process", "owner", "due")
        box = query_params(TaskListQuery, self.request)["box"]
        if box == "queue":
            return selectors.task_queue(user=user)
        if box == "overdue":
            return selectors.task_overdue(user=user)
        if box == "team":
            return selectors.task_team(user=user)
        return selectors.task_inbox(user=user)

    @extend_schema(request=None, responses={200: TaskSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        services.task_claim(task=task, by=request.user)
        return Response(TaskSerializer(task).data)

    @extend_schema(request=None, responses={200: TaskSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        services.task_release(task=task, by=request.user)
        return Response(TaskSerializer(task).data)

    @extend_schema(request=ReassignSerializer, responses={200: TaskSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        # The permission comes first: a non-manager must not learn from a 404 or a 400
        # which usernames exist.
        if not services.can_manage(request.user, task):
            raise TransitionForbidden(services.REASSIGN_NOT_MANAGER)
        body = ReassignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        # A bad username is bad input (400 on the field), not a missing resource (404);
        # and no account is the same answer as someone who may not take the task, so a
        # manager cannot probe which usernames exist in other agencies.
        to = (
            get_user_model()
            .objects.filter(username=body.validated_data["username"], is_active=True)
            .first()
        )
        if to is None or not services.can_pick_up(to, task):
            raise serializers.ValidationError({"username": [services.REASSIGN_NOT_ELIGIBLE]})
        services.task_reassign(task=task, to=to, by=request.user)
        return Response(TaskSerializer(task).data)
