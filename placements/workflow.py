"""The life of a placement: the state machine, the start conditions, capacity and warnings.

geplant → vereinbart → läuft → beendet, and abgebrochen from any open state.
`apply_transition` is the only way the state changes; it checks every rule of the placement
(`Placement.clean()` in models.py, which holds the rules of one placement) and lets the case
status follow an internship when it starts or ends (`case_status_for`). The database
constraints in models.py are the last line; `save_checked` turns them into German messages.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fallmanagement.core.rules import RuleCheck
from participants.models import Participant
from participants.workflow import allowed_transitions, change_status

from .models import Placement

K = Placement.Kind
S = Placement.State


def _d(value: datetime.date) -> str:
    return date_format(value, "d.m.Y")


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
    qs = Placement.objects.filter(employer=employer).internships().exclude(state=S.ABORTED)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return CapacityCheck(employer.capacity, qs.overlapping(start, end).count())


def rule_messages(p: Placement) -> list[str]:
    """Every message of the placement's rules (Placement.clean), flat."""
    return [m for messages in p.rule_errors().values() for m in messages]


def start_errors(p: Placement, on: datetime.date) -> list[str]:
    """Why the placement cannot start on `on` (empty when it can)."""
    problems = []
    participant = p.participant
    if participant.is_closed:
        problems.append(
            _("Der Fall ist abgeschlossen; ein Einsatz kann erst nach der Wiederaufnahme beginnen.")
        )
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
        end = p.end
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


def warnings(p: Placement) -> list[str]:
    """What the caseworker should know but may decide: the residence title ends before or
    inside the placement (the work permit refuses the start instead, see start_errors)."""
    found = []
    participant = p.participant
    valid = participant.residence_valid_until
    if valid and not p.is_finished and valid < p.end:
        found.append(
            _(
                "Der Aufenthaltstitel ist nur bis %(valid)s gültig, der Einsatz dauert bis "
                "%(end)s. Bitte die Verlängerung bei der Ausländerbehörde klären."
            )
            % {"valid": _d(valid), "end": _d(p.end)}
        )
    return found


# Exit reasons that claim a job or an apprenticeship, and the placements that show it.
EXIT_EVIDENCE = {
    Participant.ExitReason.EMPLOYMENT: (K.EMPLOYMENT,),
    Participant.ExitReason.APPRENTICESHIP: (K.APPRENTICESHIP,),
    Participant.ExitReason.EQ: (K.EQ,),
}


def exit_warnings(participant: Participant) -> list[dict]:
    """A closed case whose exit reason claims a job, apprenticeship or EQ, with no such
    placement recorded (not aborted): a warning with a link to record it. The funding report
    counts the exit reason as recorded; this asks for the evidence behind it."""
    kinds = EXIT_EVIDENCE.get(participant.exit_reason) if participant.is_closed else None
    if not kinds:
        return []
    recorded = (
        Placement.objects.filter(participant=participant, kind__in=kinds)
        .exclude(state=S.ABORTED)
        .exists()
    )
    if recorded:
        return []
    url = reverse("placements:create") + f"?participant={participant.pk}&kind={kinds[0]}"
    return [
        {
            "text": _(
                "Austrittsgrund „%(reason)s“, aber kein solcher Einsatz erfasst. Bitte den "
                "Anschluss (Betrieb, Beginn) als Einsatz erfassen."
            )
            % {"reason": participant.get_exit_reason_display()},
            "url": url,
            "link": _("Anschluss erfassen"),
        }
    ]


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
    """The state changes allowed now: a placement of a closed case can only be aborted."""
    allowed = [t for t in TRANSITIONS.values() if p.state in t.sources]
    if p.participant.is_closed:
        allowed = [t for t in allowed if t.action == "abort"]
    return allowed


# The case status an internship moves the case to (when the case workflow allows it).
CASE_STATUS_AFTER = {
    "start": Participant.Status.INTERNSHIP,
    "complete": Participant.Status.EVALUATION,
    "abort": Participant.Status.EVALUATION,
}


