"""The two kinds of funding report on one hand-built data set (year 2025): exact counts for the
funder, protected counts for publication; the same figures on the page, in CSV, XLSX and PDF;
targets against actual; who may make which kind; the LP attack on the real published report.

The data set (every figure below is worked out by hand from it):

    P01 enters 01.01.2025 (first day of the period), open, female
    P02 entered 01.05.2024, exits 31.12.2025 (last day) into work, male
    P03 enters 10.03.2025, exits 01.08.2025 into apprenticeship, female
    P04 entered 2024, exited 31.12.2024: not counted anywhere
    P05 enters 01.01.2026: not counted
    P06 enters 01.02.2025, closed 01.04.2025, reopened 02.05.2025: active, no exit, reopened
    P07 enters 01.06.2025, moved from caseworker 1 to caseworker 2 afterwards, divers
    P08 enters 15.04.2025, exits 30.09.2025 into work, male, later anonymised
    P09-P12 enter 15.01.2025, open, female

    active 10, active on 31.12. 8 (P02 leaves on that day), entries 9, exits 3, reopened 1;
    gender (active): female 6, male 3, divers 1; exits: work 2, apprenticeship 1.

Internships: PL1 01.01.-28.01.2025 completed; PL2 starts 31.12.2025, running; PL3 planned from
02.06.2025, cancelled on 20.05.2025 (before it began: not counted); PL4 01.04.2025, aborted
08.04.2025 after it began; PL5 agreed for November, not begun. Begun 3: completed 1, aborted 1,
running 1 (the issue's 9 instead of 8 was PL3 counted as begun).
"""

import datetime
import io

import numpy as np
import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader
from scipy.optimize import linprog

from fallmanagement.privacy.gdpr import anonymise
from fallmanagement.privacy.models import AccessLog
from fallmanagement.reports.models import FundingTarget, IssuedReport, ReportKind
from participants.models import Participant
from participants.workflow import change_status
from placements.models import Placement
from tests.factories import ParticipantFactory, PlacementFactory

D = datetime.date
S = Participant.Status
YEAR = {"kind": "jahr", "year": "2025"}
FUNDER = {**YEAR, "report_kind": "foerdergeber"}
PUBLICATION = {**YEAR, "report_kind": "veroeffentlichung"}


def url(name, *args, **params):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    query.update(params)
    return f"{reverse(name, args=args)}?{query.urlencode()}"


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def people(caseworker, other_caseworker):
    make = ParticipantFactory
    F, M, X = Participant.Gender.FEMALE, Participant.Gender.MALE, Participant.Gender.DIVERSE
    p = {}
    p["P01"] = make(caseworker=caseworker, gender=F, entry_date=D(2025, 1, 1))
    p["P02"] = make(caseworker=caseworker, gender=M, entry_date=D(2024, 5, 1))
    change_status(p["P02"], S.CLOSED, caseworker, on=D(2025, 12, 31), exit_reason="arbeit")
    p["P03"] = make(caseworker=caseworker, gender=F, entry_date=D(2025, 3, 10))
    change_status(p["P03"], S.CLOSED, caseworker, on=D(2025, 8, 1), exit_reason="ausbildung")
    p["P04"] = make(caseworker=caseworker, gender=M, entry_date=D(2024, 1, 1))
    change_status(p["P04"], S.CLOSED, caseworker, on=D(2024, 12, 31), exit_reason="umzug")
    p["P05"] = make(caseworker=caseworker, gender=F, entry_date=D(2026, 1, 1))
    p["P06"] = make(caseworker=caseworker, gender=M, entry_date=D(2025, 2, 1))
    change_status(p["P06"], S.CLOSED, caseworker, on=D(2025, 4, 1), exit_reason="abbruch")
    change_status(p["P06"], S.PROFILING, caseworker, on=D(2025, 5, 2))
    p["P07"] = make(caseworker=caseworker, gender=X, entry_date=D(2025, 6, 1))
    Participant.objects.filter(pk=p["P07"].pk).update(caseworker=other_caseworker)
    p["P08"] = make(
        caseworker=caseworker, gender=M, entry_date=D(2025, 4, 15), date_of_birth=D(1990, 1, 1)
    )
    change_status(p["P08"], S.CLOSED, caseworker, on=D(2025, 9, 30), exit_reason="arbeit")
    for n in range(9, 13):
        p[f"P{n:02d}"] = make(caseworker=caseworker, gender=F, entry_date=D(2025, 1, 15))
    anonymise(p["P08"])
    return p


