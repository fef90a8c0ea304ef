"""Offers (Angebote) of the network partners – courses and services – and the referrals
(Zuweisungen) of participants to them.

The catalogue is kept by Administration and visible to every caseworker; a caseworker may
record a one-off offer while referring (`is_one_off`, not listed in the catalogue). A referral
belongs to the case: it is reached only through `Participant.objects.visible_to(user)`.
The states and their rules live in `workflow.py`; the constraints here are the last line.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from employers.models import NetworkContactPerson, NetworkPartner
from fallmanagement.core.auditing import record_history
from participants.models import FollowUp, GermanLevelRecord, Goal, Participant


class OfferQuerySet(models.QuerySet):
    def catalogue(self) -> "OfferQuerySet":
        """The offers Administration keeps (one-off offers recorded while referring are not)."""
        return self.filter(is_one_off=False)

    def bookable(self, today) -> "OfferQuerySet":
        """Active offers that have not ended (or run without an end date)."""
        return self.filter(is_active=True).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))

    def with_taken_places(self) -> "OfferQuerySet":
        return self.annotate(
            taken=Count("referrals", filter=Q(referrals__state__in=Referral.TAKING_STATES))
        )


class ReferralQuerySet(models.QuerySet):
    """The shared conditions on referrals, so no view repeats a list of states."""

    def open(self) -> "ReferralQuerySet":
        return self.filter(state__in=Referral.OPEN_STATES)

    def ended(self) -> "ReferralQuerySet":
        return self.filter(state__in=Referral.ENDED_STATES)


class Offer(models.Model):
    class Kind(models.TextChoices):
        INTEGRATION_COURSE = "integrationskurs", _("Integrationskurs")
        JOB_LANGUAGE_COURSE = "berufssprachkurs", _("Berufssprachkurs")
        QUALIFICATION = "qualifizierung", _("Qualifizierung/Weiterbildung")
        RECOGNITION_ADVICE = "anerkennungsberatung", _("Anerkennungsberatung")
        APPLICATION_TRAINING = "bewerbungstraining", _("Bewerbungstraining")
        CHILDCARE = "kinderbetreuung", _("Kinderbetreuung")
        OTHER = "sonstiges", _("Sonstiges")

    class Funding(models.TextChoices):
        BAMF = "bamf", _("BAMF")
        JOBCENTER = "jobcenter", _("Jobcenter / Agentur für Arbeit")
        STATE = "land", _("Land")
        CITY = "kommune", _("Kommune")
        ESF = "esf", _("ESF Plus")
        SELF = "selbstzahler", _("Selbstzahlende / Eigenanteil")
        FREE = "kostenfrei", _("kostenfrei / Träger")
        OTHER = "sonstige", _("sonstige Förderung")

    # Language courses: their completion can attest a German level (see workflow.complete).
    LANGUAGE_KINDS = (Kind.INTEGRATION_COURSE.value, Kind.JOB_LANGUAGE_COURSE.value)

    partner = models.ForeignKey(
        NetworkPartner,
        on_delete=models.PROTECT,
        related_name="offers",
        verbose_name=_("Netzwerkpartner"),
    )
    title = models.CharField(_("Bezeichnung"), max_length=200)
    kind = models.CharField(_("Art"), max_length=30, choices=Kind.choices)
    target_level = models.CharField(
        _("Zielniveau (GER)"),
        max_length=10,
        choices=Participant.GermanLevel.choices,
        blank=True,
        help_text=_("Nur bei Sprachkursen, z. B. B1."),
    )
    starts_on = models.DateField(_("Beginn"), null=True, blank=True)
    ends_on = models.DateField(_("Ende"), null=True, blank=True)
    schedule = models.CharField(
        _("Zeiten"), max_length=200, blank=True, help_text=_("z. B. „Mo–Fr 8:30–12:45 Uhr“")
    )
    place = models.CharField(_("Ort"), max_length=200, blank=True)
    places = models.PositiveSmallIntegerField(
        _("Plätze"), null=True, blank=True, help_text=_("Leer lassen, wenn nicht begrenzt.")
    )
    funding = models.CharField(_("Förderung"), max_length=20, choices=Funding.choices, blank=True)
    contact = models.ForeignKey(
        NetworkContactPerson,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="offers",
        verbose_name=_("Ansprechperson"),
    )
    notes = models.TextField(_("Hinweise"), blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)
    is_one_off = models.BooleanField(
        _("Einzelangebot"),
        default=False,
        help_text=_("Bei einer Zuweisung erfasst, nicht im Katalog."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Erfasst von"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "title"]
        verbose_name = _("Angebot")
        verbose_name_plural = _("Angebote")
        indexes = [
            models.Index(fields=["kind", "starts_on"]),
            models.Index(
                fields=["starts_on"],
                name="offer_catalogue_idx",
                condition=Q(is_one_off=False, is_active=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="offer_end_after_start",
                violation_error_message=_("Das Ende darf nicht vor dem Beginn liegen."),
            ),
            models.CheckConstraint(
                condition=Q(target_level="") | Q(kind__in=("integrationskurs", "berufssprachkurs")),
                name="offer_target_level_only_language",
                violation_error_message=_("Ein Zielniveau gibt es nur bei Sprachkursen."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_language_course(self) -> bool:
        return self.kind in self.LANGUAGE_KINDS

    def clean(self) -> None:
        """The catalogue's rules as German form errors (they live in workflow.py)."""
        from . import workflow

        errors = workflow.offer_errors(self)
        if errors:
            raise ValidationError(errors)


