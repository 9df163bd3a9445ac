from django.urls import path

from agencies import views

app_name = "agencies"

urlpatterns = [
    path("", views.agency_list, name="list"),
    path("<int:pk>/", views.agency_detail, name="detail"),
    path("case-openings/", views.case_openings, name="case-openings"),
]
