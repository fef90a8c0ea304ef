"""Administration: audit trail, access log, security log and GDPR pages (under /verwaltung/)."""

from django.urls import path

from . import security, views

app_name = "privacy"

urlpatterns = [
    path(
        "teilnehmende/<int:pk>/verlauf/",
        views.participant_history_view,
        name="participant_history",
    ),
    path(
        "teilnehmende/<int:pk>/zugriffe/",
        views.participant_access_view,
        name="participant_access",
    ),
    path("teilnehmende/<int:pk>/auskunft/", views.art15_view, name="art15"),
    path("teilnehmende/<int:pk>/auskunft.json", views.art15_json, name="art15_json"),
    path("teilnehmende/<int:pk>/auskunft.pdf", views.art15_pdf, name="art15_pdf"),
    path("teilnehmende/<int:pk>/loeschen/", views.erase_view, name="erase"),
    path("sicherheit/", views.security_events_view, name="security_events"),
]

# Second factor (TOTP): outside the namespace check, under /konto/2fa/ (see urls.py).
otp_urlpatterns = [
    path("", security.otp_verify_view, name="otp_verify"),
    path("einrichten/", security.otp_setup_view, name="otp_setup"),
]
