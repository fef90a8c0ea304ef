"""Every figure of the funding report, defined once: title, counting rule (shown as a
footnote and in the definitions) and the SQL aggregate that computes it.

Reports count everybody in the programme (or one caseworker's caseload), not what the
requesting user may open: they are aggregates only. A report for the funder is exact; for
publication `suppression.protect_tables` protects the small cells across all tables (each
table says which of its figures repeat another's: `links`) before anything leaves this
package. No names, birthdates or free text are ever read here (only categories, dates compared
in SQL, and counts).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.contrib.postgres.aggregates import BoolOr
from django.db import connection
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from employers.models import Employer, EmployerField, NetworkPartner
from fallmanagement.core.models import KldbArea
from fallmanagement.reports.models import FundingTarget, ReportKind
from offers.models import Offer, Referral
from participants.models import (
    CaseNote,
    FollowUp,
    GermanLevelRecord,
    Participant,
    RecognitionProcedure,
    StatusChange,
)
from placements.models import Placement

from .periods import Period, years_before
from .suppression import (
    AVERAGE,
    DEFAULT_THRESHOLD,
    PLAIN,
    RATE,
    SINGLE,
    SUBTOTAL,
    TOTAL,
    Row,
    Table,
    protect_tables,
    publish,
)

UNSPECIFIED = gettext_lazy("ohne Angabe")
TOP_COUNTRIES = 5
AGE_BANDS = (  # (key, label, minimum age at period end)
    ("55+", gettext_lazy("55 Jahre und älter"), 55),
    ("45-54", gettext_lazy("45–54 Jahre"), 45),
    ("30-44", gettext_lazy("30–44 Jahre"), 30),
    ("18-29", gettext_lazy("18–29 Jahre"), 18),
    ("u18", gettext_lazy("unter 18 Jahre"), 0),
)
# A placement has begun when it runs or ran to its end, or was aborted after it began: with
# an actual start, or with a last day on or after the planned first day. Aborting records the
# last day, so one cancelled before it began has a last day before its planned start.
Q_BEGUN = Q(state__in=(Placement.State.RUNNING, Placement.State.COMPLETED)) | (
    Q(state=Placement.State.ABORTED)
    & (Q(actual_start__isnull=False) | Q(actual_end__gte=F("planned_start")))
)
# Where the overview's figures stand (its rows), for the tables that break them down.
OVERVIEW_ACTIVE = ("overview", 0, 0)
OVERVIEW_ENTRIES = ("overview", 2, 0)
OVERVIEW_EXITS = ("overview", 3, 0)
FOLLOW_ON_KINDS = (Placement.Kind.APPRENTICESHIP, Placement.Kind.EMPLOYMENT)


class DaysBetween(Func):
    """end - start in days (PostgreSQL: date - date is an integer)."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()


@dataclass
class Context:
    """What every figure needs: the period and the scoped base querysets."""

    period: Period
    caseworker: object | None = None
    today: datetime.date | None = None
    kind: str = ReportKind.FUNDER
    threshold: int = DEFAULT_THRESHOLD

    def __post_init__(self):
        # The tables built so far, by key (later figures refer to earlier ones).
        self.tables: dict[str, Table] = {}
        self.today = self.today or timezone.localdate()
        self.start = self.period.start
        self.end = self.period.end
        participants = Participant.objects.all()
        if self.caseworker is not None:
            participants = participants.filter(caseworker=self.caseworker)
        self.participants = participants

    # Counting rules used by several figures (one definition each).
    @property
    def q_active(self) -> Q:
        return Q(entry_date__lte=self.end) & (
            Q(exit_date__isnull=True) | Q(exit_date__gte=self.start)
        )

    @property
    def q_entry(self) -> Q:
        return Q(entry_date__range=(self.start, self.end))

    @property
    def q_exit(self) -> Q:
        return Q(exit_date__range=(self.start, self.end))

    @property
    def q_on_end(self) -> Q:
        return Q(entry_date__lte=self.end) & (
            Q(exit_date__isnull=True) | Q(exit_date__gte=self.end)
        )

    @property
    def active(self) -> QuerySet:
        return self.participants.filter(self.q_active)

    @cached_property
    def participant_counts(self) -> dict[str, dict]:
        """{dimension: {value: Counts}} for every PARTICIPANT_DIMENSIONS, and "total"."""
        return _participant_counts(self)

    @property
    def exits(self) -> QuerySet:
        return self.participants.filter(self.q_exit)

    def of_participants(self, queryset: QuerySet, path: str = "participant") -> QuerySet:
        """`queryset` limited to the participants in scope (no filter for the whole programme:
        a semi-join with every participant would only cost time)."""
        if self.caseworker is None:
            return queryset
        return queryset.filter(**{f"{path}__caseworker": self.caseworker})

    @property
    def placements(self) -> QuerySet:
        return self.of_participants(Placement.objects.all()).annotate(
            p_start=Coalesce("actual_start", "planned_start"),
            p_end=Coalesce("actual_end", "planned_end"),
        )

    @property
    def started_placements(self) -> QuerySet:
        return self.placements.filter(Q_BEGUN, p_start__range=(self.start, self.end))

    @property
    def protected(self) -> bool:
        """Small cells are protected (report for publication)."""
        return self.kind == ReportKind.PUBLICATION


@dataclass(frozen=True)
class Figure:
    key: str
    section: str
    title: str
    rule: str
    build: Callable[[Context, "Figure"], Table]
    chart: str | None = None

    def table(self, columns, rows, **kwargs) -> Table:
        return Table(
            key=self.key,
            title=self.title,
            rule=self.rule,
            section=self.section,
            columns=[str(c) for c in columns],
            rows=rows,
            chart=self.chart,
            **kwargs,
        )


FIGURES: list[Figure] = []

