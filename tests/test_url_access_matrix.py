"""Every URL of the project, walked from the URL resolver, refuses the users it must refuse.

- anonymous: redirect to the login page (except the login page and the health check),
- a user without a role: 403 or 404, never a page with data (except start and password pages),
- Berichtswesen: 403 or 404 everywhere except the reports, start and password pages,
- a second caseworker: 404 on the first caseworker's participant and placement URLs.

A new URL pattern is covered automatically; a new path converter name needs an entry in
`_kwargs` (the test fails with a clear message otherwise).
"""

import datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from fallmanagement.imports.models import ImportKind, ImportRun
from fallmanagement.reports.models import IssuedReport, ReportJob
from placements.models import Document
from tests.factories import (
    EmployerFactory,
    FollowUpFactory,
    NetworkPartnerFactory,
    PlacementFactory,
)

from .offers.factories import ReferralFactory

SKIPPED_PREFIXES = ("admin:", "set_language")
PUBLIC = {"login", "healthz"}
# Pages any logged-in user may open: their own account, the start page, the second factor.
OWN_ACCOUNT = {
    "home",
    "logout",
    "password_change",
    "password_change_done",
    "otp_verify",
    "otp_setup",
}

ADMINISTRATION_ONLY = {"participants:reassign", "participants:bulk_reassign"}
# Funding targets are entered by Administration; Berichtswesen only sees them in the report.
REPORT_TARGETS = {"reports:targets", "reports:target_edit", "reports:target_delete"}


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _walk(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def all_url_names() -> list[tuple[str, URLPattern]]:
    names = {}
    for name, pattern in _walk(get_resolver().url_patterns):
        if not name.startswith(SKIPPED_PREFIXES):
            names[name] = pattern
    return sorted(names.items())


@pytest.fixture
def world(caseworker, reporter, participant):
    placement = PlacementFactory(participant=participant)
    followup = FollowUpFactory(participant=participant)
    goal = participant.goals.create(
        text="Deutsch B1", agreed_on=datetime.date(2026, 1, 5), author=caseworker
    )
    recognition = participant.recognitions.create(reference_profession="Elektroniker/in")
    report = IssuedReport.objects.create(
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 3, 31),
        period_label="1. Quartal 2026",
        scope_label="alle",
        figures={},
        pdf=b"%PDF-1.7",
        sha256="0" * 64,
        issued_by=reporter,
        issued_by_name="Petra",
    )
    job = ReportJob.objects.create(
        owner=reporter,
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        period_label="Jahr 2025",
        format="pdf",
    )
    referral = ReferralFactory(participant=participant)
    note = participant.notes.create(
        date=datetime.date(2026, 1, 5), contact_kind="telefon", text="Anruf", author=caseworker
    )
    document = Document.objects.create(
        participant=participant,
        kind=Document.Kind.OTHER,
        file="dokumente/0123456789abcdef0123456789abcdef",
        original_name="a.pdf",
        content_type="application/pdf",
        size=1,
    )
    return {
        "participant": participant,
        "placement": placement,
        "referral": referral,
        "offer": referral.offer,
        "note": note,
        "document": document,
        "employer": EmployerFactory(),
        "network": NetworkPartnerFactory(),
        "followup": followup,
        "goal": goal,
        "recognition": recognition,
        "report": report,
        "job": job,
        "import_run": ImportRun.objects.create(
            kind=ImportKind.PARTICIPANTS,
            filename="liste.csv",
            content=b"Nachname;Vorname\r\nHaddad;Rana\r\n",
            started_by=reporter,
        ),
    }


