"""Matching participants and employer partners by KldB occupation, computed in SQL.

`matching_employers(participant, …)` ranks the active partners for a participant's case file
("Passende Betriebe"); `matching_participants(employer, user, …)` is the reverse view from an
employer. Both rank by the same tiers (`MatchLevel`: same Berufsgattung before same
Berufsuntergruppe, Berufsgruppe, Berufshauptgruppe, Berufsbereich), then German level, place,
free places and earlier internships, and return the columns `reasons()` turns into the
sentences a row shows ("why here"). Each is one SQL statement: a page runs a fixed number of
queries however many employers or participants there are.
"""

import dataclasses
import datetime

from django.db import connection
from django.db.models import (
    Case,
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
    When,
)
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from employers.models import Employer, EmployerField
from fallmanagement.core.models import GERMAN_LEVEL_ORDER, GermanLevel, KldbGroup, KldbOccupation
from participants.models import Participant, VocationalExperience

from .models import Assessment, Placement

RANKING_RULE = gettext_lazy(
    "Zuerst stehen Betriebe, deren Praktikumsberuf am genauesten zu Erfahrung oder Wunsch der "
    "Person passt: gleiche Berufsgattung (5 Stellen der KldB), dann gleiche Berufsuntergruppe "
    "(4), gleiche Berufsgruppe (3), gleiche Berufshauptgruppe (2), zuletzt gleicher "
    "Berufsbereich. Innerhalb einer Stufe zuerst Betriebe, deren verlangtes Deutschniveau die "
    "Person erreicht, dann Betriebe in derselben PLZ, dann im selben Ort, dann mehr freie Plätze "
    "im Zeitraum, dann mehr frühere Praktika anderer mit guter Beurteilung oder Übernahme, "
    "dann alphabetisch."
)
PARTICIPANT_RANKING_RULE = gettext_lazy(
    "Zuerst Teilnehmende, deren Erfahrung oder Wunsch am genauesten zu den Praktikumsberufen des "
    "Betriebs passt (Berufsgattung, -untergruppe, -gruppe, Berufshauptgruppe, Berufsbereich); "
    "innerhalb einer Stufe zuerst, wer das verlangte Deutschniveau erreicht, dann wer in "
    "derselben PLZ oder im selben Ort wohnt, dann wer schon ein gut beurteiltes Praktikum hatte, "
    "dann alphabetisch."
)

# Placements that occupy a place at the employer (planned ones count: the place is promised).
OCCUPYING_STATES = Placement.OPEN_STATES
# Placements that occupy a place *today* (capacity shown on the list and the employer page).
CURRENT_STATES = Placement.CURRENT_STATES
HIRED_OUTCOMES = ("ausbildung", "beschaeftigung")
# A good assessment: the employer recommends hiring or the occupation.
GOOD_RECOMMENDATIONS = (Assessment.Recommendation.HIRE, Assessment.Recommendation.RECOMMEND)
# Case statuses of participants who are looking for an internship.
SEEKING_STATUSES = ("profiling", "praktikumsvorbereitung", "auswertung")


class MatchLevel:
    """How closely an offered occupation fits a wanted one (higher is closer)."""

    OCCUPATION = 5  # same Berufsgattung (5 digits)
    SUBGROUP = 4  # same Berufsuntergruppe (4 digits), e.g. helper vs. skilled in one job
    GROUP = 3  # same Berufsgruppe (3 digits)
    MAIN_GROUP = 2  # same Berufshauptgruppe (2 digits)
    AREA = 1  # same Berufsbereich (1 digit)

    LABELS = {
        5: gettext_lazy("gleiche Berufsgattung"),
        4: gettext_lazy("gleiche Berufsuntergruppe"),
        3: gettext_lazy("gleiche Berufsgruppe"),
        2: gettext_lazy("gleiche Berufshauptgruppe"),
        1: gettext_lazy("gleicher Berufsbereich"),
    }


class Locality:
    POSTCODE = 2  # same postcode: same district
    CITY = 1  # same town
    OTHER = 0


