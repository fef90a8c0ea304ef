"""URLs of the placements app."""

from django.urls import path

from . import views

app_name = "placements"

urlpatterns = [
    path("", views.board, name="board"),
    path("neu/", views.create, name="create"),  # ?participant=<pk>&employer=<pk>
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/bearbeiten/", views.edit, name="edit"),
    path("<int:pk>/stand/<str:action>/", views.transition, name="transition"),
    path("<int:pk>/begleitung/", views.checkin_add, name="checkin_add"),
    path("<int:pk>/beurteilung/", views.assessment, name="assessment"),
    path("<int:pk>/ergebnis/", views.outcome, name="outcome"),
    path("<int:pk>/vereinbarung.pdf", views.agreement_pdf, name="agreement_pdf"),
    path("<int:pk>/bescheinigung.pdf", views.certificate_pdf, name="certificate_pdf"),
]
