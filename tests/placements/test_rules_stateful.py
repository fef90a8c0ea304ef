"""Property-based proof of the rules: a hypothesis state machine drives the real views
through the test client as a caseworker (intake, plan, agree, start, complete, abort, edit
dates, exit, reopen, check-in, follow-up, reassign) with dates clustered around the
boundaries (28/29 days, today, the entry date). After every step: no response is a 500,
every row keeps every rule (re-checked by the plain SQL of RULE_CHECKS, written apart from
the Python that enforces them) and the funding report's head figures equal a plain recount
in Python; at the end of each example every case file renders.

`make test` runs a bounded number of examples; `make fuzz` the long run (marker `fuzz`,
FUZZ_EXAMPLES examples, default 5 000).
"""

import datetime
import os

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
)

from fallmanagement.reports.figures import Context
from fallmanagement.reports.periods import Period
from participants import workflow as case_rules
from participants.models import Participant
from placements import workflow as placement_rules
from placements.management.commands.check_rules import breaking_rows
from placements.models import Placement
from tests.factories import EmployerFactory


def today() -> datetime.date:
    """The office's today when called (a run may cross midnight in Berlin)."""
    return timezone.localdate()


# Offsets from today in days: the boundaries first (28 vs 29 days, today, yesterday, tomorrow).
OFFSETS = st.one_of(
    st.sampled_from([-60, -30, -29, -28, -27, -1, 0, 1, 27, 28, 29]),
    st.integers(min_value=-120, max_value=60),
)
LENGTHS = st.one_of(st.sampled_from([1, 27, 28, 29, 42]), st.integers(min_value=1, max_value=60))
BOUNDED_EXAMPLES = int(os.environ.get("RULES_EXAMPLES", "200"))
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5000"))
STEPS = int(os.environ.get("RULES_STEPS", "4"))


def day(offset: int) -> str:
    return (today() + datetime.timedelta(days=offset)).isoformat()


