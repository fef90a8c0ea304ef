"""Reference data shared by all apps (KldB 2010 occupational areas) and the access log."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Names sort as in a German phone book whatever the database's default collation is (a
# cluster created with the C locale puts "Özdemir", "van Dijk" and "al-Hassan" after "Zimmermann").
# ICU collation, part of every PostgreSQL built with ICU (Debian, Ubuntu, the official images).
GERMAN_COLLATION = "de-x-icu"


class KldbArea(models.Model):
    """KldB 2010 Berufsbereich (1 digit), e.g. 2 Rohstoffgewinnung, Produktion und Fertigung."""

    code = models.CharField(_("Kennziffer"), max_length=1, primary_key=True)
    name = models.CharField(_("Bezeichnung"), max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("Berufsbereich (KldB 2010)")
        verbose_name_plural = _("Berufsbereiche (KldB 2010)")
        permissions = [("view_funding_reports", _("Kann Förderberichte erstellen"))]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class KldbGroup(models.Model):
    """KldB 2010 Berufshauptgruppe (2 digits), e.g. 24 Metallerzeugung, Metallbauberufe."""

    code = models.CharField(_("Kennziffer"), max_length=2, primary_key=True)
    name = models.CharField(_("Bezeichnung"), max_length=200)
    area = models.ForeignKey(
        KldbArea, on_delete=models.PROTECT, related_name="groups", verbose_name=_("Berufsbereich")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("Berufshauptgruppe (KldB 2010)")
        verbose_name_plural = _("Berufshauptgruppen (KldB 2010)")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AccessLog(models.Model):
    """Who looked at or exported which personal data, when (append-only, see audit)."""

    class Action(models.TextChoices):
        VIEW = "view", _("Angesehen")
        EXPORT = "export", _("Exportiert")
        PDF = "pdf", _("PDF erstellt")
        SEARCH = "search", _("Gesucht")

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
        verbose_name = _("Zugriffsprotokoll")
        verbose_name_plural = _("Zugriffsprotokolle")

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.username} {self.action} {self.object_type}"


class ReportKind(models.TextChoices):
    """Who a funding report is for; chosen when it is made and printed on it."""

    # Exact counts, as the funding agreement requires; access-logged.
    FUNDER = "foerdergeber", _("Bericht an den Fördergeber")
    # City council, press, website: small cells protected (`reporting.suppression`).
    PUBLICATION = "veroeffentlichung", _("Veröffentlichung")


class IssuedReport(models.Model):
    """A funding report issued as final: period, published figures and PDF, never changed.

    Append-only (a database trigger refuses UPDATE and DELETE): the funder's auditors check
    the Verwendungsnachweis against exactly what was reported, years later.
    """

    period_start = models.DateField(_("Zeitraum von"))
    period_end = models.DateField(_("Zeitraum bis"))
    period_label = models.CharField(_("Zeitraum"), max_length=100)
    scope_label = models.CharField(_("Umfang"), max_length=200)
    # The published tables (after small-cell suppression), exactly as in the PDF.
    figures = models.JSONField(_("Kennzahlen"))
    pdf = models.BinaryField(_("PDF"))
    sha256 = models.CharField(_("Prüfsumme (SHA-256)"), max_length=64)
    issued_at = models.DateTimeField(_("Ausgestellt am"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Ausgestellt von"),
    )
    issued_by_name = models.CharField(_("Ausgestellt von (Name)"), max_length=200)
    # Reports issued before there were two kinds were published with small cells protected.
    kind = models.CharField(
        _("Art des Berichts"),
        max_length=20,
        choices=ReportKind.choices,
        default=ReportKind.PUBLICATION,
    )

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("Ausgestellter Förderbericht")
        verbose_name_plural = _("Ausgestellte Förderberichte")
        triggers = [
            pgtrigger.Protect(
                name="issued_report_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_label} ({self.issued_at:%d.%m.%Y})"


class ReportJob(models.Model):
    """A report built in the background (`fallmanagement.tasks`), downloadable by its owner."""

    class Status(models.TextChoices):
        QUEUED = "wartend", _("wartet")
        RUNNING = "laeuft", _("läuft")
        DONE = "fertig", _("fertig")
        FAILED = "fehler", _("fehlgeschlagen")

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("für")
    )
    period_start = models.DateField(_("Zeitraum von"))
    period_end = models.DateField(_("Zeitraum bis"))
    period_label = models.CharField(_("Zeitraum"), max_length=100)
    scope_caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Fallmanager:in"),
    )
    format = models.CharField(_("Format"), max_length=4, choices=Format.choices)
    kind = models.CharField(
        _("Art des Berichts"),
        max_length=20,
        choices=ReportKind.choices,
        default=ReportKind.PUBLICATION,
    )
    # Issue the report as final once built (large reports are issued in the background too).
    issue = models.BooleanField(_("endgültig ausstellen"), default=False)
    status = models.CharField(
        _("Stand"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("Fortschritt (%)"), default=0)
    result = models.BinaryField(_("Ergebnis"), null=True, blank=True)
    filename = models.CharField(_("Dateiname"), max_length=200, blank=True)
    error = models.CharField(_("Fehler"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("Angefordert am"), auto_now_add=True)
    finished_at = models.DateTimeField(_("Fertig am"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Berichtsauftrag")
        verbose_name_plural = _("Berichtsaufträge")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="report_job_progress_max_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_label} {self.format} ({self.get_status_display()})"


class FundingTarget(models.Model):
    """A target value (Zielwert) of the funding agreement for one funding period, entered by
    Administration; the report shows it beside the actual figure and the degree of fulfilment."""

    class Metric(models.TextChoices):
        PARTICIPANTS = "teilnehmende", _("Teilnehmende (aktiv im Zeitraum)")
        ENTRIES = "eintritte", _("Eintritte")
        INTERNSHIPS = "praktika", _("Begonnene Praktika")
        PLACEMENTS = "einsaetze", _("Begonnene Einsätze (alle Arten)")
        EXITS_WORK = "arbeit", _("Austritte in Arbeit")
        EXITS_APPRENTICESHIP = "ausbildung", _("Austritte in Ausbildung")
        EXITS_INTEGRATION = "integration", _("Austritte in Arbeit, Ausbildung oder EQ")
        INTEGRATION_RATE = "quote", _("Integrationsquote (%)")
        RECOGNITION = "anerkennung", _("Beantragte Anerkennungsverfahren")
        PARTNERS = "partner", _("Aktive Partnerbetriebe am Stichtag")

    period_start = models.DateField(_("Förderzeitraum von"))
    period_end = models.DateField(_("Förderzeitraum bis"))
    metric = models.CharField(_("Kennzahl"), max_length=20, choices=Metric.choices)
    target = models.DecimalField(_("Zielwert"), max_digits=9, decimal_places=1)
    note = models.CharField(
        _("Fundstelle / Hinweis"),
        max_length=200,
        blank=True,
        help_text=_("z. B. „Zuwendungsbescheid vom 15.01.2026, Nr. 3.2“"),
    )

    class Meta:
        ordering = ["-period_start", "metric"]
        verbose_name = _("Zielwert")
        verbose_name_plural = _("Zielwerte")
        constraints = [
            models.UniqueConstraint(
                fields=["period_start", "period_end", "metric"],
                name="funding_target_one_per_metric_and_period",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="funding_target_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(target__gte=0), name="funding_target_not_negative"
            ),
            models.CheckConstraint(
                condition=~models.Q(metric="quote") | models.Q(target__lte=100),
                name="funding_target_rate_at_most_100",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_metric_display()} {self.period_start:%d.%m.%Y}–{self.period_end:%d.%m.%Y}"
        )


# --- Security and data protection (issue 7) -------------------------------------------------

from .roles import Role  # noqa: E402


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
        verbose_name = _("Sicherheitsrichtlinie einer Rolle")
        verbose_name_plural = _("Sicherheitsrichtlinien der Rollen")

    def __str__(self) -> str:
        return self.get_role_display()


# Audit trail: pghistory event models for personal data live in this app (see history.py).
from . import history  # noqa: E402, F401