def _kwargs(name: str, pattern: URLPattern, world) -> dict:
    """Fill the path converters of `pattern` with the ids of the objects in `world`."""
    namespace = name.split(":")[0] if ":" in name else ""
    short = name.split(":")[-1]
    kwargs = {}
    for key in pattern.pattern.converters:
        if key == "pk":
            if short.startswith("week_followup"):
                value = world["followup"].pk
            elif namespace in ("participants", "privacy"):
                value = world["participant"].pk
            elif namespace == "placements":
                value = world["placement"].pk
            elif namespace == "employers":
                value = world["network" if short.startswith("network") else "employer"].pk
            elif namespace == "offers":
                value = world["referral" if short.startswith("referral") else "offer"].pk
            elif namespace == "imports":
                value = world["import_run"].pk
            elif namespace == "reports":
                value = world["job" if short.startswith("job") else "report"].pk
            else:
                raise AssertionError(f"{name}: no object for <pk>, extend _kwargs")
        elif key == "participant_pk":
            value = world["participant"].pk
        elif key == "goal_pk":
            value = world["goal"].pk
        elif key == "followup_pk":
            value = world["followup"].pk
        elif key == "recognition_pk":
            value = world["recognition"].pk
        elif key == "action":
            value = "laufen"
        elif key == "fmt":
            value = "csv"
        elif key == "note_pk":
            value = world["note"].pk
        elif key == "document_pk":
            value = world["document"].pk
        elif key == "key":
            value = "faellig"  # a list of "Meine Woche": the user's own cases only
        else:
            raise AssertionError(f"{name}: no value for <{key}>, extend _kwargs")
        kwargs[key] = value
    return kwargs


def _urls(world):
    for name, pattern in all_url_names():
        yield name, reverse(name, kwargs=_kwargs(name, pattern, world))


def _get_or_post(client, url):
    """GET, and for views that only accept POST, an empty POST (the refusal comes first)."""
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


def test_the_matrix_covers_every_part_of_the_project():
    names = {name for name, _pattern in all_url_names()}
    for expected in (
        "participants:detail",
        "employers:network_detail",
        "placements:agreement_pdf",
        "reports:index",
        "privacy:security_events",
    ):
        assert expected in names


def test_anonymous_is_sent_to_login_everywhere(client, world):
    for name, url in _urls(world):
        response = _get_or_post(client, url)
        if name in PUBLIC:
            assert response.status_code in (200, 503), name
            continue
        assert response.status_code == 302, (name, response.status_code)
        assert response.url.startswith(reverse("login")), (name, response.url)


def test_user_without_role_gets_nothing_but_own_account_pages(no_role_client, world):
    for name, url in _urls(world):
        if name in PUBLIC or name in OWN_ACCOUNT:
            continue
        response = _get_or_post(no_role_client, url)
        assert response.status_code in (403, 404), (name, response.status_code)


def test_reporting_sees_only_reports_start_and_account(reporter_client, world):
    for name, url in _urls(world):
        if name in PUBLIC or name in OWN_ACCOUNT:
            continue
        response = _get_or_post(reporter_client, url)
        if name == "reports:job_download":
            # The job has not finished yet: nothing to download.
            assert response.status_code == 404, (name, response.status_code)
        elif name in REPORT_TARGETS:
            assert response.status_code == 403, (name, response.status_code)
        elif name.startswith("reports:"):
            assert response.status_code < 400, (name, response.status_code)
        else:
            assert response.status_code in (403, 404), (name, response.status_code)


def test_second_caseworker_gets_404_on_the_first_caseworkers_case(other_caseworker_client, world):
    checked = 0
    for name, url in _urls(world):
        if not name.startswith(
            ("participants:", "placements:", "employers:matching", "offers:referral")
        ):
            continue
        if name in (
            "participants:list",
            "participants:create",
            "participants:caseload_export",
            "placements:board",
            "participants:week_list",  # lists the user's own cases only (tested in test_myweek)
        ):
            continue
        if name == "placements:create":
            url += f"?participant={world['participant'].pk}"
        response = _get_or_post(other_caseworker_client, url)
        if name in ADMINISTRATION_ONLY:
            # Refused by role before any lookup: the same 403 for every case, no existence leak.
            assert response.status_code == 403, (name, response.status_code)
            continue
        assert response.status_code == 404, (name, response.status_code)
        checked += 1
    assert checked >= 15


def test_second_caseworker_cannot_use_the_administration_pages(other_caseworker_client, world):
    for name, url in _urls(world):
        if name.startswith("privacy:"):
            response = _get_or_post(other_caseworker_client, url)
            assert response.status_code in (403, 404), (name, response.status_code)
