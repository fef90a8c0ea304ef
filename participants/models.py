"""Participants (Teilnehmende) and everything in their case file: notes, status history,
goals, follow-ups and recognition procedures."""

import datetime

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Func, Q, Value
from django.db.models.functions import Concat, Lower
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from fallmanagement.core.auditing import record_history
from fallmanagement.core.models import (
    GERMAN_COLLATION,
    KldbGroup,
    KldbOccupation,
    kldb_depth_constraint,
    kldb_depth_error,
)
from fallmanagement.core.models import GermanLevel as CefrLevel
from fallmanagement.core.roles import Role, user_roles
from fallmanagement.core.rules import DatabaseTomorrow


class FmUnaccent(Func):
    """`fm_unaccent(text)`: IMMUTABLE wrapper of unaccent (migration 0002), usable in indexes."""

    function = "fm_unaccent"
    output_field = models.TextField()


class FmNameKey(Func):
    """`fm_name_key(text)`: phonetic skeleton per word, e.g. Mohammed/Muhammad -> "mhmd"."""

    function = "fm_name_key"
    output_field = models.TextField()


def _all_names():
    return Concat(
        "first_name",
        Value(" "),
        "preferred_name",
        Value(" "),
        "last_name",
        output_field=models.TextField(),
    )


class ParticipantQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ParticipantQuerySet":
        """The one answer to "which participants may this user see?" (need-to-know).

        Fallmanagement: cases assigned to them or shared with them. Administration: all
        (every access is logged). Berichtswesen and everybody else: none.
        """
        roles = user_roles(user)
        if Role.ADMINISTRATION in roles:
            return self.all()
        if Role.CASEWORK in roles:
            # The few shared ids as literals: PostgreSQL answers `caseworker = x OR id IN (..)`
            # with two index scans, while an OR with a subquery scans every participant.
            return self.filter(
                Q(caseworker=user) | Q(pk__in=shared_case_ids(user) + handover_case_ids(user))
            )
        return self.none()

    def writable_by(self, user) -> "ParticipantQuerySet":
        """The cases the user may change: those visible, except the ones they only read
        during a handover (`handover_case_ids`)."""
        read_only = read_only_case_ids(user)
        visible = self.visible_to(user)
        return visible.exclude(pk__in=read_only) if read_only else visible


def _case_access(user) -> tuple[list[int], list[int]]:
    """(ids shared with `user`, ids handed over from `user` and still readable), with ONE
    query per request (a UNION), cached on the user object."""
    cached = getattr(user, "_fm_case_access", None)
    if cached is None:
        shares = Participant.shared_with.through.objects.filter(user_id=user.pk).values_list(
            "participant_id", Value(False, output_field=models.BooleanField())
        )
        # Compared with today when asked: a handover ends without any scheduled job.
        handovers = handovers_readable_by(user.pk).values_list(
            "participant_id", Value(True, output_field=models.BooleanField())
        )
        shared, handed_over = [], []
        for pk, is_handover in shares.union(handovers, all=True):
            (handed_over if is_handover else shared).append(pk)
        cached = user._fm_case_access = (shared, handed_over)
    return cached


def remember_case_access(user, shared_ids, handover_ids) -> None:
    """Store what `_case_access` would read, loaded with the user in the same query
    (privacy.backends.RequestUserBackend). `handover_ids` must already be limited to the
    handovers lasting until today or later (`handovers_readable_by`)."""
    user._fm_case_access = (list(shared_ids), list(handover_ids))


def handovers_readable_by(user_id) -> models.QuerySet:
    """The handovers from `user_id` that still give read access today (one definition for
    `_case_access` and the backend): compared with today, so a handover ends by its date."""
    return CaseHandover.objects.filter(
        previous_caseworker_id=user_id, until__gte=timezone.localdate()
    )


def shared_case_ids(user) -> list[int]:
    """Ids of the cases shared with `user` (substitutes), looked up once per request."""
    return _case_access(user)[0]


