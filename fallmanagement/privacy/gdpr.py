"""GDPR duties: access (Art. 15), retention (anonymisation), erasure on request (Art. 17)."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from offers.models import Referral
from participants.models import NoteAddendum, Participant
from placements.models import Assessment, CheckIn, Document, Placement

from .dbroles import prune_participant_history
from .history import field_label, participant_history
from .models import AccessLog, SecurityEvent
from .security import record_event

logger = logging.getLogger("fallmanagement.privacy.gdpr")

ANONYMISED = "Anonymisiert"


# --- Art. 15: everything stored about one participant --------------------------------------


# The JSON export for machines: stable keys (field names, grouped by topic as in the PDF),
# names instead of ids, JSON booleans and numbers, ISO 8601 dates and local times with offset,
# a choice as {"code", "text"}. Technical columns are left out (HIDDEN_FIELDS).
ART15_FORMAT = "fallmanagement-art15/2"


def _json_value(obj: models.Model, field: models.Field):
    value = getattr(obj, field.attname)
    if value is None:
        return None
    if field.is_relation:
        related = getattr(obj, field.name)
        if hasattr(related, "get_full_name"):
            return related.get_full_name() or related.get_username()
        return str(related)
    if hasattr(value, "name") and hasattr(value, "code"):  # a country
        return {"code": value.code, "text": str(value.name)} if value.code else None
    if getattr(field, "choices", None) and value != "":
        display = dict(field.flatchoices).get(value)
        if display is not None:
            return {"code": value, "text": str(display)}
    if isinstance(value, datetime.datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _json_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        f for f in model._meta.concrete_fields if f.name not in HIDDEN_FIELDS and not f.generated
    ]


def _section(model: type[models.Model], rows) -> dict:
    fields = _json_fields(model)
    return {
        "title": str(model._meta.verbose_name_plural),
        "labels": {f.name: str(field_label(f)) for f in fields},
        "rows": [{f.name: _json_value(row, f) for f in fields} for row in rows],
    }


def _local_iso(value: datetime.datetime) -> str:
    return timezone.localtime(value).isoformat()


def art15_data(participant: Participant) -> dict:
    """Everything stored about `participant`, incl. audit history and access log, for machines
    (the JSON export); grouped by topic like the PDF (art15_readable)."""
    p = participant
    placements = list(
        Placement.objects.filter(participant=p)
        .select_related("employer", "kldb_group", "supervisor", "created_by", "follows")
        .order_by("planned_start")
    )
    placement_ids = [pl.pk for pl in placements]
    person = _section(Participant, [p])
    person["labels"].update(
        interest_groups=str(_("Interessen (Berufsbereiche)")),
        interest_occupations=str(_("Interessen (Berufe)")),
        shared_with=str(_("Freigegeben für")),
    )
    person["rows"][0]["interest_groups"] = [str(g) for g in p.interest_groups.all()]
    person["rows"][0]["interest_occupations"] = [str(o) for o in p.interest_occupations.all()]
    person["rows"][0]["shared_with"] = [
        u.get_full_name() or u.get_username() for u in p.shared_with.all()
    ]
    notes = p.notes.select_related("author").order_by("date", "pk")
    addenda = NoteAddendum.objects.filter(note__participant=p).select_related("author", "note")
    topics = {
        "person": {
            "participant": person,
            "languages": _section(p.languages.model, p.languages.all()),
            "german_levels": _section(p.german_levels.model, p.german_levels.order_by("pk")),
            "experiences": _section(
                p.experiences.model, p.experiences.select_related("kldb_group").order_by("pk")
            ),
            "recognitions": _section(
                p.recognitions.model,
                p.recognitions.select_related("network_partner").order_by("pk"),
            ),
        },
        "casework": {
            "notes": _section(p.notes.model, notes),
            "note_addenda": _section(NoteAddendum, addenda.order_by("pk")),
            "status_changes": _section(
                p.status_changes.model,
                p.status_changes.select_related("changed_by").order_by("pk"),
            ),
            "goals": _section(p.goals.model, p.goals.select_related("author").order_by("pk")),
            "followups": _section(
                p.followups.model,
                p.followups.select_related("done_by", "created_by").order_by("due_on", "pk"),
            ),
            "referrals": _section(
                Referral,
                Referral.objects.filter(participant=p).select_related("offer").order_by("pk"),
            ),
        },
        "placements": {
            "placements": _section(Placement, placements),
            "checkins": _section(
                CheckIn,
                CheckIn.objects.filter(placement_id__in=placement_ids).select_related(
                    "placement", "author"
                ),
            ),
            "assessments": _section(
                Assessment,
                Assessment.objects.filter(placement_id__in=placement_ids).select_related(
                    "placement", "recorded_by"
                ),
            ),
        },
        "documents": {
            "documents": _section(
                Document,
                p.documents.select_related("placement", "uploaded_by").order_by(
                    "uploaded_at", "pk"
                ),
            ),
        },
    }
    history = [
        {
            "at": _local_iso(e["at"]),
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
            "at": _local_iso(a.at),
            "user": a.username,
            "action": {"code": a.action, "text": a.get_action_display()},
            "object": a.object_type,
            "path": a.path,
        }
        for a in AccessLog.objects.filter(participant_id=p.pk).order_by("at")
    ]
    return {
        "format": ART15_FORMAT,
        "generated_at": _local_iso(timezone.now()),
        "controller": settings.PROGRAMME["organisation"],
        "participant": {"id": p.pk, "name": p.display_name},
        "topics": topics,
        "history": history,
        "access_log": accesses,
    }


# --- Art. 15 for the person: readable (PDF) -------------------------------------------------

# Columns that mean nothing to the person (technical keys, search columns, storage names).
HIDDEN_FIELDS = {"id", "version", "participant", "search_name", "name_keys", "file"}


def _readable(obj: models.Model, field: models.Field) -> str:
    """One value as the person reads it: names instead of ids, ja/nein, dd.mm.yyyy, local
    time, the German label of a choice; "–" for nothing."""
    value = getattr(obj, field.attname)
    if value is None or value == "":
        return "–"
    if field.is_relation:
        related = getattr(obj, field.name)
        if hasattr(related, "get_full_name"):
            return related.get_full_name() or related.get_username()
        return str(related)
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("ja") if value else _("nein")
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d.%m.%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    if hasattr(value, "name") and hasattr(value, "code"):  # a country
        return str(value.name)
    return str(value)


def _readable_section(model: type[models.Model], rows) -> dict:
    fields = [
        f for f in model._meta.concrete_fields if f.name not in HIDDEN_FIELDS and not f.generated
    ]
    return {
        "title": str(model._meta.verbose_name_plural),
        "records": [[(str(field_label(f)), _readable(row, f)) for f in fields] for row in rows],
    }


def _readable_plain(value) -> str:
    """A value of the audit trail (already plain: ISO dates, booleans) for the person."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("ja") if value else _("nein")
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        try:
            if len(value) == 10:
                return datetime.date.fromisoformat(value).strftime("%d.%m.%Y")
            return _local(value)
        except ValueError:
            return value
    return str(value)


