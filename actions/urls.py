from django.urls import path

from actions import views

app_name = "actions"

urlpatterns = [
    path("", views.action_list, name="list"),
    path("mine/", views.my_actions, name="mine"),
    path("learning-and-improvement/", views.li_queue, name="li-queue"),
    path("new/", views.action_create, name="create"),
    path("export.<str:fmt>", views.action_export, name="export"),
    path("import/", views.action_import, name="import"),
    path("import/template.csv", views.action_import_template, name="import-template"),
    path("<int:pk>/", views.action_detail, name="detail"),
    path("<int:pk>/edit/", views.action_edit, name="edit"),
    path("<int:pk>/steps/<str:step>/", views.action_step, name="step"),
    path("<int:pk>/evidence/<int:item>/", views.evidence_download, name="evidence-download"),
]