def next_monday(today: datetime.date | None = None) -> datetime.date:
    """The Monday after today (a week ahead when today is a Monday)."""
    today = today or timezone.localdate()
    return today + datetime.timedelta(days=7 - today.weekday())


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """Four weeks (28 days, end inclusive) from next Monday: an orientation internship."""
    start = next_monday(today)
    return start, start + datetime.timedelta(days=Placement.INTERNSHIP_MAX_DAYS - 1)


def _count(queryset) -> Coalesce:
    """A correlated COUNT(*) subquery over `queryset` (filtered on OuterRef), 0 when empty."""
    counted = queryset.order_by().values("employer_id").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def occupied_places(start: datetime.date, end: datetime.date, states=OCCUPYING_STATES):
    """Subquery: internships at the employer (OuterRef) overlapping [start, end].

    Every overlapping internship counts, even two that follow each other inside the period:
    cautious on purpose, so a place offered as free really is free for the whole period.
    """
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
    today = today or timezone.localdate()
    return queryset.annotate(occupied_now=occupied_places(today, today, CURRENT_STATES)).annotate(
        free_now=ExpressionWrapper(F("capacity") - F("occupied_now"), output_field=IntegerField())
    )


@dataclasses.dataclass(frozen=True)
class MatchFilter:
    """The filters of both matching pages.

    `field`: a KldB code (2–5 digits) the offered (or wanted) occupation must lie in;
    `place`: a postcode prefix or part of the town's name; `free`: "period" (a free place /
    no internship in the period), "now" (today), "" (no condition).
    """

    field: str = ""
    place: str = ""
    free: str = "period"


# --- employers for a participant --------------------------------------------------------------

# The level of one (wanted, offered) pair of KldB rows: w.occ/f.occ are codes of 3–5 digits or
# NULL, w.grp/f.grp two-digit Berufshauptgruppen. NULL comparisons fall through to the next tier.
_LEVEL_SQL = """
CASE WHEN length(w.occ) = 5 AND w.occ = f.occ THEN 5
     WHEN length(w.occ) >= 4 AND length(f.occ) >= 4 AND left(w.occ, 4) = left(f.occ, 4) THEN 4
     WHEN left(w.occ, 3) = left(f.occ, 3) THEN 3
     WHEN w.grp = f.grp THEN 2
     ELSE 1 END
"""