SECTION_PARTICIPANTS = gettext_lazy("Teilnehmende")
SECTION_EXITS = gettext_lazy("Austritte und Verbleib")
SECTION_PLACEMENTS = gettext_lazy("Einsätze")
SECTION_RECOGNITION = gettext_lazy("Anerkennung ausländischer Abschlüsse")
SECTION_OFFERS = gettext_lazy("Angebote und Zuweisungen")
SECTION_NETWORK = gettext_lazy("Betriebe und Netzwerk")
SECTION_CASELOAD = gettext_lazy("Betreuung")

RULE_ACTIVE = gettext_lazy(
    "Aktiv im Zeitraum: Eintritt am oder vor dem Ende des Zeitraums und kein Austritt oder "
    "Austritt am oder nach dem Beginn des Zeitraums. Ein wieder geöffneter Fall hat kein "
    "Austrittsdatum mehr und zählt als aktiv."
)


def figure(key: str, section, title, rule, chart: str | None = None):
    def register(build):
        FIGURES.append(Figure(key, section, title, rule, build, chart))
        return build

    return register


def _age_band(ctx: Context) -> Case:
    """The AGE_BANDS key of a participant's age on the last day of the period ("" unknown)."""
    whens = [
        When(date_of_birth__lte=years_before(ctx.end, minimum), then=Value(key))
        for key, _label, minimum in AGE_BANDS
        if minimum
    ]
    return Case(
        When(date_of_birth__isnull=True, then=Value("")),
        *whens,
        default=Value("u18"),
        output_field=CharField(),
    )


def _month(field: str, q: Q) -> Case:
    """The first day of the month of `field` for rows matching `q`, else NULL."""
    return Case(When(q, then=Cast(TruncMonth(field), DateField())), output_field=DateField())


# The participant attributes the figures break down by. All of them are counted in ONE pass
# over the participants (GROUPING SETS) instead of one scan per figure: at 100 000
# participants each scan costs 60 ms, and the report has a dozen of them.
PARTICIPANT_DIMENSIONS = {
    "gender": lambda ctx: F("gender"),
    "band": _age_band,
    "country_of_origin": lambda ctx: F("country_of_origin"),
    "residence_status": lambda ctx: F("residence_status"),
    "isced_level": lambda ctx: F("isced_level"),
    "german_level_at_entry": lambda ctx: F("german_level_at_entry"),
    "german_level": lambda ctx: F("german_level"),
    "exit_reason": lambda ctx: F("exit_reason"),
    "entry_month": lambda ctx: _month("entry_date", ctx.q_entry),
    "exit_month": lambda ctx: _month("exit_date", ctx.q_exit),
    "caseworker": lambda ctx: F("caseworker_id"),
}


@dataclass(frozen=True)
class Counts:
    """Persons in one category; `entries`/`exits` among the active, `all_*` among everybody."""

    active: int
    entries: int
    exits: int
    on_end: int
    all_entries: int
    all_exits: int


# Only quoted identifiers of this module and Django's compiled SQL are formatted in; every value
# is a query parameter.
_COUNTS_SQL = """
    SELECT GROUPING({columns}), {columns},
        count(*) FILTER (WHERE f_active),
        count(*) FILTER (WHERE f_active AND f_entry),
        count(*) FILTER (WHERE f_active AND f_exit),
        count(*) FILTER (WHERE f_on_end),
        count(*) FILTER (WHERE f_entry),
        count(*) FILTER (WHERE f_exit)
    FROM ({inner}) AS participants
    GROUP BY GROUPING SETS ((), {sets})
"""


def _participant_counts(ctx: Context) -> dict[str, dict]:
    flags = {
        "f_active": ctx.q_active,
        "f_entry": ctx.q_entry,
        "f_exit": ctx.q_exit,
        "f_on_end": ctx.q_on_end,
    }
    dimensions = {f"d_{name}": build(ctx) for name, build in PARTICIPANT_DIMENSIONS.items()}
    # Everybody a figure can count: on_end, entries and exits are all counted by the overview.
    rows = (
        ctx.participants.filter(ctx.q_active | ctx.q_entry | ctx.q_exit)
        .annotate(
            **dimensions,
            **{n: ExpressionWrapper(q, output_field=BooleanField()) for n, q in flags.items()},
        )
        .order_by()
        .values(*dimensions, *flags)
    )
    inner, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    sql = _COUNTS_SQL.format(
        columns=", ".join(quote(name) for name in dimensions),
        inner=inner,
        sets=", ".join(f"({quote(name)})" for name in dimensions),
    )
    names = list(PARTICIPANT_DIMENSIONS)
    every = (1 << len(names)) - 1
    # GROUPING() has a 1 bit for each column *not* grouped in the row's set (first = highest).
    set_of = {every: "total"}
    set_of |= {every ^ (1 << (len(names) - 1 - i)): name for i, name in enumerate(names)}
    result: dict[str, dict] = {name: {} for name in ["total", *names]}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for grouping, *values in cursor.fetchall():
            name = set_of[grouping]
            key = None if name == "total" else values[names.index(name)]
            result[name][key] = Counts(*values[len(names) :])
    return result


def _counted(ctx: Context, dimension: str, rule: str) -> dict:
    """{category: number} of the persons meeting `rule` (a Counts field), categories with none
    left out."""
    counts = ((key, getattr(c, rule)) for key, c in ctx.participant_counts[dimension].items())
    return {key: n for key, n in counts if n}


def _breakdown_columns(ctx: Context, dimension: str) -> dict:
    """{category: (active, entries, exits)} for participants active in the period."""
    return {
        key: (c.active, c.entries, c.exits)
        for key, c in ctx.participant_counts[dimension].items()
        if c.active
    }


BREAKDOWN_COLUMNS = (
    gettext_lazy("Aktiv im Zeitraum"),
    gettext_lazy("Eintritte"),
    gettext_lazy("Austritte"),
)


