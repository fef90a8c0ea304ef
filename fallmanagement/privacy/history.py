"""Audit trail: database triggers record every insert, update and delete of personal data.

Domain models register with `fallmanagement.core.auditing.record_history`; for each of them
django-pghistory installs a PostgreSQL trigger that copies the row into an event table
(`privacy.<Model>Event`) together with the request context (user id and URL path, set by
`pghistory.middleware.HistoryMiddleware`). Because it is a trigger, bulk `QuerySet.update()` /
`.delete()` and raw SQL are recorded too. The triggers are installed by pgtrigger after every
`migrate` (PGTRIGGER_INSTALL_ON_MIGRATE) instead of through migrations.

Append-only: the event tables, the access log and the security log refuse UPDATE and DELETE
with a trigger (pgtrigger, below, and one no session of the application role can lift, see
fallmanagement/privacy/dbroles.py). Only the database function behind
`dbroles.prune_participant_history` (retention and erasure) removes rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import pghistory
import pgtrigger
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _

from employers.models import ContactPerson
from fallmanagement.core.auditing import history_models
from offers.models import Offer, Referral
from participants.models import (
    CaseHandover,
    CaseNote,
    CaseShareChange,
    FollowUp,
    GermanLevelRecord,
    Goal,
    Language,
    NoteAddendum,
    Participant,
    RecognitionProcedure,
    StatusChange,
    VocationalExperience,
)
from participants.queries import can_read_confidential
from placements.models import Assessment, CheckIn, Document, Placement

APP_LABEL = "privacy"
APPEND_ONLY = "append_only"
# Fields whose change is bookkeeping, not content (left out of the snapshot diffs shown).
NOISE_FIELDS = {"updated_at", "version"}


def _trackers():
    # Fresh instances per model: pghistory stores model-specific state on them.
    return (
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),  # snapshot of the NEW row; the previous event has the old one
        pghistory.DeleteEvent(),  # snapshot of the OLD row
    )


def _event_name(model: type[models.Model]) -> str:
    return f"{model.__name__}Event"


def create_event_models() -> None:
    """One pghistory event model per registered model (called by privacy.models)."""
    for model in history_models():
        name = _event_name(model)
        pghistory.track(
            *_trackers(),
            model_name=name,
            app_label=APP_LABEL,
            append_only=True,
            obj_field=pghistory.ObjForeignKey(related_name="audit_events"),
            # Generated columns (search keys) are derived data, not history.
            exclude=[f.name for f in model._meta.concrete_fields if f.generated],
            # Table names from before the apps were nested: existing databases keep their rows.
            meta={"db_table": f"fallmanagement_{name.lower()}"},
        )(model)


def protect_logs(access_log: type[models.Model], security_event: type[models.Model]) -> None:
    """Append-only triggers for the access log and the security log."""
    # The access log: nothing may change or delete an entry; the only update allowed is the
    # database setting `user` to NULL when a user account is deleted (ON DELETE SET NULL).
    pgtrigger.register(
        pgtrigger.Protect(name="append_only_delete", operation=pgtrigger.Delete),
        pgtrigger.Protect(
            name=APPEND_ONLY,
            operation=pgtrigger.Update,
            condition=pgtrigger.AnyChange(exclude=["user"]),
        ),
        pgtrigger.Protect(
            name="append_only_user",
            operation=pgtrigger.Update,
            condition=pgtrigger.Q(new__user__isnull=False),
        ),
    )(access_log)
    pgtrigger.register(
        pgtrigger.Protect(name=APPEND_ONLY, operation=pgtrigger.Update | pgtrigger.Delete),
    )(security_event)


def event_model(model: type[models.Model]) -> type[models.Model]:
    """The pghistory event model recording `model`."""
    return apps.get_model(APP_LABEL, _event_name(model))


def protected_uris() -> list[str]:
    """pgtrigger URIs of all append-only triggers (lifted inside the prune function only)."""
    uris = [f"{APP_LABEL}.{_event_name(m)}:{APPEND_ONLY}" for m in history_models()]
    uris += [
        f"{APP_LABEL}.AccessLog:{APPEND_ONLY}",
        f"{APP_LABEL}.AccessLog:append_only_delete",
        f"{APP_LABEL}.AccessLog:append_only_user",
        f"{APP_LABEL}.SecurityEvent:{APPEND_ONLY}",
    ]
    return uris


# --- reading the trail ---------------------------------------------------------------------

PARTICIPANT_CHILDREN = (
    Language,
    VocationalExperience,
    CaseNote,
    StatusChange,
    Goal,
    FollowUp,
    RecognitionProcedure,
    GermanLevelRecord,
    Referral,
    CaseShareChange,
    CaseHandover,
    Placement,
    Document,
)
PLACEMENT_CHILDREN = (CheckIn, Assessment)
NOTE_CHILDREN = (NoteAddendum,)
# Found through their parent's events: (parent, its children, the children's column).
GRANDCHILDREN = (
    (Placement, PLACEMENT_CHILDREN, "placement_id"),
    (CaseNote, NOTE_CHILDREN, "note_id"),
)
# Recorded, but about partners, not about a participant: no case's trail, no erasure.
NOT_ABOUT_A_PARTICIPANT = (ContactPerson, Offer)


def unreachable_history_models() -> list[type[models.Model]]:
    """Recorded models that neither a case's trail nor erasure would find (must be none)."""
    reachable = {
        Participant,
        *PARTICIPANT_CHILDREN,
        *PLACEMENT_CHILDREN,
        *NOTE_CHILDREN,
        *NOT_ABOUT_A_PARTICIPANT,
    }
    return [model for model in history_models() if model not in reachable]


