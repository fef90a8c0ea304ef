"""The rules of a placement: planning checks, the start conditions and the state machine.

geplant → vereinbart → läuft → beendet, and abgebrochen from any open state. Each rule that
must never break is also a database constraint (models.py); here it becomes a clear German
message. `apply_transition` is the only way the state changes.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, Sum
from django.db.models.functions import Coalesce
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fallmanagement.core.models import kldb_depth_error

from .models import Placement

K = Placement.Kind
S = Placement.State


def _d(value: datetime.date) -> str:
    return date_format(value, "d.m.Y")


def _period_overlaps(qs, start: datetime.date, end: datetime.date):
    """Placements whose effective period (actual dates if known) overlaps [start, end]."""
    return qs.annotate(
        eff_start=Coalesce("actual_start", "planned_start"),
        eff_end=Coalesce("actual_end", "planned_end"),
    ).filter(eff_start__lte=end, eff_end__gte=start)


def overlapping_internships(placement: Placement):
    """Other non-aborted internships of the same participant in this placement's period."""
    qs = Placement.objects.filter(
        participant_id=placement.participant_id, kind=K.INTERNSHIP
    ).exclude(state=S.ABORTED)
    if placement.pk:
        qs = qs.exclude(pk=placement.pk)
    return _period_overlaps(qs, placement.start, placement.end).select_related("employer")


def milog_days_used(placement: Placement) -> int:
    """Days of the other unpaid (MiLoG) orientation internships with the same employer."""
    qs = Placement.objects.filter(
        participant_id=placement.participant_id,
        employer_id=placement.employer_id,
        kind=K.INTERNSHIP,
        legal_basis=Placement.LegalBasis.MILOG,
    ).exclude(state=S.ABORTED)
    if placement.pk:
        qs = qs.exclude(pk=placement.pk)
    total = qs.aggregate(
        days=Sum(
            ExpressionWrapper(
                Coalesce("actual_end", "planned_end") - Coalesce("actual_start", "planned_start"),
                output_field=DurationField(),
            )
        ),
        count=Count("pk"),
    )
    if not total["count"]:
        return 0
    return total["days"].days + total["count"]  # end inclusive: +1 day per internship


@dataclass
class CapacityCheck:
    capacity: int
    booked: int  # other internships at the employer overlapping the period

    @property
    def overbooked(self) -> bool:
        return self.booked + 1 > self.capacity

    @property
    def message(self) -> str:
        return _(
            "Der Betrieb hat %(capacity)s Praktikumsplatz/-plätze gleichzeitig; im gewählten "
            "Zeitraum sind schon %(booked)s belegt. Bitte „Trotzdem planen“ ankreuzen, wenn der "
            "Betrieb zugestimmt hat."
        ) % {"capacity": self.capacity, "booked": self.booked}


def capacity_check(employer, start, end, exclude_pk=None) -> CapacityCheck:
    qs = Placement.objects.filter(employer=employer, kind=K.INTERNSHIP).exclude(state=S.ABORTED)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return CapacityCheck(employer.capacity, _period_overlaps(qs, start, end).count())


def planning_errors(p: Placement) -> dict[str, list[str]]:
    """Errors keyed by the edit form's fields (empty dict when the placement is fine)."""
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    # Sub-kinds and legal bases only where they mean something.
    if p.kind != K.EMPLOYMENT:
        p.employment_type = ""
    elif not p.employment_type:
        add("employment_type", _("Bei einer Beschäftigung bitte die Beschäftigungsart angeben."))
    if p.kind != K.INTERNSHIP:
        p.legal_basis = ""
    elif not p.legal_basis:
        add(
            "legal_basis",
            _("Bitte die Rechtsgrundlage des Praktikums angeben (MiLoG oder § 45 SGB III)."),
        )
    if p.kldb_occupation_id and not p.kldb_group_id:
        p.kldb_group_id = p.kldb_occupation_id[:2]
    if error := kldb_depth_error(p.kldb_group_id, p.kldb_occupation_id):
        add("kldb_occupation", error)
    if p.supervisor_id and p.employer_id and p.supervisor.employer_id != p.employer_id:
        add("supervisor", _("Die Betreuung muss eine Ansprechperson dieses Betriebs sein."))

    if not (p.planned_start and p.planned_end):
        return errors
    if p.planned_end < p.planned_start:
        add("planned_end", _("Das Ende darf nicht vor dem Beginn liegen."))
        return errors

    if p.is_internship:
        days = p.duration_days
        if days > Placement.INTERNSHIP_MAX_DAYS:
            add(
                "planned_end",
                _(
                    "Ein Orientierungspraktikum dauert höchstens 28 Tage (Ende eingeschlossen); "
                    "geplant sind %(days)s Tage."
                )
                % {"days": days},
            )
        if p.state != S.ABORTED and p.participant_id:
            clash = overlapping_internships(p).first()
            if clash:
                add(
                    "planned_start",
                    _(
                        "Für diese:n Teilnehmende:n gibt es in diesem Zeitraum schon ein "
                        "Praktikum: %(employer)s, %(start)s – %(end)s."
                    )
                    % {
                        "employer": clash.employer.name,
                        "start": _d(clash.start),
                        "end": _d(clash.end),
                    },
                )
            if p.legal_basis == Placement.LegalBasis.MILOG and p.employer_id:
                used = milog_days_used(p)
                this = (p.end - p.start).days + 1
                if used + this > Placement.MILOG_MAX_DAYS:
                    add(
                        "legal_basis",
                        _(
                            "Unvergütete Orientierungspraktika beim selben Betrieb dürfen "
                            "zusammen höchstens 3 Monate (92 Tage) dauern: bisher %(used)s Tage, "
                            "mit diesem Praktikum %(total)s Tage."
                        )
                        % {"used": used, "total": used + this},
                    )
        if p.state in (S.RUNNING, S.COMPLETED):
            if not p.agreement_signed_on:
                add("agreement_signed_on", _("Ein laufendes Praktikum braucht die Vereinbarung."))
            if not p.insurance_confirmed_on:
                add(
                    "insurance_confirmed_on",
                    _("Ein laufendes Praktikum braucht die bestätigte Unfallversicherung."),
                )
    started = p.state in (S.RUNNING, S.COMPLETED)
    if p.legal_basis == Placement.LegalBasis.SGB3_45 and started and not p.agency_approval_on:
        add(
            "agency_approval_on",
            _("Eine Maßnahme nach § 45 SGB III braucht die Zustimmung von Jobcenter/Agentur."),
        )
    return errors


