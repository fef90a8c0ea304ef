"""URLs of the participants app (caseload, intake, case file)."""

from django.urls import include, path

from . import views

app_name = "participants"

urlpatterns = [
    path("", views.caseload, name="list"),
    path("", include("participants.casefile_urls")),
]