def _breakdown_table(fig: Figure, data: dict, categories) -> Table:
    """Rows for `categories` [(key, label)] (+ "ohne Angabe" for blank keys) and a total."""
    rows = [Row(label, list(data.get(key, (0, 0, 0)))) for key, label in categories]
    known = {key for key, _label in categories}
    unknown = [sum(v[i] for k, v in data.items() if k not in known) for i in range(3)]
    if any(unknown):
        rows.append(Row(str(UNSPECIFIED), unknown))
    rows.append(Row(_("Insgesamt"), [sum(v[i] for v in data.values()) for i in range(3)], TOTAL))
    return fig.table(BREAKDOWN_COLUMNS, rows, **_breakdown_links(len(rows) - 1))


def _breakdown_links(total_row: int) -> dict:
    """A breakdown of the active persons: its totals are the overview's figures, and in each
    category entries and exits never exceed the active."""
    return {
        "links": [
            ((total_row, 0), OVERVIEW_ACTIVE),
            ((total_row, 1), OVERVIEW_ENTRIES),
            ((total_row, 2), OVERVIEW_EXITS),
        ],
        "leq_columns": [(1, 0), (2, 0)],
    }


@figure(
    "overview",
    SECTION_PARTICIPANTS,
    gettext_lazy("Teilnehmende im Überblick"),
    gettext_lazy(
        "Aktiv im Zeitraum: Eintritt am oder vor dem Ende und kein Austritt oder Austritt am "
        "oder nach dem Beginn des Zeitraums. Aktiv am Stichtag: ebenso für den letzten Tag "
        "des Zeitraums. Eintritte/Austritte: Eintritts- bzw. Austrittsdatum im Zeitraum. "
        "Wieder geöffnete Fälle: Statuswechsel von „Abgeschlossen“ im Zeitraum; sie haben kein "
        "Austrittsdatum mehr und zählen nicht als Austritt."
    ),
)
def overview(ctx: Context, fig: Figure) -> Table:
    # The () grouping set always has its row, also over no participants at all.
    total = ctx.participant_counts["total"][None]
    reopened = (
        ctx.of_participants(StatusChange.objects.all())
        .filter(
            from_status=Participant.Status.CLOSED,
            changed_on__range=(ctx.start, ctx.end),
        )
        .aggregate(n=Count("participant", distinct=True))["n"]
    )
    rows = [
        Row(_("Aktiv im Zeitraum"), [total.active], SINGLE),
        Row(_("Aktiv am Stichtag %s") % f"{ctx.end:%d.%m.%Y}", [total.on_end], SINGLE),
        Row(_("Eintritte im Zeitraum"), [total.all_entries], SINGLE),
        Row(_("Austritte im Zeitraum"), [total.all_exits], SINGLE),
        Row(_("Wieder geöffnete Fälle"), [reopened], SINGLE),
    ]
    return fig.table([_("Anzahl Personen")], rows)


@figure(
    "months",
    SECTION_PARTICIPANTS,
    gettext_lazy("Eintritte und Austritte je Monat"),
    gettext_lazy("Eintritts- bzw. Austrittsdatum im jeweiligen Kalendermonat des Zeitraums."),
    chart="months",
)
def months(ctx: Context, fig: Figure) -> Table:
    entries = _counted(ctx, "entry_month", "all_entries")
    exits = _counted(ctx, "exit_month", "all_exits")
    total = Row(_("Insgesamt"), [sum(entries.values()), sum(exits.values())], TOTAL)
    columns = [_("Eintritte"), _("Austritte")]
    # For publication: where many months would have to be hidden, merge them (quarters, then
    # halves) so that more is published. The funder gets every month exactly.
    for months_per_row in (1, 3, 6, 12) if ctx.protected else (1,):
        rows = []
        starts = ctx.period.month_starts()
        for i in range(0, len(starts), months_per_row):
            chunk = starts[i : i + months_per_row]
            label = (
                f"{chunk[0]:%m/%Y}" if len(chunk) == 1 else f"{chunk[0]:%m/%Y}–{chunk[-1]:%m/%Y}"
            )
            rows.append(
                Row(
                    label,
                    [sum(entries.get(m, 0) for m in chunk), sum(exits.get(m, 0) for m in chunk)],
                )
            )
        table = fig.table(
            columns,
            [*rows, total],
            links=[((len(rows), 0), OVERVIEW_ENTRIES), ((len(rows), 1), OVERVIEW_EXITS)],
        )
        if not ctx.protected:
            break
        marks = protect_tables([ctx.tables["overview"], table], ctx.threshold)
        hidden_months = {r for key, r, _c in marks if key == table.key}
        if len(hidden_months) * 3 <= sum(1 for row in rows if any(row.values)):
            break
    return table


@figure(
    "gender",
    SECTION_PARTICIPANTS,
    gettext_lazy("Teilnehmende nach Geschlecht"),
    RULE_ACTIVE,
)
def gender(ctx: Context, fig: Figure) -> Table:
    return _breakdown_table(fig, _breakdown_columns(ctx, "gender"), Participant.Gender.choices)


@figure(
    "age",
    SECTION_PARTICIPANTS,
    gettext_lazy("Teilnehmende nach Alter"),
    gettext_lazy(
        "Alter am letzten Tag des Zeitraums (Stichtag), berechnet aus dem Geburtsdatum; wer "
        "am Stichtag Geburtstag hat, zählt mit dem neuen Alter. Teilnehmende wie oben."
    ),
)
def age(ctx: Context, fig: Figure) -> Table:
    data = _breakdown_columns(ctx, "band")
    categories = [(key, label) for key, label, _m in reversed(AGE_BANDS)]
    return _breakdown_table(fig, data, categories)