@pytest.fixture
def placements(people):
    P = Placement.State
    make = PlacementFactory
    make(
        participant=people["P01"], state=P.COMPLETED,
        planned_start=D(2025, 1, 1), planned_end=D(2025, 1, 28),
        actual_start=D(2025, 1, 1), actual_end=D(2025, 1, 28),
    )  # fmt: skip
    make(
        participant=people["P09"], state=P.RUNNING,
        planned_start=D(2025, 12, 31), planned_end=D(2026, 1, 27), actual_start=D(2025, 12, 31),
    )  # fmt: skip
    make(
        participant=people["P10"], state=P.ABORTED,
        planned_start=D(2025, 6, 2), planned_end=D(2025, 6, 27), actual_end=D(2025, 5, 20),
    )  # fmt: skip
    make(
        participant=people["P11"], state=P.ABORTED,
        planned_start=D(2025, 4, 1), planned_end=D(2025, 4, 28),
        actual_start=D(2025, 4, 1), actual_end=D(2025, 4, 8),
    )  # fmt: skip
    make(
        participant=people["P12"], state=P.AGREED,
        planned_start=D(2025, 11, 3), planned_end=D(2025, 11, 28),
    )  # fmt: skip


def texts(report_tables, key) -> dict:
    table = next(t for t in report_tables if t["key"] == key)
    return {row["label"]: [c["text"] for c in row["cells"]] for row in table["rows"]}


def test_funder_report_has_the_hand_computed_figures(reporter_client, placements):
    report = reporter_client.get(url("reports:index", **FUNDER)).context["report"]
    assert report.kind == ReportKind.FUNDER
    overview = texts(report.tables, "overview")
    assert overview["Aktiv im Zeitraum"] == ["10"]
    assert overview["Aktiv am Stichtag 31.12.2025"] == ["8"]
    assert overview["Eintritte im Zeitraum"] == ["9"]
    assert overview["Austritte im Zeitraum"] == ["3"]
    assert overview["Wieder geöffnete Fälle"] == ["1"]
    gender = texts(report.tables, "gender")
    assert gender["weiblich"] == ["6", "6", "1"]
    assert gender["männlich"] == ["3", "2", "2"]
    assert gender["divers"] == ["1", "1", "0"]
    exits = texts(report.tables, "exit_reasons")
    assert exits["Arbeit"] == ["2"]
    assert exits["Ausbildung"] == ["1"]
    assert exits["Integrationsquote"] == ["100,0 %"]
    kinds = texts(report.tables, "placement_kinds")
    # PL1, PL2 (starts on the last day), PL4 (aborted after it began); not PL3 (cancelled
    # before it began) nor PL5 (only agreed).
    assert kinds["Orientierungspraktikum"] == ["3", "1", "1", "1"]
    assert kinds["Insgesamt"] == ["3", "1", "1", "1"]
    assert texts(report.tables, "placement_fields")["Insgesamt"] == ["3"]


def test_a_moved_case_counts_for_its_caseworker_today(admin_client_role, other_caseworker, people):
    params = {**FUNDER, "caseworker": str(other_caseworker.pk)}
    report = admin_client_role.get(url("reports:index", **params)).context["report"]
    assert texts(report.tables, "overview")["Aktiv im Zeitraum"] == ["1"]  # P07