def participant_event_querysets(participant_id: int) -> list[tuple[type, models.QuerySet]]:
    """(tracked model, event queryset) for a participant and everything hanging off them."""
    result = [
        (
            Participant,
            event_model(Participant).objects.filter(pgh_obj_id=participant_id),
        )
    ]
    for model in PARTICIPANT_CHILDREN:
        result.append((model, event_model(model).objects.filter(participant_id=participant_id)))
    for parent, children, column in GRANDCHILDREN:
        parent_ids = (
            event_model(parent)
            .objects.filter(participant_id=participant_id)
            .values_list("pgh_obj_id", flat=True)
        )
        for model in children:
            queryset = event_model(model).objects.filter(**{f"{column}__in": set(parent_ids)})
            result.append((model, queryset))
    return result


@dataclass(frozen=True)
class _Ref:
    """A foreign key value in the history, shown as the referenced object (resolved in bulk)."""

    model: type
    pk: object


def _value(field: models.Field, event) -> object:
    value = getattr(event, field.attname)
    if field.is_relation and field.many_to_one and value is not None:
        return _Ref(field.related_model, value)
    if isinstance(value, bool):
        return _("ja") if value else _("nein")
    if getattr(field, "choices", None) and value not in (None, ""):
        return dict(field.flatchoices).get(value, value)
    return value


# Labels for fields declared without a verbose_name (Django would show "created at").
_DEFAULT_LABELS = {
    "participant": _("Fall"),
    "placement": _("Einsatz"),
    "note": _("Notiz"),
    "offer": _("Angebot"),
    "employer": _("Betrieb"),
    "author": _("Verfasst von"),
    "created_at": _("Angelegt am"),
    "created_by": _("Angelegt von"),
    "updated_at": _("Geändert am"),
    "changed_at": _("Geändert am"),
    "recorded_by": _("Erfasst von"),
    "done_by": _("Erledigt von"),
    "recognition": _("Anerkennungsverfahren"),
    "status_before_pause": _("Status vor der Pause"),
    "start_followup": _("Wiedervorlage zum Beginn"),
    "end_followup": _("Wiedervorlage zum Ende"),
    "level_record": _("Sprachnachweis"),
}


def field_label(field: models.Field):
    """The field's verbose_name, or a German label where the model left Django's default."""
    if str(field.verbose_name) == field.name.replace("_", " "):
        return _DEFAULT_LABELS.get(field.name, field.verbose_name)
    return field.verbose_name


def snapshot_fields(event) -> list[models.Field]:
    return [
        f
        for f in event._meta.concrete_fields
        if not f.name.startswith("pgh_") and f.name not in NOISE_FIELDS and f.name != "id"
    ]


CONFIDENTIAL_PLACEHOLDER = _("(vertraulicher Inhalt)")


