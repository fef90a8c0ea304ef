"""The rules of offers and referrals, in one place for forms, views, admin and commands.

A referral moves: vorgeschlagen → angemeldet → begonnen → abgeschlossen | abgebrochen, and
"nicht angetreten" from vorgeschlagen or angemeldet. Registering creates a follow-up for the
start; starting closes it and creates one for the feedback after the end; an ended referral
closes its open follow-ups. A completed language course with a certificate and a level
reached enters the participant's German level history (participants.workflow).

Warnings (not refusals): the offer is full, or a course overlaps an internship of the
participant (placements: the effective period, open internships).
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fallmanagement.core.locking import StaleObjectError
from participants.models import FollowUp, Goal, Participant
from participants.workflow import record_german_level
from placements.models import Placement

from .models import Offer, Referral

S = Referral.State
# Kinds that take the participant's time on fixed days (an internship at the same time clashes).
COURSE_KINDS = (
    Offer.Kind.INTEGRATION_COURSE,
    Offer.Kind.JOB_LANGUAGE_COURSE,
    Offer.Kind.QUALIFICATION,
    Offer.Kind.APPLICATION_TRAINING,
)
# Without a planned start, the start is checked two weeks after registering; without a planned
# end, the feedback is asked for three months after the start; with one, a week after it.
START_CHECK_FALLBACK = datetime.timedelta(days=14)
END_FEEDBACK_FALLBACK = datetime.timedelta(days=91)
END_FEEDBACK_AFTER = datetime.timedelta(days=7)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    label: str


TRANSITIONS = {
    t.action: t
    for t in (
        Transition("anmelden", (S.PROPOSED,), S.REGISTERED, gettext_lazy("Angemeldet")),
        Transition("beginnen", (S.REGISTERED,), S.STARTED, gettext_lazy("Hat begonnen")),
        Transition("abschliessen", (S.STARTED,), S.COMPLETED, gettext_lazy("Abgeschlossen")),
        Transition("abbrechen", (S.STARTED,), S.ABORTED, gettext_lazy("Abgebrochen")),
        Transition(
            "nicht_angetreten",
            (S.PROPOSED, S.REGISTERED),
            S.NOT_TAKEN_UP,
            gettext_lazy("Nicht angetreten"),
        ),
    )
}


def available_transitions(referral: Referral) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if referral.state in t.sources]


# --- the catalogue -----------------------------------------------------------------------


def offer_errors(offer: Offer) -> dict[str, list[str]]:
    """The catalogue's rules as German messages by field (Offer.clean, forms, admin)."""
    errors: dict[str, list[str]] = {}
    if offer.starts_on and offer.ends_on and offer.ends_on < offer.starts_on:
        errors.setdefault("ends_on", []).append(_("Das Ende darf nicht vor dem Beginn liegen."))
    if offer.target_level and offer.kind not in Offer.LANGUAGE_KINDS:
        errors.setdefault("target_level", []).append(
            _("Ein Zielniveau gibt es nur bei Sprachkursen.")
        )
    if offer.kind == Offer.Kind.JOB_LANGUAGE_COURSE and not offer.target_level:
        errors.setdefault("target_level", []).append(
            _("Bitte das Zielniveau des Berufssprachkurses angeben.")
        )
    if offer.contact_id and offer.partner_id and offer.contact.partner_id != offer.partner_id:
        errors.setdefault("contact", []).append(
            _("Die Ansprechperson gehört nicht zu diesem Netzwerkpartner.")
        )
    return errors


def taken_places(offer: Offer, *, excluding: Referral | None = None) -> int:
    referrals = offer.referrals.filter(state__in=Referral.TAKING_STATES)
    if excluding is not None and excluding.pk:
        referrals = referrals.exclude(pk=excluding.pk)
    return referrals.count()


def overlapping_internships(participant: Participant, start, end):
    """The participant's open internships on some day of [start, end]."""
    return (
        Placement.objects.filter(participant=participant)
        .occupying(start, end)
        .select_related("employer")
        .order_by("planned_start", "pk")
    )


def referral_warnings(
    participant: Participant, offer: Offer, referral: Referral | None = None
) -> list[str]:
    """What the caseworker should know before (or while) referring: full, or a clash."""
    warnings = []
    open_referral = referral is None or referral.is_open
    if offer.places is not None and open_referral:
        taking = referral is not None and referral.state in Referral.TAKING_STATES
        taken = taken_places(offer, excluding=referral) + (1 if taking else 0)
        if taken > offer.places or (not taking and taken >= offer.places):
            warnings.append(
                _("Das Angebot ist ausgebucht: %(taken)s von %(places)s Plätzen belegt.")
                % {"taken": taken, "places": offer.places}
            )
    start = (referral.start if referral else None) or offer.starts_on
    end = (referral.end if referral else None) or offer.ends_on or start
    if offer.kind in COURSE_KINDS and start and open_referral:
        for placement in overlapping_internships(participant, start, end):
            warnings.append(
                _(
                    "Überschneidung mit dem Praktikum bei %(employer)s "
                    "(%(start)s–%(end)s): Bitte Zeiten abstimmen."
                )
                % {
                    "employer": placement.employer.name,
                    "start": placement.start.strftime("%d.%m.%Y"),
                    "end": placement.end.strftime("%d.%m.%Y"),
                }
            )
    return warnings


