"""URLs of the employers app (employer partners, network partners, matching)."""

from django.urls import path

from fallmanagement.stubs import not_yet

from . import views

app_name = "employers"

urlpatterns = [
    path("", views.employer_list, name="list"),
    path("neu/", not_yet, name="create"),
    path("<int:pk>/", not_yet, name="detail"),
    path("passend/<int:participant_pk>/", not_yet, name="matching"),
    path("netzwerk/", not_yet, name="network_list"),
]
