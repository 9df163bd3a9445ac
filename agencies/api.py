from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets

from agencies.models import Agency
from agencies.selectors import visible_agencies
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
