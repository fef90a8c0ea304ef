"""URLs of the offer catalogue and of the referrals."""

from django.urls import path

from . import views

app_name = "offers"

urlpatterns = [
    path("", views.offer_list, name="list"),
    path("neu/", views.offer_create, name="create"),
    path("<int:pk>/", views.offer_detail, name="detail"),
    path("<int:pk>/bearbeiten/", views.offer_edit, name="edit"),
    path("zuweisen/<int:participant_pk>/", views.referral_create, name="referral_create"),
    path("zuweisungen/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("zuweisungen/<int:pk>/bearbeiten/", views.referral_edit, name="referral_edit"),
    path(
        "zuweisungen/<int:pk>/stand/<str:action>/",
        views.referral_transition,
        name="referral_transition",
    ),
]
