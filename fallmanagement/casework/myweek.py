""" "Meine Woche": what a caseworker has to do this week (start page), the full lists behind
it ("alle anzeigen") and ticking a follow-up off in place.

Every list is one query over the user's visible open cases (its full length comes with it as a
window count), so the start page runs a constant number of queries however large the caseload.
Each entry links to the form that resolves it and disappears once that is done.
"""

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import (
    CharField,
    Count,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Least, RowNumber
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fallmanagement.core.accesslog import AccessAction, log_access
from fallmanagement.core.roles import Role, role_required
from offers.models import Referral
from participants.models import CaseNote, FollowUp, Participant
from participants.queries import check_write
from participants.workflow import reopen_followup, tick_followup
from placements.checkins import with_next_checkin
from placements.models import Assessment, CheckIn, Placement

LIST_LIMIT = 20
FULL_LIST_PAGE_SIZE = 50
PERMIT_WARNING_DAYS = 30
NO_CONTACT_DAYS = 30

# The lists of the week: key (in the URL of the full list) -> heading of the full list.
LISTS = {
    "ueberfaellig": gettext_lazy("Überfällige Wiedervorlagen"),
    "faellig": gettext_lazy("Wiedervorlagen dieser Woche"),
    "begleitung": gettext_lazy("Begleitung fällig"),
    "schwierig": gettext_lazy("Zuletzt „schwierig“ bewertet"),
    "nicht-begonnen": gettext_lazy("Vereinbart, aber nicht begonnen"),
    "auswertung": gettext_lazy("Beendet: Beurteilung oder Ergebnis fehlt"),
    "praktika": gettext_lazy("Praktika: Beginn oder Ende in dieser Woche"),
    "erlaubnisse": gettext_lazy("Aufenthalt/Beschäftigungserlaubnis läuft in 30 Tagen ab"),
    "kein-kontakt": gettext_lazy("Seit 30 Tagen kein Kontakt"),
    "angebote-beginn": gettext_lazy("Angebote: Beginn in dieser Woche"),
    "angebote-rueckmeldung": gettext_lazy("Angebote: Ende vorbei, keine Rückmeldung"),
}


class WeekList(list):
    """The first entries of a list, with how many there are in all (`total`) and its key."""

    def __init__(self, items, key: str, total: int | None = None):
        super().__init__(items)
        self.key = key
        self.total = len(self) if total is None else total

    @property
    def more(self) -> int:
        return max(self.total - len(self), 0)


def _week_bounds(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    week_start = today - datetime.timedelta(days=today.isoweekday() - 1)
    return week_start, week_start + datetime.timedelta(days=6)


def _open_cases(user) -> QuerySet[Participant]:
    return Participant.objects.visible_to(user).exclude(status=Participant.Status.CLOSED)


def _with_period(queryset: QuerySet[Placement]) -> QuerySet[Placement]:
    return queryset.annotate(
        starts_on=Coalesce("actual_start", "planned_start", output_field=DateField()),
        ends_on=Coalesce("actual_end", "planned_end", output_field=DateField()),
    )


# The columns the rows show (templates/participants/partials/my_week.html): a participant's
# name, not their 60 other columns, in every list. Fewer columns to compile, send and turn into
# objects; a row reading a column left out would cost a query per row, which
# tests/casework/test_myweek.py refuses.
_NAME = ("first_name", "preferred_name", "last_name")
_CASE_NAME = ("participant", *(f"participant__{field}" for field in _NAME))
_PLACEMENT_COLUMNS = (
    *_CASE_NAME,
    "employer",
    "employer__name",
    "kind",
    "state",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "outcome",
)


def week_queries(user, today: datetime.date) -> dict[str, QuerySet]:
    """Each list of the week as an ordered, unsliced queryset (the start page shows the first
    LIST_LIMIT of each, the full list pages through it)."""
    week_start, week_end = _week_bounds(today)
    mine = _open_cases(user)
    placements = (
        Placement.objects.filter(participant__in=mine)
        .select_related("participant", "employer")
        .only(*_PLACEMENT_COLUMNS)
    )

    open_followups = FollowUp.objects.filter(participant__in=mine, done_on__isnull=True)
    open_followups = (
        open_followups.select_related("participant")
        .only(*_CASE_NAME, "subject", "kind", "due_on", "done_on")
        .order_by("due_on", "pk")
    )

    last_checkin = CheckIn.objects.filter(placement=OuterRef("pk")).order_by("-date", "-pk")
    internships = _with_period(
        Placement.objects.filter(
            participant__in=Participant.objects.visible_to(user),
            kind=Placement.Kind.INTERNSHIP,
        ).exclude(state=Placement.State.ABORTED)
    )
    week = (week_start, week_end)

    horizon = today + datetime.timedelta(days=PERMIT_WARNING_DAYS)
    since = today - datetime.timedelta(days=NO_CONTACT_DAYS)
    last_contact = (
        CaseNote.objects.filter(participant=OuterRef("pk")).order_by("-date").values("date")[:1]
    )
    recent = CaseNote.objects.filter(participant=OuterRef("pk"), date__gt=since)
    referrals = (
        Referral.objects.filter(participant__in=mine)
        .select_related("participant", "offer__partner")
        .only(
            *_CASE_NAME,
            "state",
            "started_on",
            "offer__title",
            "offer__starts_on",
            "offer__ends_on",
            "offer__partner__name",
        )
    )
    cases = mine.only(*_NAME, "residence_valid_until", "work_permit_valid_until")

    return {
        "ueberfaellig": open_followups.filter(due_on__lt=today),
        "faellig": open_followups.filter(due_on__gte=today, due_on__lte=week_end),
        "begleitung": with_next_checkin(placements.filter(state=Placement.State.RUNNING))
        .filter(next_checkin_due__lte=week_end)
        .order_by("next_checkin_due", "pk"),
        "schwierig": placements.current()
        .annotate(
            last_rating=Subquery(last_checkin.values("rating")[:1]),
            last_checkin_on=Subquery(last_checkin.values("date")[:1]),
            last_issues=Subquery(last_checkin.values("issues")[:1]),
        )
        .filter(last_rating=CheckIn.Rating.DIFFICULT)
        .order_by("last_checkin_on", "pk"),
        "nicht-begonnen": placements.filter(
            state=Placement.State.AGREED, planned_start__lt=today
        ).order_by("planned_start", "pk"),
        "auswertung": _with_period(
            placements.internships()
            .filter(state=Placement.State.COMPLETED)
            .annotate(has_assessment=Exists(Assessment.objects.filter(placement=OuterRef("pk"))))
            .filter(Q(has_assessment=False) | Q(outcome=""))
        ).order_by("ends_on", "pk"),
        "praktika": internships.filter(Q(starts_on__range=week) | Q(ends_on__range=week))
        .select_related("participant", "employer")
        .only(*_PLACEMENT_COLUMNS)
        .order_by("starts_on", "pk"),
        "erlaubnisse": cases.filter(
            Q(residence_valid_until__lte=horizon) | Q(work_permit_valid_until__lte=horizon)
        )
        # The same columns as "kein-kontakt": the start page reads both in one query.
        .annotate(last_contact=Subquery(last_contact))
        .order_by(
            Least("residence_valid_until", "work_permit_valid_until").asc(),
            "pk",
        ),
        "kein-kontakt": cases.exclude(status=Participant.Status.PAUSED)
        .filter(
            ~Exists(recent),
            Q(entry_date__lte=since) | Q(entry_date__isnull=True, created_at__date__lte=since),
        )
        .annotate(last_contact=Subquery(last_contact))
        # Never any contact first, then the longest silence.
        .order_by(F("last_contact").asc(nulls_first=True), "pk"),
        # Referrals whose offer starts this week (registered or just begun), and begun ones
        # whose offer has ended without an outcome recorded (feedback missing).
        "angebote-beginn": referrals.filter(state__in=Referral.TAKING_STATES)
        .annotate(starts=Coalesce("started_on", "offer__starts_on"))
        .filter(starts__range=week)
        .order_by("starts", "pk"),
        "angebote-rueckmeldung": referrals.filter(
            state=Referral.State.STARTED, offer__ends_on__lt=today
        )
        .annotate(starts=Coalesce("started_on", "offer__starts_on"))
        .order_by("offer__ends_on", "pk"),
    }


def _first(queryset: QuerySet, key: str, limit: int = LIST_LIMIT) -> WeekList:
    """The first `limit` rows and the list's full length, in one query."""
    rows = list(queryset.annotate(list_total=Window(Count("*")))[:limit])
    return WeekList(rows, key, rows[0].list_total if rows else 0)


def _first_together(queries: dict[str, QuerySet], keys: tuple[str, ...]) -> dict[str, WeekList]:
    """`_first` of several lists of one model with the same columns, in one UNION ALL query.

    Each part keeps its own order and limit; its row numbers (in that order) put the rows back
    in order whatever order the database returns the parts in."""
    parts = []
    for key in keys:
        queryset = queries[key]
        parts.append(
            queryset.annotate(
                week_list=Value(key, output_field=CharField()),
                list_total=Window(Count("*")),
                list_row=Window(RowNumber(), order_by=list(queryset.query.order_by)),
            )[:LIST_LIMIT]
        )
    # Ordered by the row number (a selected column): the model's default ordering would make
    # Django add its columns to a union of parts that select only some columns (.only()).
    rows = parts[0].union(*parts[1:], all=True).order_by("list_row")
    lists = {}
    for key in keys:
        items = [row for row in rows if row.week_list == key]
        lists[key] = WeekList(items, key, items[0].list_total if items else 0)
    return lists


def permit_rows(participants, today: datetime.date) -> list[dict]:
    """One row per expiring or expired residence title / work permit, soonest first."""
    horizon = today + datetime.timedelta(days=PERMIT_WARNING_DAYS)
    rows = []
    for p in participants:
        for label, until in (
            ("residence", p.residence_valid_until),
            ("work_permit", p.work_permit_valid_until),
        ):
            if until is not None and until <= horizon:
                rows.append(
                    {"participant": p, "kind": label, "until": until, "expired": until < today}
                )
    rows.sort(key=lambda row: (row["until"], row["participant"].pk))
    return rows


def my_week(user, today: datetime.date | None = None) -> dict:
    """The caseworker's week: follow-ups, check-ins and assessments due, internships, expiring
    permits, silent cases. Each list is a WeekList (first entries + total)."""
    today = today or timezone.localdate()
    week_start, week_end = _week_bounds(today)
    queries = week_queries(user, today)
    together = (
        ("ueberfaellig", "faellig"),
        ("erlaubnisse", "kein-kontakt"),
        ("angebote-beginn", "angebote-rueckmeldung"),
    )
    lists = {}
    for keys in together:
        lists.update(_first_together(queries, keys))
    for key, queryset in queries.items():
        if key not in lists:
            lists[key] = _first(queryset, key)
    permits = lists["erlaubnisse"]
    lists["erlaubnisse"] = WeekList(permit_rows(permits, today), "erlaubnisse")
    lists["erlaubnisse"].total = len(lists["erlaubnisse"]) + permits.more
    return {
        "today": today,
        "week_start": week_start,
        "week_end": week_end,
        "overdue": lists["ueberfaellig"],
        "due": lists["faellig"],
        "checkins": lists["begleitung"],
        "difficult": lists["schwierig"],
        "not_started": lists["nicht-begonnen"],
        "unassessed": lists["auswertung"],
        "internships": lists["praktika"],
        "offers_starting": lists["angebote-beginn"],
        "offers_no_feedback": lists["angebote-rueckmeldung"],
        "permits": lists["erlaubnisse"],
        "no_contact": lists["kein-kontakt"],
        "caseload_count": _open_cases(user).count(),
    }


@role_required(Role.CASEWORK)
def full_list(request: HttpRequest, key: str) -> HttpResponse:
    """All entries of one list of "Meine Woche", paginated."""
    if key not in LISTS:
        raise Http404
    today = timezone.localdate()
    page = Paginator(week_queries(request.user, today)[key], FULL_LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = permit_rows(page.object_list, today) if key == "erlaubnisse" else page.object_list
    week_start, week_end = _week_bounds(today)
    return render(
        request,
        "participants/week_list.html",
        {
            "key": key,
            "title": LISTS[key],
            "page_obj": page,
            "rows": rows,
            "week": {"today": today, "week_start": week_start, "week_end": week_end},
        },
    )


def _week_followup(request: HttpRequest, pk: int) -> FollowUp:
    """A follow-up of the user's open cases (else 404); its row shows case data: logged."""
    queryset = FollowUp.objects.filter(participant__in=_open_cases(request.user))
    followup = get_object_or_404(queryset.select_related("participant"), pk=pk)
    log_access(request, AccessAction.VIEW, followup)
    check_write(request, followup.participant_id)
    return followup


@role_required(Role.CASEWORK)
@require_POST
def followup_tick(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick a follow-up off on the start page (htmx: the row turns into "erledigt" with an undo
    button; without JavaScript: back to the start page). Follow-ups that ask where the person
    went are ticked in the case file, where the whereabouts are chosen."""
    followup = _week_followup(request, pk)
    if followup.needs_whereabouts:
        messages.info(request, _("Bitte den Verbleib in der Fallakte angeben."))
        return redirect("participants:detail", pk=followup.participant_id)
    tick_followup(followup, request.user)
    if request.htmx:
        today = timezone.localdate()
        return render(
            request,
            "participants/partials/my_week.html#followup_row",
            {"f": followup, "week": {"today": today}},
        )
    messages.success(request, _("Wiedervorlage erledigt: %(subject)s") % {"subject": followup})
    return redirect("home")


@role_required(Role.CASEWORK)
@require_POST
def followup_untick(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a tick made by mistake (the start page's undo button)."""
    followup = _week_followup(request, pk)
    reopen_followup(followup)
    if request.htmx:
        today = timezone.localdate()
        return render(
            request,
            "participants/partials/my_week.html#followup_row",
            {"f": followup, "week": {"today": today}},
        )
    messages.success(request, _("Wiedervorlage wieder offen: %(subject)s") % {"subject": followup})
    return redirect("home")