def _confidential_notes(participant_id: int, reader) -> set[int]:
    """Ids of the case's notes whose text `reader` may not see: confidential in ANY recorded
    version (a note made confidential later hides its earlier text too), unless `reader` may
    read it (participants.queries.can_read_confidential). `reader=None`: the person's own
    Art. 15 copy, everything readable."""
    if reader is None:
        return set()
    case = Participant.objects.filter(pk=participant_id)
    caseworker_id = case.values_list("caseworker_id", flat=True).first()
    notes = (
        event_model(CaseNote)
        .objects.filter(participant_id=participant_id)
        .values("pgh_obj_id", "author_id", "confidential")
    )
    confidential = {n["pgh_obj_id"] for n in notes if n["confidential"]}
    return {
        n["pgh_obj_id"]
        for n in notes
        if n["pgh_obj_id"] in confidential
        and not can_read_confidential(reader, caseworker_id, n["author_id"])
    }


def participant_history(participant_id: int, reader=None) -> list[dict]:
    """All recorded changes, newest first, each with the fields that changed (old -> new).

    For a `reader` (the user looking), the text of confidential notes they may not read is
    replaced by a placeholder: the entry shows that the note exists, who changed it and when.
    Without a reader (the person's own Art. 15 copy) everything is shown.
    """
    entries = []
    hidden_notes = _confidential_notes(participant_id, reader)
    for model, queryset in participant_event_querysets(participant_id):
        previous: dict = {}
        for event in queryset.select_related("pgh_context").order_by("pgh_id"):
            fields = snapshot_fields(event)
            before = previous.get(event.pgh_obj_id)
            changes = []
            hide_text = (model is CaseNote and event.pgh_obj_id in hidden_notes) or (
                model is NoteAddendum and event.note_id in hidden_notes
            )
            for field in fields:
                new = _value(field, event)
                old = _value(field, before) if before is not None else None
                shown = (old, new)
                if hide_text and field.name == "text":
                    shown = (_redact(old), _redact(new))
                if event.pgh_label == "delete":
                    changes.append((field_label(field), shown[1], None))
                elif before is None or old != new:  # compared in full, shown redacted
                    if before is None and new in (None, ""):
                        continue
                    changes.append((field_label(field), *shown))
            previous[event.pgh_obj_id] = event
            if event.pgh_label == "update" and not changes:
                continue
            metadata = event.pgh_context.metadata if event.pgh_context else {}
            entries.append(
                {
                    "at": event.pgh_created_at,
                    "id": event.pgh_id,
                    "model": model._meta.verbose_name,
                    "label": event.pgh_label,
                    "object_id": event.pgh_obj_id,
                    "user_id": (metadata or {}).get("user"),
                    "url": (metadata or {}).get("url", ""),
                    "changes": changes,
                }
            )
    user_model = get_user_model()
    user_ids = {e["user_id"] for e in entries if e["user_id"]}
    refs: dict[type, set] = {}
    for entry in entries:
        for _label, old, new in entry["changes"]:
            for value in (old, new):
                if isinstance(value, _Ref):
                    refs.setdefault(value.model, set()).add(value.pk)
    user_ids |= refs.pop(user_model, set())
    names = {
        u.pk: u.get_full_name() or u.get_username()
        for u in user_model.objects.filter(pk__in=user_ids)
    }
    # One query per referenced model (users, employers, KldB groups …), not per value.
    shown = {(user_model, pk): name for pk, name in names.items()}
    for model, pks in refs.items():
        for pk, obj in model._default_manager.in_bulk(pks).items():
            shown[(model, pk)] = str(obj)

    def display(value):
        if isinstance(value, _Ref):
            # A deleted object keeps its number, marked as such.
            return shown.get(
                (value.model, value.pk), _("(gelöscht, Nr. %(pk)s)") % {"pk": value.pk}
            )
        return value

    for entry in entries:
        entry["user"] = names.get(entry["user_id"], "")
        entry["changes"] = [
            (label, display(old), display(new)) for label, old, new in entry["changes"]
        ]
    entries.sort(key=lambda e: (e["at"], e["id"]), reverse=True)
    return entries


def _redact(value):
    return value if value in (None, "") else CONFIDENTIAL_PLACEHOLDER