class Referral(models.Model):
    """Zuweisung / Anmeldung: a participant referred to an offer, from proposal to outcome."""

    class State(models.TextChoices):
        PROPOSED = "vorgeschlagen", _("vorgeschlagen")
        REGISTERED = "angemeldet", _("angemeldet")
        STARTED = "begonnen", _("begonnen")
        COMPLETED = "abgeschlossen", _("abgeschlossen")
        ABORTED = "abgebrochen", _("abgebrochen")
        NOT_TAKEN_UP = "nicht_angetreten", _("nicht angetreten")

    # The one definition of these groups: use Referral.objects.open() etc.
    OPEN_STATES = (State.PROPOSED.value, State.REGISTERED.value, State.STARTED.value)
    ENDED_STATES = (State.COMPLETED.value, State.ABORTED.value, State.NOT_TAKEN_UP.value)
    # A registered or attending participant takes one of the offer's places.
    TAKING_STATES = (State.REGISTERED.value, State.STARTED.value)

    participant = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        related_name="referrals",
        verbose_name=_("Teilnehmende:r"),
    )
    offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("Angebot")
    )
    goal = models.ForeignKey(
        Goal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("Zielvereinbarung"),
    )
    state = models.CharField(
        _("Stand"), max_length=20, choices=State.choices, default=State.PROPOSED
    )
    proposed_on = models.DateField(_("Vorgeschlagen am"))
    registered_on = models.DateField(_("Angemeldet am"), null=True, blank=True)
    started_on = models.DateField(_("Begonnen am"), null=True, blank=True)
    ended_on = models.DateField(_("Beendet am"), null=True, blank=True)
    certificate = models.CharField(
        _("Zertifikat / Nachweis"),
        max_length=300,
        blank=True,
        help_text=_("z. B. „Zertifikat Deutsch-Test für Zuwanderer B1“"),
    )
    level_reached = models.CharField(
        _("Erreichtes Niveau"),
        max_length=10,
        choices=Participant.GermanLevel.choices,
        blank=True,
    )
    outcome_notes = models.TextField(_("Ergebnis / Begründung"), blank=True)
    notes = models.TextField(_("Notizen"), blank=True)
    start_followup = models.ForeignKey(
        FollowUp, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    end_followup = models.ForeignKey(
        FollowUp, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    level_record = models.OneToOneField(
        GermanLevelRecord,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referral",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Angelegt von"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_on", "-pk"]
        verbose_name = _("Zuweisung")
        verbose_name_plural = _("Zuweisungen")
        indexes = [
            models.Index(fields=["participant", "-proposed_on"]),
            models.Index(fields=["offer", "state"]),
            models.Index(fields=["ended_on"], name="referral_ended_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=("abgeschlossen", "abgebrochen", "nicht_angetreten"))
                | Q(ended_on__isnull=False),
                name="referral_ended_has_date",
                violation_error_message=_("Eine beendete Zuweisung braucht ein Datum."),
            ),
            models.CheckConstraint(
                condition=~Q(state__in=("begonnen", "abgeschlossen", "abgebrochen"))
                | Q(started_on__isnull=False),
                name="referral_started_has_date",
                violation_error_message=_("Eine begonnene Zuweisung braucht ein Beginndatum."),
            ),
            models.CheckConstraint(
                condition=Q(level_reached="") | Q(state="abgeschlossen"),
                name="referral_level_only_when_completed",
                violation_error_message=_(
                    "Ein erreichtes Niveau gibt es nur bei einem abgeschlossenen Angebot."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gte=F("started_on")),
                name="referral_end_after_start",
                violation_error_message=_("Das Ende darf nicht vor dem Beginn liegen."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def start(self):
        """The day it began, else the offer's planned start."""
        return self.started_on or self.offer.starts_on

    @property
    def end(self):
        """The day it ended, else the offer's planned end."""
        return self.ended_on or self.offer.ends_on


# The audit trail records every change (referrals are case data; see privacy.history).
record_history(Offer, Referral)