def start_errors(p: Placement, on: datetime.date) -> list[str]:
    """Why the placement cannot start on `on` (empty when it can)."""
    problems = []
    participant = p.participant
    if p.is_internship:
        if not p.agreement_signed_on:
            problems.append(_("Die Praktikumsvereinbarung ist noch nicht unterschrieben."))
        if not p.insurance_confirmed_on:
            problems.append(_("Die Unfallversicherung des Betriebs ist noch nicht bestätigt."))
    if p.legal_basis == Placement.LegalBasis.SGB3_45 and (
        not p.agency_approval_on or p.agency_approval_on > on
    ):
        problems.append(
            _(
                "Eine Maßnahme nach § 45 SGB III braucht vor Beginn die Zustimmung von "
                "Jobcenter/Agentur für Arbeit."
            )
        )
    if not participant.has_consent:
        problems.append(
            _("Die Einwilligung der/des Teilnehmenden zur Datenverarbeitung ist nicht erfasst.")
        )
    if participant.needs_work_permit:
        end = p.planned_end
        valid = participant.work_permit_valid_until
        if participant.work_permit != participant.WorkPermit.YES or not valid or valid < end:
            problems.append(
                _(
                    "Mit %(status)s braucht der Einsatz eine Beschäftigungserlaubnis der "
                    "Ausländerbehörde, gültig bis mindestens %(end)s."
                )
                % {"status": participant.get_residence_status_display(), "end": _d(end)}
            )
    return problems


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    label: object


TRANSITIONS = {
    t.action: t
    for t in (
        Transition("agree", (S.PLANNED,), S.AGREED, gettext_lazy("Vereinbarung festhalten")),
        Transition("start", (S.AGREED,), S.RUNNING, gettext_lazy("Einsatz beginnt")),
        Transition("complete", (S.RUNNING,), S.COMPLETED, gettext_lazy("Einsatz beenden")),
        Transition("abort", (S.PLANNED, S.AGREED, S.RUNNING), S.ABORTED, gettext_lazy("Abbrechen")),
    )
}


def available_transitions(p: Placement) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if p.state in t.sources]


def constraint_message(error: IntegrityError) -> str:
    """The German message of the database constraint that refused a write."""
    name = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
    for constraint in Placement._meta.constraints:
        if constraint.name == name:
            return str(constraint.violation_error_message)
    return _("Der Einsatz verletzt eine Regel der Datenbank und wurde nicht gespeichert.")


def save_checked(placement: Placement, **kwargs) -> None:
    """Save, turning a refused database constraint into a ValidationError with its message."""
    try:
        with transaction.atomic():
            placement.save(**kwargs)
    except IntegrityError as error:
        raise ValidationError(constraint_message(error)) from error


def apply_transition(placement: Placement, action: str, data: dict) -> Placement:
    """Move a placement along the state machine; raises ValidationError with the reasons."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError(_("Unbekannte Aktion."))
    with transaction.atomic():
        p = (
            Placement.objects.select_for_update(of=("self",))
            .select_related("participant")
            .get(pk=placement.pk)
        )
        if p.state not in transition.sources:
            raise ValidationError(
                _("Im Stand „%(state)s“ ist „%(action)s“ nicht möglich.")
                % {"state": p.get_state_display(), "action": transition.label}
            )
        if action == "agree":
            p.agreement_signed_on = data["agreement_signed_on"]
            if data.get("insurance_confirmed_on"):
                p.insurance_confirmed_on = data["insurance_confirmed_on"]
        elif action == "start":
            p.actual_start = data["actual_start"]
            problems = start_errors(p, p.actual_start)
            if problems:
                raise ValidationError(problems)
        elif action == "complete":
            p.actual_end = data["actual_end"]
            if p.actual_end < p.start:
                raise ValidationError(_("Das Ende darf nicht vor dem Beginn liegen."))
        elif action == "abort":
            p.actual_end = data["actual_end"]
            p.state_reason = data["reason"]
            if p.actual_start and p.actual_end < p.actual_start:
                raise ValidationError(_("Das Ende darf nicht vor dem Beginn liegen."))
        p.state = transition.target
        errors = planning_errors(p)
        if errors:
            raise ValidationError([m for messages in errors.values() for m in messages])
        p.version += 1
        save_checked(p)
    return p