# One statement, set-based: the wanted occupations of the participant; the offered internship
# fields of the Berufshauptgruppen in the same Berufsbereiche (from the partial index
# `employer_field_internship_idx` alone); the best level per employer; the places occupied in
# the period aggregated once per employer; the earlier internships of others with a good
# assessment or a hire (the fifth sort key) only for the employers that can still reach the
# page by the first four keys; the score columns from `employer_partner_idx` (INCLUDE
# columns, no heap); ranking, page (LIMIT/OFFSET) and total (window count) together; and only
# for the rows of the page, the (offered, wanted) pair that gave the level and the full row.
_MATCHING_SQL = """
WITH wanted AS (
    SELECT kldb_group_id AS grp, kldb_occupation_id AS occ FROM {experience}
    WHERE participant_id = %(participant)s
    UNION
    SELECT kldbgroup_id, NULL FROM {interest} WHERE participant_id = %(participant)s
    UNION
    SELECT left(kldboccupation_id, 2), kldboccupation_id FROM {interest_occ}
    WHERE participant_id = %(participant)s
),
offered AS (
    SELECT f.employer_id, f.kldb_group_id AS grp, f.kldb_occupation_id AS occ FROM {field} f
    WHERE f.offers_internship
      AND f.kldb_group_id IN (
          SELECT g.code FROM {group} g WHERE g.area_id IN (SELECT left(grp, 1) FROM wanted)
      )
      AND (%(field)s = ''
           OR COALESCE(f.kldb_occupation_id, f.kldb_group_id) LIKE %(field)s || '%%')
),
best AS (
    SELECT f.employer_id,
           max(CASE WHEN f.occ IN (SELECT occ FROM wanted WHERE length(occ) = 5) THEN 5
                    WHEN left(f.occ, 4) IN (SELECT left(occ, 4) FROM wanted
                                            WHERE length(occ) >= 4)
                         AND length(f.occ) >= 4 THEN 4
                    WHEN left(f.occ, 3) IN (SELECT left(occ, 3) FROM wanted) THEN 3
                    WHEN f.grp IN (SELECT grp FROM wanted) THEN 2
                    ELSE 1 END) AS level
    FROM offered f
    GROUP BY f.employer_id
),
occupied AS (
    SELECT employer_id, count(*) AS n FROM {placement}
    WHERE kind = %(internship)s AND state = ANY(%(occupying)s)
      AND COALESCE(actual_start, planned_start) <= %(end)s
      AND COALESCE(actual_end, planned_end) >= %(start)s
    GROUP BY employer_id
),
partners AS (
    SELECT id, name, capacity, postcode, city, german_level_required FROM {employer}
    WHERE is_active AND state = %(active)s
),
keyed AS (
    SELECT e.id, e.name, b.level,
           COALESCE(o.n, 0) AS occupied,
           e.capacity - COALESCE(o.n, 0) AS free_places,
           CASE WHEN e.german_level_required = '' THEN NULL
                ELSE COALESCE(array_position(%(levels)s::text[], %(german)s), 0)
                     >= array_position(%(levels)s::text[], e.german_level_required)
           END AS german_fits,
           CASE WHEN %(postcode)s <> '' AND e.postcode = %(postcode)s THEN 2
                WHEN %(city)s <> '' AND lower(trim(e.city)) = %(city)s THEN 1
                ELSE 0 END AS locality
    FROM best b
    JOIN partners e ON e.id = b.employer_id
    LEFT JOIN occupied o ON o.employer_id = e.id
    WHERE (NOT %(need_free)s OR e.capacity - COALESCE(o.n, 0) > 0)
      AND (%(place)s = '' OR e.postcode LIKE %(place)s || '%%'
           OR lower(e.city) LIKE '%%' || %(place_lower)s || '%%')
),
-- The earlier good internships count only as the fifth sort key: they are aggregated for the
-- rows that can still reach the page (at or before the page's last row by the first four
-- keys), not for every candidate employer.
cut AS (
    SELECT level, COALESCE(german_fits, TRUE) AS gf, locality, free_places FROM keyed
    ORDER BY level DESC, COALESCE(german_fits, TRUE) DESC, locality DESC, free_places DESC
    LIMIT 1 OFFSET %(offset)s + %(limit)s - 1
),
contenders AS (
    SELECT k.* FROM keyed k
    WHERE NOT EXISTS (SELECT 1 FROM cut)
       OR (k.level, COALESCE(k.german_fits, TRUE), k.locality, k.free_places)
          >= ANY (SELECT level, gf, locality, free_places FROM cut)
),
good AS (
    SELECT employer_id, count(*) AS n FROM (
        SELECT id, employer_id FROM {placement}
        WHERE (outcome = ANY(%(hired)s) OR offer_from_employer)
          AND participant_id <> %(participant)s
          AND employer_id IN (SELECT id FROM contenders)
        UNION
        SELECT p.id, p.employer_id FROM {assessment} a JOIN {placement} p ON p.id = a.placement_id
        WHERE a.recommendation = ANY(%(good)s) AND p.participant_id <> %(participant)s
          AND p.employer_id IN (SELECT id FROM contenders)
    ) earlier
    GROUP BY employer_id
),
ranked AS (
    SELECT c.*, COALESCE(g.n, 0) AS good_record, (SELECT count(*) FROM keyed) AS total
    FROM contenders c LEFT JOIN good g ON g.employer_id = c.id
    ORDER BY level DESC, COALESCE(german_fits, TRUE) DESC, locality DESC, free_places DESC,
             good_record DESC, name, id
    LIMIT %(limit)s OFFSET %(offset)s
)
SELECT e.*, r.level, pair.offered_code, pair.wanted_code, r.occupied, r.free_places,
       r.good_record, r.german_fits, r.locality, r.total,
       COALESCE(oc.name, og.name) AS offered_name, COALESCE(wc.name, wg.name) AS wanted_name
FROM ranked r
JOIN {employer} e ON e.id = r.id
CROSS JOIN LATERAL (
    SELECT COALESCE(f.kldb_occupation_id, f.kldb_group_id) AS offered_code,
           COALESCE(w.occ, w.grp) AS wanted_code
    FROM (SELECT kldb_group_id AS grp, kldb_occupation_id AS occ, kldb_occupation_id,
                 kldb_group_id
          FROM {field} WHERE employer_id = r.id AND offers_internship) f
    JOIN wanted w ON left(w.grp, 1) = left(f.grp, 1)
    WHERE {level} = r.level
      AND (%(field)s = ''
           OR COALESCE(f.kldb_occupation_id, f.kldb_group_id) LIKE %(field)s || '%%')
    ORDER BY length(COALESCE(f.occ, f.grp)) DESC, COALESCE(f.occ, f.grp),
             COALESCE(w.occ, w.grp)
    LIMIT 1
) pair
LEFT JOIN {occupation} oc ON oc.code = pair.offered_code
LEFT JOIN {occupation} wc ON wc.code = pair.wanted_code
LEFT JOIN {group} og ON og.code = pair.offered_code
LEFT JOIN {group} wg ON wg.code = pair.wanted_code
ORDER BY r.level DESC, COALESCE(r.german_fits, TRUE) DESC, r.locality DESC, r.free_places DESC,
         r.good_record DESC, r.name, r.id
"""


