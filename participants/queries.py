"""Who may see what of a participant, and the name search of the caseload.

The search tolerates accents and transliteration variants: every term matches a participant
when it is part of the unaccented names (`search_name`), when its phonetic skeleton
(`fm_name_key`, migration 0002) starts one of the name keys, or when trigram word similarity
is high (`%>`). All three conditions can use the GIN trigram indexes. The best matches come first.
"""

import re

from django.contrib.postgres.search import TrigramWordSimilarity
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from fallmanagement.core.accesslog import AccessAction, log_access
from fallmanagement.core.roles import Role, has_role

from .models import FollowUp, Participant, read_only_case_ids

MAX_TERMS = 5


def caseload_rows(user) -> QuerySet[Participant]:
    """The rows of the caseload list before filtering, searching and sorting: the cases
    visible to `user` with their caseworker and the due date of their next open follow-up."""
    next_followup = (
        FollowUp.objects.filter(participant=OuterRef("pk"), done_on__isnull=True)
        .order_by("due_on")
        .values("due_on")[:1]
    )
    return (
        Participant.objects.visible_to(user)
        .select_related("caseworker")
        .annotate(next_followup=Subquery(next_followup))
    )


def visible_participant(
    request: HttpRequest,
    pk: int,
    *,
    select_related: tuple[str, ...] = (),
    action: str = AccessAction.VIEW,
    object_type: str | None = None,
) -> Participant:
    """The ONE way a view loads a case: the participant `pk` if the user may see them (else
    404, no existence leak), with the access logged. Every page, partial, form answer, PDF and
    export of a case goes through here, so none can forget the access log.

    """
    visible = Participant.objects.visible_to(request.user)
    if select_related:
        visible = visible.select_related(*select_related)
    participant = get_object_or_404(visible, pk=pk)
    log_access(request, action, participant, object_type=object_type)
    check_write(request, participant.pk)
    return participant