@figure(
    "country",
    SECTION_PARTICIPANTS,
    gettext_lazy("Teilnehmende nach Herkunftsland"),
    gettext_lazy(
        "Die fünf häufigsten Herkunftsländer unter den im Zeitraum aktiven Teilnehmenden; "
        "alle übrigen Länder zusammengefasst als „Sonstige“."
    ),
)
def country(ctx: Context, fig: Figure) -> Table:
    data = _breakdown_columns(ctx, "country_of_origin")
    ranked = sorted((k for k in data if k), key=lambda k: (-data[k][0], k))
    top = ranked[:TOP_COUNTRIES]
    rows = [Row(countries.name(code) or code, list(data[code])) for code in top]
    rest = [sum(data[k][i] for k in ranked[TOP_COUNTRIES:]) for i in range(3)]
    if any(rest):
        rows.append(Row(_("Sonstige"), rest))
    if "" in data:
        rows.append(Row(str(UNSPECIFIED), list(data[""])))
    rows.append(Row(_("Insgesamt"), [sum(v[i] for v in data.values()) for i in range(3)], TOTAL))
    return fig.table(BREAKDOWN_COLUMNS, rows, **_breakdown_links(len(rows) - 1))


@figure(
    "residence",
    SECTION_PARTICIPANTS,
    gettext_lazy("Teilnehmende nach Aufenthaltsstatus"),
    gettext_lazy("Aktueller Aufenthaltsstatus laut Fallakte. Teilnehmende wie oben."),
)
def residence(ctx: Context, fig: Figure) -> Table:
    data = _breakdown_columns(ctx, "residence_status")
    return _breakdown_table(fig, data, Participant.ResidenceStatus.choices)


@figure(
    "isced",
    SECTION_PARTICIPANTS,
    gettext_lazy("Teilnehmende nach Bildungsniveau (ISCED 2011)"),
    gettext_lazy("Höchster Bildungsabschluss in ISCED-Gruppen. Teilnehmende wie oben."),
)
def isced(ctx: Context, fig: Figure) -> Table:
    data = _breakdown_columns(ctx, "isced_level")
    return _breakdown_table(fig, data, Participant.Isced.choices)


@figure(
    "german",
    SECTION_PARTICIPANTS,
    gettext_lazy("Deutschkenntnisse bei Eintritt und heute"),
    gettext_lazy(
        "Im Zeitraum aktive Teilnehmende nach Sprachniveau (GER) bei Eintritt und nach dem "
        "zuletzt erfassten Niveau."
    ),
)
def german(ctx: Context, fig: Figure) -> Table:
    at_entry = _counted(ctx, "german_level_at_entry", "active")
    now = _counted(ctx, "german_level", "active")
    rows = [
        Row(label, [at_entry.get(key, 0), now.get(key, 0)])
        for key, label in Participant.GermanLevel.choices
    ]
    if at_entry.get("") or now.get(""):
        rows.append(Row(str(UNSPECIFIED), [at_entry.get("", 0), now.get("", 0)]))
    rows.append(Row(_("Insgesamt"), [sum(at_entry.values()), sum(now.values())], TOTAL))
    total_row = len(rows) - 1
    return fig.table(
        [_("bei Eintritt"), _("aktuell")],
        rows,
        links=[((total_row, 0), OVERVIEW_ACTIVE), ((total_row, 1), OVERVIEW_ACTIVE)],
    )


@figure(
    "exit_reasons",
    SECTION_EXITS,
    gettext_lazy("Austritte nach Austrittsgrund und Integrationsquote"),
    gettext_lazy(
        "Teilnehmende mit Austrittsdatum im Zeitraum, nach erfasstem Austrittsgrund. "
        "Integrationsquote: Austritte in Arbeit, Ausbildung oder Einstiegsqualifizierung (EQ) "
        "geteilt durch alle Austritte im Zeitraum."
    ),
    chart="exit_reasons",
)
def exit_reasons(ctx: Context, fig: Figure) -> Table:
    data = _counted(ctx, "exit_reason", "all_exits")
    reasons = list(Participant.ExitReason.choices)
    if data.get(""):
        reasons.append(("", str(UNSPECIFIED)))
    rows = [Row(label, [data.get(key, 0)]) for key, label in reasons]
    integration_rows = [
        i for i, (key, _l) in enumerate(reasons) if key in Participant.INTEGRATION_EXIT_REASONS
    ]
    other_rows = [i for i in range(len(reasons)) if i not in integration_rows]
    exits = sum(data.values())
    integrated = sum(rows[i].values[0] for i in integration_rows)
    total_row, integrated_row, other_row = len(rows), len(rows) + 1, len(rows) + 2
    rows += [
        Row(_("Austritte insgesamt"), [exits], TOTAL),
        Row(_("davon in Arbeit, Ausbildung oder EQ"), [integrated], SUBTOTAL),
        Row(_("davon aus anderen Gründen"), [exits - integrated], SUBTOTAL),
        Row(
            _("Integrationsquote"),
            [round(100 * integrated / exits, 1) if exits else None],
            RATE,
            basis=(integrated_row, total_row),
        ),
    ]
    return fig.table(
        [_("Austritte")],
        rows,
        extra_lines=[
            (integration_rows, integrated_row),
            (other_rows, other_row),
            ([integrated_row, other_row], total_row),
        ],
        links=[((total_row, 0), OVERVIEW_EXITS)],
    )


