"""The API router: every app registers its viewsets here, under /api/v1/."""

from typing import Any

from django.urls import include, path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from actions.api import ActionViewSet, LearningCheckViewSet
from agencies.api import AgencyViewSet
from scr.api import RecommendationViewSet, ReviewViewSet
from workflows.api import TaskViewSet


class ApiDocsView(SpectacularRedocView):
    """Redoc from our own static files, under a Content-Security-Policy that lets the page
    load nothing from another origin: Redoc's bundle still asks a CDN for its sidebar logo
    (it hides the image when that fails), and the policy makes "nothing from a CDN" a rule
    the browser enforces rather than a hope."""

    CSP = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' 'unsafe-inline'",  # Redoc.init is inline
            "style-src 'self' 'unsafe-inline'",  # Redoc's styled-components
            "img-src 'self' data:",
            "worker-src 'self' blob:",  # Redoc's search index runs in a worker
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )

    @extend_schema(exclude=True)  # as the parent's get: the page is not part of the API
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = self.CSP
        return response


router = DefaultRouter()
router.register("agencies", AgencyViewSet, basename="agency")
router.register("tasks", TaskViewSet, basename="task")
router.register("reviews", ReviewViewSet, basename="review")
router.register("recommendations", RecommendationViewSet, basename="recommendation")
router.register("actions", ActionViewSet, basename="action")
router.register("learning-checks", LearningCheckViewSet, basename="learning-check")

urlpatterns = [
    path("", include(router.urls)),
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
]
