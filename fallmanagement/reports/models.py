"""Funding reports kept in the database: issued reports (frozen) and background report jobs."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fallmanagement.core.auditing import keep_append_only


class ReportKind(models.TextChoices):
    """Who a funding report is for; chosen when it is made and printed on it."""

    # Exact counts, as the funding agreement requires; access-logged.
    FUNDER = "foerdergeber", _("Bericht an den Fördergeber")
    # City council, press, website: small cells protected (`reports.suppression`).
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
        db_table = "fallmanagement_issuedreport"
        permissions = [("view_funding_reports", _("Kann Förderberichte erstellen"))]
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
    """A report built in the background (`reports.tasks`), downloadable by its owner only."""

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
        db_table = "fallmanagement_reportjob"
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
    version = models.PositiveIntegerField(default=1, editable=False)

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


# Issued reports are kept exactly as issued: the privacy app's database guard refuses any
# change or removal by the application's role (besides the trigger above).
keep_append_only(IssuedReport)
