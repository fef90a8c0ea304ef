"""Placements (Einsätze): the orientation internship and what follows it, with check-ins
(Begleitung) and the employer's assessment (Beurteilung).

The rules that must never break are database constraints here; `clean()` gives the same
rules as friendly German form errors (details and the start rules live in `rules.py`).
"""

import datetime

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Func, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from employers.models import ContactPerson, Employer
from fallmanagement.core.auditing import record_history
from fallmanagement.core.models import KldbGroup
from participants.models import Participant


class DateRange(Func):
    function = "daterange"
    output_field = models.DateField()  # only used inside the exclusion constraint


class PlacementQuerySet(models.QuerySet):
    """The shared conditions on placements, so no view repeats a list of states."""

    def open(self) -> "PlacementQuerySet":
        return self.filter(state__in=Placement.OPEN_STATES)

    def current(self) -> "PlacementQuerySet":
        return self.filter(state__in=Placement.CURRENT_STATES)

    def finished(self) -> "PlacementQuerySet":
        return self.filter(state__in=Placement.FINISHED_STATES)

    def internships(self) -> "PlacementQuerySet":
        return self.filter(kind=Placement.Kind.INTERNSHIP)

    def occupying(
        self, start: datetime.date, end: datetime.date, *, states=None
    ) -> "PlacementQuerySet":
        """Internships that take a place at their employer on some day of [start, end]
        (effective dates: actual where known, else planned; open ones by default)."""
        return (
            self.internships()
            .filter(state__in=states or Placement.OPEN_STATES)
            .annotate(
                eff_start=Coalesce("actual_start", "planned_start"),
                eff_end=Coalesce("actual_end", "planned_end"),
            )
            .filter(eff_start__lte=end, eff_end__gte=start)
        )


