"""Settings for WIR – Fallmanagement, read from the environment (one file for all stages).

`make run` sets DJANGO_DEBUG=1; the test suite runs with DEBUG off (TESTING below);
production sets SECRET_KEY, ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS and DATABASE_URL.
"""

import os
import sys
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from psycopg_pool import ConnectionPool

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
# The test suite runs with production-like settings, minus what needs a real certificate.
TESTING = "pytest" in sys.modules or env_bool("DJANGO_TESTING")

# A random development key is fine locally; production must set SECRET_KEY (checked below).
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not TESTING:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-" + "x" * 40  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Our apps from the ground up (see README → Architektur); privacy after the domain apps,
# because it builds the audit trail's event models for the models they registered.
INSTALLED_APPS = [
    "fallmanagement.core",
    "employers",
    "participants",
    "placements",
    "offers",
    "fallmanagement.reports",
    "fallmanagement.privacy",
    "fallmanagement.imports",
    "fallmanagement.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_countries",
    "django_filters",
    "django_htmx",
    "django_tasks_db",
    "pgtrigger",
    "pghistory",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "fallmanagement.core.outage.DatabaseOutageMiddleware",  # /healthz and the 503 page: first
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Before the session is loaded: a NUL byte in a cookie must not reach the database.
    "fallmanagement.privacy.middleware.RejectNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Second factor, then the request context (user id + path) for the audit trail.
    "django_otp.middleware.OTPMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "fallmanagement.privacy.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
    "fallmanagement.privacy.middleware.SecondFactorMiddleware",
    "fallmanagement.privacy.middleware.SecurityEventMiddleware",
]

ROOT_URLCONF = "fallmanagement.urls"
WSGI_APPLICATION = "fallmanagement.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fallmanagement.core.context_processors.roles",
            ],
        },
    },
]