def case_status_for(p: Placement, action: str) -> str | None:
    """The case status that follows the internship's start or end, or None when the case
    stays (another kind of placement, already there, or not an allowed change from here;
    an internship that ends only moves a case that is in "Praktikum")."""
    target = CASE_STATUS_AFTER.get(action)
    participant = p.participant
    if target is None or not p.is_internship or participant.status == target:
        return None
    if action != "start" and (
        participant.status != Participant.Status.INTERNSHIP or p.actual_start is None
    ):
        return None
    if target not in allowed_transitions(participant):
        return None
    return target


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


def apply_transition(placement: Placement, action: str, data: dict, user=None) -> Placement:
    """Move a placement along the state machine; raises ValidationError with the reasons.

    With `user`, the case status follows an internship that starts or ends (recorded as a
    status change by that user, dated the day the internship began or ended)."""
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
        if transition not in available_transitions(p):
            raise ValidationError(
                _("Der Fall ist abgeschlossen; der Einsatz kann nur noch abgebrochen werden.")
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
            p.state_reason = data["reason"]
            # Cancelled before it began: the day it was cancelled (the period stays planned).
            p.actual_end = data.get("actual_end")
            if p.actual_start and not p.actual_end:
                raise ValidationError(_("Bitte den letzten Tag des Einsatzes angeben."))
            if p.actual_start and p.actual_end < p.actual_start:
                raise ValidationError(_("Das Ende darf nicht vor dem Beginn liegen."))
        p.state = transition.target
        problems = rule_messages(p)
        if problems:
            raise ValidationError(problems)
        p.version += 1
        save_checked(p)
        target = case_status_for(p, action) if user is not None else None
        if target:
            change_status(
                p.participant,
                target,
                user,
                reason=_("Einsatz: %(state)s") % {"state": p.get_state_display()},
                on=min(p.actual_end or p.actual_start, timezone.localdate()),
            )
    return p


# The placement rules re-checked in plain SQL, written apart from Placement.clean() so that
# one can catch the other (manage.py check_rules, tests/placements/test_rules_stateful.py).
# "Begun": every placement but one cancelled before it began; effective dates: actual where
# known, else planned.
_BEGUN = "NOT (p.state = 'abgebrochen' AND p.actual_start IS NULL)"
_EFF_START = "COALESCE(p.actual_start, p.planned_start)"
_EFF_END = "COALESCE(p.actual_end, p.planned_end)"
RULE_CHECKS = (
    RuleCheck(
        "planned_period",
        gettext_lazy("Geplantes Ende vor dem geplanten Beginn"),
        "SELECT participant_id, id FROM placements_placement p WHERE planned_end < planned_start",
    ),
    RuleCheck(
        "effective_period",
        gettext_lazy("Tatsächliche Daten nicht in Reihenfolge (Ende vor Beginn)"),
        f"SELECT participant_id, id FROM placements_placement p WHERE {_BEGUN} "
        f"AND {_EFF_END} < {_EFF_START}",
    ),
    RuleCheck(
        "end_without_start",
        gettext_lazy("Tatsächliches Ende ohne tatsächlichen Beginn"),
        "SELECT participant_id, id FROM placements_placement p WHERE actual_end IS NOT NULL "
        "AND actual_start IS NULL AND state <> 'abgebrochen'",
    ),
    RuleCheck(
        "happened_in_future",
        gettext_lazy("Geschehenes in der Zukunft datiert (Beginn, Ende, Unterschrift …)"),
        "SELECT participant_id, id FROM placements_placement p WHERE actual_start > %(today)s "
        "OR actual_end > %(today)s OR agreement_signed_on > %(today)s "
        "OR insurance_confirmed_on > %(today)s OR agency_approval_on > %(today)s",
    ),
    RuleCheck(
        "state_dates",
        gettext_lazy("Stand passt nicht zu den tatsächlichen Daten"),
        "SELECT participant_id, id FROM placements_placement p WHERE "
        "(state IN ('geplant', 'vereinbart') AND actual_start IS NOT NULL) "
        "OR (state IN ('laeuft', 'beendet') AND actual_start IS NULL) "
        "OR (state = 'beendet' AND actual_end IS NULL) "
        "OR (state IN ('geplant', 'vereinbart', 'laeuft') AND actual_end IS NOT NULL)",
    ),
    RuleCheck(
        "internship_28_days",
        gettext_lazy("Praktikum länger als 28 Tage (geplant oder tatsächlich)"),
        "SELECT participant_id, id FROM placements_placement p "
        f"WHERE kind = 'orientierungspraktikum' AND (planned_end - planned_start > 27 "
        f"OR ({_BEGUN} AND {_EFF_END} - {_EFF_START} > 27))",
    ),
    RuleCheck(
        "internship_overlap",
        gettext_lazy("Zwei Praktika gleichzeitig"),
        "SELECT p.participant_id, p.id FROM placements_placement p "
        "JOIN placements_placement q ON q.participant_id = p.participant_id AND q.id <> p.id "
        "WHERE p.kind = 'orientierungspraktikum' AND q.kind = 'orientierungspraktikum' "
        "AND p.state <> 'abgebrochen' AND q.state <> 'abgebrochen' "
        f"AND {_EFF_START} <= COALESCE(q.actual_end, q.planned_end) "
        f"AND COALESCE(q.actual_start, q.planned_start) <= {_EFF_END}",
    ),
    # § 22 MiLoG: chains of unpaid internships at one employer (the next begins within three
    # calendar months after the latest end so far) end by the last day of the third calendar
    # month from the chain's first day (§§ 187, 188 BGB; PostgreSQL's month arithmetic
    # clamps to the month's end like § 188 (3)).
    RuleCheck(
        "milog_three_months",
        gettext_lazy("Unvergütete Praktika beim selben Betrieb länger als 3 Kalendermonate"),
        f"""
        WITH m AS (
            SELECT p.id, p.participant_id, p.employer_id,
                   {_EFF_START} AS s, CASE WHEN p.actual_start IS NULL THEN p.planned_end
                                           ELSE {_EFF_END} END AS e
            FROM placements_placement p
            WHERE p.kind = 'orientierungspraktikum' AND p.legal_basis = 'milog_orientierung'
              AND {_BEGUN}
        ), ordered AS (
            SELECT m.*, MAX(e) OVER (PARTITION BY participant_id, employer_id ORDER BY s, e, id
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
            FROM m
        ), chained AS (
            SELECT ordered.*, SUM(CASE WHEN prev_end IS NULL
                                        OR s > (prev_end + INTERVAL '3 months')::date
                                       THEN 1 ELSE 0 END)
                       OVER (PARTITION BY participant_id, employer_id ORDER BY s, e, id) AS chain
            FROM ordered
        ), bounds AS (
            SELECT chained.*,
                   MIN(s) OVER (PARTITION BY participant_id, employer_id, chain) AS first_day,
                   MAX(e) OVER (PARTITION BY participant_id, employer_id, chain) AS last_day
            FROM chained
        )
        SELECT participant_id, id FROM bounds
        WHERE last_day > CASE WHEN EXTRACT(DAY FROM first_day) = 1
                              THEN (first_day + INTERVAL '3 months' - INTERVAL '1 day')::date
                              ELSE ((first_day - 1) + INTERVAL '3 months')::date END
        """,
    ),
    RuleCheck(
        "before_entry",
        gettext_lazy("Einsatz vor dem Eintritt in das Programm"),
        "SELECT p.participant_id, p.id FROM placements_placement p "
        "JOIN participants_participant t ON t.id = p.participant_id "
        f"WHERE {_BEGUN} AND {_EFF_START} < t.entry_date",
    ),
    RuleCheck(
        "internship_for_closed_case",
        gettext_lazy("Praktikum eines abgeschlossenen Falls nach dessen Austritt"),
        "SELECT p.participant_id, p.id FROM placements_placement p "
        "JOIN participants_participant t ON t.id = p.participant_id "
        "WHERE t.status = 'abgeschlossen' "
        "AND p.kind IN ('orientierungspraktikum', 'probebeschaeftigung') "
        f"AND {_BEGUN} AND {_EFF_START} > t.exit_date",
    ),
    RuleCheck(
        "checkin_outside_period",
        gettext_lazy("Begleitung vor dem Beginn, lange nach dem Ende oder in der Zukunft"),
        "SELECT p.participant_id, c.id FROM placements_checkin c "
        "JOIN placements_placement p ON p.id = c.placement_id "
        "WHERE p.actual_start IS NULL OR c.date > %(today)s "
        f"OR c.date < {_EFF_START} - 7 OR c.date > {_EFF_END} + 14",
    ),
)
