"""The case file's timeline (Verlauf): notes, status changes, goals, follow-ups, recognition
procedures, placements and check-ins of one participant, merged newest first.

One query per source, each limited to the number of entries shown, so the cost does not grow
with the length of the case history. Confidential notes keep their text only for the assigned
caseworker (and the note's author); everybody else gets a placeholder.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import DateField, F
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext_lazy as _

from placements.models import CheckIn, Placement

from .models import CaseNote, FollowUp, Goal, Participant, RecognitionProcedure, StatusChange

PAGE_SIZE = 50

# kind: (label for the filter chips, label of a single entry)
KINDS: dict[str, tuple[str, str]] = {
    "notiz": (_("Gesprächsnotizen"), _("Gesprächsnotiz")),
    "status": (_("Statuswechsel"), _("Statuswechsel")),
    "ziel": (_("Ziele"), _("Zielvereinbarung")),
    "wiedervorlage": (_("Wiedervorlagen"), _("Wiedervorlage")),
    "anerkennung": (_("Anerkennung"), _("Anerkennungsverfahren")),
    "einsatz": (_("Einsätze"), _("Einsatz")),
    "begleitung": (_("Begleitung"), _("Begleitung im Einsatz")),
}


@dataclass
class Entry:
    date: datetime.date
    kind: str
    obj: Any
    # Tie-breaker within a day: the later recorded entry first.
    recorded: datetime.datetime | None = None
    redacted: bool = False

    @property
    def label(self) -> str:
        return KINDS[self.kind][1]


@dataclass
class Timeline:
    entries: list[Entry]
    has_more: bool
    limit: int
    kinds: tuple[str, ...]


def can_read_confidential(user, participant: Participant, note: CaseNote) -> bool:
    return user.pk is not None and user.pk in (participant.caseworker_id, note.author_id)


def _sources(participant: Participant) -> dict[str, tuple]:
    """kind: (queryset annotated with `entry_date`, attribute holding the recording time)."""
    p = participant
    return {
        "notiz": (
            CaseNote.objects.filter(participant=p)
            .select_related("author")
            .annotate(entry_date=F("date")),
            "created_at",
        ),
        "status": (
            StatusChange.objects.filter(participant=p)
            .select_related("changed_by")
            .annotate(entry_date=F("changed_on")),
            "changed_at",
        ),
        "ziel": (
            Goal.objects.filter(participant=p)
            .select_related("author")
            .annotate(entry_date=F("agreed_on")),
            "created_at",
        ),
        "wiedervorlage": (
            FollowUp.objects.filter(participant=p)
            .select_related("done_by", "created_by")
            .annotate(entry_date=F("due_on")),
            "created_at",
        ),
        "anerkennung": (
            RecognitionProcedure.objects.filter(participant=p)
            .select_related("network_partner")
            .annotate(
                entry_date=Coalesce(
                    "decided_on",
                    "file_complete_on",
                    "applied_on",
                    "advised_on",
                    Cast("created_at", DateField()),
                )
            ),
            "created_at",
        ),
        "einsatz": (
            Placement.objects.filter(participant=p)
            .select_related("employer")
            .annotate(entry_date=Coalesce("actual_start", "planned_start")),
            "created_at",
        ),
        "begleitung": (
            CheckIn.objects.filter(placement__participant=p)
            .select_related("placement__employer", "author")
            .annotate(entry_date=F("date")),
            "created_at",
        ),
    }


def build_timeline(
    participant: Participant, user, *, kinds=None, limit: int = PAGE_SIZE
) -> Timeline:
    """The newest `limit` entries of the chosen `kinds` (all when empty), newest first."""
    chosen = tuple(k for k in KINDS if not kinds or k in kinds)
    entries: list[Entry] = []
    for kind, (queryset, recorded_attr) in _sources(participant).items():
        if kind not in chosen:
            continue
        # limit + 1 rows per source are enough to know the newest `limit` of all sources.
        for obj in queryset.order_by("-entry_date", f"-{recorded_attr}", "-pk")[: limit + 1]:
            entry = Entry(obj.entry_date, kind, obj, getattr(obj, recorded_attr, None))
            redact = kind == "notiz" and obj.confidential
            if redact and not can_read_confidential(user, participant, obj):
                obj.text = ""
                entry.redacted = True
            entries.append(entry)
    floor = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    entries.sort(key=lambda e: (e.date, e.recorded or floor), reverse=True)
    return Timeline(entries[:limit], len(entries) > limit, limit, chosen)
