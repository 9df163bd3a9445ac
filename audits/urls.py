from django.urls import path

from audits import template_views, views

app_name = "audits"

urlpatterns = [
    path("", views.audit_list, name="list"),
    path("new/", views.audit_create, name="create"),
    path("forms/", views.my_forms, name="my-forms"),
    path("forms/<int:pk>/", views.form_detail, name="form"),
    path("forms/<int:pk>/sections/<int:number>/", views.form_section, name="form-section"),
    path("forms/<int:pk>/submit/", views.form_submit, name="form-submit"),
    path("forms/<int:pk>/steps/<str:step>/", views.form_step, name="form-step"),
    path("forms/<int:pk>/assign/", views.form_assign, name="form-assign"),
    path("templates/", views.template_list, name="templates"),
    path("templates/import/", views.template_import, name="template-import"),
    path("templates/<int:pk>/export.json", views.template_export, name="template-export"),
    # the template editor (audits/template_views.py)
    path("templates/new/", template_views.template_create, name="template-create"),
    path("templates/<int:pk>/", template_views.template_detail, name="template"),
    path("templates/<int:pk>/edit/", template_views.template_edit, name="template-edit"),
    path("templates/<int:pk>/publish/", template_views.template_publish, name="template-publish"),
    path(
        "templates/<int:pk>/discard-draft/",
        template_views.template_discard_draft,
        name="template-discard-draft",
    ),
    path(
        "templates/<int:pk>/sections/new/", template_views.section_add, name="template-section-add"
    ),
    path(
        "templates/<int:pk>/sections/<int:number>/",
        template_views.section_edit,
        name="template-section",
    ),
    path(
        "templates/<int:pk>/sections/<int:number>/remove/",
        template_views.section_remove,
        name="template-section-remove",
    ),
    path(
        "templates/<int:pk>/sections/<int:number>/move/",
        template_views.section_move,
        name="template-section-move",
    ),
    path(
        "templates/<int:pk>/sections/<int:number>/questions/new/",
        template_views.question_add,
        name="template-question-add",
    ),
    path(
        "templates/<int:pk>/sections/<int:number>/questions/<int:question>/",
        template_views.question_edit,
        name="template-question",
    ),
    path(
        "templates/<int:pk>/sections/<int:number>/questions/<int:question>/remove/",
        template_views.question_remove,
        name="template-question-remove",
    ),
    path(
        "templates/<int:pk>/sections/<int:number>/questions/<int:question>/move/",
        template_views.question_move,
        name="template-question-move",
    ),
    path("<int:pk>/", views.audit_detail, name="detail"),
    path("<int:pk>/sample/", views.audit_sample, name="sample"),
    path("<int:pk>/findings/", views.audit_findings, name="findings"),
    path("<int:pk>/findings/paper.pdf", views.findings_paper, name="paper"),
    path("<int:pk>/findings.<str:fmt>", views.findings_export, name="findings-export"),
    path("<int:pk>/narrative/", views.audit_narrative, name="narrative"),
    path("<int:pk>/steps/<str:step>/", views.audit_step, name="step"),
]
