"""URLs of the participants app (caseload, intake, case file)."""

from django.urls import include, path

from . import views

app_name = "participants"

urlpatterns = [
    path("", views.caseload, name="list"),
    path("neu/", views.create, name="create"),
    path("<int:pk>/bearbeiten/", views.edit, name="edit"),
    path("<int:pk>/freigabe/", views.share, name="share"),
    path("<int:pk>/zuweisen/", views.reassign, name="reassign"),
    path("", include("participants.casefile_urls")),
]