def _normalise_code(code: str) -> str:
    code = (code or "").strip()
    return code if code.isascii() and code.isdigit() and len(code) <= 5 else ""


def matching_employers(
    participant,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    *,
    filters: MatchFilter | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Employer]:
    """Active partners offering internships in a Berufsbereich the participant wants or knows,
    best first (see RANKING_RULE); one query.

    Each employer carries `level` (MatchLevel), `offered_code`/`offered_name` and
    `wanted_code`/`wanted_name` (the pair that matched best), `free_places` and `occupied`
    in [start, end], `good_record` (earlier placements of others with a hire or a good
    assessment), `german_fits` (None: the employer asks for no level), `locality`
    (Locality), `total` (rows over all pages) and `reasons` (sentences for the page).
    """
    if start is None or end is None:
        default_start, default_end = default_period()
        start = start or default_start
        end = end or default_end
    filters = filters or MatchFilter()
    if filters.free == "now":
        start = end = timezone.localdate()
    q = connection.ops.quote_name
    tables = {
        "experience": q(VocationalExperience._meta.db_table),
        "interest": q(Participant.interest_groups.through._meta.db_table),
        "interest_occ": q(Participant.interest_occupations.through._meta.db_table),
        "field": q(EmployerField._meta.db_table),
        "placement": q(Placement._meta.db_table),
        "assessment": q(Assessment._meta.db_table),
        "employer": q(Employer._meta.db_table),
        "occupation": q(KldbOccupation._meta.db_table),
        "group": q(KldbGroup._meta.db_table),
    }
    sql = _MATCHING_SQL.format(level=_LEVEL_SQL, **tables)
    # LIKE patterns: the user's text matches literally (no % or _ wildcards).
    place = filters.place.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    params = {
        "participant": participant.pk,
        "internship": Placement.Kind.INTERNSHIP.value,
        "occupying": list(OCCUPYING_STATES),
        "hired": list(HIRED_OUTCOMES),
        "good": [str(r) for r in GOOD_RECOMMENDATIONS],
        "active": Employer.PartnershipState.ACTIVE.value,
        "start": start,
        "end": end,
        "need_free": filters.free in ("period", "now"),
        "field": _normalise_code(filters.field),
        "place": place,
        "place_lower": place.lower(),
        "levels": GERMAN_LEVEL_ORDER,
        "german": participant.german_level or "",
        "postcode": participant.postcode or "",
        "city": (participant.city or "").strip().lower(),
        "limit": limit,
        "offset": offset,
    }
    employers = list(Employer.objects.raw(sql, params))
    for employer in employers:
        employer.level_label = MatchLevel.LABELS[employer.level]
        employer.reasons = employer_reasons(employer, participant)
    return employers