@figure(
    "whereabouts",
    SECTION_EXITS,
    gettext_lazy("Verbleib 4 Wochen und 6 Monate nach Austritt"),
    gettext_lazy(
        "Im Zeitraum Ausgetretene mit Wiedervorlage „Verbleib 4 Wochen“ bzw. „Verbleib 6 "
        "Monate“, nach dem dort erfassten Verbleib. „noch nicht fällig“: Stichtag der "
        "Nachfrage liegt nach dem Erstellungsdatum des Berichts."
    ),
)
def whereabouts(ctx: Context, fig: Figure) -> Table:
    W4, M6 = FollowUp.Kind.WHEREABOUTS_4W, FollowUp.Kind.WHEREABOUTS_6M
    situation = Case(
        When(~Q(whereabouts=""), then=F("whereabouts")),
        When(due_on__gt=ctx.today, then=Value("_pending")),
        default=Value("_missing"),
        output_field=CharField(),
    )
    data = {
        row["situation"]: (row["w4"], row["m6"])
        for row in FollowUp.objects.filter(participant__in=ctx.exits, kind__in=(W4, M6))
        .annotate(situation=situation)
        .values("situation")
        .annotate(
            w4=Count("participant", distinct=True, filter=Q(kind=W4)),
            m6=Count("participant", distinct=True, filter=Q(kind=M6)),
        )
    }
    categories = [
        *FollowUp.Whereabouts.choices,
        ("_missing", _("nicht erfasst")),
        ("_pending", _("noch nicht fällig")),
    ]
    rows = [Row(label, list(data.get(key, (0, 0)))) for key, label in categories]
    rows.append(Row(_("Insgesamt"), [sum(v[i] for v in data.values()) for i in range(2)], TOTAL))
    return fig.table([_("nach 4 Wochen"), _("nach 6 Monaten")], rows)


@figure(
    "placement_kinds",
    SECTION_PLACEMENTS,
    gettext_lazy("Begonnene Einsätze nach Art"),
    gettext_lazy(
        "Einsätze, deren (tatsächlicher, sonst geplanter) Beginn im Zeitraum liegt und die "
        "begonnen haben: Stand läuft oder beendet, oder abgebrochen nach dem Beginn "
        "(tatsächlicher Beginn erfasst oder letzter Tag am oder nach dem geplanten Beginn). "
        "Vor Beginn abgesagte Einsätze zählen nicht. Stand zum Erstellungsdatum."
    ),
)
def placement_kinds(ctx: Context, fig: Figure) -> Table:
    S = Placement.State
    data = {
        row["kind"]: [row["started"], row["completed"], row["aborted"], row["running"]]
        for row in ctx.started_placements.values("kind").annotate(
            started=Count("pk"),
            completed=Count("pk", filter=Q(state=S.COMPLETED)),
            aborted=Count("pk", filter=Q(state=S.ABORTED)),
            running=Count("pk", filter=Q(state=S.RUNNING)),
        )
    }
    rows = [Row(label, data.get(key, [0, 0, 0, 0])) for key, label in Placement.Kind.choices]
    rows.append(Row(_("Insgesamt"), [sum(v[i] for v in data.values()) for i in range(4)], TOTAL))
    columns = [_("begonnen"), _("davon beendet"), _("davon abgebrochen"), _("davon laufend")]
    return fig.table(columns, rows, row_total_col=0)


@figure(
    "placement_fields",
    SECTION_PLACEMENTS,
    gettext_lazy("Begonnene Einsätze nach Berufsbereich (KldB 2010)"),
    gettext_lazy(
        "Einsätze wie oben, nach dem Berufsbereich des Berufsfelds des Einsatzes; ohne "
        "erfasstes Berufsfeld: „ohne Angabe“."
    ),
    chart="placement_fields",
)
def placement_fields(ctx: Context, fig: Figure) -> Table:
    data = dict(
        ctx.started_placements.values("kldb_group__area")
        .annotate(n=Count("pk"))
        .values_list("kldb_group__area", "n")
    )
    rows = [
        Row(f"{area.code} {area.name}", [data.get(area.code, 0)]) for area in KldbArea.objects.all()
    ]
    if data.get(None):
        rows.append(Row(str(UNSPECIFIED), [data[None]]))
    rows.append(Row(_("Insgesamt"), [sum(data.values())], TOTAL))
    kinds_total = ("placement_kinds", len(Placement.Kind.choices), 0)
    return fig.table([_("Einsätze")], rows, links=[((len(rows) - 1, 0), kinds_total)])


@figure(
    "placement_results",
    SECTION_PLACEMENTS,
    gettext_lazy("Beendete Einsätze: Dauer und Anschluss im selben Betrieb"),
    gettext_lazy(
        "Regulär beendete Einsätze mit (tatsächlichem, sonst geplantem) Ende im Zeitraum. "
        "Dauer: Ende minus Beginn plus 1 Tag. Anschluss: Angebot des Betriebs vermerkt oder "
        "ein späterer Einsatz (Ausbildung oder Beschäftigung) derselben Person im selben "
        "Betrieb."
    ),
)
def placement_results(ctx: Context, fig: Figure) -> Table:
    follow_on = Placement.objects.filter(
        participant=OuterRef("participant"),
        employer=OuterRef("employer"),
        kind__in=FOLLOW_ON_KINDS,
        planned_start__gte=OuterRef("p_start"),
    ).exclude(pk=OuterRef("pk"))
    ended = ctx.placements.filter(
        state=Placement.State.COMPLETED, p_end__range=(ctx.start, ctx.end)
    ).annotate(followed=Exists(follow_on))
    data = {
        row["kind"]: row
        for row in ended.values("kind").annotate(
            n=Count("pk"),
            followed_n=Count("pk", filter=Q(offer_from_employer=True) | Q(followed=True)),
            avg_days=Avg(DaysBetween("p_end", "p_start") + 1),
        )
    }
    kinds = Placement.Kind.choices
    ended_row, followed_row, other_row, share_row, days_row = [], [], [], [], []
    for key, _label in kinds:
        row = data.get(key, {"n": 0, "followed_n": 0, "avg_days": None})
        ended_row.append(row["n"])
        followed_row.append(row["followed_n"])
        other_row.append(row["n"] - row["followed_n"])
        share_row.append(round(100 * row["followed_n"] / row["n"], 1) if row["n"] else None)
        days_row.append(round(float(row["avg_days"]), 1) if row["avg_days"] is not None else None)
    rows = [
        Row(_("Beendete Einsätze"), ended_row, TOTAL),
        Row(_("davon mit Anschluss im selben Betrieb"), followed_row),
        Row(_("davon ohne Anschluss im selben Betrieb"), other_row),
        Row(_("Anteil mit Anschluss im selben Betrieb"), share_row, RATE, basis=(1, 0)),
        Row(_("Durchschnittliche Dauer (Tage)"), days_row, AVERAGE, basis=(0,)),
    ]
    return fig.table([label for _key, label in kinds], rows)


