"""Round trip of the demo caseloads: each caseworker exports the cases they see (CSV, as the
caseload export writes it), the cases are removed, the files are imported into the emptied
database, and each caseworker's list and the report figures about the participants are the
same as before."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fallmanagement.core.roles import Role
from fallmanagement.imports import engine
from fallmanagement.imports.models import ImportKind, ImportRun
from fallmanagement.reports.figures import compute_report
from fallmanagement.reports.periods import Period
from offers.models import Referral
from participants.models import Participant
from placements.models import Placement

# The report's tables that rest on the participants' own data (the caseload export holds
# no placements, notes or referrals; "caseload" counts notes, so it is left out).
PARTICIPANT_FIGURES = {"gender", "age", "country", "residence", "exit_reasons"}


def _caseload(user) -> list[tuple]:
    return sorted(
        Participant.objects.visible_to(user).values_list(
            "last_name",
            "first_name",
            "date_of_birth",
            "gender",
            "country_of_origin",
            "status",
            "entry_date",
            "exit_date",
            "exit_reason",
            "caseworker__username",
        )
    )


def _figures() -> list[dict]:
    year = timezone.localdate().year
    report = compute_report(Period.year(year))
    return [table for table in report if table["key"] in PARTICIPANT_FIGURES]


@pytest.mark.django_db
def test_demo_caseloads_export_and_import_into_an_empty_database(administrator):
    call_command("seed_demo", participants=40, stdout=None)
    caseworkers = list(
        type(administrator).objects.filter(groups__name=Role.CASEWORK).order_by("username")
    )
    before = {u.username: _caseload(u) for u in caseworkers}
    figures_before = _figures()
    assert {t["key"] for t in figures_before} == PARTICIPANT_FIGURES
    assert sum(len(rows) for rows in before.values()) >= 40
    files = []
    for user in caseworkers:
        client = Client()
        client.force_login(user)
        response = client.get(reverse("participants:caseload_export", args=["csv"]))
        assert response.status_code == 200
        files.append((user.username, response.content))

    Referral.objects.all().delete()
    Placement.objects.all().delete()
    Participant.objects.all().delete()
    assert not Participant.objects.exists()

    for username, content in files:
        run = ImportRun(
            kind=ImportKind.PARTICIPANTS,
            filename=f"faelle-{username}.csv",
            content=content,
            started_by=administrator,
        )
        run.mapping = engine.suggest_mapping(run.kind, engine.read(run).headers)
        run.save()
        engine.process(run, dry_run=False)
        assert run.errors == 0, run.rows[:3]

    fresh = [type(u).objects.get(pk=u.pk) for u in caseworkers]  # nothing cached
    assert {u.username: _caseload(u) for u in fresh} == before
    assert _figures() == figures_before
