"""The report page and its exports: who may use them, what they contain (aggregates only),
issued reports that never change, and background jobs for large reports."""

import base64
import datetime
import io
import re
import zipfile

import pytest
from django.db import ProgrammingError, transaction
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from fallmanagement.privacy.models import AccessLog
from fallmanagement.reports.models import IssuedReport, ReportJob
from fallmanagement.reports.tasks import build_report_job
from participants.models import Participant
from participants.workflow import change_status
from tests.factories import CaseNoteFactory, ParticipantFactory, PlacementFactory

D = datetime.date
YEAR_2025 = {"kind": "jahr", "year": "2025"}
PUBLICATION = {**YEAR_2025, "report_kind": "veroeffentlichung"}
INDEX = reverse("reports:index")


def url(name, *args, **params):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    query.update(params or YEAR_2025)
    return f"{reverse(name, args=args)}?{query.urlencode()}"


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def xlsx_text(content: bytes) -> str:
    workbook = load_workbook(io.BytesIO(content))
    return "\n".join(
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


@pytest.fixture
def cohort(caseworker):
    """Twelve participants active in 2025 (enough for unsuppressed totals)."""
    people = ParticipantFactory.create_batch(
        12, caseworker=caseworker, entry_date=D(2025, 2, 1), country_of_origin="SY"
    )
    for person in people[:4]:
        change_status(person, Participant.Status.CLOSED, caseworker, on=D(2025, 9, 1),
                      exit_reason="arbeit")  # fmt: skip
    return people


# --- access -------------------------------------------------------------------------------


@pytest.mark.parametrize("client_name", ["reporter_client", "admin_client_role"])
def test_reporting_and_administration_see_the_report(request, client_name, cohort):
    response = request.getfixturevalue(client_name).get(url("reports:index"))
    assert response.status_code == 200
    assert "Teilnehmende im Überblick" in response.text


@pytest.mark.parametrize("client_name", ["caseworker_client", "no_role_client"])
@pytest.mark.parametrize(
    "name", ["reports:index", "reports:issue", "reports:export", "reports:job_start"]
)
def test_others_may_not_use_reports(request, client_name, name):
    args = ("pdf",) if name == "reports:export" else ()
    client = request.getfixturevalue(client_name)
    response = (
        client.post(url(name, *args))
        if name == "reports:job_start"
        else client.get(url(name, *args))
    )
    assert response.status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(INDEX)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_only_administration_may_scope_to_a_caseworker(
    reporter_client, admin_client_role, caseworker, other_caseworker, cohort
):
    ParticipantFactory(caseworker=other_caseworker, entry_date=D(2025, 3, 1))
    params = {**YEAR_2025, "caseworker": str(other_caseworker.pk)}
    as_reporter = reporter_client.get(url("reports:index", **params))
    assert as_reporter.status_code == 200
    assert "Gesamtes Programm" in as_reporter.context["report"].scope_label
    assert 'name="caseworker"' not in as_reporter.text
    overview = as_reporter.context["report"].tables[0]
    assert overview["rows"][0]["cells"][0]["text"] == "13"

    as_admin = admin_client_role.get(url("reports:index", **params))
    assert 'name="caseworker"' in as_admin.text
    report = as_admin.context["report"]
    assert report.scope_label.startswith("Fallmanager:in")
    assert report.tables[0]["rows"][0]["cells"][0]["text"] == "1"  # for the funder: exact
    published = admin_client_role.get(url("reports:index", **{**params, **PUBLICATION}))
    overview = published.context["report"].tables[0]
    assert overview["rows"][0]["cells"][0]["text"] in ("< 3", "x")


def test_invalid_period_is_a_form_error_not_a_500(reporter_client):
    params = {"kind": "frei", "date_from": "2025-05-01", "date_to": "2025-01-01"}
    response = reporter_client.get(url("reports:index", **params))
    assert response.status_code == 400
    assert "Das Ende darf nicht vor dem Beginn liegen." in response.text
    response = reporter_client.get(url("reports:index", kind="quartal", year="2025"))
    assert response.status_code == 400


def test_default_period_is_the_current_year(reporter_client):
    response = reporter_client.get(INDEX)
    assert response.status_code == 200
    assert response.context["report"].period.start.month == 1


@pytest.mark.parametrize(
    ("params", "start", "end"),
    [
        ({"kind": "halbjahr", "year": "2025", "half": "2"}, D(2025, 7, 1), D(2025, 12, 31)),
        ({"kind": "quartal", "year": "2025", "quarter": "2"}, D(2025, 4, 1), D(2025, 6, 30)),
        (
            {"kind": "frei", "date_from": "2025-03-15", "date_to": "2025-04-14"},
            D(2025, 3, 15),
            D(2025, 4, 14),
        ),
    ],
)
def test_period_chooser(reporter_client, params, start, end):
    period = reporter_client.get(url("reports:index", **params)).context["report"].period
    assert (period.start, period.end) == (start, end)


# --- content and exports --------------------------------------------------------------------


def test_page_shows_charts_as_images_without_scripts(reporter_client, cohort):
    response = reporter_client.get(url("reports:index"))
    assert response.text.count('src="data:image/svg+xml;base64,') == 3
    assert "<script" not in response.text.split("<main")[1].split("</main>")[0]
    for encoded in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', response.text):
        svg = base64.b64decode(encoded).decode()
        assert svg.startswith("<svg")
        assert "<script" not in svg


@pytest.mark.parametrize("fmt", ["pdf", "csv", "xlsx"])
def test_exports_are_logged(reporter_client, reporter, cohort, fmt):
    response = reporter_client.get(url("reports:export", fmt))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    log = AccessLog.objects.get(user=reporter)
    assert (log.action, log.object_type, log.participant_id) == (
        "export",
        "report/foerdergeber",
        None,
    )


def test_pdf_has_title_page_contents_figures_and_definitions(
    reporter_client, reporter, cohort, settings
):
    response = reporter_client.get(url("reports:export", "pdf"))
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.trailer["/Root"]["/Lang"] == "de"
    assert "Förderbericht" in reader.metadata.title
    text = pdf_text(response.content)
    assert settings.PROGRAMME["funder"].split()[0] in text
    assert "Jahr 2025" in text
    assert reporter.get_full_name() in text  # who created it
    assert "Inhalt" in text
    assert "Begriffe und Zählregeln" in text
    assert "Aktiv im Zeitraum 12" in text
    assert "Integrationsquote" in text


def test_csv_is_utf8_with_bom_and_semicolons(reporter_client, cohort):
    content = reporter_client.get(url("reports:export", "csv")).content
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    assert "Aktiv im Zeitraum;12" in text
    assert "Merkmal;Aktiv im Zeitraum;Eintritte;Austritte" in text
    assert "Austritte insgesamt;4" in text


def test_xlsx_has_one_sheet_per_table(reporter_client, cohort):
    content = reporter_client.get(url("reports:export", "xlsx")).content
    workbook = load_workbook(io.BytesIO(content))
    page = reporter_client.get(url("reports:index"))
    assert len(workbook.worksheets) == len(page.context["report"].tables) + 1
    overview = workbook.worksheets[1]
    assert overview["A3"].value == "Aktiv im Zeitraum"
    assert overview["B3"].value == 12


def test_small_cells_are_suppressed_in_page_pdf_csv_and_xlsx(reporter_client, caseworker):
    ParticipantFactory.create_batch(5, caseworker=caseworker, entry_date=D(2025, 1, 5))
    ParticipantFactory(
        caseworker=caseworker, entry_date=D(2025, 1, 5), gender=Participant.Gender.DIVERSE
    )
    page = reporter_client.get(url("reports:index", **PUBLICATION))
    gender = next(t for t in page.context["report"].tables if t["key"] == "gender")
    cells = {row["label"]: row["cells"][0]["text"] for row in gender["rows"]}
    assert cells == {
        "weiblich": "x",
        "männlich": "0",
        "divers": "< 3",
        "keine Angabe": "0",
        "Insgesamt": "6",
    }
    csv = reporter_client.get(url("reports:export", "csv", **PUBLICATION)).content.decode()
    assert "divers;< 3;< 3;0" in csv
    assert "weiblich;x;x;0" in csv
    pdf = pdf_text(reporter_client.get(url("reports:export", "pdf", **PUBLICATION)).content)
    assert "divers < 3 < 3 0" in pdf
    xlsx = reporter_client.get(url("reports:export", "xlsx", **PUBLICATION)).content
    workbook = load_workbook(io.BytesIO(xlsx))
    gender_sheet = next(s for s in workbook.worksheets if "Geschlecht" in s.title)
    rows = {row[0]: row[1] for row in gender_sheet.iter_rows(values_only=True) if row}
    assert rows["divers"] == "< 3"
    assert rows["weiblich"] == "x"


MARKERS = ["Zzmarkervorname", "Zzmarkernachname", "Zzmarkernotiz", "Zzmarkerdetail"]


def test_no_personal_data_in_any_output(reporter_client, caseworker, cohort, settings):
    person = ParticipantFactory(
        caseworker=caseworker,
        first_name=MARKERS[0],
        last_name=MARKERS[1],
        preferred_name=MARKERS[0],
        date_of_birth=D(1987, 4, 23),
        entry_date=D(2025, 4, 1),
        residence_details=MARKERS[3],
        health_notes=MARKERS[3],
        qualifications=MARKERS[3],
        interests=MARKERS[3],
    )
    CaseNoteFactory(participant=person, date=D(2025, 5, 2), text=MARKERS[2])
    PlacementFactory(participant=person, goals=MARKERS[2], tasks=MARKERS[2], state="laeuft",
                     planned_start=D(2025, 5, 5), planned_end=D(2025, 5, 30))  # fmt: skip
    forbidden = [*MARKERS, "23.04.1987", "1987-04-23", "Haddad"]
    outputs = {
        "page": reporter_client.get(url("reports:index")).text,
        "csv": reporter_client.get(url("reports:export", "csv")).content.decode("utf-8-sig"),
        "xlsx": xlsx_text(reporter_client.get(url("reports:export", "xlsx")).content),
        "pdf": pdf_text(reporter_client.get(url("reports:export", "pdf")).content),
    }
    with zipfile.ZipFile(
        io.BytesIO(reporter_client.get(url("reports:export", "xlsx")).content)
    ) as archive:
        outputs["xlsx-raw"] = "".join(archive.read(n).decode() for n in archive.namelist())
    reporter_client.get(url("reports:issue"))
    reporter_client.post(url("reports:issue"), YEAR_2025)
    issued = IssuedReport.objects.get()
    outputs["issued-json"] = reporter_client.get(
        reverse("reports:issued_figures", args=[issued.pk])
    ).content.decode()
    outputs["issued-pdf"] = pdf_text(bytes(issued.pdf))
    for name, text in outputs.items():
        for marker in forbidden:
            assert marker.lower() not in text.lower(), f"{marker} found in {name}"
    assert "Aktiv im Zeitraum" in outputs["pdf"]


# --- issued reports -----------------------------------------------------------------------


def test_issue_needs_confirmation_and_stores_period_figures_and_pdf(reporter_client, cohort):
    confirm = reporter_client.get(url("reports:issue"))
    assert confirm.status_code == 200
    assert "endgültig" in confirm.text
    assert not IssuedReport.objects.exists()
    response = reporter_client.post(url("reports:issue"), YEAR_2025)
    assert response.status_code == 302
    issued = IssuedReport.objects.get()
    assert (issued.period_start, issued.period_end) == (D(2025, 1, 1), D(2025, 12, 31))
    assert issued.figures[0]["rows"][0]["cells"][0]["value"] == 12
    assert bytes(issued.pdf).startswith(b"%PDF")
    page = reporter_client.get(url("reports:index"))
    assert reverse("reports:issued_pdf", args=[issued.pk]) in page.text


def test_issued_report_stays_unchanged_after_cases_change(
    reporter_client, admin_client_role, caseworker, cohort
):
    reporter_client.post(url("reports:issue"), YEAR_2025)
    issued = IssuedReport.objects.get()
    stored_pdf, stored_figures = bytes(issued.pdf), issued.figures

    # Cases change afterwards: new participants, an exit undone.
    ParticipantFactory.create_batch(5, caseworker=caseworker, entry_date=D(2025, 6, 1))
    change_status(cohort[0], Participant.Status.PROFILING, caseworker, on=D(2026, 1, 5))
    fresh = reporter_client.get(url("reports:index")).context["report"].tables
    assert fresh != stored_figures

    for client in (reporter_client, admin_client_role):
        download = client.get(reverse("reports:issued_pdf", args=[issued.pk]))
        assert download.status_code == 200
        assert download.content == stored_pdf
        figures = client.get(reverse("reports:issued_figures", args=[issued.pk])).json()
        assert figures["tables"] == stored_figures
    assert pdf_text(stored_pdf).count("Aktiv im Zeitraum 12") == 1


def test_issued_reports_cannot_be_changed_or_deleted(reporter_client, cohort):
    reporter_client.post(url("reports:issue"), YEAR_2025)
    issued = IssuedReport.objects.get()
    with pytest.raises(ProgrammingError), transaction.atomic():
        IssuedReport.objects.filter(pk=issued.pk).update(period_label="geändert")
    with pytest.raises(ProgrammingError), transaction.atomic():
        issued.delete()
    assert IssuedReport.objects.get().period_label == "Jahr 2025"


def test_issued_download_of_unknown_report_is_404(reporter_client):
    assert reporter_client.get(reverse("reports:issued_pdf", args=[999])).status_code == 404


# --- background jobs ----------------------------------------------------------------------


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def test_large_report_is_offered_as_background_job(reporter_client, cohort, settings):
    settings.REPORT_INLINE_MAX = 5
    page = reporter_client.get(url("reports:index"))
    assert page.context.get("large") is True
    assert "report" not in page.context
    assert "Im Hintergrund erstellen" in page.text
    export = reporter_client.get(url("reports:export", "pdf"))
    assert export.status_code == 302


def test_background_job_runs_and_only_its_owner_downloads(
    reporter_client,
    reporter,
    admin_client_role,
    cohort,
    immediate_tasks,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = reporter_client.post(
            reverse("reports:job_start"), {**YEAR_2025, "format": "csv"}
        )
    job = ReportJob.objects.get()
    assert response.url == reverse("reports:job", args=[job.pk])
    assert (job.owner, job.status, job.progress) == (reporter, "fertig", 100)
    assert job.filename.endswith(".csv")

    status = reporter_client.get(reverse("reports:job", args=[job.pk]))
    assert "Datei herunterladen" in status.text
    partial = reporter_client.get(reverse("reports:job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "<html" not in partial.text
    assert 'id="job-status"' in partial.text
    assert "data-hx-trigger" not in partial.text  # finished: no more polling

    download = reporter_client.get(reverse("reports:job_download", args=[job.pk]))
    assert download.status_code == 200
    assert download.content.decode("utf-8-sig").startswith("Förderbericht")
    assert AccessLog.objects.filter(user=reporter, action="export").count() == 1

    assert admin_client_role.get(reverse("reports:job", args=[job.pk])).status_code == 404
    assert admin_client_role.get(reverse("reports:job_download", args=[job.pk])).status_code == 404


def test_large_report_is_issued_in_the_background(
    reporter_client, reporter, cohort, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    settings.REPORT_INLINE_MAX = 5
    page = reporter_client.get(url("reports:index", **YEAR_2025))
    assert reverse("reports:issue") in page.text  # offered without the figures on the page
    confirm = reporter_client.get(url("reports:issue", **YEAR_2025))
    assert confirm.status_code == 200 and not ReportJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = reporter_client.post(url("reports:issue"), YEAR_2025)
    job = ReportJob.objects.get()
    assert response.url == reverse("reports:job", args=[job.pk])
    assert (job.issue, job.format, job.status) == (True, "pdf", "fertig")
    issued = IssuedReport.objects.get()
    assert (issued.period_start, issued.period_end) == (D(2025, 1, 1), D(2025, 12, 31))
    assert issued.issued_by == reporter
    assert bytes(issued.pdf) == bytes(job.result)
    assert issued.figures[0]["rows"][0]["cells"][0]["value"] == 12
    status = reporter_client.get(reverse("reports:job", args=[job.pk]))
    assert "ist ausgestellt" in status.text


def test_a_failed_background_issue_issues_nothing(
    reporter_client,
    cohort,
    settings,
    monkeypatch,
    immediate_tasks,
    django_capture_on_commit_callbacks,
):
    def broken(report, fmt):
        raise RuntimeError("PDF rendering failed")

    settings.REPORT_INLINE_MAX = 5
    monkeypatch.setattr("fallmanagement.reports.tasks.render_report", broken)
    with django_capture_on_commit_callbacks(execute=True):
        reporter_client.post(url("reports:issue"), YEAR_2025)  # the task fails (and is logged)
    assert ReportJob.objects.get().status == "fehler"
    assert not IssuedReport.objects.exists()


def test_running_job_status_polls_and_shows_progress(reporter_client, reporter):
    job = ReportJob.objects.create(
        owner=reporter,
        period_start=D(2025, 1, 1),
        period_end=D(2025, 12, 31),
        period_label="Jahr 2025",
        format="pdf",
        status="laeuft",
        progress=40,
    )
    partial = reporter_client.get(reverse("reports:job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert 'data-hx-trigger="every 2s"' in partial.text
    assert 'value="40"' in partial.text
    assert reporter_client.get(reverse("reports:job_download", args=[job.pk])).status_code == 404


def test_task_function_builds_the_file(reporter, cohort):
    job = ReportJob.objects.create(
        owner=reporter,
        period_start=D(2025, 1, 1),
        period_end=D(2025, 12, 31),
        period_label="Jahr 2025",
        format="xlsx",
    )
    build_report_job.call(job.pk)
    job.refresh_from_db()
    assert job.status == "fertig"
    assert bytes(job.result).startswith(b"PK")