@figure(
    "recognition",
    SECTION_RECOGNITION,
    gettext_lazy("Anerkennungsverfahren"),
    gettext_lazy(
        "Beantragt: Antragsdatum im Zeitraum. Entschieden: Entscheidungsdatum im Zeitraum, "
        "nach Ergebnis (BQFG: volle, teilweise oder keine Gleichwertigkeit)."
    ),
)
def recognition(ctx: Context, fig: Figure) -> Table:
    S = RecognitionProcedure.State
    decided = Q(
        decided_on__range=(ctx.start, ctx.end), state__in=RecognitionProcedure.DECIDED_STATES
    )
    agg = ctx.of_participants(RecognitionProcedure.objects.all()).aggregate(
        applied=Count("pk", filter=Q(applied_on__range=(ctx.start, ctx.end))),
        decided=Count("pk", filter=decided),
        full=Count("pk", filter=decided & Q(state=S.FULL)),
        partial=Count("pk", filter=decided & Q(state=S.PARTIAL)),
        rejected=Count("pk", filter=decided & Q(state=S.REJECTED)),
    )
    rows = [
        Row(_("Entschiedene Verfahren"), [agg["decided"]], TOTAL),
        Row(_("davon volle Gleichwertigkeit"), [agg["full"]]),
        Row(_("davon teilweise Gleichwertigkeit"), [agg["partial"]]),
        Row(_("davon keine Gleichwertigkeit (abgelehnt)"), [agg["rejected"]]),
        Row(_("Beantragte Verfahren"), [agg["applied"]], SINGLE),
    ]
    return fig.table([_("Verfahren")], rows)


@figure(
    "referrals",
    SECTION_OFFERS,
    gettext_lazy("Zuweisungen zu Angeboten nach Art und Ergebnis"),
    gettext_lazy(
        "Zuweisungen zu Angeboten der Netzwerkpartner, nach Art des Angebots. Zugewiesen: "
        "Vorschlag im Zeitraum. Begonnen: Beginn im Zeitraum. Abgeschlossen, abgebrochen, "
        "nicht angetreten: Ende im Zeitraum mit diesem Ergebnis; mit Zertifikat: "
        "abgeschlossen und Nachweis erfasst. Gezählt werden Zuweisungen (eine Person mit "
        "zwei Angeboten zählt zweimal)."
    ),
)
def referrals(ctx: Context, fig: Figure) -> Table:
    S = Referral.State
    period = (ctx.start, ctx.end)
    ended = Q(ended_on__range=period)
    completed = ended & Q(state=S.COMPLETED)
    columns = {
        "proposed": Q(proposed_on__range=period),
        "started": Q(started_on__range=period),
        "completed": completed,
        "certificate": completed & ~Q(certificate=""),
        "aborted": ended & Q(state=S.ABORTED),
        "not_taken_up": ended & Q(state=S.NOT_TAKEN_UP),
    }
    in_period = Q()
    for q in (columns["proposed"], columns["started"], ended):
        in_period |= q
    data = {
        row["offer__kind"]: [row[name] for name in columns]
        for row in ctx.of_participants(Referral.objects.filter(in_period))
        .values("offer__kind")
        .annotate(**{name: Count("pk", filter=q) for name, q in columns.items()})
    }
    empty = [0] * len(columns)
    rows = [Row(label, data.get(key, empty)) for key, label in Offer.Kind.choices]
    rows.append(
        Row(_("Insgesamt"), [sum(v[i] for v in data.values()) for i in range(len(columns))], TOTAL)
    )
    labels = [
        _("zugewiesen"),
        _("begonnen"),
        _("abgeschlossen"),
        _("davon mit Zertifikat"),
        _("abgebrochen"),
        _("nicht angetreten"),
    ]
    return fig.table(labels, rows)


# CEFR levels in order ("keine Kenntnisse" lowest), for "a higher level than before".
LEVEL_RANK = {key: rank for rank, key in enumerate(Participant.GermanLevel.values)}

_LEVELS_GAINED_SQL = """
    SELECT top, count(*), count(*) FILTER (WHERE by_course)
    FROM ({inner}) AS gains
    GROUP BY top
"""


def _rank(field: str) -> Case:
    return Case(
        *(When(**{field: key}, then=Value(rank)) for key, rank in LEVEL_RANK.items()),
        default=Value(None),
        output_field=IntegerField(),
    )


