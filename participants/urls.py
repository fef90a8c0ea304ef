"""URLs of the participants app (caseload, intake, case file)."""

from django.urls import include, path

from fallmanagement.stubs import not_yet

from . import views

app_name = "participants"

urlpatterns = [
    path("", views.caseload, name="list"),
    path("neu/", not_yet, name="create"),
    path("<int:pk>/bearbeiten/", not_yet, name="edit"),
    path("", include("participants.casefile_urls")),
]
