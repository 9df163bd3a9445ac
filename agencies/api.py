from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency, ApiToken
from agencies.selectors import visible_agencies
from agencies.tokens import issue_token
from core.api import ID_PATTERN


class AgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name", "short_name", "kind", "is_active"]


class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    """Agencies whose records the caller may see."""

    serializer_class = AgencySerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> Any:
        return visible_agencies(self.request.user).order_by("name")


# -- API tokens (agencies/tokens.py has the rules) -------------------------------------------
LOCKED_OUT = "Too many failed sign-in attempts: sign-in is paused for an hour."


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(
        max_length=4096, trim_whitespace=False, style={"input_type": "password"}
    )
    name = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        request = self.context["request"]
        user = authenticate(request=request, username=attrs["username"], password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(
                "Unable to sign in with that username and password.", code="authorization"
            )
        attrs["user"] = user
        return attrs


class IssuedTokenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`; shown once.")
    expires = serializers.DateTimeField()


class ApiTokenSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text="The token this request used.")

    class Meta:
        model = ApiToken
        fields = ["id", "prefix", "name", "created", "expires", "last_used", "current"]

    def get_current(self, obj: ApiToken) -> bool:
        auth = getattr(self.context.get("request"), "auth", None)
        return isinstance(auth, ApiToken) and auth.pk == obj.pk


class TokenView(APIView):
    """``POST``: a new token for a username and password (no session needed).
    ``DELETE``: revoke the token this request is authenticated with."""

    throttle_classes = ()

    def get_permissions(self) -> list[Any]:
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: IssuedTokenSerializer,
            400: OpenApiResponse(description="Wrong username or password, or a field missing."),
            429: OpenApiResponse(description="Locked out after repeated failures."),
        },
        auth=[],
        description="A new token for a username and password; it expires after "
        "`API_TOKEN_TTL` (eight hours unless the install sets otherwise).",
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):
                return Response({"detail": LOCKED_OUT}, status=status.HTTP_429_TOO_MANY_REQUESTS)
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        data = serializer.validated_data
        token, key = issue_token(user=data["user"], name=data["name"])
        return Response({"id": token.pk, "token": key, "expires": token.expires})

    @extend_schema(
        request=None,
        responses={
            204: None,
            400: inline_serializer("TokenNotInUse", {"detail": serializers.CharField()}),
        },
        description="Revoke the token this request is authenticated with (sign out).",
    )
    def delete(self, request: Request) -> Response:
        if not isinstance(request.auth, ApiToken):
            return Response(
                {"detail": "This request used no token: revoke one at /api/v1/auth/tokens/<id>/."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's own live tokens; ``DELETE`` one to revoke it (another person's token
    is a 404)."""

    serializer_class = ApiTokenSerializer
    queryset = ApiToken.objects.none()  # for the schema; the real one is the caller's
    lookup_value_regex = ID_PATTERN

    def get_queryset(self) -> Any:
        user: Any = self.request.user  # signed in: IsAuthenticated
        return ApiToken.objects.filter(user=user, expires__gt=timezone.now())