@figure(
    "german_levels_gained",
    SECTION_OFFERS,
    gettext_lazy("Erreichte Sprachniveaus (Deutsch)"),
    gettext_lazy(
        "Teilnehmende mit einem im Zeitraum nachgewiesenen höheren Deutschniveau (GER) als "
        "vorher erfasst, nach dem höchsten im Zeitraum nachgewiesenen Niveau; ohne vorher "
        "erfasstes Niveau zählt der Nachweis nicht als Zugewinn. Nach Sprachkurs: mindestens "
        "einer dieser Nachweise stammt aus einem abgeschlossenen Sprachkurs einer Zuweisung."
    ),
)
def german_levels_gained(ctx: Context, fig: Figure) -> Table:
    gains = (
        ctx.of_participants(GermanLevelRecord.objects.all())
        .filter(attested_on__range=(ctx.start, ctx.end))
        .annotate(new_rank=_rank("level"), old_rank=_rank("previous_level"))
        .filter(old_rank__isnull=False, new_rank__gt=F("old_rank"))
        .annotate(via=Exists(Referral.objects.filter(level_record=OuterRef("pk"))))
        .order_by()
        .values("participant")
        .annotate(top=Max("new_rank"), by_course=BoolOr("via"))
        .values("top", "by_course")
    )
    inner, params = gains.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_LEVELS_GAINED_SQL.format(inner=inner), params)
        data = {top: (n, by_course) for top, n, by_course in cursor.fetchall()}
    rows = [
        Row(label, list(data.get(LEVEL_RANK[key], (0, 0))))
        for key, label in Participant.GermanLevel.choices
        if key != Participant.GermanLevel.NONE
    ]
    rows.append(
        Row(
            _("Insgesamt"),
            [sum(v[0] for v in data.values()), sum(v[1] for v in data.values())],
            TOTAL,
        )
    )
    return fig.table([_("Teilnehmende"), _("davon nach Sprachkurs")], rows)


def _q_partner_at(day: datetime.date) -> Q:
    return Q(state=Employer.PartnershipState.ACTIVE) & (
        Q(partner_since__lte=day) | Q(partner_since__isnull=True)
    )


@figure(
    "network",
    SECTION_NETWORK,
    gettext_lazy("Partnerbetriebe und Netzwerkpartner"),
    gettext_lazy(
        "Aktive Partnerbetriebe: Partnerschaft „aktiv“ und „aktiver Partner seit“ am oder vor "
        "dem Stichtag. Neue Partner: „aktiver Partner seit“ im Zeitraum. Netzwerkpartner: als "
        "aktiv geführte Institutionen. Gilt für das ganze Programm."
    ),
)
def network(ctx: Context, fig: Figure) -> Table:
    agg = Employer.objects.aggregate(
        active=Count("pk", filter=_q_partner_at(ctx.end)),
        new=Count("pk", filter=Q(partner_since__range=(ctx.start, ctx.end))),
    )
    with_placement = ctx.started_placements.aggregate(n=Count("employer", distinct=True))["n"]
    partners = NetworkPartner.objects.filter(is_active=True).count()
    rows = [
        Row(_("Aktive Partnerbetriebe am Stichtag"), [agg["active"]], PLAIN),
        Row(_("Neue Partnerbetriebe im Zeitraum"), [agg["new"]], PLAIN),
        Row(_("Betriebe mit begonnenem Einsatz im Zeitraum"), [with_placement], PLAIN),
        Row(_("Netzwerkpartner"), [partners], PLAIN),
    ]
    return fig.table([_("Anzahl")], rows)


@figure(
    "partner_fields",
    SECTION_NETWORK,
    gettext_lazy("Aktive Partnerbetriebe nach Berufsbereich (KldB 2010)"),
    gettext_lazy(
        "Aktive Partnerbetriebe am Stichtag nach den Berufsbereichen ihrer Berufsfelder; ein "
        "Betrieb mit Feldern in mehreren Bereichen zählt in jedem davon (keine Summe)."
    ),
)
def partner_fields(ctx: Context, fig: Figure) -> Table:
    data = dict(
        EmployerField.objects.filter(employer__in=Employer.objects.filter(_q_partner_at(ctx.end)))
        .values("kldb_group__area")
        .annotate(n=Count("employer", distinct=True))
        .values_list("kldb_group__area", "n")
    )
    rows = [
        Row(f"{area.code} {area.name}", [data.get(area.code, 0)], PLAIN)
        for area in KldbArea.objects.all()
    ]
    return fig.table([_("Betriebe")], rows)