def _german_label(level: str) -> str:
    return str(GermanLevel(level).label) if level in GERMAN_LEVEL_ORDER else _("unbekannt")


def _fit_reason(level: int, offered: str, wanted: str) -> str:
    label = str(MatchLevel.LABELS[level])
    if level >= MatchLevel.MAIN_GROUP:
        return _("%(level)s: bietet %(offered)s, gewünscht/erfahren %(wanted)s") % {
            "level": label,
            "offered": offered,
            "wanted": wanted,
        }
    return _("nur %(level)s: bietet %(offered)s, gewünscht/erfahren %(wanted)s") % {
        "level": label,
        "offered": offered,
        "wanted": wanted,
    }


def employer_reasons(employer, participant) -> list[str]:
    """The sentences that say why this employer ranks where it does for the participant."""
    offered = f"{employer.offered_code} {employer.offered_name or ''}".strip()
    wanted = f"{employer.wanted_code} {employer.wanted_name or ''}".strip()
    reasons = [_fit_reason(employer.level, offered, wanted)]
    reasons.append(_german_reason(employer.german_fits, employer, participant))
    reasons.append(_place_reason(employer.locality, employer))
    reasons.append(
        ngettext(
            "%(n)s freier Platz im Zeitraum",
            "%(n)s freie Plätze im Zeitraum",
            employer.free_places,
        )
        % {"n": employer.free_places}
        if employer.free_places > 0
        else _("im Zeitraum kein freier Platz")
    )
    if employer.good_record:
        reasons.append(
            ngettext(
                "%(n)s früheres Praktikum anderer gut beurteilt oder übernommen",
                "%(n)s frühere Praktika anderer gut beurteilt oder übernommen",
                employer.good_record,
            )
            % {"n": employer.good_record}
        )
    return reasons


def _german_reason(fits, employer, participant) -> str:
    if fits is None:
        return _("Betrieb verlangt kein bestimmtes Deutschniveau")
    values = {
        "asked": _german_label(employer.german_level_required),
        "has": _german_label(participant.german_level),
    }
    if fits:
        return _("Deutsch: verlangt %(asked)s, vorhanden %(has)s") % values
    return _("Deutsch: verlangt %(asked)s, vorhanden nur %(has)s") % values


def _place_reason(locality: int, where) -> str:
    if locality == Locality.POSTCODE:
        return _("gleiche PLZ (%(postcode)s)") % {"postcode": where.postcode}
    if locality == Locality.CITY:
        return _("gleicher Ort (%(city)s)") % {"city": where.city}
    return _("anderer Ort")


# --- participants for an employer -------------------------------------------------------------


def _level_conditions(offered: list[tuple[str, str | None]], group: str, occ: str) -> dict:
    """Q per MatchLevel over a row with the relations `group` (a two-digit Berufshauptgruppe or
    a finer code) and `occ` (a code of 3–5 digits or NULL), matched against the employer's
    offered (group, occupation) pairs."""
    conditions = {level: Q(pk__in=[]) for level in range(1, 6)}
    for grp, code in offered:
        if code and len(code) == 5:
            conditions[5] |= Q(**{occ: code})
        if code and len(code) >= 4:
            conditions[4] |= Q(**{f"{occ}__code__startswith": code[:4]})
        if code:
            conditions[3] |= Q(**{f"{occ}__code__startswith": code[:3]})
        conditions[2] |= Q(**{f"{group}__code__startswith": grp})
        conditions[1] |= Q(**{f"{group}__code__startswith": grp[0]})
    return conditions


