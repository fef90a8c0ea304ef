"""URLs of the funding reports (role Berichtswesen and Administration)."""

from django.urls import path

from . import reports

app_name = "reports"

urlpatterns = [
    path("", reports.report_index, name="index"),
]
