"""Root URL configuration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from . import audit_urls, outage, views
from .admin_site import restrict_admin_to_administration

restrict_admin_to_administration(admin.site)

handler403 = "fallmanagement.views.permission_denied"
handler404 = "fallmanagement.views.page_not_found"
handler500 = "fallmanagement.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", outage.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("teilnehmende/", include("participants.urls")),
    path("betriebe/", include("employers.urls")),
    path("einsaetze/", include("placements.urls")),
    path("berichte/", include("fallmanagement.report_urls")),
    path("admin/", admin.site.urls),
]

# Data protection and security (issue 7): audit trail, GDPR pages, second factor.
urlpatterns += [
    path("verwaltung/", include("fallmanagement.audit_urls")),
    path("konto/2fa/", include(audit_urls.otp_urlpatterns)),
]
