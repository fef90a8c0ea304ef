"""URLs of the case file (Fallakte) and its timeline entries."""

from django.urls import path

from fallmanagement.stubs import not_yet

urlpatterns = [
    path("<int:pk>/", not_yet, name="detail"),
]
