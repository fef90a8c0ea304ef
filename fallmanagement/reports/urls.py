"""URLs of the funding reports (role Berichtswesen and Administration)."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_index, name="index"),
    path("export/<str:fmt>/", views.report_export, name="export"),
    path("ausstellen/", views.report_issue, name="issue"),
    path("ausgestellt/<int:pk>/pdf/", views.issued_download, name="issued_pdf"),
    path("ausgestellt/<int:pk>/kennzahlen/", views.issued_figures, name="issued_figures"),
    path("auftraege/", views.job_start, name="job_start"),
    path("auftraege/<int:pk>/", views.job_detail, name="job"),
    path("auftraege/<int:pk>/download/", views.job_download, name="job_download"),
    path("zielwerte/", views.targets, name="targets"),
    path("zielwerte/<int:pk>/", views.targets, name="target_edit"),
    path("zielwerte/<int:pk>/loeschen/", views.target_delete, name="target_delete"),
]