# --- referring ---------------------------------------------------------------------------


def refer(
    participant: Participant,
    offer: Offer,
    user,
    *,
    proposed_on: datetime.date | None = None,
    goal: Goal | None = None,
    notes: str = "",
) -> Referral:
    """Propose `offer` to `participant` (state "vorgeschlagen"). Raises ValidationError."""
    if not participant.has_consent:
        raise ValidationError(_("Ohne Einwilligung können keine Einträge angelegt werden."))
    if participant.is_closed:
        raise ValidationError(_("Der Fall ist abgeschlossen."))
    if not offer.is_active:
        raise ValidationError(_("Dieses Angebot ist nicht mehr aktiv."))
    if goal is not None and goal.participant_id != participant.pk:
        raise ValidationError(_("Das Ziel gehört zu einem anderen Fall."))
    referral = Referral(
        participant=participant,
        offer=offer,
        goal=goal,
        proposed_on=proposed_on or timezone.localdate(),
        notes=notes,
        created_by=user,
    )
    referral.save()
    return referral


def _followup(referral: Referral, kind: str, due_on: datetime.date, subject: str, user):
    return FollowUp.objects.create(
        participant_id=referral.participant_id,
        kind=kind,
        due_on=due_on,
        subject=subject[:300],
        created_by=user,
    )


def _close_followups(referral: Referral, on: datetime.date, user) -> None:
    ids = [pk for pk in (referral.start_followup_id, referral.end_followup_id) if pk]
    if ids:
        FollowUp.objects.filter(pk__in=ids, done_on__isnull=True).update(done_on=on, done_by=user)


def _check_date(value, name: str, not_before=None, before_label: str = "") -> None:
    if value is None:
        raise ValidationError({name: [_("Bitte ein Datum angeben.")]})
    if value > timezone.localdate():
        raise ValidationError({name: [_("Das Datum darf nicht in der Zukunft liegen.")]})
    if not_before and value < not_before:
        raise ValidationError(
            {name: [_("Das Datum darf nicht vor %(what)s liegen.") % {"what": before_label}]}
        )


def apply_transition(
    referral: Referral, action: str, data: dict, user, *, version: int | None = None
) -> Referral:
    """Move `referral` by `action` with the form's cleaned `data`; raises ValidationError, or
    StaleObjectError when somebody else changed the referral since `version` was loaded."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError(_("Unbekannter Schritt."))
    with transaction.atomic():
        locked = Referral.objects.select_for_update().select_related("offer").get(pk=referral.pk)
        if version is not None and locked.version != version:
            raise StaleObjectError
        if locked.state not in transition.sources:
            raise ValidationError(
                _("Von „%(from)s“ aus ist „%(to)s“ nicht möglich.")
                % {"from": locked.get_state_display(), "to": transition.label}
            )
        offer = locked.offer
        subject_name = offer.title
        if transition.target == S.REGISTERED:
            on = data.get("date")
            _check_date(on, "date", locked.proposed_on, _("dem Vorschlag"))
            locked.registered_on = on
            # Registered after the planned start: check on the day of registering, not before.
            due = max(offer.starts_on, on) if offer.starts_on else on + START_CHECK_FALLBACK
            locked.start_followup = _followup(
                locked,
                FollowUp.Kind.OFFER_START,
                due,
                _("Beginn prüfen: %(offer)s") % {"offer": subject_name},
                user,
            )
        elif transition.target == S.STARTED:
            on = data.get("date")
            _check_date(on, "date", locked.registered_on, _("der Anmeldung"))
            locked.started_on = on
            _close_followups(locked, on, user)
            due = (
                offer.ends_on + END_FEEDBACK_AFTER
                if offer.ends_on and offer.ends_on >= on
                else on + END_FEEDBACK_FALLBACK
            )
            locked.end_followup = _followup(
                locked,
                FollowUp.Kind.OFFER_END,
                due,
                _("Rückmeldung zum Ende einholen: %(offer)s") % {"offer": subject_name},
                user,
            )
        else:
            on = data.get("date")
            earliest = locked.started_on or locked.registered_on or locked.proposed_on
            _check_date(on, "date", earliest, _("dem Beginn bzw. der Anmeldung"))
            locked.ended_on = on
            locked.outcome_notes = data.get("outcome_notes", "") or ""
            if transition.target in (S.ABORTED, S.NOT_TAKEN_UP) and not locked.outcome_notes:
                raise ValidationError({"outcome_notes": [_("Bitte kurz den Grund angeben.")]})
            if transition.target == S.COMPLETED:
                locked.certificate = data.get("certificate", "") or ""
                locked.level_reached = data.get("level_reached", "") or ""
                if locked.level_reached and not offer.is_language_course:
                    raise ValidationError(
                        {"level_reached": [_("Ein Niveau gibt es nur bei Sprachkursen.")]}
                    )
                if locked.level_reached and not locked.certificate:
                    raise ValidationError(
                        {
                            "certificate": [
                                _("Für ein erreichtes Niveau bitte den Nachweis angeben.")
                            ]
                        }
                    )
                if locked.level_reached:
                    locked.level_record = record_german_level(
                        locked.participant,
                        locked.level_reached,
                        on,
                        locked.certificate,
                        user,
                    )
            _close_followups(locked, on, user)
        locked.state = transition.target
        locked.version += 1
        locked.save()
    return locked
