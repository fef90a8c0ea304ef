"""Matching participants and employer partners by KldB field, computed in SQL.

`matching_employers(participant)` ranks the active partners for a participant's case file
("Passende Betriebe"); `matching_participants(employer, user)` is the reverse view from an
employer page. Free capacity and placement history are annotations (subqueries), so a page
runs a fixed number of queries however many employers there are.
"""

import datetime

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from fallmanagement.models import KldbGroup

from .models import Employer, EmployerField

RANKING_RULE = _(
    "Zuerst stehen Betriebe, die Praktika in derselben Berufshauptgruppe (KldB) anbieten, "
    "in der die Person Erfahrung oder Interesse hat, dann Betriebe desselben Berufsbereichs; "
    "innerhalb dieser Stufen zuerst mehr freie Plätze im gewünschten Zeitraum, dann mehr "
    "frühere Übernahmen (Ausbildung, Arbeit oder Angebot des Betriebs), dann alphabetisch."
)

# Placements that occupy a place at the employer (planned ones count: the place is promised).
OCCUPYING_STATES = ("geplant", "vereinbart", "laeuft")
# Placements that occupy a place *today* (capacity shown on the list and the employer page).
CURRENT_STATES = ("vereinbart", "laeuft")
HIRED_OUTCOMES = ("ausbildung", "beschaeftigung")
# Case statuses of participants who are looking for an internship.
SEEKING_STATUSES = ("profiling", "praktikumsvorbereitung", "auswertung")


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The next four weeks (28 days, end inclusive), the length of an orientation internship."""
    today = today or datetime.date.today()
    return today, today + datetime.timedelta(days=27)


def _placement_model():
    # placements.models imports employers.models: import lazily to avoid a cycle.
    from placements.models import Placement

    return Placement


def _count(queryset) -> Coalesce:
    """A correlated COUNT(*) subquery over `queryset` (filtered on OuterRef), 0 when empty."""
    counted = queryset.order_by().values("employer_id").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def occupied_places(start: datetime.date, end: datetime.date, states=OCCUPYING_STATES):
    """Subquery: internships at the employer (OuterRef) overlapping [start, end].

    Every overlapping internship counts, even two that follow each other inside the period:
    cautious on purpose, so a place offered as free really is free for the whole period.
    """
    Placement = _placement_model()
    return _count(
        Placement.objects.filter(
            employer_id=OuterRef("pk"), kind=Placement.Kind.INTERNSHIP, state__in=states
        )
        .annotate(
            p_start=Coalesce("actual_start", "planned_start"),
            p_end=Coalesce("actual_end", "planned_end"),
        )
        .filter(p_start__lte=end, p_end__gte=start)
    )


def with_free_capacity_now(queryset: QuerySet, today: datetime.date | None = None) -> QuerySet:
    """Annotate `occupied_now` and `free_now` (capacity minus agreed/running internships)."""
    today = today or datetime.date.today()
    return queryset.annotate(occupied_now=occupied_places(today, today, CURRENT_STATES)).annotate(
        free_now=ExpressionWrapper(F("capacity") - F("occupied_now"), output_field=IntegerField())
    )


def _participant_groups(participant):
    """Subqueries: the KldB groups of a participant's experience and interests."""
    from participants.models import Participant, VocationalExperience

    experience = VocationalExperience.objects.filter(participant_id=participant.pk).values(
        "kldb_group_id"
    )
    interests = Participant.interest_groups.through.objects.filter(
        participant_id=participant.pk
    ).values("kldbgroup_id")
    return experience, interests


def matching_employers(
    participant, start: datetime.date | None = None, end: datetime.date | None = None
) -> QuerySet:
    """Active partners offering internships in the participant's fields, best first.

    Annotations: `group_match` (same Berufshauptgruppe), `occupied`, `free_places` (in the
    period), `earlier_placements` and `earlier_hired` (of other participants at that employer).
    """
    if start is None or end is None:
        default_start, default_end = default_period()
        start = start or default_start
        end = end or default_end
    Placement = _placement_model()
    experience, interests = _participant_groups(participant)
    wanted_groups = Q(kldb_group_id__in=experience) | Q(kldb_group_id__in=interests)
    wanted_areas = KldbGroup.objects.filter(Q(code__in=experience) | Q(code__in=interests)).values(
        "area_id"
    )
    internship_fields = EmployerField.objects.filter(
        employer_id=OuterRef("pk"), offers_internship=True
    )
    earlier = Placement.objects.filter(employer_id=OuterRef("pk")).exclude(
        participant_id=participant.pk
    )
    # Narrow the employers first (an IN over the indexed employer fields of the wanted
    # Berufsbereiche), so the subqueries below run only for candidates, not for every partner.
    candidates = EmployerField.objects.filter(
        offers_internship=True,
        kldb_group_id__in=KldbGroup.objects.filter(area_id__in=wanted_areas).values("code"),
    ).values("employer_id")
    return (
        Employer.objects.filter(
            is_active=True, state=Employer.PartnershipState.ACTIVE, pk__in=candidates
        )
        .annotate(
            group_match=Exists(internship_fields.filter(wanted_groups)),
            occupied=occupied_places(start, end),
            earlier_placements=_count(earlier.filter(state__in=("beendet", "abgebrochen"))),
            earlier_hired=_count(
                earlier.filter(Q(outcome__in=HIRED_OUTCOMES) | Q(offer_from_employer=True))
            ),
        )
        .annotate(
            free_places=ExpressionWrapper(
                F("capacity") - F("occupied"), output_field=IntegerField()
            )
        )
        # Every candidate already matches a Berufsbereich (see `candidates`).
        .filter(free_places__gt=0)
        .order_by("-group_match", "-free_places", "-earlier_hired", "name", "pk")
    )


def matching_participants(employer: Employer, user) -> QuerySet:
    """Participants visible to `user` looking for an internship in the employer's fields.

    Same Berufshauptgruppe first (`group_match`), then same Berufsbereich.
    """
    from participants.models import Participant, VocationalExperience

    offered = EmployerField.objects.filter(employer_id=employer.pk, offers_internship=True)
    groups = offered.values("kldb_group_id")
    areas = offered.values("kldb_group__area_id")
    Interest = Participant.interest_groups.through
    in_groups = Exists(
        VocationalExperience.objects.filter(participant_id=OuterRef("pk"), kldb_group_id__in=groups)
    ) | Exists(Interest.objects.filter(participant_id=OuterRef("pk"), kldbgroup_id__in=groups))
    in_areas = Exists(
        VocationalExperience.objects.filter(
            participant_id=OuterRef("pk"), kldb_group__area_id__in=areas
        )
    ) | Exists(Interest.objects.filter(participant_id=OuterRef("pk"), kldbgroup__area_id__in=areas))
    return (
        Participant.objects.visible_to(user)
        .filter(status__in=SEEKING_STATUSES)
        .annotate(
            group_match=ExpressionWrapper(in_groups, output_field=BooleanField()),
            area_match=ExpressionWrapper(in_areas, output_field=BooleanField()),
        )
        .filter(area_match=True)
        .order_by("-group_match", "last_name", "first_name", "pk")
    )
