from django.urls import path

from audits import views

app_name = "audits"

urlpatterns = [
    path("", views.audit_list, name="list"),
    path("new/", views.audit_create, name="create"),
    path("forms/", views.my_forms, name="my-forms"),
    path("forms/<int:pk>/", views.form_detail, name="form"),
    path("forms/<int:pk>/sections/<int:number>/", views.form_section, name="form-section"),
    path("forms/<int:pk>/submit/", views.form_submit, name="form-submit"),
    path("forms/<int:pk>/steps/<str:step>/", views.form_step, name="form-step"),
    path("templates/", views.template_list, name="templates"),
    path("templates/import/", views.template_import, name="template-import"),
    path("templates/<int:pk>/export.json", views.template_export, name="template-export"),
    path("<int:pk>/", views.audit_detail, name="detail"),
    path("<int:pk>/sample/", views.audit_sample, name="sample"),
    path("<int:pk>/findings/", views.audit_findings, name="findings"),
    path("<int:pk>/findings.<str:fmt>", views.findings_export, name="findings-export"),
    path("<int:pk>/narrative/", views.audit_narrative, name="narrative"),
    path("<int:pk>/steps/<str:step>/", views.audit_step, name="step"),
]
