from django.urls import path

from scr import views

app_name = "scr"

urlpatterns = [
    path("", views.review_list, name="list"),
    path("new/", views.review_create, name="create"),
    path("<int:pk>/", views.review_detail, name="review"),
    path("<int:pk>/edit/", views.review_edit, name="review-edit"),
    path("<int:pk>/publish/", views.review_publish, name="review-publish"),
    path("<int:pk>/recommendations/new/", views.recommendation_add, name="recommendation-add"),
    path(
        "<int:pk>/recommendations/<int:rec_pk>/edit/",
        views.recommendation_edit,
        name="recommendation-edit",
    ),
    path("<int:pk>/factors/new/", views.factor_add, name="factor-add"),
]
