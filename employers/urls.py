"""URLs of the employers app; the pages composed with cases and placements join them in the
"employers" namespace from fallmanagement.casework.urls (see fallmanagement/urls.py)."""

from django.urls import path

from . import views

app_name = "employers"

urlpatterns = [
    path("auswahl/", views.employer_choices, name="choices"),
    path("ansprechpersonen/", views.contact_choices, name="contact_choices"),
    path("neu/", views.create, name="create"),
    path("<int:pk>/bearbeiten/", views.edit, name="edit"),
    path("<int:pk>/partnerschaft/", views.change_state, name="change_state"),
    path("<int:pk>/deaktivieren/", views.deactivate, name="deactivate"),
    path("<int:pk>/loeschen/", views.delete, name="delete"),
    path("netzwerk/", views.network_list, name="network_list"),
    path("netzwerk/neu/", views.network_create, name="network_create"),
    path("netzwerk/<int:pk>/bearbeiten/", views.network_edit, name="network_edit"),
]
