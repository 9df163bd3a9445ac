"""The API router: every app registers its viewsets here, under /api/v1/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from actions.api import ActionViewSet, LearningCheckViewSet
from agencies.api import AgencyViewSet
from scr.api import RecommendationViewSet, ReviewViewSet
from workflows.api import TaskViewSet

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
    path("docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
]