def _local(value: str | None) -> str:
    if not value:
        return "–"
    moment = datetime.datetime.fromisoformat(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%d.%m.%Y %H:%M")


def art15_readable(participant: Participant) -> dict:
    """The Art. 15 information for the person (PDF): grouped by topic, German labels, names
    instead of ids, ja/nein, local dates; the JSON export keeps field names and ISO values
    for machines."""
    p = participant
    placements = list(
        Placement.objects.filter(participant=p)
        .select_related("employer", "kldb_group", "supervisor", "created_by", "follows")
        .order_by("planned_start")
    )
    ids = [pl.pk for pl in placements]
    person = _readable_section(Participant, [p])
    person["records"][0] += [
        (
            str(_("Interessen (Berufsbereiche)")),
            ", ".join(map(str, p.interest_groups.all())) or "–",
        ),
        (
            str(_("Freigegeben für")),
            ", ".join(u.get_full_name() or u.get_username() for u in p.shared_with.all()) or "–",
        ),
    ]
    sections = [
        person,
        _readable_section(p.languages.model, p.languages.all()),
        _readable_section(
            p.experiences.model, p.experiences.select_related("kldb_group").order_by("pk")
        ),
        _readable_section(p.notes.model, p.notes.select_related("author").order_by("date", "pk")),
        _readable_section(
            NoteAddendum,
            NoteAddendum.objects.filter(note__participant=p)
            .select_related("author", "note")
            .order_by("pk"),
        ),
        _readable_section(
            p.status_changes.model, p.status_changes.select_related("changed_by").order_by("pk")
        ),
        _readable_section(p.goals.model, p.goals.select_related("author").order_by("pk")),
        _readable_section(
            p.followups.model,
            p.followups.select_related("done_by", "created_by").order_by("due_on", "pk"),
        ),
        _readable_section(
            p.recognitions.model, p.recognitions.select_related("network_partner").order_by("pk")
        ),
        _readable_section(Placement, placements),
        _readable_section(
            CheckIn,
            CheckIn.objects.filter(placement_id__in=ids).select_related("placement", "author"),
        ),
        _readable_section(
            Assessment,
            Assessment.objects.filter(placement_id__in=ids).select_related(
                "placement", "recorded_by"
            ),
        ),
        _readable_section(
            Document, p.documents.select_related("placement", "uploaded_by").order_by("pk")
        ),
    ]
    data = art15_data(p)
    history = [
        {
            "at": _local(e["at"]),
            "record": e["record"],
            "event": {
                "insert": _("angelegt"),
                "update": _("geändert"),
                "delete": _("gelöscht"),
            }.get(e["event"], e["event"]),
            "user": e["user"] or "–",
            "changes": [
                {
                    "field": c["field"],
                    "old": _readable_plain(c["old"]),
                    "new": _readable_plain(c["new"]),
                }
                for c in e["changes"]
            ],
        }
        for e in data["history"]
    ]
    accesses = [
        {**a, "at": _local(a["at"]), "action": a["action"]["text"]} for a in data["access_log"]
    ]
    return {
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
        p.handovers.all().delete()  # nobody reads an anonymised case after a handover
        p.languages.all().delete()
        p.notes.update(text="")
        NoteAddendum.objects.filter(note__participant=p).delete()
        p.goals.update(text="")
        p.followups.update(subject="")
        p.experiences.update(description="")
        p.status_changes.update(reason="")
        p.recognitions.update(notes="")
        p.german_levels.update(evidence="")
        Referral.objects.filter(participant=p).update(notes="", outcome_notes="", certificate="")
        placements = Placement.objects.filter(participant=p)
        placements.update(**_blank_text(Placement, PLACEMENT_TEXT_FIELDS))
        CheckIn.objects.filter(placement__participant=p).update(with_whom="", issues="")
        Assessment.objects.filter(placement__participant=p).update(comments="")
        # Uploaded files are personal data through and through: row and file go.
        Document.objects.filter(participant=p).delete()
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
        record_event(
            request,
            SecurityEvent.Kind.ERASURE,
            user=by_user,
            participant_id=pk,
            detail=f"erased participant id {pk}",
        )
    logger.info("erased participant id=%s by user id=%s", pk, by_user.pk)
    return purged
