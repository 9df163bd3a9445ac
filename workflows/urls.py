from django.urls import path

from workflows import views

app_name = "workflows"

urlpatterns = [
    path("team/", views.team_tasks, name="team"),
    path("<int:pk>/", views.task_detail, name="task"),
    path("<int:pk>/claim/", views.task_claim, name="claim"),
    path("<int:pk>/release/", views.task_release, name="release"),
    path("<int:pk>/reassign/", views.task_reassign, name="reassign"),
]