class Placement(models.Model):
    class Kind(models.TextChoices):
        INTERNSHIP = "orientierungspraktikum", _("Orientierungspraktikum")
        TRIAL = "probebeschaeftigung", _("Probebeschäftigung")
        EQ = "eq", _("Einstiegsqualifizierung (EQ)")
        APPRENTICESHIP = "ausbildung", _("Ausbildung")
        EMPLOYMENT = "beschaeftigung", _("Beschäftigung")

    class EmploymentType(models.TextChoices):
        SOCIAL_INSURANCE = "svpflichtig", _("sozialversicherungspflichtig")
        MINIJOB = "geringfuegig", _("geringfügig")

    class LegalBasis(models.TextChoices):
        MILOG = (
            "milog_orientierung",
            _("Orientierungspraktikum ohne Mindestlohn (§ 22 Abs. 1 S. 2 Nr. 2 MiLoG)"),
        )
        SGB3_45 = "sgb3_45", _("Maßnahme bei einem Arbeitgeber (§ 45 SGB III)")

    class State(models.TextChoices):
        PLANNED = "geplant", _("geplant")
        AGREED = "vereinbart", _("vereinbart")
        RUNNING = "laeuft", _("läuft")
        COMPLETED = "beendet", _("beendet")
        ABORTED = "abgebrochen", _("abgebrochen")

    class Outcome(models.TextChoices):
        NONE = "kein_anschluss", _("kein Anschluss")
        ANOTHER_INTERNSHIP = "weiteres_praktikum", _("weiteres Praktikum")
        QUALIFICATION = "qualifizierung", _("Qualifizierung")
        EQ = "eq", _("Einstiegsqualifizierung")
        APPRENTICESHIP = "ausbildung", _("Ausbildung")
        EMPLOYMENT = "beschaeftigung", _("Beschäftigung")

    INTERNSHIP_MAX_DAYS = 28
    # "At most 3 months with the same employer" (§ 22 MiLoG), counted in days: the longest
    # three consecutive calendar months have 92 days (July–September), so 92 is the limit.
    MILOG_MAX_DAYS = 92
    # Kinds the follow-on outcome creates (outcome -> kind of the new placement).
    OUTCOME_KIND = {
        "weiteres_praktikum": "orientierungspraktikum",
        "eq": "eq",
        "ausbildung": "ausbildung",
        "beschaeftigung": "beschaeftigung",
    }
    # The one definition of "open" (not finished) and "current" (the place is taken today):
    # use Placement.objects.open() / .current() / .finished() / .occupying(start, end).
    OPEN_STATES = (State.PLANNED.value, State.AGREED.value, State.RUNNING.value)
    CURRENT_STATES = (State.AGREED.value, State.RUNNING.value)
    FINISHED_STATES = (State.COMPLETED.value, State.ABORTED.value)

    participant = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        related_name="placements",
        verbose_name=_("Teilnehmende:r"),
    )
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="placements", verbose_name=_("Betrieb")
    )
    kind = models.CharField(_("Art"), max_length=30, choices=Kind.choices, default=Kind.INTERNSHIP)
    employment_type = models.CharField(
        _("Beschäftigungsart"), max_length=20, choices=EmploymentType.choices, blank=True
    )
    kldb_group = models.ForeignKey(
        KldbGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Berufsfeld (KldB)"),
    )
    job_title = models.CharField(_("Tätigkeit / Berufsbezeichnung"), max_length=200)
    supervisor = models.ForeignKey(
        ContactPerson,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Betreuung im Betrieb"),
    )
    planned_start = models.DateField(_("Beginn (geplant)"))
    planned_end = models.DateField(_("Ende (geplant)"))
    actual_start = models.DateField(_("Beginn (tatsächlich)"), null=True, blank=True)
    actual_end = models.DateField(_("Ende (tatsächlich)"), null=True, blank=True)
    hours_per_week = models.DecimalField(
        _("Stunden pro Woche"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    daily_hours = models.CharField(
        _("Tägliche Arbeitszeit"),
        max_length=100,
        blank=True,
        help_text=_("z. B. „Mo–Fr 7:30–15:00 Uhr“"),
    )
    pay = models.CharField(_("Vergütung"), max_length=200, blank=True)
    leave = models.CharField(_("Urlaub"), max_length=200, blank=True)
    goals = models.TextField(_("Ziele des Einsatzes"), blank=True)
    tasks = models.TextField(_("Aufgaben"), blank=True)
    legal_basis = models.CharField(
        _("Rechtsgrundlage"), max_length=30, choices=LegalBasis.choices, blank=True
    )
    agency_approval_on = models.DateField(
        _("Zustimmung Jobcenter/Agentur am"), null=True, blank=True
    )
    agreement_signed_on = models.DateField(
        _("Vereinbarung unterschrieben am"), null=True, blank=True
    )
    insurance_confirmed_on = models.DateField(
        _("Unfallversicherung bestätigt am"), null=True, blank=True
    )
    state = models.CharField(
        _("Stand"), max_length=20, choices=State.choices, default=State.PLANNED, db_index=True
    )
    state_reason = models.TextField(_("Begründung"), blank=True)
    outcome = models.CharField(_("Ergebnis"), max_length=30, choices=Outcome.choices, blank=True)
    offer_from_employer = models.BooleanField(
        _("Angebot des Betriebs (Ausbildung/Arbeit)"), default=False
    )
    follows = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ons",
        verbose_name=_("Anschluss an"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        ordering = ["-planned_start"]
        verbose_name = _("Einsatz")
        verbose_name_plural = _("Einsätze")
        indexes = [
            models.Index(fields=["employer", "state"]),
            models.Index(fields=["participant", "-planned_start"]),
            models.Index(fields=["planned_start"]),
            # Matching: internships that occupy a place at an employer (see
            # placements.matching.OCCUPYING_STATES), and earlier hires at an employer.
            # INCLUDE: the period columns, so the free capacity of all employers is summed
            # from the index alone (index-only scan).
            models.Index(
                fields=["employer"],
                name="placement_occupying_idx",
                include=["planned_start", "planned_end", "actual_start", "actual_end"],
                condition=Q(
                    kind="orientierungspraktikum", state__in=("geplant", "vereinbart", "laeuft")
                ),
            ),
            # "Meine Woche": a caseworker's internships (btree; the exclusion constraint's
            # GiST index with the same condition is slow for a plain participant lookup).
            models.Index(
                fields=["participant"],
                name="placement_internship_idx",
                condition=Q(kind="orientierungspraktikum") & ~Q(state="abgebrochen"),
            ),
            # Funding report: was a placement followed by an apprenticeship or a job with the
            # same employer? (one probe per ended placement)
            models.Index(
                fields=["participant", "employer", "planned_start"],
                name="placement_follow_on_idx",
                condition=Q(kind__in=("ausbildung", "beschaeftigung")),
            ),
            models.Index(
                fields=["employer"],
                name="placement_hired_idx",
                include=["participant"],
                condition=Q(outcome__in=("ausbildung", "beschaeftigung"))
                | Q(offer_from_employer=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")),
                name="placement_end_after_start",
                violation_error_message=_("Das Ende darf nicht vor dem Beginn liegen."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="orientierungspraktikum")
                | Q(
                    planned_end__lte=models.F("planned_start")
                    + datetime.timedelta(days=27)  # 28 days, end inclusive
                ),
                name="placement_internship_max_28_days",
                violation_error_message=_(
                    "Ein Orientierungspraktikum dauert höchstens 28 Tage (Ende eingeschlossen)."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind="orientierungspraktikum", state__in=["laeuft", "beendet"])
                | Q(agreement_signed_on__isnull=False, insurance_confirmed_on__isnull=False),
                name="placement_internship_started_needs_agreement_and_insurance",
                violation_error_message=_(
                    "Ein Praktikum kann erst beginnen, wenn die Vereinbarung unterschrieben und "
                    "die Unfallversicherung bestätigt ist."
                ),
            ),
            # One participant, at most one internship at a time (aborted ones end early).
            ExclusionConstraint(
                name="placement_no_overlapping_internships",
                expressions=[
                    (
                        DateRange(
                            Coalesce("actual_start", "planned_start"),
                            Coalesce("actual_end", "planned_end"),
                            RangeBoundary(inclusive_lower=True, inclusive_upper=True),
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                    ("participant", RangeOperators.EQUAL),
                ],
                condition=Q(kind="orientierungspraktikum") & ~Q(state="abgebrochen"),
                violation_error_message=_(
                    "Für diese:n Teilnehmende:n gibt es in diesem Zeitraum schon ein Praktikum."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.job_title}"

    @property
    def start(self):
        return self.actual_start or self.planned_start

    @property
    def end(self):
        return self.actual_end or self.planned_end

    @property
    def is_internship(self) -> bool:
        return self.kind == self.Kind.INTERNSHIP

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def is_finished(self) -> bool:
        return self.state in self.FINISHED_STATES

    @property
    def duration_days(self) -> int | None:
        if self.planned_start and self.planned_end:
            return (self.planned_end - self.planned_start).days + 1
        return None

    def clean(self) -> None:
        """The planning rules as German form errors (keys are fields of the edit form)."""
        from . import rules

        errors = rules.planning_errors(self)
        if errors:
            raise ValidationError(errors)


class CheckIn(models.Model):
    """Begleitung: the caseworker's check-in during a placement."""

    class Rating(models.TextChoices):
        GOOD = "gut", _("läuft gut")
        MIXED = "gemischt", _("teils, teils")
        DIFFICULT = "schwierig", _("schwierig")

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="checkins")
    date = models.DateField(_("Datum"))
    with_whom = models.CharField(_("Mit wem"), max_length=200)
    rating = models.CharField(_("Wie läuft es?"), max_length=20, choices=Rating.choices)
    issues = models.TextField(_("Themen / Probleme"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date"]
        verbose_name = _("Begleitung")
        verbose_name_plural = _("Begleitungen")

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.with_whom}"


class Assessment(models.Model):
    """Beurteilung at the end of a placement, by the employer via the caseworker."""

    class Score(models.IntegerChoices):
        VERY_GOOD = 1, _("sehr gut")
        GOOD = 2, _("gut")
        SATISFACTORY = 3, _("befriedigend")
        SUFFICIENT = 4, _("ausreichend")
        POOR = 5, _("mangelhaft")

    class Recommendation(models.TextChoices):
        HIRE = "einstellung", _("Einstellung / Ausbildung im Betrieb")
        RECOMMEND = "empfohlen", _("für den Beruf empfohlen")
        MORE_PRACTICE = "weitere_praxis", _("weitere Praxis / Qualifizierung nötig")
        OTHER_FIELD = "anderes_feld", _("anderes Berufsfeld empfohlen")

    RATED_FIELDS = (
        "punctuality",
        "reliability",
        "pace",
        "care",
        "teamwork",
        "german_at_work",
        "aptitude",
    )

    placement = models.OneToOneField(Placement, on_delete=models.CASCADE, related_name="assessment")
    assessed_on = models.DateField(_("Beurteilt am"))
    punctuality = models.PositiveSmallIntegerField(_("Pünktlichkeit"), choices=Score.choices)
    reliability = models.PositiveSmallIntegerField(_("Zuverlässigkeit"), choices=Score.choices)
    pace = models.PositiveSmallIntegerField(_("Arbeitstempo"), choices=Score.choices)
    care = models.PositiveSmallIntegerField(_("Sorgfalt"), choices=Score.choices)
    teamwork = models.PositiveSmallIntegerField(_("Teamarbeit"), choices=Score.choices)
    german_at_work = models.PositiveSmallIntegerField(
        _("Deutsch am Arbeitsplatz"), choices=Score.choices
    )
    aptitude = models.PositiveSmallIntegerField(_("Fachliche Eignung"), choices=Score.choices)
    comments = models.TextField(_("Freitext"), blank=True)
    recommendation = models.CharField(
        _("Empfehlung des Betriebs"), max_length=20, choices=Recommendation.choices
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Optimistic locking (fallmanagement.core.locking): concurrent edits are detected.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("Beurteilung")
        verbose_name_plural = _("Beurteilungen")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    punctuality__range=(1, 5),
                    reliability__range=(1, 5),
                    pace__range=(1, 5),
                    care__range=(1, 5),
                    teamwork__range=(1, 5),
                    german_at_work__range=(1, 5),
                    aptitude__range=(1, 5),
                ),
                name="assessment_scores_in_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.placement} – {self.assessed_on:%d.%m.%Y}"


# The audit trail records every insert, update and delete of these (see privacy.history).
record_history(Placement, CheckIn, Assessment)
