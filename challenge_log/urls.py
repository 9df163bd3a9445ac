from django.urls import path

from challenge_log import views

app_name = "challenges"

urlpatterns = [
    path("", views.challenge_list, name="list"),
    path("new/", views.challenge_raise, name="raise"),
    path("chair/", views.chair_queue, name="chair"),
    path("report/", views.challenge_report, name="report"),
    path("report.pdf", views.challenge_report_pdf, name="report-pdf"),
    path("export.<str:fmt>", views.challenge_export, name="export"),
    path("<int:pk>/", views.challenge_detail, name="detail"),
    path("<int:pk>/steps/<str:step>/", views.challenge_step, name="step"),
]
