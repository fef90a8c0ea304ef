"""URLs of the participants app (caseload, intake, sharing, reassignment).

The case file's URLs (fallmanagement.casework.urls) join these in the "participants"
namespace in the root URL configuration.
"""

from django.urls import path

from . import views

app_name = "participants"

urlpatterns = [
    path("", views.caseload, name="list"),
    path("neu/", views.create, name="create"),
    path("<int:pk>/bearbeiten/", views.edit, name="edit"),
    path("<int:pk>/freigabe/", views.share, name="share"),
    path("<int:pk>/zuweisen/", views.reassign, name="reassign"),
]