def test_the_same_figures_on_page_csv_xlsx_and_pdf_for_both_kinds(reporter_client, placements):
    for params in (FUNDER, PUBLICATION):
        page = reporter_client.get(url("reports:index", **params)).context["report"]
        gender = texts(page.tables, "gender")
        csv = reporter_client.get(url("reports:export", "csv", **params)).content.decode(
            "utf-8-sig"
        )
        pdf = pdf_text(reporter_client.get(url("reports:export", "pdf", **params)).content)
        xlsx = load_workbook(
            io.BytesIO(reporter_client.get(url("reports:export", "xlsx", **params)).content)
        )
        sheet = next(s for s in xlsx.worksheets if "Geschlecht" in s.title)
        sheet_rows = {
            r[0]: [str(v) for v in r[1:4]] for r in sheet.iter_rows(values_only=True) if r
        }
        for label, cells in gender.items():
            assert f"{label};{';'.join(cells)}" in csv
            assert f"{label} {' '.join(cells)}" in pdf
            assert sheet_rows[label] == cells
        assert page.kind_label in csv
        assert page.kind_label in pdf
        assert page.kind_label in [c.value for c in xlsx.worksheets[0]["B"]]


def test_publication_protects_small_cells_and_keeps_the_totals(reporter_client, placements):
    report = reporter_client.get(url("reports:index", **PUBLICATION)).context["report"]
    assert report.kind == ReportKind.PUBLICATION
    assert texts(report.tables, "overview")["Aktiv im Zeitraum"] == ["10"]
    gender = texts(report.tables, "gender")
    assert gender["divers"][0] in ("< 3", "x")
    assert gender["Insgesamt"] == ["10", "9", "3"]
    assert texts(report.tables, "exit_reasons")["Austritte insgesamt"] == ["3"]
    # No cell of 1 or 2 persons is published anywhere.
    for table in report.tables:
        for row in table["rows"]:
            if row["kind"] in ("count", "total", "single", "subtotal"):
                for cell in row["cells"]:
                    assert cell["value"] not in (1, 2), (table["key"], row["label"])


def lp_interval(hidden, constants, equations, cell) -> tuple[int, int]:
    """min and max of `cell` over integer solutions of `equations` (sum(members) == total)."""
    index = {c: i for i, c in enumerate(hidden)}
    a_eq, b_eq = [], []
    for members, total in equations:
        row, rhs = np.zeros(len(hidden)), 0.0
        for c, sign in [*((m, 1) for m in members), (total, -1)]:
            if c in index:
                row[index[c]] += sign
            else:
                rhs -= sign * constants[c]
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
    bounds = [(1, 2) if hidden[c] == "< 3" else (0, 10**4) for c in hidden]
    found = []
    for direction in (1, -1):
        objective = np.zeros(len(hidden))
        objective[index[cell]] = direction
        result = linprog(
            objective, A_eq=np.array(a_eq), b_eq=b_eq, bounds=bounds,
            integrality=np.ones(len(hidden)), method="highs",
        )  # fmt: skip
        assert result.status == 0
        found.append(round(direction * result.fun))
    return tuple(found)


