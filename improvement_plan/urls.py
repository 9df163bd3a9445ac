from django.urls import path

from improvement_plan import views

app_name = "improvement_plan"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("import/", views.plan_import, name="import"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/progress/", views.plan_progress, name="progress"),
    path("<int:pk>/export.xlsx", views.plan_export, name="export"),
    path("<int:pk>/board-paper.pdf", views.plan_paper, name="paper"),
    path("<int:pk>/status/", views.plan_status, name="status"),
    path("lines/<int:pk>/", views.line_detail, name="line"),
    path("milestones/<int:pk>/", views.milestone_edit, name="milestone"),
]