class CaseLife(RuleBasedStateMachine):
    participants = Bundle("participants")
    placements = Bundle("placements")

    # Set once per test run (logins and employers outside the examples, for speed).
    caseworker = other = None
    caseworker_client = admin_client = None
    employers: list = []

    def __init__(self):
        super().__init__()
        # Every example starts from the same rows and leaves nothing behind.
        self.savepoint = transaction.savepoint_create()
        self.client = self.caseworker_client
        self.admin = self.admin_client
        self.counter = 0

    def teardown(self):
        try:
            # The case files of the example's end state render (after each step would cost
            # a full page per step; the rules themselves are re-checked after every step).
            # (the last case of the example, to keep the bounded run short)
            pk = Participant.objects.order_by("-updated_at").values_list("pk", flat=True).first()
            if pk is not None:
                response = self.admin.get(reverse("participants:detail", args=[pk]))
                assert response.status_code == 200
        finally:
            transaction.savepoint_rollback(self.savepoint)

    def ok(self, response, participant: int | None = None, placement: int | None = None):
        # participant/placement: which case the step touched (kept for a failing example's log)
        assert response.status_code < 500, response.content.decode()[:2000]
        return response

    # --- the caseworker's actions ---------------------------------------------------

    @rule(target=participants, entry=st.sampled_from([-150, -60, -30, 0, 5]))
    def intake(self, entry):
        self.counter += 1
        response = self.ok(
            self.client.post(
                reverse("participants:create"),
                {
                    "last_name": f"Haddad{self.counter}",
                    "first_name": f"Rana{self.counter}",
                    "gender": Participant.Gender.FEMALE,
                    "consent_date": day(min(entry, 0) - 1),
                    "consent_scope": "Fallmanagement",
                    "entry_date": day(entry),
                    "confirm_duplicate": "on",
                    "languages-TOTAL_FORMS": "0",
                    "languages-INITIAL_FORMS": "0",
                    "experiences-TOTAL_FORMS": "0",
                    "experiences-INITIAL_FORMS": "0",
                },
            )
        )
        assert response.status_code == 302
        return int(response["Location"].rstrip("/").split("/")[-1])

    def _placement_data(self, employer, start, length, kind=Placement.Kind.INTERNSHIP):
        return {
            "employer": employer.pk,
            "kind": kind,
            "kldb_group": "24",
            "job_title": "Helfer/in Metallbau",
            "planned_start": day(start),
            "planned_end": day(start + length - 1),
            "legal_basis": Placement.LegalBasis.MILOG if kind == "orientierungspraktikum" else "",
            "employment_type": "",
            "confirm_overbooking": "on",
        }

    @rule(
        target=placements,
        participant=participants,
        employer=st.integers(0, 1),
        start=OFFSETS,
        length=LENGTHS,
    )
    def plan(self, participant, employer, start, length):
        url = reverse("placements:create") + f"?participant={participant}"
        data = self._placement_data(self.employers[employer], start, length)
        response = self.ok(self.client.post(url, data), participant=participant)
        if response.status_code == 302:
            return int(response["Location"].rstrip("/").split("/")[-1])
        return -1  # refused: later actions on it get a 404

    def _transition(self, placement, action, **fields):
        if placement < 0:
            return
        data = {f"{action}-{name}": value for name, value in fields.items()}
        url = reverse("placements:transition", args=[placement, action])
        self.ok(self.client.post(url, data), placement=placement)

    @rule(placement=placements, signed=OFFSETS)
    def agree(self, placement, signed):
        self._transition(
            placement, "agree", agreement_signed_on=day(signed), insurance_confirmed_on=day(signed)
        )

    @rule(placement=placements, on=OFFSETS)
    def start(self, placement, on):
        self._transition(placement, "start", actual_start=day(on))

    @rule(placement=placements, on=OFFSETS)
    def complete(self, placement, on):
        self._transition(placement, "complete", actual_end=day(on))

    @rule(placement=placements, on=st.one_of(st.none(), OFFSETS))
    def abort(self, placement, on):
        self._transition(placement, "abort", reason="Krankheit", actual_end=day(on) if on else "")

    @rule(placement=placements, start=OFFSETS, length=LENGTHS)
    def edit_dates(self, placement, start, length):
        row = Placement.objects.filter(pk=placement).first()
        if row is None:
            return
        data = self._placement_data(row.employer, start, length)
        data["version"] = row.version
        self.ok(
            self.client.post(reverse("placements:edit", args=[placement]), data),
            placement=placement,
        )

    @rule(
        participant=participants,
        on=OFFSETS,
        reason=st.sampled_from(["arbeit", "ausbildung", "umzug"]),
    )
    def exit(self, participant, on, reason):
        self.ok(
            self.client.post(
                reverse("participants:status_change", args=[participant]),
                {
                    "status-to_status": Participant.Status.CLOSED,
                    "status-on": day(on),
                    "status-exit_reason": reason,
                    "status-reason": "",
                },
            ),
            participant=participant,
        )

    @rule(participant=participants)
    def reopen(self, participant):
        self.ok(
            self.client.post(
                reverse("participants:status_change", args=[participant]),
                {"status-to_status": Participant.Status.PROFILING, "status-on": day(0)},
            ),
            participant=participant,
        )

    @rule(placement=placements, on=OFFSETS)
    def check_in(self, placement, on):
        if placement < 0:
            return
        self.ok(
            self.client.post(
                reverse("placements:checkin_add", args=[placement]),
                {"date": day(on), "with_whom": "Meister", "rating": "gut"},
            ),
            placement=placement,
        )

    @rule(participant=participants, due=OFFSETS)
    def follow_up(self, participant, due):
        self.ok(
            self.client.post(
                reverse("participants:followup_add", args=[participant]),
                {"followup-due_on": day(due), "followup-subject": "Nachfragen"},
            ),
            participant=participant,
        )

    @rule(participant=participants, away=st.booleans())
    def reassign(self, participant, away):
        # Administration moves the case to a colleague and back (the caseworker then gets 404s).
        target = self.other if away else self.caseworker
        self.ok(
            self.admin.post(
                reverse("participants:reassign", args=[participant]), {"caseworker": target.pk}
            ),
            participant=participant,
        )

    # --- what must hold after every step ------------------------------------------

    @invariant()
    def every_row_keeps_every_rule(self):
        # One round trip for all rules: which rules find a row at all?
        checks = (*case_rules.RULE_CHECKS, *placement_rules.RULE_CHECKS)
        sql = " UNION ALL ".join(
            f"SELECT {i} FROM ({check.sql}) AS rule_{i}"  # noqa: S608 (our constant SQL)
            for i, check in enumerate(checks)
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, {"today": today()})
            broken = sorted({checks[row[0]].name for row in cursor.fetchall()})
        assert broken == [], [
            (name, breaking_rows(c)) for c in checks for name in [c.name] if name in broken
        ]

    @invariant()
    def report_figures_equal_a_plain_recount(self):
        period = Period.year(today().year)
        total = Context(period).participant_counts["total"][None]
        rows = list(Participant.objects.values("entry_date", "exit_date"))

        def active(r):
            return (
                r["entry_date"] is not None
                and r["entry_date"] <= period.end
                and (r["exit_date"] is None or r["exit_date"] >= period.start)
            )

        def within(d):
            return d is not None and period.start <= d <= period.end

        assert total.active == sum(1 for r in rows if active(r))
        assert total.all_entries == sum(1 for r in rows if within(r["entry_date"]))
        assert total.all_exits == sum(1 for r in rows if within(r["exit_date"]))


def _run(caseworker, other_caseworker, administrator, examples: int):
    CaseLife.caseworker = caseworker
    CaseLife.other = other_caseworker
    CaseLife.caseworker_client = Client()
    CaseLife.caseworker_client.force_login(caseworker)
    CaseLife.admin_client = Client()
    CaseLife.admin_client.force_login(administrator)
    CaseLife.employers = [EmployerFactory(capacity=3), EmployerFactory(capacity=1)]
    CaseLife.TestCase.settings = settings(
        max_examples=examples,
        stateful_step_count=STEPS,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    CaseLife.TestCase().runTest()


@pytest.mark.django_db
def test_rules_hold_over_the_life_of_a_case(caseworker, other_caseworker, administrator):
    _run(caseworker, other_caseworker, administrator, BOUNDED_EXAMPLES)


@pytest.mark.fuzz
@pytest.mark.django_db
def test_rules_hold_over_the_life_of_a_case_long_run(caseworker, other_caseworker, administrator):
    _run(caseworker, other_caseworker, administrator, FUZZ_EXAMPLES)