def test_lp_attack_on_the_published_report_finds_no_small_cell(reporter_client, placements):
    """Every breakdown adds up to its total, every total is the overview's figure: no "< 3"
    of the published report can be pinned down."""
    report = reporter_client.get(url("reports:index", **PUBLICATION)).context["report"]
    hidden, constants, equations = {}, {}, []
    tables = {t["key"]: t for t in report.tables}
    for table in report.tables:
        for r, row in enumerate(table["rows"]):
            for c, cell in enumerate(row["cells"]):
                if cell["suppressed"]:
                    hidden[(table["key"], r, c)] = cell["text"]
                else:
                    constants[(table["key"], r, c)] = cell["value"]
    overview_rows = {"active": 0, "entries": 2, "exits": 3}
    for key in ("gender", "age", "country", "residence", "isced"):
        rows = tables[key]["rows"]
        total = len(rows) - 1
        for c, figure in enumerate(("active", "entries", "exits")):
            equations.append(([(key, r, c) for r in range(total)], (key, total, c)))
            equations.append(([(key, total, c)], ("overview", overview_rows[figure], 0)))
    rows = tables["exit_reasons"]["rows"]
    total = next(r for r, row in enumerate(rows) if row["label"] == "Austritte insgesamt")
    equations.append(([("exit_reasons", r, 0) for r in range(total)], ("exit_reasons", total, 0)))
    equations.append(([("exit_reasons", total + 1, 0), ("exit_reasons", total + 2, 0)],
                      ("exit_reasons", total, 0)))  # fmt: skip
    equations.append(([("exit_reasons", total, 0)], ("overview", 3, 0)))
    labels = [row["label"] for row in rows]
    work, apprenticeship, eq = labels.index("Arbeit"), labels.index("Ausbildung"), 2
    assert labels[eq].startswith("Einstiegsqualifizierung")
    integrated = [("exit_reasons", r, 0) for r in (work, apprenticeship, eq)]
    equations.append((integrated, ("exit_reasons", total + 1, 0)))
    others = [("exit_reasons", r, 0) for r in range(total) if r not in (work, apprenticeship, eq)]
    equations.append((others, ("exit_reasons", total + 2, 0)))
    kinds = tables["placement_kinds"]["rows"]
    k = len(kinds) - 1
    for c in range(4):
        equations.append(([("placement_kinds", r, c) for r in range(k)], ("placement_kinds", k, c)))
    for r in range(k + 1):
        equations.append(
            ([("placement_kinds", r, c) for c in (1, 2, 3)], ("placement_kinds", r, 0))
        )
    fields = tables["placement_fields"]["rows"]
    f = len(fields) - 1
    equations.append(([("placement_fields", r, 0) for r in range(f)], ("placement_fields", f, 0)))
    equations.append(([("placement_fields", f, 0)], ("placement_kinds", k, 0)))
    small = [cell for cell, text in hidden.items() if text == "< 3"]
    assert small, "the data set has small cells"
    for cell in small:
        low, high = lp_interval(hidden, constants, equations, cell)
        assert high > low, f"{cell} can be computed back: {low}"


def test_funder_reports_are_access_logged_publication_views_are_not(
    reporter_client, reporter, people
):
    reporter_client.get(url("reports:index", **PUBLICATION))
    assert not AccessLog.objects.filter(user=reporter).exists()
    reporter_client.get(url("reports:index", **FUNDER))
    log = AccessLog.objects.get(user=reporter)
    assert (log.action, log.object_type) == ("view", "report/foerdergeber")
    reporter_client.get(url("reports:export", "csv", **PUBLICATION))
    assert AccessLog.objects.filter(object_type="report/veroeffentlichung").count() == 1


def test_which_kinds_a_role_may_make_is_a_setting(
    reporter_client, admin_client_role, settings, people
):
    settings.REPORT_KINDS_BY_ROLE = {
        "Berichtswesen": ["veroeffentlichung"],
        "Administration": ["foerdergeber", "veroeffentlichung"],
    }
    refused = reporter_client.get(url("reports:index", **FUNDER))
    assert refused.status_code == 400
    assert "report" not in refused.context
    assert 'value="foerdergeber"' not in refused.text
    # Without a choice the first allowed kind is made.
    assert reporter_client.get(url("reports:index", **YEAR)).context["report"].kind == (
        ReportKind.PUBLICATION
    )
    export = reporter_client.get(url("reports:export", "csv", **FUNDER))
    assert export.status_code == 302
    issue = reporter_client.post(url("reports:issue"), FUNDER)
    assert issue.status_code == 302
    assert not IssuedReport.objects.exists()
    assert admin_client_role.get(url("reports:index", **FUNDER)).status_code == 200


