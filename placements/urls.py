"""URLs of the placements app."""

from django.urls import path

from fallmanagement.stubs import not_yet

from . import views

app_name = "placements"

urlpatterns = [
    path("", views.board, name="board"),
    path("neu/", not_yet, name="create"),  # ?participant=<pk>&employer=<pk>
    path("<int:pk>/", not_yet, name="detail"),
]
