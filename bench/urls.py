"""The application's URLs plus the baseline pages (bench/baseline.py), for the benchmark only."""

from django.urls import path

from fallmanagement.urls import handler403, handler404, handler500
from fallmanagement.urls import urlpatterns as app_urls

from . import baseline

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]

urlpatterns = [
    *app_urls,
    path("__bench__/empty/", baseline.empty, name="bench-empty"),
    path("__bench__/start/", baseline.start_page, name="bench-start"),
    path("__bench__/caseload/", baseline.caseload, name="bench-caseload"),
    path("__bench__/case/<int:pk>/", baseline.case_file, name="bench-case"),
]
