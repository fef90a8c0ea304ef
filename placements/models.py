"""Placements (Einsätze): the orientation internship and what follows it, with check-ins
(Begleitung) and the employer's assessment (Beurteilung).

Each rule of a single placement is here: `Placement.clean()` says it in German for every
write path (forms, state changes, follow-ons, commands), and what must never break is also a
database constraint, the last line a raw SQL write cannot pass. All period rules use the
effective dates (actual where known, else planned). The state machine, the start conditions
and warnings are in `workflow.py`, which builds on this module (never the other way round).
"""

import datetime
import uuid

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Func, Q
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThanOrEqual
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from employers.models import ContactPerson, Employer
from fallmanagement.core.auditing import record_history
from fallmanagement.core.dates import last_day_of_months, months_later
from fallmanagement.core.models import (
    KldbGroup,
    KldbOccupation,
    kldb_depth_constraint,
    kldb_depth_error,
)
from fallmanagement.core.rules import DatabaseTomorrow
from participants.models import Participant

# The effective period in SQL: actual dates where known, else planned (as Placement.start/end).
EFFECTIVE_START = Coalesce("actual_start", "planned_start")
EFFECTIVE_END = Coalesce("actual_end", "planned_end")


def _d(value: datetime.date) -> str:
    return date_format(value, "d.m.Y")


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

    def begun(self) -> "PlacementQuerySet":
        """Placements that take time: all but those cancelled before they began."""
        return self.exclude(state=Placement.State.ABORTED, actual_start__isnull=True)

    def overlapping(self, start: datetime.date, end: datetime.date) -> "PlacementQuerySet":
        """Placements whose effective period shares a day with [start, end]."""
        return self.annotate(eff_start=EFFECTIVE_START, eff_end=EFFECTIVE_END).filter(
            eff_start__lte=end, eff_end__gte=start
        )

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
    # § 22 (1) S. 2 Nr. 2 MiLoG: unpaid orientation internships with the same employer last
    # at most three calendar months from the first day, interruptions counted together (BAG,
    # 30.01.2019, 5 AZR 556/17). Internships count together while the next one begins within
    # MILOG_LINK_MONTHS calendar months after the previous one ended (see README, "Regeln").
    MILOG_MONTHS = 3
    MILOG_LINK_MONTHS = 3
    # What the programme plans while a case is open; after the exit only the follow-on that
    # the exit reason names (Ausbildung, EQ, Beschäftigung) is recorded.
    PROGRAMME_KINDS = (Kind.INTERNSHIP.value, Kind.TRIAL.value)
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
    kldb_occupation = models.ForeignKey(
        KldbOccupation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Beruf genauer (KldB)"),
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
            kldb_depth_constraint("placement_kldb_depth"),
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
                condition=Q(actual_start__isnull=True)
                | Q(actual_end__isnull=True)
                | Q(actual_end__gte=models.F("actual_start")),
                name="placement_actual_end_after_actual_start",
                violation_error_message=_(
                    "Das tatsächliche Ende darf nicht vor dem tatsächlichen Beginn liegen."
                ),
            ),
            # Started after the planned end without an actual end: the effective period would
            # end before it begins.
            models.CheckConstraint(
                condition=Q(actual_start__isnull=True)
                | Q(actual_end__isnull=False)
                | Q(planned_end__gte=models.F("actual_start")),
                name="placement_actual_start_before_effective_end",
                violation_error_message=_(
                    "Der tatsächliche Beginn liegt nach dem geplanten Ende. Bitte zuerst das "
                    "geplante Ende anpassen."
                ),
            ),
            # Only a placement cancelled before it began has an end without a beginning.
            models.CheckConstraint(
                condition=Q(actual_end__isnull=True)
                | Q(actual_start__isnull=False)
                | Q(state="abgebrochen"),
                name="placement_actual_end_needs_actual_start",
                violation_error_message=_(
                    "Ein tatsächliches Ende gibt es nur nach einem tatsächlichen Beginn."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    Q(actual_start__isnull=True)
                    | LessThanOrEqual(models.F("actual_start"), DatabaseTomorrow())
                )
                & (
                    Q(actual_end__isnull=True)
                    | LessThanOrEqual(models.F("actual_end"), DatabaseTomorrow())
                ),
                name="placement_actual_dates_not_in_future",
                violation_error_message=_(
                    "Tatsächlicher Beginn und tatsächliches Ende dürfen nicht in der Zukunft "
                    "liegen."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind="orientierungspraktikum")
                | Q(state="abgebrochen", actual_start__isnull=True)
                | LessThanOrEqual(EFFECTIVE_END, EFFECTIVE_START + datetime.timedelta(days=27)),
                name="placement_internship_effective_max_28_days",
                violation_error_message=_(
                    "Ein Orientierungspraktikum dauert höchstens 28 Tage (Ende eingeschlossen), "
                    "auch mit den tatsächlichen Daten."
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
        """First day of the effective period (actual where known, else planned)."""
        return self.actual_start or self.planned_start

    @property
    def end(self):
        """Last day of the effective period. A placement cancelled before it began keeps
        its planned period here (its `actual_end` is the day it was cancelled)."""
        if self.actual_start is None:
            return self.planned_end
        return self.actual_end or self.planned_end

    @property
    def never_began(self) -> bool:
        return self.state == self.State.ABORTED and self.actual_start is None

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
        """Every rule of one placement as German errors, keyed by the edit form's fields
        (errors about the actual dates, set by the state changes, go to the whole form)."""
        errors = self.rule_errors()
        if errors:
            raise ValidationError(errors)

    def rule_errors(self, others: "list[Placement] | None" = None) -> dict[str, list[str]]:
        """The rules of `clean()`. `others`: the participant's other placements as the caller
        already has them (the import checks a whole file against one query per batch);
        by default they are read from the database. Either way the same rules run."""
        errors: dict[str, list[str]] = {}

        def add(field, message):
            errors.setdefault(field, []).append(message)

        self._clean_kind(add)
        if not (self.planned_start and self.planned_end):
            return errors
        if self.planned_end < self.planned_start:
            add("planned_end", gettext("Das Ende darf nicht vor dem Beginn liegen."))
            return errors
        if not self._clean_dates(add):
            return errors
        if self.participant_id:
            self._clean_case(add)
        if self.is_internship and not self.never_began:
            self._clean_internship(add, others)
        started = self.state in (self.State.RUNNING, self.State.COMPLETED)
        if self.is_internship and started:
            if not self.agreement_signed_on:
                add(
                    "agreement_signed_on",
                    gettext("Ein laufendes Praktikum braucht die Vereinbarung."),
                )
            if not self.insurance_confirmed_on:
                add(
                    "insurance_confirmed_on",
                    gettext("Ein laufendes Praktikum braucht die bestätigte Unfallversicherung."),
                )
        if self.legal_basis == self.LegalBasis.SGB3_45 and started and not self.agency_approval_on:
            add(
                "agency_approval_on",
                gettext(
                    "Eine Maßnahme nach § 45 SGB III braucht die Zustimmung von Jobcenter/Agentur."
                ),
            )
        return errors

    def _clean_kind(self, add) -> None:
        """Sub-kinds and legal bases only where they mean something; the supervisor."""
        K = self.Kind
        if self.kind != K.EMPLOYMENT:
            self.employment_type = ""
        elif not self.employment_type:
            add(
                "employment_type",
                gettext("Bei einer Beschäftigung bitte die Beschäftigungsart angeben."),
            )
        if self.kind != K.INTERNSHIP:
            self.legal_basis = ""
        elif not self.legal_basis:
            add(
                "legal_basis",
                gettext(
                    "Bitte die Rechtsgrundlage des Praktikums angeben (MiLoG oder § 45 SGB III)."
                ),
            )
        if self.kldb_occupation_id and not self.kldb_group_id:
            self.kldb_group_id = self.kldb_occupation_id[:2]
        if error := kldb_depth_error(self.kldb_group_id, self.kldb_occupation_id):
            add("kldb_occupation", error)
        if (
            self.supervisor_id
            and self.employer_id
            and self.supervisor.employer_id != self.employer_id
        ):
            add(
                "supervisor",
                gettext("Die Betreuung muss eine Ansprechperson dieses Betriebs sein."),
            )

    def _clean_dates(self, add) -> bool:
        """What has happened is not in the future; the actual period is in order.
        Returns False when the period is unusable for the rules that follow."""
        today = timezone.localdate()
        ok = True
        for name, label in (
            ("actual_start", gettext("Der tatsächliche Beginn")),
            ("actual_end", gettext("Das tatsächliche Ende")),
            ("agreement_signed_on", gettext("Die Unterschrift der Vereinbarung")),
            ("insurance_confirmed_on", gettext("Die Bestätigung der Unfallversicherung")),
            ("agency_approval_on", gettext("Die Zustimmung von Jobcenter/Agentur")),
        ):
            value = getattr(self, name)
            if value and value > today:
                key = name if name.endswith("_on") else "__all__"
                add(
                    key,
                    gettext("%(what)s darf nicht in der Zukunft liegen (%(date)s).")
                    % {"what": label, "date": _d(value)},
                )
                ok = False
        if self.actual_end and self.actual_start is None and self.state != self.State.ABORTED:
            add(
                "__all__",
                gettext("Ein tatsächliches Ende gibt es nur nach einem tatsächlichen Beginn."),
            )
            ok = False
        if self.actual_start and self.actual_end and self.actual_end < self.actual_start:
            add(
                "__all__",
                gettext("Das tatsächliche Ende darf nicht vor dem tatsächlichen Beginn liegen."),
            )
            ok = False
        if self.actual_start and not self.actual_end and self.planned_end < self.actual_start:
            add(
                "planned_end",
                gettext(
                    "Der tatsächliche Beginn (%(start)s) liegt nach dem geplanten Ende. Bitte "
                    "das geplante Ende anpassen."
                )
                % {"start": _d(self.actual_start)},
            )
            ok = False
        return ok

    def _clean_case(self, add) -> None:
        """The case: open, and in the programme when the placement begins."""
        participant = self.participant
        if participant.is_closed and self.pk is None and self.kind in self.PROGRAMME_KINDS:
            add(
                "__all__",
                gettext(
                    "Der Fall ist abgeschlossen; für ihn wird kein Praktikum mehr geplant. Bitte "
                    "den Fall zuerst wieder aufnehmen."
                ),
            )
        entry = participant.entry_date
        if entry and self.start < entry:
            add(
                "planned_start",
                gettext(
                    "Der Einsatz kann nicht vor dem Eintritt in das Programm (%(date)s) beginnen."
                )
                % {"date": _d(entry)},
            )

    def _clean_internship(self, add, others: "list[Placement] | None") -> None:
        """28 days, no overlap, the MiLoG months – all on the effective period."""
        limit = self.INTERNSHIP_MAX_DAYS
        planned_days = self.duration_days
        if planned_days > limit:
            add(
                "planned_end",
                gettext(
                    "Ein Orientierungspraktikum dauert höchstens 28 Tage (Ende eingeschlossen); "
                    "geplant sind %(days)s Tage."
                )
                % {"days": planned_days},
            )
        days = (self.end - self.start).days + 1
        if days > limit and (self.actual_start or self.actual_end):
            add(
                "__all__",
                gettext(
                    "Ein Orientierungspraktikum dauert höchstens 28 Tage (Ende eingeschlossen); "
                    "mit den tatsächlichen Daten sind es %(days)s Tage (%(start)s – %(end)s)."
                )
                % {"days": days, "start": _d(self.start), "end": _d(self.end)},
            )
        if not self.participant_id or self.state == self.State.ABORTED:
            return
        if others is None:
            others = self.other_placements()
        clash = next(iter(self.overlapping_internships(others)), None)
        if clash:
            add(
                "planned_start",
                gettext(
                    "Für diese:n Teilnehmende:n gibt es in diesem Zeitraum schon ein "
                    "Praktikum: %(employer)s, %(start)s – %(end)s."
                )
                % {
                    "employer": clash.employer.name,
                    "start": _d(clash.start),
                    "end": _d(clash.end),
                },
            )
        if self.legal_basis == self.LegalBasis.MILOG and self.employer_id:
            message = self.milog_excess(others)
            if message:
                add("legal_basis", message)

    def other_placements(self) -> list["Placement"]:
        """The participant's other placements (with their employer), for the rules below."""
        qs = Placement.objects.filter(participant_id=self.participant_id)
        if self.pk:
            qs = qs.exclude(pk=self.pk)
        return list(qs.select_related("employer").order_by("pk"))

    def overlapping_internships(self, others: list["Placement"]) -> list["Placement"]:
        """Of `others` (the participant's other placements): the internships, not aborted,
        sharing a day with this one (effective periods, as the exclusion constraint)."""
        clashes = [
            p
            for p in others
            if p is not self
            and (p.pk is None or p.pk != self.pk)
            and p.participant_id == self.participant_id
            and p.is_internship
            and p.state != self.State.ABORTED
            and p.start <= self.end
            and p.end >= self.start
        ]
        return sorted(clashes, key=lambda p: p.planned_start, reverse=True)

    def milog_chain(self, others: list["Placement"]) -> list["Placement"]:
        """The unpaid orientation internships with this employer that count together with
        this one (§ 22 MiLoG): sorted by start, each beginning within MILOG_LINK_MONTHS
        calendar months after the previous one ended. `others`: as in `rule_errors`."""
        counted = [
            p
            for p in others
            if p is not self
            and (p.pk is None or p.pk != self.pk)
            and p.participant_id == self.participant_id
            and p.employer_id == self.employer_id
            and p.legal_basis == self.LegalBasis.MILOG
            and p.is_internship
            and not p.never_began
        ]
        periods = sorted([*counted, self], key=lambda p: (p.start, p.end))
        chains: list[list[Placement]] = []
        for p in periods:
            if chains and p.start <= months_later(
                max(q.end for q in chains[-1]), self.MILOG_LINK_MONTHS
            ):
                chains[-1].append(p)
            else:
                chains.append([p])
        return next(chain for chain in chains if any(p is self for p in chain))

    def milog_excess(self, others: list["Placement"] | None = None) -> str:
        """The German message when the chain reaches past three calendar months from its
        first day (a date rule, not a number of days), else ""."""
        chain = self.milog_chain(self.other_placements() if others is None else others)
        first = chain[0].start
        last_allowed = last_day_of_months(first, self.MILOG_MONTHS)
        chain_end = max(p.end for p in chain)
        if chain_end <= last_allowed:
            return ""
        return gettext(
            "Unvergütete Orientierungspraktika beim selben Betrieb, die zusammen zählen, "
            "dürfen höchstens 3 Kalendermonate ab dem ersten Tag dauern: ab %(first)s also "
            "bis %(last)s; mit diesem Praktikum reichen sie bis %(end)s."
        ) % {"first": _d(first), "last": _d(last_allowed), "end": _d(chain_end)}


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

    # A check-in belongs to a placement that has begun, from a week before its effective
    # start (the talk on the first day is often arranged the week before) to two weeks after
    # its end (the closing talk).
    BEFORE_START = datetime.timedelta(days=7)
    AFTER_END = datetime.timedelta(days=14)

    def clean(self) -> None:
        if not self.date or not self.placement_id:
            return
        placement = self.placement
        if self.date > timezone.localdate():
            raise ValidationError(
                {"date": gettext("Eine Begleitung kann nicht in der Zukunft liegen.")}
            )
        if placement.actual_start is None:
            raise ValidationError(
                gettext("Eine Begleitung gibt es erst, wenn der Einsatz begonnen hat.")
            )
        earliest = placement.start - self.BEFORE_START
        latest = placement.end + self.AFTER_END
        if not earliest <= self.date <= latest:
            raise ValidationError(
                {
                    "date": gettext(
                        "Eine Begleitung liegt zwischen %(earliest)s und %(latest)s (eine Woche "
                        "vor Beginn bis zwei Wochen nach Ende des Einsatzes)."
                    )
                    % {"earliest": _d(earliest), "latest": _d(latest)}
                }
            )


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


def _random_document_name(instance, filename: str) -> str:
    """A random storage name: the original name (often a person's name) stays in the row."""
    return f"dokumente/{uuid.uuid4().hex}"


class Document(models.Model):
    """A file on a case, optionally on one of its placements (signed agreement, insurance
    confirmation, recognition decision, certificates). Stored through STORAGES["default"]
    under a random name, served only by the permission-checked, access-logged download view
    (fallmanagement.casework.documents); deleting the row deletes the file (see below)."""

    class Kind(models.TextChoices):
        AGREEMENT = "vereinbarung", _("Unterschriebene Vereinbarung")
        INSURANCE = "unfallversicherung", _("Bestätigung der Unfallversicherung")
        RECOGNITION = "anerkennungsbescheid", _("Anerkennungsbescheid")
        CERTIFICATE = "nachweis", _("Zeugnis / Nachweis")
        RESIDENCE = "aufenthaltsdokument", _("Aufenthaltsdokument")
        OTHER = "sonstiges", _("Sonstiges")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="documents", verbose_name=_("Fall")
    )
    placement = models.ForeignKey(
        Placement,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("Einsatz"),
    )
    kind = models.CharField(_("Art"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("Bezeichnung"), max_length=200, blank=True)
    file = models.FileField(_("Datei"), upload_to=_random_document_name, max_length=200)
    original_name = models.CharField(_("Dateiname"), max_length=255)
    content_type = models.CharField(_("Dateityp"), max_length=100)
    size = models.PositiveIntegerField(_("Größe (Bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Hochgeladen von"),
    )
    uploaded_at = models.DateTimeField(_("Hochgeladen am"), auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("Dokument")
        verbose_name_plural = _("Dokumente")
        indexes = [models.Index(fields=["participant", "-uploaded_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="document_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()


@receiver(post_delete, sender=Document)
def _delete_document_file(sender, instance: Document, **kwargs) -> None:
    """Deleting the row (also by cascade: erasure, placement deleted) deletes the file, once
    the transaction has committed (a rolled-back delete keeps it)."""
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# The audit trail records every insert, update and delete of these (see privacy.history).
record_history(Placement, CheckIn, Assessment, Document)