def test_threshold_is_a_setting(reporter_client, settings, placements):
    settings.REPORT_SMALL_CELL_THRESHOLD = 4
    report = reporter_client.get(url("reports:index", **PUBLICATION)).context["report"]
    gender = texts(report.tables, "gender")
    assert gender["männlich"][0] in ("< 4", "x")  # 3 persons are small now
    assert "< 4" in report.legend


def test_a_bad_report_kind_is_a_form_error_not_a_500(reporter_client):
    response = reporter_client.get(url("reports:index", **{**YEAR, "report_kind": "geheim"}))
    assert response.status_code == 400


def test_issued_reports_keep_their_kind_and_stay_identical_after_anonymisation(
    reporter_client, caseworker, people
):
    reporter_client.post(url("reports:issue"), PUBLICATION)
    issued = IssuedReport.objects.get()
    assert issued.kind == ReportKind.PUBLICATION
    stored_pdf, stored_figures = bytes(issued.pdf), issued.figures
    assert "Veröffentlichung" in pdf_text(stored_pdf)
    anonymise(people["P01"])
    change_status(people["P09"], S.CLOSED, caseworker, on=D(2025, 11, 1), exit_reason="umzug")
    issued.refresh_from_db()
    assert bytes(issued.pdf) == stored_pdf
    assert issued.figures == stored_figures
    download = reporter_client.get(reverse("reports:issued_pdf", args=[issued.pk]))
    assert download.content == stored_pdf
    assert "veroeffentlichung_2025-01-01_2025-12-31" in download["Content-Disposition"]
    figures = reporter_client.get(reverse("reports:issued_figures", args=[issued.pk])).json()
    assert figures["kind"] == "veroeffentlichung"


# --- Targets --------------------------------------------------------------------------------


@pytest.fixture
def targets(db):
    period = {"period_start": D(2025, 1, 1), "period_end": D(2025, 12, 31)}
    FundingTarget.objects.create(**period, metric="teilnehmende", target=8)
    FundingTarget.objects.create(**period, metric="praktika", target=4)
    FundingTarget.objects.create(**period, metric="arbeit", target=4)
    FundingTarget.objects.create(**period, metric="quote", target=40)
    # Another funding period does not apply to 2025.
    FundingTarget.objects.create(
        period_start=D(2026, 1, 1), period_end=D(2026, 12, 31), metric="eintritte", target=70
    )


def test_targets_against_actual_on_page_csv_xlsx_and_pdf(reporter_client, placements, targets):
    report = reporter_client.get(url("reports:index", **FUNDER)).context["report"]
    assert report.tables[0]["key"] == "targets"
    rows = texts(report.tables, "targets")
    period = "(01.01.2025–31.12.2025)"
    # 10 active of 8: 125 %; 3 internships of 4: 75 %; 2 into work of 4: 50 %; rate 100 of 40.
    assert rows[f"Teilnehmende (aktiv im Zeitraum) {period}"] == ["8", "10", "125,0"]
    assert rows[f"Begonnene Praktika {period}"] == ["4", "3", "75,0"]
    assert rows[f"Austritte in Arbeit {period}"] == ["4", "2", "50,0"]
    assert rows[f"Integrationsquote (%) {period}"] == ["40", "100,0", "250,0"]
    assert not any("Eintritte" in label for label in rows)
    csv = reporter_client.get(url("reports:export", "csv", **FUNDER)).content.decode("utf-8-sig")
    assert f"Begonnene Praktika {period};4;3;75,0" in csv
    pdf = pdf_text(reporter_client.get(url("reports:export", "pdf", **FUNDER)).content)
    assert "Zielerreichung" in pdf
    assert "75,0" in pdf
    xlsx = load_workbook(
        io.BytesIO(reporter_client.get(url("reports:export", "xlsx", **FUNDER)).content)
    )
    sheet = xlsx.worksheets[1]
    assert "Ziel" in sheet.title
    values = {r[0]: r[1:4] for r in sheet.iter_rows(values_only=True) if r and r[0]}
    assert values[f"Begonnene Praktika {period}"] == (4, 3, 75.0)


