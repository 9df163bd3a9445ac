"""The API router: every app registers its viewsets here, under /api/v1/."""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import include, path, re_path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import DefaultRouter

from actions.api import ActionViewSet, LearningCheckViewSet
from agencies.api import AgencyViewSet, ApiTokenViewSet, TokenView
from audits.api import AuditFormViewSet, AuditViewSet
from challenge_log.api import ChallengeViewSet
from core.api import NotFoundView
from improvement_plan.api import LineViewSet, MilestoneViewSet, ObjectiveViewSet, PlanViewSet
from scr.api import RecommendationViewSet, ReviewViewSet
from workflows.api import TaskViewSet


class ApiSchemaView(SpectacularAPIView):
    """The OpenAPI document, for signed-in callers only (session or token): it maps every
    route and field of the service, which is nobody else's business. Anonymous: 403, as
    everywhere else in the API."""

    permission_classes = [IsAuthenticated]


class ApiDocsView(LoginRequiredMixin, SpectacularRedocView):
    """Redoc from our own static files, for signed-in people (anyone else is sent to the
    sign-in page first), under its own Content-Security-Policy, which the site-wide one in
    core.middleware leaves alone: Redoc's styled-components need inline styles; scripts
    stay strict (the inline ``Redoc.init``, rendered only with REDOC_UI_SETTINGS, carries
    the request's nonce).
    The page loads nothing from another origin: Redoc's bundle still asks a CDN for its
    sidebar logo (it hides the image when that fails), and the policy makes "nothing from
    a CDN" a rule the browser enforces rather than a hope."""

    permission_classes = [IsAuthenticated]

    @staticmethod
    def content_security_policy(nonce: str) -> str:
        return "; ".join(
            [
                "default-src 'self'",
                f"script-src 'self' 'nonce-{nonce}'",  # any inline script is nonced
                "style-src 'self' 'unsafe-inline'",  # Redoc's styled-components
                "img-src 'self' data:",
                "worker-src 'self' blob:",  # Redoc's search index runs in a worker
                "connect-src 'self'",
                "object-src 'none'",
                "base-uri 'none'",
                "form-action 'self'",
                "frame-ancestors 'none'",
            ]
        )

    @extend_schema(exclude=True)  # as the parent's get: the page is not part of the API
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = self.content_security_policy(request.csp_nonce)
        return response


router = DefaultRouter()
router.register("agencies", AgencyViewSet, basename="agency")
router.register("tasks", TaskViewSet, basename="task")
router.register("reviews", ReviewViewSet, basename="review")
router.register("recommendations", RecommendationViewSet, basename="recommendation")
router.register("actions", ActionViewSet, basename="action")
router.register("learning-checks", LearningCheckViewSet, basename="learning-check")
router.register("audits", AuditViewSet, basename="audit")
router.register("audit-forms", AuditFormViewSet, basename="audit-form")
router.register("challenges", ChallengeViewSet, basename="challenge")
router.register("plans", PlanViewSet, basename="plan")
router.register("plan-objectives", ObjectiveViewSet, basename="plan-objective")
router.register("plan-lines", LineViewSet, basename="plan-line")
router.register("plan-milestones", MilestoneViewSet, basename="plan-milestone")

urlpatterns = [
    path("", include(router.urls)),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("auth/tokens/", ApiTokenViewSet.as_view({"get": "list"}), name="api-token-list"),
    path(
        "auth/tokens/<int:pk>/",
        ApiTokenViewSet.as_view({"delete": "destroy"}),
        name="api-token-detail",
    ),
    path("schema/", ApiSchemaView.as_view(), name="api-schema"),
    path("docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    # last: any other path ending in a slash is the API's JSON 404, not the site's page
    re_path(r"^[\s\S]*/$", NotFoundView.as_view(), name="api-not-found"),
]