def handover_case_ids(user) -> list[int]:
    """Ids of the cases handed over from `user` to another caseworker whose handover period
    lasts until today or later: `user` may still read them (never change them)."""
    return _case_access(user)[1]


def read_only_case_ids(user) -> set[int]:
    """Cases `user` sees only because of a handover (not assigned, not shared with them)."""
    if Role.ADMINISTRATION in user_roles(user):
        return set()
    handed_over = set(handover_case_ids(user))
    if not handed_over:
        return set()
    handed_over -= set(shared_case_ids(user))
    own = Participant.objects.filter(pk__in=handed_over, caseworker=user).values_list(
        "pk", flat=True
    )
    return handed_over - set(own)


class Participant(models.Model):
    class Gender(models.TextChoices):
        FEMALE = "weiblich", _("weiblich")
        MALE = "maennlich", _("männlich")
        DIVERSE = "divers", _("divers")
        UNSPECIFIED = "keine_angabe", _("keine Angabe")

    class ResidenceStatus(models.TextChoices):
        GESTATTUNG = "gestattung", _("Aufenthaltsgestattung (Asylverfahren)")
        DULDUNG = "duldung", _("Duldung")
        AE_RECOGNISED = "ae_fluechtling", _("Aufenthaltserlaubnis – anerkannter Flüchtling")
        AE_SUBSIDIARY = "ae_subsidiaer", _("Aufenthaltserlaubnis – subsidiärer Schutz")
        AE_HUMANITARIAN = "ae_humanitaer", _("Aufenthaltserlaubnis – sonstige humanitäre Gründe")
        TEMPORARY_PROTECTION = "schutz_24", _("Vorübergehender Schutz (§ 24 AufenthG)")
        SETTLEMENT = "niederlassung", _("Niederlassungserlaubnis")
        OTHER = "sonstiges", _("Sonstiger Status")

    # With these statuses, work and most internships need the Ausländerbehörde's permission.
    PERMIT_REQUIRED_STATUSES = (ResidenceStatus.GESTATTUNG, ResidenceStatus.DULDUNG)

    class WorkPermit(models.TextChoices):
        YES = "ja", _("ja, erteilt")
        NO = "nein", _("nein")
        NOT_NEEDED = "nicht_noetig", _("nicht erforderlich")

    GermanLevel = CefrLevel  # the CEFR scale is reference data (core), employers ask for it too

    class Isced(models.TextChoices):
        LOW = "0-2", _("ISCED 0–2 (bis Sekundarstufe I)")
        MEDIUM = "3-4", _("ISCED 3–4 (Sekundarstufe II)")
        HIGH = "5-8", _("ISCED 5–8 (tertiär)")

    class Status(models.TextChoices):
        INTAKE = "aufnahme", _("Aufnahme")
        PROFILING = "profiling", _("Profiling")
        INTERNSHIP_PREP = "praktikumsvorbereitung", _("Praktikumsvorbereitung")
        INTERNSHIP = "praktikum", _("Praktikum")
        EVALUATION = "auswertung", _("Auswertung")
        QUALIFICATION = "qualifizierung", _("Qualifizierung")
        PLACED = "vermittelt", _("Vermittelt")
        AFTERCARE = "nachbetreuung", _("Nachbetreuung")
        CLOSED = "abgeschlossen", _("Abgeschlossen")
        PAUSED = "pausiert", _("Pausiert")

    class ExitReason(models.TextChoices):
        EMPLOYMENT = "arbeit", _("Arbeit")
        APPRENTICESHIP = "ausbildung", _("Ausbildung")
        EQ = "eq", _("Einstiegsqualifizierung (EQ)")
        QUALIFICATION = "qualifizierung", _("Qualifizierung/Weiterbildung")
        SCHOOL = "schule", _("Schule/Sprachkurs")
        MOVED = "umzug", _("Umzug")
        DROPPED = "abbruch", _("Abbruch/kein Kontakt")
        OTHER = "sonstiges", _("Sonstiges")

    # Exits that count as integration (funding report: integration rate).
    INTEGRATION_EXIT_REASONS = (ExitReason.EMPLOYMENT, ExitReason.APPRENTICESHIP, ExitReason.EQ)

    class PlacedAs(models.TextChoices):
        APPRENTICESHIP = "ausbildung", _("Ausbildung")
        EMPLOYMENT = "arbeit", _("Arbeit")
        EQ = "eq", _("Einstiegsqualifizierung")

    # Names as in the documents, and as the person is called.
    last_name = models.CharField(
        _("Nachname (laut Dokument)"), max_length=150, db_collation=GERMAN_COLLATION
    )
    first_name = models.CharField(
        _("Vorname(n) (laut Dokument)"), max_length=150, db_collation=GERMAN_COLLATION
    )
    preferred_name = models.CharField(_("Rufname"), max_length=150, blank=True)
    date_of_birth = models.DateField(_("Geburtsdatum"), null=True, blank=True)
    gender = models.CharField(
        _("Geschlecht"), max_length=20, choices=Gender.choices, default=Gender.UNSPECIFIED
    )
    country_of_origin = CountryField(_("Herkunftsland"), blank=True)
    nationality = CountryField(_("Staatsangehörigkeit"), blank=True)
    arrival_date = models.DateField(_("Einreise nach Deutschland"), null=True, blank=True)

    residence_status = models.CharField(
        _("Aufenthaltsstatus"), max_length=20, choices=ResidenceStatus.choices, blank=True
    )
    residence_valid_until = models.DateField(
        _("Aufenthaltstitel gültig bis"), null=True, blank=True
    )
    # Special category: visible only to the assigned caseworker and Administration.
    residence_details = models.TextField(_("Details zum Aufenthalt"), blank=True)
    work_permit = models.CharField(
        _("Beschäftigungserlaubnis"), max_length=20, choices=WorkPermit.choices, blank=True
    )
    work_permit_valid_until = models.DateField(
        _("Beschäftigungserlaubnis gültig bis"), null=True, blank=True
    )

    street = models.CharField(_("Straße und Hausnummer"), max_length=200, blank=True)
    postcode = models.CharField(_("PLZ"), max_length=5, blank=True)
    city = models.CharField(_("Ort"), max_length=100, blank=True)
    phone = models.CharField(_("Telefon"), max_length=40, blank=True)
    email = models.EmailField(_("E-Mail"), blank=True)

    german_level = models.CharField(
        _("Deutschkenntnisse (aktuell)"), max_length=10, choices=GermanLevel.choices, blank=True
    )
    german_level_at_entry = models.CharField(
        _("Deutschkenntnisse bei Eintritt"), max_length=10, choices=GermanLevel.choices, blank=True
    )
    school_years = models.PositiveSmallIntegerField(_("Schuljahre"), null=True, blank=True)
    isced_level = models.CharField(
        _("Höchster Bildungsabschluss (ISCED)"), max_length=3, choices=Isced.choices, blank=True
    )
    qualifications = models.TextField(_("Formale Qualifikationen"), blank=True)
    has_documents = models.BooleanField(_("Nachweise vorhanden"), null=True, blank=True)
    interests = models.TextField(_("Interessen"), blank=True)
    motivation = models.TextField(_("Motivation"), blank=True)
    resources = models.TextField(_("Ressourcen"), blank=True)
    needs = models.TextField(_("Handlungsbedarfe"), blank=True)
    # Special category (health-related, GDPR Art. 9): assigned caseworker and Administration only.
    health_notes = models.TextField(_("Gesundheitliche Einschränkungen"), blank=True)
    interest_groups = models.ManyToManyField(
        KldbGroup,
        blank=True,
        related_name="interested_participants",
        verbose_name=_("Berufliche Interessen (KldB)"),
    )
    # The same wishes at the depth the person knows (Berufsgruppe … Berufsgattung).
    interest_occupations = models.ManyToManyField(
        KldbOccupation,
        blank=True,
        related_name="interested_participants",
        verbose_name=_("Berufswunsch genauer (KldB)"),
    )

    consent_date = models.DateField(_("Einwilligung erteilt am"), null=True, blank=True)
    consent_scope = models.TextField(_("Umfang der Einwilligung"), blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Einwilligung erfasst von"),
    )
    consent_withdrawn_on = models.DateField(_("Einwilligung widerrufen am"), null=True, blank=True)

    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caseload",
        verbose_name=_("Fallmanager:in"),
    )
    shared_with = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="shared_cases",
        verbose_name=_("Freigegeben für (Vertretung)"),
    )
    entry_date = models.DateField(_("Eintritt in das Programm"), null=True, blank=True)
    status = models.CharField(
        _("Status"), max_length=30, choices=Status.choices, default=Status.INTAKE, db_index=True
    )
    status_before_pause = models.CharField(max_length=30, choices=Status.choices, blank=True)
    placed_as = models.CharField(
        _("Vermittelt in"), max_length=20, choices=PlacedAs.choices, blank=True
    )
    exit_date = models.DateField(_("Austrittsdatum"), null=True, blank=True)
    exit_reason = models.CharField(
        _("Austrittsgrund"), max_length=20, choices=ExitReason.choices, blank=True
    )
    anonymised_at = models.DateTimeField(_("Anonymisiert am"), null=True, blank=True)

    created_at = models.DateTimeField(_("Angelegt am"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Geändert am"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Angelegt von"),
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    # Search columns kept by PostgreSQL itself (see participants.queries.search).
    search_name = models.GeneratedField(
        expression=FmUnaccent(Lower(_all_names())),
        output_field=models.TextField(),
        db_persist=True,
        editable=False,
    )
    name_keys = models.GeneratedField(
        expression=Concat(
            Value(" "), FmNameKey(_all_names()), Value(" "), output_field=models.TextField()
        ),
        output_field=models.TextField(),
        db_persist=True,
        editable=False,
    )

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("Teilnehmende:r")
        verbose_name_plural = _("Teilnehmende")
        permissions = [("reassign_participant", _("Kann Fälle neu zuweisen"))]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="abgeschlossen")
                | (Q(exit_date__isnull=False) & ~Q(exit_reason="")),
                name="participant_closed_has_exit",
                violation_error_message=_(
                    "Ein abgeschlossener Fall braucht Austrittsdatum und Austrittsgrund."
                ),
            ),
            models.CheckConstraint(
                condition=Q(exit_date__isnull=True)
                | Q(entry_date__isnull=True)
                | Q(exit_date__gte=models.F("entry_date")),
                name="participant_exit_not_before_entry",
                violation_error_message=_("Der Austritt kann nicht vor dem Eintritt liegen."),
            ),
            models.CheckConstraint(
                condition=Q(exit_date__isnull=True)
                | LessThanOrEqual(models.F("exit_date"), DatabaseTomorrow()),
                name="participant_exit_not_in_future",
                violation_error_message=_("Das Austrittsdatum darf nicht in der Zukunft liegen."),
            ),
        ]
        indexes = [
            models.Index(fields=["caseworker", "status"]),
            # The caseload list's default order (Administration pages through all cases).
            models.Index(
                fields=["last_name", "first_name", "id"], name="participant_name_order_idx"
            ),
            models.Index(fields=["entry_date"]),
            models.Index(fields=["exit_date"]),
            GinIndex(
                fields=["search_name"], opclasses=["gin_trgm_ops"], name="participant_search_trgm"
            ),
            GinIndex(
                fields=["name_keys"], opclasses=["gin_trgm_ops"], name="participant_keys_trgm"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.first_name
        return f"{first} {self.last_name}".strip()

    @property
    def has_consent(self) -> bool:
        return self.consent_date is not None and self.consent_withdrawn_on is None

    @property
    def needs_work_permit(self) -> bool:
        return self.residence_status in self.PERMIT_REQUIRED_STATUSES

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    # Plausible ages at intake, and how far ahead an entry may be planned.
    MIN_AGE, MAX_AGE = 14, 80

    def clean(self) -> None:
        """The rules of the case's own data, for every entry path (intake form, admin,
        import, commands). Errors are keyed by the intake form's fields."""
        errors: dict[str, list[str]] = {}

        def add(field, message):
            errors.setdefault(field, []).append(message)

        today = timezone.localdate()
        born, arrival = self.date_of_birth, self.arrival_date
        if born and born > today:
            add("date_of_birth", gettext("Das Geburtsdatum darf nicht in der Zukunft liegen."))
        elif born:
            age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
            if not self.MIN_AGE <= age <= self.MAX_AGE:
                add(
                    "date_of_birth",
                    gettext(
                        "Bitte prüfen Sie das Geburtsdatum: Teilnehmende sind zwischen "
                        "%(min)s und %(max)s Jahre alt (hier: %(age)s)."
                    )
                    % {"min": self.MIN_AGE, "max": self.MAX_AGE, "age": age},
                )
        if arrival and arrival > today:
            add("arrival_date", gettext("Das Einreisedatum darf nicht in der Zukunft liegen."))
        if born and arrival and arrival < born:
            add("arrival_date", gettext("Die Einreise kann nicht vor der Geburt liegen."))
        for name in ("residence_valid_until", "work_permit_valid_until"):
            value = getattr(self, name)
            if value is None:
                continue
            if value.year < 2000 or value > today + datetime.timedelta(days=366 * 20):
                add(name, gettext("Bitte prüfen Sie das Datum (nicht plausibel)."))
            elif arrival and value < arrival:
                add(name, gettext("Die Gültigkeit kann nicht vor der Einreise enden."))
        if self.work_permit_valid_until and self.work_permit in (
            self.WorkPermit.NO,
            self.WorkPermit.NOT_NEEDED,
        ):
            add(
                "work_permit_valid_until",
                gettext(
                    "Ein Gültigkeitsdatum gibt es nur für eine erteilte Beschäftigungserlaubnis."
                ),
            )
        consent, withdrawn = self.consent_date, self.consent_withdrawn_on
        if consent and consent > today:
            add(
                "consent_date",
                gettext("Die Einwilligung kann nicht in der Zukunft erteilt werden."),
            )
        if withdrawn and not consent:
            add(
                "consent_withdrawn_on",
                gettext("Ein Widerruf setzt eine erteilte Einwilligung voraus."),
            )
        elif withdrawn and consent and withdrawn < consent:
            add(
                "consent_withdrawn_on",
                gettext("Der Widerruf kann nicht vor der Einwilligung liegen."),
            )
        if consent and not (self.consent_scope or "").strip():
            add("consent_scope", gettext("Bitte geben Sie den Umfang der Einwilligung an."))
        entry = self.entry_date
        if entry and born and entry < born:
            add("entry_date", gettext("Der Eintritt kann nicht vor der Geburt liegen."))
        if entry and entry > today + datetime.timedelta(days=366):
            add("entry_date", gettext("Bitte prüfen Sie das Eintrittsdatum (nicht plausibel)."))
        if entry and self.exit_date and self.exit_date < entry:
            add("entry_date", gettext("Der Eintritt kann nicht nach dem Austritt liegen."))
        if entry and self.pk:
            first = (
                self.placements.exclude(state="abgebrochen", actual_start__isnull=True)
                .order_by("planned_start")
                .values_list("actual_start", "planned_start")
                .first()
            )
            begins = first and (first[0] or first[1])
            if begins and begins < entry:
                add(
                    "entry_date",
                    gettext("Der Eintritt kann nicht nach dem ersten Einsatz (ab %(date)s) liegen.")
                    % {"date": begins.strftime("%d.%m.%Y")},
                )
        if errors:
            raise ValidationError(errors)


class Language(models.Model):
    """A language a participant speaks (German is tracked on the participant, CEFR)."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="languages")
    language = models.CharField(_("Sprache"), max_length=60)
    level = models.CharField(_("Niveau"), max_length=60, blank=True)

    class Meta:
        ordering = ["language"]
        verbose_name = _("Sprache")
        verbose_name_plural = _("Sprachen")

    def __str__(self) -> str:
        return f"{self.language} ({self.level})" if self.level else self.language


class GermanLevelRecord(models.Model):
    """One attested German level (CEFR) with its evidence: the history of the participant's
    German. The newest record is the participant's current `german_level`
    (participants.workflow.record_german_level keeps both in step)."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="german_levels"
    )
    level = models.CharField(_("Niveau"), max_length=10, choices=Participant.GermanLevel.choices)
    previous_level = models.CharField(
        _("Niveau vorher"), max_length=10, choices=Participant.GermanLevel.choices, blank=True
    )
    attested_on = models.DateField(_("Nachgewiesen am"))
    evidence = models.CharField(
        _("Nachweis"), max_length=300, help_text=_("z. B. „Zertifikat telc Deutsch B1“")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Erfasst von"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-attested_on", "-created_at"]
        verbose_name = _("Nachweis Deutschkenntnisse")
        verbose_name_plural = _("Nachweise Deutschkenntnisse")
        indexes = [models.Index(fields=["participant", "-attested_on"])]

    def __str__(self) -> str:
        return f"{self.get_level_display()} ({self.attested_on:%d.%m.%Y})"


class VocationalExperience(models.Model):
    """Work experience, usually from the country of origin, by KldB Berufshauptgruppe."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="experiences"
    )
    kldb_group = models.ForeignKey(
        KldbGroup, on_delete=models.PROTECT, related_name="+", verbose_name=_("Berufsfeld (KldB)")
    )
    kldb_occupation = models.ForeignKey(
        KldbOccupation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Beruf genauer (KldB)"),
    )
    years = models.DecimalField(_("Jahre"), max_digits=4, decimal_places=1, null=True, blank=True)
    description = models.TextField(_("Tätigkeit"), blank=True)

    class Meta:
        verbose_name = _("Berufserfahrung")
        verbose_name_plural = _("Berufserfahrungen")
        constraints = [kldb_depth_constraint("experience_kldb_depth")]

    def __str__(self) -> str:
        return str(self.kldb_occupation or self.kldb_group)

    @property
    def needs_refinement(self) -> bool:
        """Only the two-digit Berufshauptgruppe is known (e.g. data from before KldB depth)."""
        return self.kldb_occupation_id is None

    def clean(self) -> None:
        if self.kldb_occupation_id and not self.kldb_group_id:
            self.kldb_group_id = self.kldb_occupation_id[:2]
        error = kldb_depth_error(self.kldb_group_id, self.kldb_occupation_id)
        if error:
            raise ValidationError({"kldb_occupation": error})


class CaseNote(models.Model):
    """Gesprächsnotiz: one contact with or about the participant."""

    class ContactKind(models.TextChoices):
        IN_PERSON = "persoenlich", _("persönlich")
        PHONE = "telefon", _("Telefon")
        HOME_VISIT = "hausbesuch", _("Hausbesuch")
        EMPLOYER = "betrieb", _("Betrieb")
        AUTHORITY = "behoerde", _("Behörde")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="notes")
    date = models.DateField(_("Datum"))
    contact_kind = models.CharField(_("Kontaktart"), max_length=20, choices=ContactKind.choices)
    duration_minutes = models.PositiveSmallIntegerField(_("Dauer (Minuten)"), null=True, blank=True)
    with_interpreter = models.BooleanField(_("mit Dolmetscher:in"), default=False)
    text = models.TextField(_("Notiz"))
    confidential = models.BooleanField(
        _("vertraulich"),
        default=False,
        help_text=_("Nur für die zuständige Fallmanager:in sichtbar."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Verfasst von"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Corrections keep history: the author corrects the text on the day it was written
    # (corrected_at), later only adds addenda (NoteAddendum); the audit trail keeps old texts.
    corrected_at = models.DateTimeField(_("Korrigiert am"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-date", "-created_at"]
        verbose_name = _("Gesprächsnotiz")
        verbose_name_plural = _("Gesprächsnotizen")
        indexes = [models.Index(fields=["participant", "-date"])]

    def __str__(self) -> str:
        return f"{self.get_contact_kind_display()} {self.date:%d.%m.%Y}"


class NoteAddendum(models.Model):
    """A later addendum (Nachtrag) to a note, any number of them: the note's text stays as
    written (rule: participants.workflow.add_note_addendum)."""

    note = models.ForeignKey(CaseNote, on_delete=models.CASCADE, related_name="addenda")
    text = models.TextField(_("Nachtrag"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Verfasst von"),
    )
    created_at = models.DateTimeField(_("Nachtrag am"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("Nachtrag")
        verbose_name_plural = _("Nachträge")
        constraints = [
            models.CheckConstraint(condition=~models.Q(text=""), name="noteaddendum_text_not_empty")
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.created_at:%d.%m.%Y}"


class StatusChange(models.Model):
    """One entry of the case's status history (the programme's evidence)."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(
        _("von"), max_length=30, choices=Participant.Status.choices, blank=True
    )
    to_status = models.CharField(_("nach"), max_length=30, choices=Participant.Status.choices)
    changed_on = models.DateField(_("Datum"))
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Geändert von"),
    )
    reason = models.TextField(_("Begründung"), blank=True)

    class Meta:
        ordering = ["-changed_on", "-changed_at"]
        verbose_name = _("Statusänderung")
        verbose_name_plural = _("Statusänderungen")
        indexes = [models.Index(fields=["participant", "-changed_on"])]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class Goal(models.Model):
    """Zielvereinbarung agreed with the participant."""

    class State(models.TextChoices):
        OPEN = "offen", _("offen")
        ACHIEVED = "erreicht", _("erreicht")
        DROPPED = "verworfen", _("verworfen")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="goals")
    text = models.TextField(_("Ziel"))
    agreed_on = models.DateField(_("Vereinbart am"))
    due_on = models.DateField(_("Fällig am"), null=True, blank=True)
    state = models.CharField(_("Stand"), max_length=10, choices=State.choices, default=State.OPEN)
    closed_on = models.DateField(_("Erledigt am"), null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-agreed_on"]
        verbose_name = _("Zielvereinbarung")
        verbose_name_plural = _("Zielvereinbarungen")

    def __str__(self) -> str:
        return self.text[:60]


class FollowUp(models.Model):
    """Wiedervorlage: something to do by a date. Some are created automatically."""

    class Kind(models.TextChoices):
        GENERAL = "allgemein", _("Allgemein")
        WHEREABOUTS_4W = "verbleib_4w", _("Verbleib 4 Wochen nach Austritt")
        WHEREABOUTS_6M = "verbleib_6m", _("Verbleib 6 Monate nach Austritt")
        RECOGNITION_DECISION = "anerkennung_frist", _("Anerkennung: Entscheidungsfrist")
        RECOGNITION_FOLLOWUP = "anerkennung_folgeantrag", _("Anerkennung: Folgeantrag")
        PERMIT_EXPIRY = "erlaubnis_ablauf", _("Ablauf einer Erlaubnis")
        OFFER_START = "angebot_beginn", _("Angebot: Beginn prüfen")
        OFFER_END = "angebot_ende", _("Angebot: Rückmeldung zum Ende")

    class Whereabouts(models.TextChoices):
        EMPLOYMENT = "arbeit", _("in Arbeit")
        APPRENTICESHIP = "ausbildung", _("in Ausbildung")
        SCHOOL = "schule", _("Schule/Kurs")
        JOBSEEKING = "arbeitsuchend", _("arbeitsuchend")
        UNKNOWN = "unbekannt", _("unbekannt")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="followups")
    kind = models.CharField(_("Art"), max_length=30, choices=Kind.choices, default=Kind.GENERAL)
    due_on = models.DateField(_("Fällig am"))
    subject = models.CharField(_("Was ist zu tun?"), max_length=300)
    done_on = models.DateField(_("Erledigt am"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    whereabouts = models.CharField(
        _("Verbleib"), max_length=20, choices=Whereabouts.choices, blank=True
    )
    recognition = models.ForeignKey(
        "RecognitionProcedure",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="followups",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on"]
        verbose_name = _("Wiedervorlage")
        verbose_name_plural = _("Wiedervorlagen")
        indexes = [
            models.Index(
                fields=["due_on"], condition=Q(done_on__isnull=True), name="followup_open_due"
            ),
            models.Index(fields=["participant", "due_on"]),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def needs_whereabouts(self) -> bool:
        """The whereabouts follow-ups are ticked off with where the person went."""
        return self.kind in (self.Kind.WHEREABOUTS_4W, self.Kind.WHEREABOUTS_6M)

    @property
    def is_done(self) -> bool:
        return self.done_on is not None


class RecognitionProcedure(models.Model):
    """Anerkennungsverfahren for a foreign qualification (BQFG)."""

    class State(models.TextChoices):
        ADVISED = "beraten", _("beraten")
        APPLIED = "antrag_gestellt", _("Antrag gestellt")
        IN_REVIEW = "in_pruefung", _("in Prüfung")
        FULL = "volle_gleichwertigkeit", _("volle Gleichwertigkeit")
        PARTIAL = "teilweise_gleichwertigkeit", _("teilweise Gleichwertigkeit")
        REJECTED = "abgelehnt", _("abgelehnt")

    DECIDED_STATES = (State.FULL, State.PARTIAL, State.REJECTED)

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="recognitions"
    )
    reference_profession = models.CharField(_("Referenzberuf"), max_length=200)
    competent_body = models.CharField(_("Zuständige Stelle"), max_length=200, blank=True)
    network_partner = models.ForeignKey(
        "employers.NetworkPartner",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recognitions",
        verbose_name=_("Netzwerkpartner"),
    )
    state = models.CharField(
        _("Stand"), max_length=30, choices=State.choices, default=State.ADVISED
    )
    advised_on = models.DateField(_("Beraten am"), null=True, blank=True)
    applied_on = models.DateField(_("Antrag gestellt am"), null=True, blank=True)
    file_complete_on = models.DateField(_("Unterlagen vollständig am"), null=True, blank=True)
    decided_on = models.DateField(_("Entschieden am"), null=True, blank=True)
    notes = models.TextField(_("Notizen"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Optimistic locking (fallmanagement.core.locking): concurrent edits are detected.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Anerkennungsverfahren")
        verbose_name_plural = _("Anerkennungsverfahren")

    def __str__(self) -> str:
        return self.reference_profession


class CaseShareChange(models.Model):
    """A case shared with a substitute or the sharing revoked: for whom, by whom, when.

    Written only by `participants.workflow.share_case` / `revoke_share` (views, admin and
    reassignment call them); shown in the case file's timeline, recorded in the audit trail,
    and reported to the security log by the privacy app.
    """

    class Action(models.TextChoices):
        GRANTED = "granted", _("Fall freigegeben")
        REVOKED = "revoked", _("Freigabe aufgehoben")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="share_changes"
    )
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Vertretung"),
    )
    action = models.CharField(_("Aktion"), max_length=10, choices=Action.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("Geändert von"),
    )
    changed_at = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("Freigabe")
        verbose_name_plural = _("Freigaben")

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.changed_at:%d.%m.%Y})"


class CaseHandover(models.Model):
    """After a reassignment, the previous caseworker may READ the case until `until`
    (inclusive), never change it (`ParticipantQuerySet.writable_by`). Written by the
    reassignment (fallmanagement.imports.reassignment); ends by its date, no job needed."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="handovers")
    previous_caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("bisher zuständig"),
    )
    until = models.DateField(_("Lesezugriff bis"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Übergabe")
        verbose_name_plural = _("Übergaben")
        indexes = [models.Index(fields=["previous_caseworker", "until"])]

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.previous_caseworker_id} bis {self.until}"


# The audit trail records every insert, update and delete of these (see privacy.history).
record_history(
    Participant,
    Language,
    GermanLevelRecord,
    VocationalExperience,
    CaseNote,
    NoteAddendum,
    StatusChange,
    Goal,
    FollowUp,
    RecognitionProcedure,
    CaseShareChange,
    CaseHandover,
)