@figure(
    "network_kinds",
    SECTION_NETWORK,
    gettext_lazy("Netzwerkpartner nach Art"),
    gettext_lazy("Als aktiv geführte Netzwerkpartner nach Art der Institution."),
)
def network_kinds(ctx: Context, fig: Figure) -> Table:
    data = dict(
        NetworkPartner.objects.filter(is_active=True)
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    rows = [Row(label, [data.get(key, 0)], PLAIN) for key, label in NetworkPartner.Kind.choices]
    rows.append(Row(_("Insgesamt"), [sum(data.values())], PLAIN))
    return fig.table([_("Anzahl")], rows)


@figure(
    "caseload",
    SECTION_CASELOAD,
    gettext_lazy("Betreuungsschlüssel und Kontakte"),
    gettext_lazy(
        "Teilnehmende je Fallmanager:in: im Zeitraum aktive Teilnehmende nach zuständiger "
        "Fallmanager:in (heutige Zuständigkeit). Kontakte: Gesprächsnotizen mit Datum im "
        "Zeitraum zu aktiven Teilnehmenden, geteilt durch aktive Teilnehmende und die Länge "
        "des Zeitraums in Monaten."
    ),
)
def caseload(ctx: Context, fig: Figure) -> Table:
    # One pass over the active cases (grouped by caseworker, unassigned as None) and one count
    # of the notes in the period, instead of joining every note of every active case.
    counts = _counted(ctx, "caseworker", "active")
    assigned = [n for caseworker, n in counts.items() if caseworker is not None]
    per_caseworker = {
        "caseworkers": len(assigned),
        "avg": sum(assigned) / len(assigned) if assigned else None,
        "max": max(assigned, default=None),
    }
    agg = {
        "participants": sum(counts.values()),
        "contacts": CaseNote.objects.filter(
            participant__in=ctx.active.values("pk"), date__range=(ctx.start, ctx.end)
        ).count(),
    }
    per_month = (
        round(agg["contacts"] / agg["participants"] / ctx.period.months, 2)
        if agg["participants"]
        else None
    )
    avg = per_caseworker["avg"]
    rows = [
        Row(_("Fallmanager:innen mit aktiven Fällen"), [per_caseworker["caseworkers"]], PLAIN),
        Row(
            _("Teilnehmende je Fallmanager:in (Durchschnitt)"),
            [round(float(avg), 1) if avg is not None else None],
            PLAIN,
        ),
        Row(_("Teilnehmende je Fallmanager:in (Maximum)"), [per_caseworker["max"]], PLAIN),
        Row(_("Kontakte im Zeitraum"), [agg["contacts"]], PLAIN),
        Row(_("Kontakte je Teilnehmende:r und Monat"), [per_month], PLAIN),
    ]
    return fig.table([_("Wert")], rows)


# Where each target's actual figure stands: (table key, row, column) or a function of the
# context giving it (rows that depend on the data, such as one exit reason).
def _exit_reason_cell(reason: str) -> Callable[[Context], tuple]:
    def cell(ctx: Context) -> tuple:
        keys = [key for key, _label in Participant.ExitReason.choices]
        return ("exit_reasons", keys.index(reason), 0)

    return cell


def _exit_reasons_row(label_row: int) -> Callable[[Context], tuple]:
    """A row after the reasons: 0 total, 1 integrated, 2 other, 3 rate."""

    def cell(ctx: Context) -> tuple:
        rows = ctx.tables["exit_reasons"].rows
        first_after_reasons = next(i for i, row in enumerate(rows) if row.kind == TOTAL)
        return ("exit_reasons", first_after_reasons + label_row, 0)

    return cell


M = FundingTarget.Metric
TARGET_SOURCES: dict[str, Callable[[Context], tuple]] = {
    M.PARTICIPANTS: lambda ctx: OVERVIEW_ACTIVE,
    M.ENTRIES: lambda ctx: OVERVIEW_ENTRIES,
    M.INTERNSHIPS: lambda ctx: (
        "placement_kinds",
        [k for k, _l in Placement.Kind.choices].index(Placement.Kind.INTERNSHIP),
        0,
    ),
    M.PLACEMENTS: lambda ctx: ("placement_kinds", len(Placement.Kind.choices), 0),
    M.EXITS_WORK: _exit_reason_cell(Participant.ExitReason.EMPLOYMENT),
    M.EXITS_APPRENTICESHIP: _exit_reason_cell(Participant.ExitReason.APPRENTICESHIP),
    M.EXITS_INTEGRATION: _exit_reasons_row(1),
    M.INTEGRATION_RATE: _exit_reasons_row(3),
    M.RECOGNITION: lambda ctx: ("recognition", 4, 0),
    M.PARTNERS: lambda ctx: ("network", 0, 0),
}


@figure(
    "targets",
    gettext_lazy("Zielerreichung"),
    gettext_lazy("Zielwerte laut Zuwendungsbescheid und Ist-Werte"),
    gettext_lazy(
        "Zielwerte: von der Programmkoordination erfasste Werte des Förderzeitraums, der den "
        "Berichtszeitraum enthält. Ist: dieselbe Zahl wie in der jeweiligen Tabelle dieses "
        "Berichts (nur für das gesamte Programm). Erfüllungsgrad: Ist geteilt durch Zielwert. "
        "Liegt der Berichtszeitraum innerhalb eines längeren Förderzeitraums, ist der "
        "Erfüllungsgrad ein Zwischenstand."
    ),
)
def targets(ctx: Context, fig: Figure) -> Table:
    chosen: dict[str, FundingTarget] = {}
    if ctx.caseworker is None:
        # The narrowest funding period that contains the report period, per metric.
        for target in FundingTarget.objects.filter(
            period_start__lte=ctx.start, period_end__gte=ctx.end
        ).order_by("-period_start", "period_end"):
            chosen.setdefault(target.metric, target)
    rows, follows = [], []
    for metric, label in FundingTarget.Metric.choices:
        target = chosen.get(metric)
        if target is None:
            continue
        key, r, c = TARGET_SOURCES[metric](ctx)
        actual = ctx.tables[key].rows[r].values[c]
        goal = float(target.target)
        fulfilment = round(100 * actual / goal, 1) if actual is not None and goal else None
        period = f"{target.period_start:%d.%m.%Y}–{target.period_end:%d.%m.%Y}"
        rows.append(
            Row(f"{label} ({period})", [_plain_number(target.target), actual, fulfilment], PLAIN)
        )
        # Actual and fulfilment are published exactly where their source cell is.
        follows += [((len(rows) - 1, 1), (key, r, c)), ((len(rows) - 1, 2), (key, r, c))]
    columns = [_("Zielwert"), _("Ist"), _("Erfüllungsgrad (%)")]
    return fig.table(columns, rows, follows=follows)


def _plain_number(value):
    """A Decimal target as int where whole (12 not 12,0), else float (JSON, XLSX)."""
    return int(value) if value == int(value) else float(value)


def compute_tables(ctx: Context, progress: Callable[[int], None] | None = None) -> list[Table]:
    for index, fig in enumerate(FIGURES, start=1):
        ctx.tables[fig.key] = fig.build(ctx, fig)
        if progress:
            progress(int(100 * index / len(FIGURES)))
    # The targets rest on the other figures but come first: they are what the funder asks
    # (left out where none are entered for the period).
    tables = [t for t in ctx.tables.values() if t.key != "targets" or t.rows]
    return sorted(tables, key=lambda table: table.key != "targets")


def compute_report(
    period: Period,
    caseworker=None,
    *,
    kind: str = ReportKind.FUNDER,
    threshold: int = DEFAULT_THRESHOLD,
    progress: Callable[[int], None] | None = None,
) -> list[dict]:
    """All figures for `period`, published, JSON-serialisable: exact for the funder, with the
    small-cell rule applied across all tables for publication."""
    ctx = Context(period, caseworker, kind=kind, threshold=threshold)
    tables = compute_tables(ctx, progress)
    marks = protect_tables(tables, threshold) if ctx.protected else {}
    return [publish(table, marks, threshold) for table in tables]
