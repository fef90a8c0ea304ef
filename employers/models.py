"""Employer partners (Betriebe), their contact persons and contact history, and the
network partners (chambers, authorities, course providers, associations)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fallmanagement.core.auditing import record_history
from fallmanagement.core.models import (
    GERMAN_COLLATION,
    GermanLevel,
    KldbGroup,
    KldbOccupation,
    kldb_depth_constraint,
    kldb_depth_error,
)

postcode_validator = RegexValidator(
    r"^\d{5}$", _("Bitte eine fünfstellige Postleitzahl angeben, z. B. 34117.")
)
phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ()/\-]{4,30}$",
    _("Bitte eine Telefonnummer aus Ziffern angeben, z. B. 0561 123456 oder +49 561 123456."),
)


class EmployerQuerySet(models.QuerySet):
    def partners(self) -> "EmployerQuerySet":
        """Active partners: not deactivated and in partnership state "aktiver Partner"."""
        return self.filter(is_active=True, state=Employer.PartnershipState.ACTIVE)


class Employer(models.Model):
    class LegalForm(models.TextChoices):
        SOLE = "einzelunternehmen", _("Einzelunternehmen")
        GBR = "gbr", _("GbR")
        OHG_KG = "ohg_kg", _("OHG/KG")
        GMBH = "gmbh", _("GmbH / UG")
        GMBH_CO_KG = "gmbh_co_kg", _("GmbH & Co. KG")
        AG = "ag", _("AG")
        EG = "eg", _("eG")
        PUBLIC = "oeffentlich", _("Öffentliche Einrichtung")
        ASSOCIATION = "verein", _("Verein / gemeinnützig")
        OTHER = "sonstige", _("Sonstige")

    class SizeBand(models.TextChoices):
        MICRO = "1-9", _("1–9 Beschäftigte")
        SMALL = "10-49", _("10–49 Beschäftigte")
        MEDIUM = "50-249", _("50–249 Beschäftigte")
        LARGE = "250+", _("250 und mehr Beschäftigte")

    class Chamber(models.TextChoices):
        IHK = "ihk", _("IHK")
        HWK = "hwk", _("HWK")
        OTHER = "andere", _("andere zuständige Stelle")

    class PartnershipState(models.TextChoices):
        REQUESTED = "angefragt", _("angefragt")
        INTERESTED = "interessiert", _("interessiert")
        ACTIVE = "aktiv", _("aktiver Partner")
        PAUSED = "pausiert", _("pausiert")
        ENDED = "beendet", _("beendet")

    name = models.CharField(_("Name"), max_length=200, db_collation=GERMAN_COLLATION)
    legal_form = models.CharField(
        _("Rechtsform"), max_length=20, choices=LegalForm.choices, blank=True
    )
    street = models.CharField(_("Straße und Hausnummer"), max_length=200, blank=True)
    postcode = models.CharField(_("PLZ"), max_length=5, validators=[postcode_validator])
    city = models.CharField(_("Ort"), max_length=100, db_collation=GERMAN_COLLATION)
    industry = models.CharField(_("Branche"), max_length=200, blank=True)
    size_band = models.CharField(
        _("Betriebsgröße"), max_length=10, choices=SizeBand.choices, blank=True
    )
    phone = models.CharField(_("Telefon"), max_length=40, blank=True, validators=[phone_validator])
    email = models.EmailField(_("E-Mail"), blank=True)
    website = models.URLField(_("Website"), blank=True)
    kldb_groups = models.ManyToManyField(
        KldbGroup,
        through="EmployerField",
        related_name="employers",
        verbose_name=_("Berufsfelder (KldB)"),
    )
    capacity = models.PositiveSmallIntegerField(
        _("Praktikumsplätze gleichzeitig"),
        default=1,
        help_text=_("Wie viele Praktikant:innen der Betrieb gleichzeitig aufnehmen kann."),
    )
    capacity_notes = models.CharField(
        _("Wann möglich"),
        max_length=300,
        blank=True,
        help_text=_("z. B. „nicht im Dezember“, „ab März“"),
    )
    workplace_languages = models.CharField(_("Sprachen im Betrieb"), max_length=300, blank=True)
    german_level_required = models.CharField(
        _("Deutsch mindestens"),
        max_length=10,
        choices=GermanLevel.choices,
        blank=True,
        help_text=_("Welches Deutschniveau (GER) der Betrieb für ein Praktikum erwartet."),
    )
    transit_access = models.TextField(_("Erreichbarkeit mit ÖPNV"), blank=True)
    is_training_company = models.BooleanField(_("Ausbildungsbetrieb"), default=False)
    chamber = models.CharField(_("Kammer"), max_length=10, choices=Chamber.choices, blank=True)
    state = models.CharField(
        _("Partnerschaft"),
        max_length=20,
        choices=PartnershipState.choices,
        default=PartnershipState.REQUESTED,
        db_index=True,
    )
    state_since = models.DateField(_("Stand seit"), null=True, blank=True)
    state_reason = models.CharField(_("Grund"), max_length=300, blank=True)
    partner_since = models.DateField(_("Aktiver Partner seit"), null=True, blank=True)
    notes = models.TextField(_("Notizen"), blank=True)
    is_active = models.BooleanField(
        _("aktiv"),
        default=True,
        help_text=_("Deaktivierte Betriebe bleiben mit ihren Einsätzen erhalten."),
    )
    # A caseworker may propose a new employer; it starts as "angefragt" and says who proposed it.
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Vorgeschlagen von"),
    )
    proposed_on = models.DateField(_("Vorgeschlagen am"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = EmployerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("Betrieb")
        verbose_name_plural = _("Betriebe")
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "postcode",
                name="employer_unique_name_postcode",
                violation_error_message=_(
                    "Ein Betrieb mit diesem Namen und dieser PLZ ist bereits erfasst."
                ),
            ),
        ]
        indexes = [
            # The employer list: active employers by name (the default order), one page at a time.
            models.Index(
                fields=["name", "id"],
                name="employer_active_name_idx",
                condition=models.Q(is_active=True),
            ),
            # Matching ranks all active partners by free places, hires and name: from this
            # narrow index alone (index-only scan), see placements.matching.
            models.Index(
                fields=["id"],
                name="employer_partner_idx",
                include=["capacity", "name", "postcode", "city", "german_level_required"],
                condition=models.Q(is_active=True, state="aktiv"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})" if self.city else self.name

    def clean(self):
        super().clean()
        # A running programme enters partners it has worked with for years: the date may lie
        # in the past, but a partnership cannot have begun tomorrow.
        if self.partner_since and self.partner_since > timezone.localdate():
            raise ValidationError(
                {"partner_since": _("„Aktiver Partner seit“ darf nicht in der Zukunft liegen.")}
            )

    def allowed_states(self) -> list[str]:
        """The partnership states this employer may move to next."""
        return STATE_TRANSITIONS.get(self.state, [])


_S = Employer.PartnershipState
# angefragt → interessiert → aktiver Partner → pausiert → beendet; ending is always possible,
# a paused partner can become active again and an ended partnership can be revived.
STATE_TRANSITIONS: dict[str, list[str]] = {
    _S.REQUESTED: [_S.INTERESTED, _S.ACTIVE, _S.ENDED],
    _S.INTERESTED: [_S.ACTIVE, _S.ENDED],
    _S.ACTIVE: [_S.PAUSED, _S.ENDED],
    _S.PAUSED: [_S.ACTIVE, _S.ENDED],
    _S.ENDED: [_S.INTERESTED, _S.ACTIVE],
}


class EmployerField(models.Model):
    """An occupational field in which an employer offers internships, apprenticeships, jobs:
    a KldB Berufshauptgruppe (two digits, the report's depth) and, where known, the Berufsgruppe,
    -untergruppe or -gattung inside it (`kldb_occupation`). A row with the Berufshauptgruppe only
    is marked for refinement (`needs_refinement`)."""

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="fields")
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
    offers_internship = models.BooleanField(_("Praktikum"), default=True)
    offers_apprenticeship = models.BooleanField(_("Ausbildung"), default=False)
    offers_job = models.BooleanField(_("Arbeit"), default=False)

    class Meta:
        verbose_name = _("Berufsfeld des Betriebs")
        verbose_name_plural = _("Berufsfelder des Betriebs")
        constraints = [
            models.UniqueConstraint(
                fields=["employer", "kldb_group", "kldb_occupation"],
                name="employer_field_unique",
                nulls_distinct=False,
                violation_error_message=_("Dieses Berufsfeld ist beim Betrieb schon eingetragen."),
            ),
            kldb_depth_constraint("employer_field_kldb_depth"),
        ]
        indexes = [
            # Matching narrows the employers to those with internships in the wanted fields.
            models.Index(
                fields=["kldb_group", "employer"],
                name="employer_field_internship_idx",
                condition=models.Q(offers_internship=True),
                include=["kldb_occupation"],
            )
        ]

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


class ContactPerson(models.Model):
    class PreferredContact(models.TextChoices):
        PHONE = "telefon", _("Telefon")
        EMAIL = "email", _("E-Mail")
        IN_PERSON = "persoenlich", _("persönlich")

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("Name"), max_length=200, db_collation=GERMAN_COLLATION)
    role = models.CharField(_("Funktion"), max_length=200, blank=True)
    phone = models.CharField(_("Telefon"), max_length=40, blank=True, validators=[phone_validator])
    email = models.EmailField(_("E-Mail"), blank=True)
    preferred_contact = models.CharField(
        _("Bevorzugter Kontaktweg"), max_length=20, choices=PreferredContact.choices, blank=True
    )
    consent_to_store = models.BooleanField(_("Einwilligung zur Speicherung"), default=False)
    consent_date = models.DateField(_("Einwilligung am"), null=True, blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Ansprechperson")
        verbose_name_plural = _("Ansprechpersonen")

    def __str__(self) -> str:
        return f"{self.name} ({self.role})" if self.role else self.name


class EmployerContact(models.Model):
    """Contact history with an employer: calls, visits, agreements."""

    class Kind(models.TextChoices):
        CALL = "anruf", _("Anruf")
        VISIT = "besuch", _("Besuch")
        EMAIL = "email", _("E-Mail")
        AGREEMENT = "vereinbarung", _("Vereinbarung")
        OTHER = "sonstiges", _("Sonstiges")

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="history")
    date = models.DateField(_("Datum"))
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices)
    contact_person = models.ForeignKey(
        ContactPerson,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Ansprechperson"),
    )
    text = models.TextField(_("Notiz"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-created_at"]
        verbose_name = _("Kontakt mit Betrieb")
        verbose_name_plural = _("Kontakte mit Betrieben")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%d.%m.%Y}"


class EmployerStateChange(models.Model):
    """History of the partnership state (angefragt → interessiert → aktiv …)."""

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="state_changes")
    from_state = models.CharField(
        max_length=20, choices=Employer.PartnershipState.choices, blank=True
    )
    to_state = models.CharField(max_length=20, choices=Employer.PartnershipState.choices)
    changed_on = models.DateField(_("Datum"))
    reason = models.CharField(_("Grund"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"


class NetworkPartner(models.Model):
    class Kind(models.TextChoices):
        IHK = "ihk", _("Industrie- und Handelskammer (IHK)")
        HWK = "hwk", _("Handwerkskammer (HWK)")
        IMMIGRATION = "auslaenderbehoerde", _("Ausländerbehörde")
        JOBCENTER = "jobcenter", _("Jobcenter")
        AGENCY = "agentur", _("Agentur für Arbeit")
        RECOGNITION = "anerkennung", _("Anerkennungsstelle")
        LANGUAGE = "sprachkurs", _("Sprachkursträger")
        ASSOCIATION = "verein", _("Verein / Initiative")
        OTHER = "sonstige", _("Sonstige Institution")

    name = models.CharField(_("Name"), max_length=200, db_collation=GERMAN_COLLATION)
    kind = models.CharField(_("Art"), max_length=30, choices=Kind.choices)
    topics = models.CharField(
        _("Themen"), max_length=300, blank=True, help_text=_("z. B. „Anerkennung Metallberufe“")
    )
    street = models.CharField(_("Straße und Hausnummer"), max_length=200, blank=True)
    postcode = models.CharField(_("PLZ"), max_length=5, blank=True, validators=[postcode_validator])
    city = models.CharField(_("Ort"), max_length=100, blank=True, db_collation=GERMAN_COLLATION)
    phone = models.CharField(_("Telefon"), max_length=40, blank=True, validators=[phone_validator])
    email = models.EmailField(_("E-Mail"), blank=True)
    website = models.URLField(_("Website"), blank=True)
    notes = models.TextField(_("Notizen"), blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Optimistic locking (fallmanagement.core.locking): concurrent edits are detected.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Netzwerkpartner")
        verbose_name_plural = _("Netzwerkpartner")

    def __str__(self) -> str:
        return self.name


class NetworkContactPerson(models.Model):
    partner = models.ForeignKey(NetworkPartner, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("Name"), max_length=200, db_collation=GERMAN_COLLATION)
    role = models.CharField(_("Funktion"), max_length=200, blank=True)
    phone = models.CharField(_("Telefon"), max_length=40, blank=True, validators=[phone_validator])
    email = models.EmailField(_("E-Mail"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Ansprechperson (Netzwerk)")
        verbose_name_plural = _("Ansprechpersonen (Netzwerk)")

    def __str__(self) -> str:
        return self.name


# The audit trail records every change of a contact person (personal data; privacy.history).
record_history(ContactPerson)
