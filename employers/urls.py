"""URLs of the employers app (employer partners, network partners)."""

from django.urls import path

from . import views

app_name = "employers"

urlpatterns = [
    path("", views.employer_list, name="list"),
]
