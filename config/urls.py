from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core import views as core_views
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
    # account: forgotten and changed passwords (core/views.py)
    path("password/forgotten/", core_views.ForgottenPasswordView.as_view(), name="password_reset"),
    path(
        "password/forgotten/sent/",
        core_views.ForgottenPasswordSentView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        core_views.ResetPasswordView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        core_views.ResetPasswordDoneView.as_view(),
        name="password_reset_complete",
    ),
    path("password/change/", core_views.ChangePasswordView.as_view(), name="password_change"),
    # pages every visitor may read
    path("accessibility/", core_views.accessibility, name="accessibility"),
    path("privacy/", core_views.privacy, name="privacy"),
    path("help/", core_views.help_page, name="help"),
    # what was sent to me (core/views.py)
    path("notifications/", core_views.notifications, name="notifications"),
    path("agencies/", include("agencies.urls")),
    path("tasks/", include("workflows.urls")),
    path("actions/", include("actions.urls")),
    path("reviews/", include("scr.urls")),
    path("audits/", include("audits.urls")),
    path("challenges/", include("challenge_log.urls")),
    path("plan/", include("improvement_plan.urls")),
    path("overview/", include("overview.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api")),
]
