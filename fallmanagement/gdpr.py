"""GDPR duties: access (Art. 15), retention (anonymisation), erasure on request (Art. 17)."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from participants.models import Participant
from placements.models import Assessment, CheckIn, Placement

from .dbroles import prune_participant_history
from .history import participant_history
from .models import AccessLog, SecurityEvent

logger = logging.getLogger("fallmanagement.gdpr")

ANONYMISED = "Anonymisiert"


# --- Art. 15: everything stored about one participant --------------------------------------


def _value(obj: models.Model, field: models.Field):
    value = getattr(obj, field.attname)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _row(obj: models.Model) -> dict:
    """All concrete fields of a record: {verbose name: value} keyed by field name."""
    data = {}
    for field in obj._meta.concrete_fields:
        value = _value(obj, field)
        if getattr(field, "choices", None) and value not in (None, ""):
            display = dict(field.flatchoices).get(getattr(obj, field.attname))
            if display is not None:
                value = {"code": value, "text": str(display)}
        data[field.name] = value
    return data


def _section(model: type[models.Model], rows) -> dict:
    return {
        "title": str(model._meta.verbose_name_plural),
        "labels": {f.name: str(f.verbose_name) for f in model._meta.concrete_fields},
        "rows": [_row(r) for r in rows],
    }


def art15_data(participant: Participant) -> dict:
    """Everything stored about `participant`, incl. audit history and access log."""
    p = participant
    placements = list(Placement.objects.filter(participant=p).order_by("planned_start"))
    placement_ids = [pl.pk for pl in placements]
    person = _section(Participant, [p])
    person["rows"][0]["interest_groups"] = [str(g) for g in p.interest_groups.all()]
    person["rows"][0]["shared_with"] = [u.get_username() for u in p.shared_with.all()]
    sections = {
        "participant": person,
        "languages": _section(p.languages.model, p.languages.all()),
        "experiences": _section(p.experiences.model, p.experiences.all()),
        "notes": _section(p.notes.model, p.notes.order_by("date", "pk")),
        "status_changes": _section(p.status_changes.model, p.status_changes.order_by("pk")),
        "goals": _section(p.goals.model, p.goals.order_by("pk")),
        "followups": _section(p.followups.model, p.followups.order_by("due_on", "pk")),
        "recognitions": _section(p.recognitions.model, p.recognitions.order_by("pk")),
        "placements": _section(Placement, placements),
        "checkins": _section(CheckIn, CheckIn.objects.filter(placement_id__in=placement_ids)),
        "assessments": _section(
            Assessment, Assessment.objects.filter(placement_id__in=placement_ids)
        ),
    }
    history = [
        {
            "at": e["at"].isoformat(),
            "record": str(e["model"]),
            "record_id": e["object_id"],
            "event": e["label"],
            "user": e["user"],
            "path": e["url"],
            "changes": [
                {"field": str(name), "old": _plain(old), "new": _plain(new)}
                for name, old, new in e["changes"]
            ],
        }
        for e in participant_history(p.pk)
    ]
    accesses = [
        {
            "at": a.at.isoformat(),
            "user": a.username,
            "action": a.get_action_display(),
            "object": a.object_type,
            "path": a.path,
        }
        for a in AccessLog.objects.filter(participant_id=p.pk).order_by("at")
    ]
    return {
        "generated_at": timezone.now().isoformat(),
        "controller": settings.PROGRAMME["organisation"],
        "participant_id": p.pk,
        "sections": sections,
        "history": history,
        "access_log": accesses,
    }


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


# --- Retention: anonymise closed cases ------------------------------------------------------

# Personal fields blanked on anonymisation; everything a funding report counts is kept
# (gender, country, residence status, ISCED, German levels, entry/exit dates and reason,
# status, placements' kind/dates/outcome).
BLANK_TEXT_FIELDS = (
    "preferred_name",
    "residence_details",
    "street",
    "postcode",
    "city",
    "phone",
    "email",
    "qualifications",
    "interests",
    "motivation",
    "resources",
    "needs",
    "health_notes",
    "consent_scope",
)
BLANK_DATE_FIELDS = ("residence_valid_until", "work_permit_valid_until", "arrival_date")
PLACEMENT_TEXT_FIELDS = ("daily_hours", "pay", "leave", "goals", "tasks", "state_reason")


def retention_cutoff(today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=settings.RETENTION_DAYS)


def due_for_anonymisation(today: datetime.date | None = None) -> models.QuerySet:
    return Participant.objects.filter(
        status=Participant.Status.CLOSED,
        exit_date__lt=retention_cutoff(today),
        anonymised_at__isnull=True,
    )


def _blank_text(model: type[models.Model], names) -> dict:
    return {name: "" for name in names if model._meta.get_field(name)}


def anonymise(participant: Participant) -> None:
    """Replace a participant's personal data by placeholders, keep what reports count."""
    p = participant
    with transaction.atomic():
        fields = {
            "first_name": ANONYMISED,
            "last_name": ANONYMISED,
            "anonymised_at": timezone.now(),
            "version": F("version") + 1,  # an edit form still open must not write back
            **_blank_text(Participant, BLANK_TEXT_FIELDS),
            **dict.fromkeys(BLANK_DATE_FIELDS),
        }
        if p.date_of_birth:
            fields["date_of_birth"] = datetime.date(p.date_of_birth.year, 1, 1)
        Participant.objects.filter(pk=p.pk).update(**fields)
        p.shared_with.clear()
        p.languages.all().delete()
        p.notes.update(text="")
        p.goals.update(text="")
        p.followups.update(subject="")
        p.experiences.update(description="")
        p.status_changes.update(reason="")
        p.recognitions.update(notes="")
        placements = Placement.objects.filter(participant=p)
        placements.update(**_blank_text(Placement, PLACEMENT_TEXT_FIELDS))
        CheckIn.objects.filter(placement__participant=p).update(with_whom="", issues="")
        Assessment.objects.filter(placement__participant=p).update(comments="")
        # The trail of the old values would undo the anonymisation: purge it (privileged).
        prune_participant_history(p.pk, SecurityEvent.Kind.ANONYMISED)
        SecurityEvent.objects.create(
            kind=SecurityEvent.Kind.ANONYMISED,
            participant_id=p.pk,
            detail="retention",
        )
    logger.info("anonymised participant id=%s", p.pk)


# --- Erasure on request (Art. 17) ----------------------------------------------------------


def erase(participant: Participant, by_user, request=None) -> int:
    """Delete a participant with everything hanging off them; the log keeps only the fact."""
    pk = participant.pk
    with transaction.atomic():
        Placement.objects.filter(participant_id=pk).delete()
        participant.delete()
        purged = prune_participant_history(pk, SecurityEvent.Kind.ERASURE)
        from .security import record_event

        record_event(
            request,
            SecurityEvent.Kind.ERASURE,
            user=by_user,
            participant_id=pk,
            detail=f"erased participant id {pk}",
        )
    logger.info("erased participant id=%s by user id=%s", pk, by_user.pk)
    return purged
