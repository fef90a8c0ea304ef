"""Administration: audit trail, access log, security log and GDPR pages (under /verwaltung/)."""

from django.urls import path

from . import admin_views, security

app_name = "audit"

urlpatterns = [
    path(
        "teilnehmende/<int:pk>/verlauf/",
        admin_views.participant_history_view,
        name="participant_history",
    ),
    path(
        "teilnehmende/<int:pk>/zugriffe/",
        admin_views.participant_access_view,
        name="participant_access",
    ),
    path("teilnehmende/<int:pk>/auskunft/", admin_views.art15_view, name="art15"),
    path("teilnehmende/<int:pk>/auskunft.json", admin_views.art15_json, name="art15_json"),
    path("teilnehmende/<int:pk>/auskunft.pdf", admin_views.art15_pdf, name="art15_pdf"),
    path("teilnehmende/<int:pk>/loeschen/", admin_views.erase_view, name="erase"),
    path("sicherheit/", admin_views.security_events_view, name="security_events"),
]

# Second factor (TOTP): outside the namespace check, under /konto/2fa/ (see urls.py).
otp_urlpatterns = [
    path("", security.otp_verify_view, name="otp_verify"),
    path("einrichten/", security.otp_setup_view, name="otp_setup"),
]