def matching_participants(
    employer: Employer,
    user,
    *,
    filters: MatchFilter | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    offered: list[tuple[str, str | None]] | None = None,
) -> QuerySet:
    """Participants visible to `user` looking for an internship in the employer's fields, best
    first (PARTICIPANT_RANKING_RULE): annotated `level`, `german_fits`, `locality`,
    `good_record`; one query (plus one for the employer's fields unless `offered` is given:
    the (group, occupation) pairs of its internship fields)."""
    filters = filters or MatchFilter()
    if offered is None:
        offered = list(
            EmployerField.objects.filter(employer_id=employer.pk, offers_internship=True)
            .order_by("kldb_group_id", "kldb_occupation_id")
            .values_list("kldb_group_id", "kldb_occupation_id")
        )
    if filters.field:
        code = _normalise_code(filters.field)
        offered = [(g, o) for g, o in offered if (o or g).startswith(code)]
    Interest = Participant.interest_groups.through
    InterestOcc = Participant.interest_occupations.through
    by_experience = _level_conditions(offered, "kldb_group", "kldb_occupation")
    by_interest = _level_conditions(offered, "kldbgroup", "kldbgroup")
    by_interest_occ = _level_conditions(offered, "kldboccupation", "kldboccupation")
    whens = []
    for level in range(5, 0, -1):
        exists = Exists(
            VocationalExperience.objects.filter(by_experience[level], participant_id=OuterRef("pk"))
        ) | Exists(
            InterestOcc.objects.filter(by_interest_occ[level], participant_id=OuterRef("pk"))
        )
        if level <= MatchLevel.MAIN_GROUP:  # an interest in a Berufshauptgruppe has no finer code
            exists |= Exists(
                Interest.objects.filter(by_interest[level], participant_id=OuterRef("pk"))
            )
        whens.append(When(exists, then=Value(level)))
    # Same Berufsbereich (level 1) holds every higher level: the cheap filter in WHERE, the
    # full CASE only in SELECT/ORDER BY.
    in_same_area = exists
    german_order = {level: i for i, level in enumerate(GERMAN_LEVEL_ORDER)}
    required = employer.german_level_required
    german_fits = (
        Value(None, output_field=IntegerField())
        if not required
        else Case(
            *[
                When(german_level=level, then=Value(1 if i >= german_order[required] else 0))
                for level, i in german_order.items()
            ],
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    city = (employer.city or "").strip().lower()
    locality = Case(
        When(postcode=employer.postcode, then=Value(Locality.POSTCODE)),
        When(Q(city__iexact=city) if city else Q(pk__in=[]), then=Value(Locality.CITY)),
        default=Value(Locality.OTHER),
        output_field=IntegerField(),
    )
    good = Placement.objects.filter(participant_id=OuterRef("pk")).filter(
        Q(outcome__in=HIRED_OUTCOMES)
        | Q(offer_from_employer=True)
        | Q(assessment__recommendation__in=GOOD_RECOMMENDATIONS)
    )
    queryset = (
        Participant.objects.visible_to(user)
        .filter(status__in=SEEKING_STATUSES)
        .annotate(
            level=Case(*whens, default=Value(0), output_field=IntegerField()),
            german_fits=german_fits,
            locality=locality,
            good_record=ExpressionWrapper(Exists(good), output_field=IntegerField()),
        )
        .filter(in_same_area)
    )
    place = filters.place.strip()
    if place:
        queryset = queryset.filter(Q(postcode__startswith=place) | Q(city__icontains=place))
    if filters.free in ("period", "now"):
        if filters.free == "now" or start is None or end is None:
            start = end = timezone.localdate()
        busy = Placement.objects.filter(participant_id=OuterRef("pk")).occupying(start, end)
        queryset = queryset.filter(~Exists(busy))
    return queryset.order_by(
        "-level",
        Coalesce("german_fits", Value(1)).desc(),
        "-locality",
        "-good_record",
        Lower("last_name"),
        Lower("first_name"),
        "pk",
    )


def participant_reasons(participant, employer) -> list[str]:
    """The sentences that say why this participant ranks where it does for the employer."""
    reasons = [str(MatchLevel.LABELS[participant.level])]
    fits = None if participant.german_fits is None else bool(participant.german_fits)
    reasons.append(_german_reason(fits, employer, participant))
    reasons.append(_place_reason(participant.locality, participant))
    if participant.good_record:
        reasons.append(_("früheres Praktikum gut beurteilt oder übernommen"))
    return reasons
