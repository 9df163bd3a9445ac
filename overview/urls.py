from django.urls import path

from overview import views

app_name = "overview"

urlpatterns = [
    path("", views.overview, name="index"),
    path("board-paper.pdf", views.board_paper_pdf, name="pdf"),
    path("board-paper.xlsx", views.board_paper_xlsx, name="xlsx"),
]