# Database: two roles (README "Datenschutz und Sicherheit"). DATABASE_URL is the role this
# process connects as: the application role, which owns nothing and may only read and write
# rows. Only `manage.py migrate` runs as the owner role: DATABASE_URL=<owner URL> plus
# DATABASE_APP_URL=<application URL> (or DATABASE_APP_ROLE=<name>), the role the owner grants
# row access to after every migrate (fallmanagement/dbroles.py; the Makefile does all that).
# The web server and the worker never see the owner URL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgresql://localhost/fallmanagement"),
        conn_health_checks=True,
    )
}
DATABASE_APP_ROLE = os.environ.get("DATABASE_APP_ROLE") or (
    dj_database_url.parse(os.environ["DATABASE_APP_URL"]).get("USER", "")
    if os.environ.get("DATABASE_APP_URL")
    else DATABASES["default"].get("USER", "")
)
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
# PostgreSQL's JIT compiler costs seconds on the larger page queries (subqueries over 50 000
# employers, report aggregates) and saves nothing for short OLTP queries: off for the app.
_db_options.setdefault("options", "-c jit=off")
# Fail fast while the database is unreachable (2 s is libpq's minimum): a German 503 page
# instead of a request hanging until the proxy gives up.
_db_options.setdefault("connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "2")))
# gunicorn (`make serve`, scripts/gunicorn.conf.py: gthread, 2 threads per worker): one
# persistent connection per thread, checked at the start of each request (CONN_HEALTH_CHECKS),
# so the first request after a database restart already gets a fresh connection. psycopg's
# pool (DB_POOL=1) measured no faster with gthread and is needed only for ASGI workers; its
# reconnect back-off can keep requests waiting after an outage, hence the short timeout.
if env_bool("DB_POOL") and not TESTING:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    _db_options["pool"] = {
        "min_size": int(os.environ.get("DB_POOL_MIN", "2")),
        "max_size": int(os.environ.get("DB_POOL_MAX", "10")),
        "timeout": 2.5,
        "check": ConnectionPool.check_connection,  # health check on checkout
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "600"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Accounts
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, loading the user with roles, 2FA policy and shared cases at once.
    "fallmanagement.privacy.backends.RequestUserBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): lock a user+IP pair after repeated failures for a cool-off.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_USERNAME_CALLABLE = "fallmanagement.privacy.security.axes_username"
# Successful logins/logouts are recorded as SecurityEvent; axes keeps only failed attempts.
AXES_DISABLE_ACCESS_LOG = True

# Sessions: expire after inactivity and on browser close.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_MINUTES", "30")) * 60
SESSION_SAVE_EVERY_REQUEST = True
# Database sessions that skip the write while the expiry moved less than a minute (see there).
SESSION_ENGINE = "fallmanagement.core.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "fallmanagement.privacy.security.csrf_failure"

# Internationalisation: German first, English second.
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("Englisch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# Static files: vendored assets, served by whitenoise in production.
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded documents (placements.Document): stored through STORAGES["default"] under random
# names, outside the web root, served only by the permission-checked download view. With
# several app servers: a private bucket of an S3-compatible object store (django-storages;
# tests/casework/test_documents_s3.py runs these options against a local S3 endpoint).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
if os.environ.get("DOCUMENTS_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["DOCUMENTS_S3_BUCKET"],
            "endpoint_url": os.environ.get("DOCUMENTS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("DOCUMENTS_S3_REGION") or None,
            # Empty: boto3's own chain (AWS_* variables, instance role).
            "access_key": os.environ.get("DOCUMENTS_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("DOCUMENTS_S3_SECRET_ACCESS_KEY") or None,
            "default_acl": None,  # the bucket's own (private) policy, never public-read
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
DOCUMENT_MAX_BYTES = int(os.environ.get("DOCUMENT_MAX_MB", "20")) * 1024 * 1024
# Check-in plan per placement kind: {kind: (fraction of the period, ...)}; kinds not named keep
# the defaults of placements.checkins (internship: first week, middle, last week).
PLACEMENT_CHECKIN_PLAN: dict[str, tuple[float, ...]] = {}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Background tasks (django.tasks) stored in PostgreSQL, run by `manage.py db_worker`.
# Up to this many active employers the placement form lists them all in a <select>; above it
# the user searches (large cities).
EMPLOYER_SELECT_MAX = int(os.environ.get("EMPLOYER_SELECT_MAX", "300"))

TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if env_bool("TASKS_IMMEDIATE")
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}
# Funding reports: up to this many active participants a report is built during the page view;
# larger ones run as a background task (`manage.py db_worker`).
REPORT_INLINE_MAX = int(os.environ.get("REPORT_INLINE_MAX", "5000"))
# An import in the background reports progress (its heartbeat) every few seconds; without one
# for this many minutes its worker is gone and the import is shown as "abgebrochen".
IMPORT_STALE_MINUTES = int(os.environ.get("IMPORT_STALE_MINUTES", "10"))

# Security headers. Built-in CSP with nonces; no inline scripts or styles anywhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SILENCED_SYSTEM_CHECKS = ["security.W021"] if not env_bool("SECURE_HSTS_PRELOAD") else []

# Letterhead for generated documents (certificates, agreements, reports).
PROGRAMME = {
    "name": os.environ.get("PROGRAMME_NAME", "WIR – Fallmanagement"),
    "organisation": os.environ.get(
        "PROGRAMME_ORGANISATION", "Kommunale Arbeitsförderung des Sozialamts"
    ),
    "city": os.environ.get("PROGRAMME_CITY", "Kassel"),
    "address": os.environ.get("PROGRAMME_ADDRESS", "Obere Königsstraße 8, 34117 Kassel"),
    "phone": os.environ.get("PROGRAMME_PHONE", "0561 787-0"),
    "email": os.environ.get("PROGRAMME_EMAIL", "fallmanagement@example.org"),
    "funder": os.environ.get(
        "PROGRAMME_FUNDER",
        "Hessisches Ministerium für Soziales und Integration und Eigenmittel der Stadt",
    ),
}

OTP_TOTP_ISSUER = PROGRAMME["name"]  # the name shown in the authenticator app

# Retention: closed cases are anonymised this many days after exit.
RETENTION_DAYS = int(os.environ.get("RETENTION_DAYS", str(3 * 365)))

# Audit trail (django-pghistory, see fallmanagement/privacy/history.py): triggers are installed
# after every migrate, not through migrations, so the tracked apps' migrations stay untouched.
PGTRIGGER_MIGRATIONS = False
PGTRIGGER_INSTALL_ON_MIGRATE = True
PGHISTORY_MIDDLEWARE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PGHISTORY_ADMIN_MODEL = "pghistory.Events"

# Technical logs carry no personal data: no query strings, no form values, no session ids.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "no_query_strings": {"()": "fallmanagement.core.logfilters.StripQueryStringFilter"}
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["no_query_strings"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # propagate: Django's own handler for it is dropped here, and without one Python's
        # last-resort handler would print 4xx request lines unfiltered (with query strings).
        "django.server": {"level": "WARNING", "propagate": True},
        "django.request": {"level": "ERROR"},
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Which kinds of report each role may make ("foerdergeber": exact counts for the funder,
# "veroeffentlichung": small cells protected). Both staff roles report to the funder.
REPORT_KINDS_BY_ROLE = {
    "Berichtswesen": ["foerdergeber", "veroeffentlichung"],
    "Administration": ["foerdergeber", "veroeffentlichung"],
}
# Reports for publication hide person counts below this (1 and 2 with the default 3).
REPORT_SMALL_CELL_THRESHOLD = int(os.environ.get("REPORT_SMALL_CELL_THRESHOLD", "3"))
