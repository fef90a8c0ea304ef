"""URLs of the placements app."""

from django.urls import path

from . import views

app_name = "placements"

urlpatterns = [
    path("", views.board, name="board"),
]
