"""Imports kept in the database: each run (who, when, file, counts, per-row results), the
records it wrote (for idempotency and undo) and saved column mappings (templates)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    PARTICIPANTS = "teilnehmende", _("Teilnehmende")
    EMPLOYERS = "betriebe", _("Betriebe mit Ansprechpersonen")
    NETWORK_PARTNERS = "netzwerkpartner", _("Netzwerkpartner")
    PLACEMENTS = "einsaetze", _("Einsätze (Praktika, Anschlüsse)")


class ImportRun(models.Model):
    """One uploaded file, from preview (dry run) to the real run and perhaps its undo."""

    class Status(models.TextChoices):
        UPLOADED = "hochgeladen", _("hochgeladen")
        PREVIEWED = "geprueft", _("Probelauf fertig")
        QUEUED = "wartend", _("wartet")
        RUNNING = "laeuft", _("läuft")
        DONE = "fertig", _("importiert")
        FAILED = "fehler", _("fehlgeschlagen")
        # The worker stopped sending its heartbeat (killed, machine restarted): since the real
        # run is one transaction, nothing of it was written; the run can be started again.
        ABORTED = "abgebrochen", _("abgebrochen")
        UNDONE = "rueckgaengig", _("rückgängig gemacht")

    kind = models.CharField(_("Art"), max_length=20, choices=ImportKind.choices)
    filename = models.CharField(_("Datei"), max_length=255)
    # The file itself lives in the database (no app server keeps files on its disk).
    content = models.BinaryField(_("Inhalt"))
    # {column header: field name or ""}: what the user confirmed on the mapping page.
    mapping = models.JSONField(_("Zuordnung"), default=dict)
    status = models.CharField(
        _("Stand"), max_length=20, choices=Status.choices, default=Status.UPLOADED
    )
    progress = models.PositiveSmallIntegerField(_("Fortschritt (%)"), default=0)
    # Set by the worker when it starts and with every progress report (its lease): a running
    # import whose heartbeat is older than settings.IMPORT_STALE_MINUTES has lost its worker.
    heartbeat_at = models.DateTimeField(_("Letztes Lebenszeichen"), null=True, blank=True)
    created = models.PositiveIntegerField(_("neu"), default=0)
    updated = models.PositiveIntegerField(_("geändert"), default=0)
    unchanged = models.PositiveIntegerField(_("unverändert"), default=0)
    errors = models.PositiveIntegerField(_("Fehler"), default=0)
    duplicates = models.PositiveIntegerField(_("mögliche Dubletten"), default=0)
    # Per row: {"row": n, "action": ..., "errors": [[column, message]], "duplicates": [ids]},
    # kept for rows that are not plainly "unchanged" (bounded: see engine.MAX_REPORTED_ROWS).
    rows = models.JSONField(_("Zeilen"), default=list)
    failure = models.CharField(_("Fehlermeldung"), max_length=500, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Gestartet von"),
    )
    created_at = models.DateTimeField(_("Hochgeladen am"), auto_now_add=True)
    finished_at = models.DateTimeField(_("Importiert am"), null=True, blank=True)
    undone_at = models.DateTimeField(_("Rückgängig gemacht am"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Rückgängig gemacht von"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Import")
        verbose_name_plural = _("Importe")

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_kind_display()})"

    # Statuses from which the user may (re)start the column mapping and the dry run.
    STARTABLE = (Status.UPLOADED, Status.PREVIEWED, Status.ABORTED)


class ImportedRecord(models.Model):
    """A record an import created or changed: its external key (idempotency) and, for undo,
    the values before and the version after the import."""

    class Action(models.TextChoices):
        CREATED = "neu", _("neu")
        UPDATED = "geaendert", _("geändert")

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    # "participants.participant", "employers.contactperson" …
    model = models.CharField(max_length=60)
    object_id = models.PositiveBigIntegerField()
    # The row's own key in the source (e.g. "TN-017"); empty when matched by a rule.
    external_key = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    before = models.JSONField(default=dict)  # changed fields' previous values (updates)
    after = models.JSONField(default=dict)  # the imported fields' values after the import

    class Meta:
        indexes = [
            models.Index(fields=["kind", "external_key"], name="imported_external_key_idx"),
            models.Index(fields=["model", "object_id"], name="imported_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.object_id}"


class MappingTemplate(models.Model):
    """A saved column mapping ("Vorlage") for the next file of the same layout."""

    kind = models.CharField(_("Art"), max_length=20, choices=ImportKind.choices)
    name = models.CharField(_("Name der Vorlage"), max_length=100)
    mapping = models.JSONField(_("Zuordnung"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Zuordnungsvorlage")
        verbose_name_plural = _("Zuordnungsvorlagen")
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="mapping_template_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Reassignment(models.Model):
    """One case moved to another caseworker (one row per case, also in bulk), with the reason
    and the optional handover period in which the previous caseworker may still read the case
    (the access itself is a `participants.CaseHandover`)."""

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.CASCADE, related_name="reassignments"
    )
    from_caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bisher zuständig"),
    )
    to_caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("neu zuständig"),
    )
    reason = models.CharField(_("Grund"), max_length=300)
    handover_until = models.DateField(_("Übergabe bis"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at"]
        verbose_name = _("Neuzuweisung")
        verbose_name_plural = _("Neuzuweisungen")

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.from_caseworker_id} → {self.to_caseworker_id}"
