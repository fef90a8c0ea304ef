"""The check-in plan (Begleitplan): when the caseworker should check in on a running placement.

A plan is a tuple of points per placement kind, each a fraction of the placement's period
(0 = first day, 1 = last day). The n-th point is done once the placement has n check-ins dated
on or after its start. The default for the four-week orientation internship is "first week,
middle, last week": 0.22 is day 7 of 28, 0.5 day 14/15, 1.0 the last day.

The plan is configurable with the setting PLACEMENT_CHECKIN_PLAN ({kind: (fraction, ...)});
kinds missing there keep their default. The due date of the next check-in is computed in SQL
(`with_next_checkin`), so a list of due check-ins is one query however many placements run.
"""

from django.conf import settings
from django.db.models import Case, Count, DateField, F, FloatField, Func, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from .models import Placement

K = Placement.Kind

DEFAULT_CHECKIN_PLAN: dict[str, tuple[float, ...]] = {
    K.INTERNSHIP: (0.22, 0.5, 1.0),
    K.TRIAL: (0.2, 0.6),
    K.EQ: (0.05, 0.25, 0.5, 0.75),
    K.APPRENTICESHIP: (0.02, 0.1, 0.25),
    K.EMPLOYMENT: (0.02, 0.1, 0.25),
}


def checkin_plan() -> dict[str, tuple[float, ...]]:
    """The plan in force: the defaults, overridden per kind by settings.PLACEMENT_CHECKIN_PLAN."""
    plan = dict(DEFAULT_CHECKIN_PLAN)
    for kind, points in settings.PLACEMENT_CHECKIN_PLAN.items():
        plan[kind] = tuple(sorted(float(p) for p in points if 0 <= float(p) <= 1))
    return plan


class _PointInPeriod(Func):
    """start + round((end - start) * fraction) days (PostgreSQL: date + integer = date)."""

    output_field = DateField()

    def __init__(self, start, end, fraction):
        if not hasattr(fraction, "resolve_expression"):
            fraction = Value(fraction)
        super().__init__(start, end, fraction)

    def as_sql(self, compiler, connection, **extra_context):
        (start, start_params), (end, end_params), (fraction, fraction_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        sql = f"({start} + CAST(ROUND(({end} - {start}) * {fraction}) AS integer))"
        return sql, (*start_params, *end_params, *start_params, *fraction_params)


class _NextPoint(Func):
    """The fraction of the period of the next check-in: the plan of the placement's kind as a
    float8 array, indexed by the check-ins done (NULL when the plan is complete or the kind has
    none). One expression instead of a CASE branch per kind and point: the start page compiled
    the fifteen branches, each with the period and the count, in 8 ms."""

    output_field = FloatField()

    def __init__(self, kind, done, plan: dict[str, tuple[float, ...]]):
        super().__init__(kind, done)
        self.plan = {kind: points for kind, points in plan.items() if points}

    def as_sql(self, compiler, connection, **extra_context):
        (kind, kind_params), (done, done_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        if not self.plan:
            return "CAST(NULL AS double precision)", ()
        branches, params = [], []
        for plan_kind, points in self.plan.items():
            branches.append(
                f"WHEN %s THEN CAST(ARRAY[{', '.join(['%s'] * len(points))}] AS double precision[])"
            )
            params += [plan_kind, *(float(point) for point in points)]
        sql = f"(CASE {kind} {' '.join(branches)} END)[{done} + 1]"
        return sql, (*kind_params, *params, *done_params)


def with_next_checkin(queryset: QuerySet[Placement]) -> QuerySet[Placement]:
    """Annotate `checkins_done` and `next_checkin_due` (None when the plan is complete).

    Only check-ins from the start on count: one before the start is preparation.
    """
    queryset = queryset.annotate(
        starts_on=Coalesce("actual_start", "planned_start", output_field=DateField()),
        ends_on=Coalesce("actual_end", "planned_end", output_field=DateField()),
    ).annotate(
        checkins_done=Count("checkins", filter=Q(checkins__date__gte=F("starts_on"))),
    )
    plan = checkin_plan()
    return queryset.annotate(
        checkin_points=Case(
            *[When(kind=kind, then=Value(len(points))) for kind, points in plan.items()],
            default=Value(0),
        ),
        next_checkin_due=_PointInPeriod(
            F("starts_on"), F("ends_on"), _NextPoint(F("kind"), F("checkins_done"), plan)
        ),
    )
