"""The privacy app's records: access log, security log, per-role security policy, and the
audit trail's event models (one per model registered with `core.auditing`).

All tables are append-only (see `history`) and keep the names they had before the apps were
nested (`fallmanagement_*`), so an existing database keeps its rows.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fallmanagement.core.accesslog import AccessAction
from fallmanagement.core.auditing import keep_append_only
from fallmanagement.core.roles import Role

from . import history


class AccessLog(models.Model):
    """Who looked at or exported which personal data, when (append-only, see audit)."""

    Action = AccessAction

    at = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("Benutzer:in"),
    )
    username = models.CharField(_("Benutzername"), max_length=150)
    action = models.CharField(_("Aktion"), max_length=10, choices=Action.choices)
    # Plain ids, not foreign keys: the log must outlive erased records.
    participant_id = models.BigIntegerField(_("Teilnehmende (ID)"), null=True, db_index=True)
    object_type = models.CharField(_("Objektart"), max_length=60)
    object_id = models.CharField(_("Objekt-ID"), max_length=40, blank=True)
    path = models.CharField(_("Pfad"), max_length=300)

    class Meta:
        ordering = ["-at"]
        db_table = "fallmanagement_accesslog"
        verbose_name = _("Zugriffsprotokoll")
        verbose_name_plural = _("Zugriffsprotokolle")

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.username} {self.action} {self.object_type}"


class SecurityEvent(models.Model):
    """Security-relevant events (logins, lockouts, refusals, erasures); append-only, see history.

    Holds ids and fixed codes only: never a participant's name, form values or session ids.
    """

    class Kind(models.TextChoices):
        LOGIN = "login", _("Anmeldung")
        LOGIN_FAILED = "login_failed", _("Anmeldung fehlgeschlagen")
        LOCKOUT = "lockout", _("Anmeldung gesperrt")
        LOGOUT = "logout", _("Abmeldung")
        PASSWORD_CHANGED = "password_changed", _("Passwort geändert")
        OTP_FAILED = "otp_failed", _("Zweiter Faktor falsch")
        OTP_VERIFIED = "otp_verified", _("Zweiter Faktor bestätigt")
        FORBIDDEN = "forbidden", _("Zugriff verweigert (403)")
        CSRF = "csrf", _("CSRF-Prüfung fehlgeschlagen")
        BAD_REQUEST = "bad_request", _("Ungültige Anfrage")
        ERASURE = "erasure", _("Teilnehmende gelöscht (Art. 17)")
        ANONYMISED = "anonymised", _("Teilnehmende anonymisiert (Aufbewahrungsfrist)")
        ART15_EXPORT = "art15_export", _("Auskunft nach Art. 15 erstellt")
        SHARE_GRANTED = "share_granted", _("Fall für eine Vertretung freigegeben")
        SHARE_REVOKED = "share_revoked", _("Freigabe eines Falls aufgehoben")

    at = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("Ereignis"), max_length=20, choices=Kind.choices, db_index=True)
    # Plain ids, not foreign keys: the log must outlive users and erased records.
    user_id = models.BigIntegerField(_("Benutzer:in (ID)"), null=True, blank=True)
    username = models.CharField(_("Benutzername"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("IP-Adresse"), null=True, blank=True)
    path = models.CharField(_("Pfad"), max_length=300, blank=True)
    participant_id = models.BigIntegerField(_("Teilnehmende (ID)"), null=True, blank=True)
    detail = models.CharField(_("Hinweis"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]
        db_table = "fallmanagement_securityevent"
        verbose_name = _("Sicherheitsereignis")
        verbose_name_plural = _("Sicherheitsereignisse")

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.kind} {self.username}"


class RoleSecurityPolicy(models.Model):
    """Per-role security settings Administration maintains in the admin (e.g. require 2FA)."""

    role = models.CharField(_("Rolle"), max_length=30, unique=True, choices=Role.choices)
    require_2fa = models.BooleanField(
        _("Zweiten Faktor (TOTP) verlangen"),
        default=False,
        help_text=_("Benutzer:innen dieser Rolle müssen nach der Anmeldung einen Code eingeben."),
    )

    class Meta:
        ordering = ["role"]
        db_table = "fallmanagement_rolesecuritypolicy"
        verbose_name = _("Sicherheitsrichtlinie einer Rolle")
        verbose_name_plural = _("Sicherheitsrichtlinien der Rollen")

    def __str__(self) -> str:
        return self.get_role_display()


# The audit trail's event models and the append-only triggers (after the models they protect).
history.create_event_models()
history.protect_logs(AccessLog, SecurityEvent)
# A deleted user account: Django sets the access log's user to NULL (SET_NULL).
keep_append_only(AccessLog, nullable="user")
keep_append_only(SecurityEvent)
