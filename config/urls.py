from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core.forms import SignInForm
from workflows import views as workflow_views

handler403 = "core.views.error_403"
handler404 = "core.views.error_404"
handler500 = "core.views.error_500"

urlpatterns = [
    path("", workflow_views.home, name="home"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=SignInForm
        ),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("agencies/", include("agencies.urls")),
    path("tasks/", include("workflows.urls")),
    path("actions/", include("actions.urls")),
    path("reviews/", include("scr.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api")),
]
