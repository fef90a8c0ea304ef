"""Root URL configuration: the top of the house, it may import every app."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from employers import urls as employer_urls
from fallmanagement.casework import urls as casework_urls
from fallmanagement.core import outage
from fallmanagement.core import views as core_views
from fallmanagement.core.admin_site import restrict_admin_to_administration
from fallmanagement.imports import urls as import_urls
from fallmanagement.privacy import urls as privacy_urls
from participants import urls as participant_urls

from . import views

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
    path("konto/2fa/", include(privacy_urls.otp_urlpatterns)),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # The participants' and employers' own pages and the pages composed from several apps
    # (fallmanagement.casework) share a URL namespace where they share a URL prefix.
    path(
        "teilnehmende/",
        include(
            (
                participant_urls.urlpatterns
                + casework_urls.participant_urlpatterns
                + import_urls.participant_urlpatterns,
                "participants",
            )
        ),
    ),
    path(
        "betriebe/",
        include((employer_urls.urlpatterns + casework_urls.employer_urlpatterns, "employers")),
    ),
    path("einsaetze/", include("placements.urls")),
    path("angebote/", include("offers.urls")),
    path("kldb/berufe/", core_views.kldb_options, name="kldb_options"),
    path("berichte/", include("fallmanagement.reports.urls")),
    path("verwaltung/import/", include("fallmanagement.imports.urls")),
    path("verwaltung/", include("fallmanagement.privacy.urls")),
    path("admin/", admin.site.urls),
]
