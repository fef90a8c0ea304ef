"""Administration's import pages (under /verwaltung/import/)."""

from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/zuordnung/", views.mapping, name="mapping"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/bestaetigen/", views.confirm, name="confirm"),
    path("<int:pk>/rueckgaengig/", views.undo, name="undo"),
]

# In the participants' namespace (fallmanagement/urls.py): /teilnehmende/export.csv|xlsx
participant_urlpatterns = [
    path("export.<str:fmt>", views.caseload_export, name="caseload_export"),
    path("neu-zuweisen/", views.bulk_reassign, name="bulk_reassign"),
]