def test_publication_hides_an_actual_whose_source_is_hidden(reporter_client, placements, targets):
    report = reporter_client.get(url("reports:index", **PUBLICATION)).context["report"]
    rows = texts(report.tables, "targets")
    work = rows["Austritte in Arbeit (01.01.2025–31.12.2025)"]
    exits = texts(report.tables, "exit_reasons")["Arbeit"]
    assert work[0] == "4"  # the target itself is no person count
    assert exits[0] in ("< 3", "x")
    assert work[1:] == ["x", "x"]


def test_targets_are_not_shown_for_one_caseworker(admin_client_role, caseworker, targets):
    params = {**FUNDER, "caseworker": str(caseworker.pk)}
    report = admin_client_role.get(url("reports:index", **params)).context["report"]
    assert "targets" not in [t["key"] for t in report.tables]


TARGETS = reverse("reports:targets")


def test_only_administration_manages_targets(
    admin_client_role, reporter_client, caseworker_client, client, targets
):
    target = FundingTarget.objects.first()
    for other in (reporter_client, caseworker_client):
        assert other.get(TARGETS).status_code == 403
        assert other.post(TARGETS, {}).status_code == 403
        assert other.post(reverse("reports:target_delete", args=[target.pk])).status_code == 403
    assert client.get(TARGETS).status_code == 302  # to the login
    page = admin_client_role.get(TARGETS)
    assert page.status_code == 200
    assert "Begonnene Praktika" in page.text
    data = {
        "period_start": "2027-01-01", "period_end": "2027-12-31",
        "metric": "ausbildung", "target": "12", "note": "Bescheid Nr. 4",
    }  # fmt: skip
    assert admin_client_role.post(TARGETS, data).status_code == 302
    created = FundingTarget.objects.get(metric="ausbildung")
    edit = reverse("reports:target_edit", args=[created.pk])
    assert admin_client_role.post(edit, {**data, "target": "15"}).status_code == 302
    created.refresh_from_db()
    assert created.target == 15
    assert (
        admin_client_role.post(reverse("reports:target_delete", args=[created.pk])).status_code
        == 302
    )
    assert not FundingTarget.objects.filter(pk=created.pk).exists()
    assert admin_client_role.get(reverse("reports:target_edit", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"period_end": "2026-12-31"}, "Das Ende darf nicht vor dem Beginn liegen."),
        ({"target": "-1"}, "Ein Zielwert kann nicht negativ sein."),
        ({"metric": "quote", "target": "120"}, "Eine Quote kann höchstens 100 % betragen."),
        ({"target": "viele"}, "Zahl"),
        ({"period_start": "31.02.2027"}, "Datum"),
        ({"metric": "unbekannt"}, "Auswahl"),
    ],
)
def test_bad_targets_are_form_errors_not_500(admin_client_role, changes, message):
    data = {"period_start": "2027-01-01", "period_end": "2027-12-31", "metric": "arbeit",
            "target": "5", "note": ""}  # fmt: skip
    response = admin_client_role.post(TARGETS, {**data, **changes})
    assert response.status_code == 400
    assert message in response.text
    assert not FundingTarget.objects.exists()


def test_the_same_target_twice_is_a_form_error(admin_client_role, targets):
    data = {"period_start": "2025-01-01", "period_end": "2025-12-31", "metric": "praktika",
            "target": "5", "note": ""}  # fmt: skip
    response = admin_client_role.post(TARGETS, data)
    assert response.status_code == 400


def test_report_page_and_targets_page_in_english(reporter_client, admin_client_role, people):
    for client in (reporter_client, admin_client_role):
        client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = reporter_client.get(url("reports:index", **PUBLICATION)).text
    assert "Kind of report" in page and "Report to the funder" in page
    assert "Art des Berichts" not in page
    targets_page = admin_client_role.get(reverse("reports:targets")).text
    assert "Targets of the funding agreement" in targets_page
    assert "Funding period from" in targets_page
