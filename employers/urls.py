"""URLs of the employers app (employer partners, network partners, matching)."""

from django.urls import path

from . import views

app_name = "employers"

urlpatterns = [
    path("", views.employer_list, name="list"),
    path("export.csv", views.export_csv, name="export"),
    path("auswahl/", views.employer_choices, name="choices"),
    path("ansprechpersonen/", views.contact_choices, name="contact_choices"),
    path("neu/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/bearbeiten/", views.edit, name="edit"),
    path("<int:pk>/partnerschaft/", views.change_state, name="change_state"),
    path("<int:pk>/kontakte/neu/", views.contact_add, name="contact_add"),
    path("<int:pk>/deaktivieren/", views.deactivate, name="deactivate"),
    path("<int:pk>/loeschen/", views.delete, name="delete"),
    path("passend/<int:participant_pk>/", views.matching, name="matching"),
    path("netzwerk/", views.network_list, name="network_list"),
    path("netzwerk/neu/", views.network_create, name="network_create"),
    path("netzwerk/<int:pk>/", views.network_detail, name="network_detail"),
    path("netzwerk/<int:pk>/bearbeiten/", views.network_edit, name="network_edit"),
]