def check_write(request: HttpRequest, participant_id: int) -> None:
    """THE decision whether a request may change a case: a request that is not a plain read
    (POST, PUT, PATCH, DELETE) on a case the user only reads during a handover is refused
    (403: they may see the case, so there is no existence to hide). Called by the loaders of
    a case and of its placements, offers and documents, so no write view can forget it."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if participant_id in read_only_case_ids(request.user):
        raise PermissionDenied(_("Während der Übergabe ist der Fall nur lesbar."))


def can_change(user, participant_id: int) -> bool:
    """Whether pages offer `user` the controls that change a case: caseworkers, except on a
    case they only read during a handover (the same rule `check_write` enforces)."""
    return has_role(user, Role.CASEWORK) and participant_id not in read_only_case_ids(user)


def can_read_confidential(user, caseworker_id: int | None, author_id: int | None) -> bool:
    """The text of a confidential case note: only its author and the case's assigned
    caseworker read it. Everybody else (substitutes, Administration, every page, export and
    log) learns only that the note exists, who wrote or changed it and when. The one place of
    this rule: the timeline, the change history and the admin call it."""
    return user.pk is not None and user.pk in (caseworker_id, author_id)


def can_see_special_categories(user, participant: Participant) -> bool:
    """Residence details and health notes (GDPR Art. 9): assigned caseworker and Administration.

    A substitute who got the case shared sees the rest of the file, not these fields.
    """
    if has_role(user, Role.ADMINISTRATION):
        return True
    return (
        has_role(user, Role.CASEWORK)
        and participant.caseworker_id is not None
        and participant.caseworker_id == user.pk
    )


def search_terms(text: str) -> list[str]:
    """Split a search text into at most MAX_TERMS words (letters only, lower case)."""
    words = [w for w in re.split(r"[^\w]+", (text or "").lower()) if w and not w.isdigit()]
    return words[:MAX_TERMS]


def _normalise(terms: list[str]) -> list[tuple[str, str]]:
    """(unaccented term, phonetic key) for each term, computed by the same SQL functions."""
    if not terms:
        return []
    placeholders = ", ".join(["(%s::text, %s::int)"] * len(terms))
    params: list = []
    for i, term in enumerate(terms):
        params += [term, i]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT fm_unaccent(lower(t)), fm_name_key(t) FROM (VALUES {placeholders}) "  # noqa: S608
            "AS v(t, i) ORDER BY i",
            params,
        )
        return [(plain, key) for plain, key in cursor.fetchall()]


def search(queryset: QuerySet, text: str, *, whole_words: bool = False) -> QuerySet:
    """Filter `queryset` to participants matching every term of `text`, annotated with
    `search_rank` (higher is better). An empty text returns the queryset unchanged; a text
    without any searchable word (only digits or symbols: `12345`, `#146`) matches nobody.

    The caseload search matches the start of a name (typing "kowal" finds Kovalenko); the
    duplicate check (`whole_words`) only whole names, spelled alike or as a variant."""
    normalised = _normalise(search_terms(text))
    # A term whose key is empty is a particle (al-, el-, ar- …: see fm_name_key); with other
    # terms it is left out, so "Al-Hassan" finds "El Hassan", "Alhassan" and "Hassan".
    if any(key for _plain, key in normalised):
        normalised = [(plain, key) for plain, key in normalised if key]
    if not normalised:
        if (text or "").strip():
            return queryset.annotate(search_rank=Value(0.0, output_field=FloatField())).none()
        return queryset
    ranks = []
    for plain, key in normalised:
        similarity = TrigramWordSimilarity(Value(plain), "search_name")
        if whole_words:
            condition = Q(search_name__regex=rf"\m{re.escape(plain)}\M")
        else:
            condition = Q(search_name__contains=plain)
        key_match = None
        parts = key.split()
        if parts and all(len(part) >= 2 for part in parts):
            # A compound gives several keys ("Abdulrahman" -> "abd rahmn"): each must match.
            key_match = Q()
            for part in parts:
                key_match &= Q(name_keys__contains=f" {part} " if whole_words else f" {part}")
            condition |= key_match
        # `%>` (pg_trgm.word_similarity_threshold, default 0.6) can use the GIN index.
        if not whole_words:
            condition |= Q(search_name__trigram_word_similar=plain)
        name = f"_sim_{len(ranks)}"
        queryset = queryset.filter(condition).annotate(**{name: similarity})
        # Spelling closest to the term first; a whole-word phonetic match adds a bonus.
        bonus = (
            Case(When(Q(name_keys__contains=f" {parts[0]} "), then=Value(0.5)), default=Value(0.0))
            if key_match is not None
            else Value(0.0)
        )
        ranks.append(ExpressionWrapper(F(name) + bonus, output_field=FloatField()))
    total = ranks[0]
    for rank in ranks[1:]:
        total = total + rank
    return queryset.annotate(search_rank=total)


def possible_duplicates(
    first_name: str, last_name: str, date_of_birth, country_of_origin: str = ""
) -> QuerySet:
    """Participants in the WHOLE table with the same name or a variant of it (whole names:
    see `search`) and either the same date of birth, or the same country of origin and a year
    of birth within one year or unknown (a second "Zahra Rahimi" from Afghanistan with another
    birth date gets a hint, never a block).

    Callers show only that a duplicate exists, and link only to those the user may see.
    """
    candidates = Q()
    if date_of_birth:
        candidates |= Q(date_of_birth=date_of_birth)
    if country_of_origin:
        near = Q()  # the new person's birth date unknown: any year
        if date_of_birth:
            year = date_of_birth.year
            near = Q(date_of_birth__isnull=True) | Q(
                date_of_birth__year__range=(year - 1, year + 1)
            )
        candidates |= Q(country_of_origin=country_of_origin) & near
    if not candidates:
        return Participant.objects.none()
    return search(
        Participant.objects.filter(candidates),
        f"{first_name} {last_name}",
        whole_words=True,
    ).order_by("-search_rank", "pk")


def shared_dates_of_birth(dates) -> set:
    """Of `dates`, those that more than one participant has: only a person born on one of them
    can have a possible duplicate by the date of birth (`possible_duplicates` without a
    country), so a bulk import asks this once per batch instead of searching every name."""
    return set(
        Participant.objects.filter(date_of_birth__in=set(dates))
        .values("date_of_birth")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("date_of_birth", flat=True)
    )
