"""An employer's "aktiver Partner seit" may lie in the past (a running programme enters its
partners), never in the future; the report's "Aktive Partnerbetriebe am Stichtag" counts them."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from employers.models import Employer
from fallmanagement.reports.figures import Context, compute_tables
from fallmanagement.reports.periods import Period
from tests.employers.test_forms import employer_data
from tests.factories import EmployerFactory

CREATE = reverse("employers:create")


def network(period: Period) -> dict:
    table = next(t for t in compute_tables(Context(period)) if t.key == "network")
    return {row.label: row.values[0] for row in table.rows}


def test_administration_enters_a_partner_active_for_years(admin_client_role):
    response = admin_client_role.post(CREATE, employer_data(partner_since="2023-03-01"))
    assert response.status_code == 302
    employer = Employer.objects.get()
    assert employer.partner_since == datetime.date(2023, 3, 1)
    # The partnership's history starts when it did, not on the day it was typed in.
    assert employer.state_since == datetime.date(2023, 3, 1)
    assert employer.state_changes.get().changed_on == datetime.date(2023, 3, 1)
    last_year = timezone.localdate().year - 1
    assert network(Period.year(last_year))["Aktive Partnerbetriebe am Stichtag"] == 1
    assert network(Period.year(2022))["Aktive Partnerbetriebe am Stichtag"] == 0
    assert network(Period.year(2023))["Neue Partnerbetriebe im Zeitraum"] == 1


def test_today_is_the_latest_partner_since_date(admin_client_role):
    today = timezone.localdate()
    response = admin_client_role.post(CREATE, employer_data(partner_since=today.isoformat()))
    assert response.status_code == 302
    assert Employer.objects.get().partner_since == today


def test_partner_since_tomorrow_is_refused_with_a_message(admin_client_role):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = admin_client_role.post(CREATE, employer_data(partner_since=tomorrow.isoformat()))
    assert response.status_code == 400
    assert "„Aktiver Partner seit“ darf nicht in der Zukunft liegen." in response.text
    assert not Employer.objects.exists()


def test_partner_since_only_for_active_partners(admin_client_role):
    data = employer_data(state="angefragt", partner_since="2024-01-01")
    response = admin_client_role.post(CREATE, data)
    assert response.status_code == 400
    assert "gilt nur für Betriebe mit der Partnerschaft „aktiv“" in response.text


def test_without_a_date_an_active_partner_counts_from_today(admin_client_role):
    assert admin_client_role.post(CREATE, employer_data()).status_code == 302
    assert Employer.objects.get().partner_since == timezone.localdate()


@pytest.mark.parametrize("value", ["01.13.2024", "gestern", "2024-02-30"])
def test_a_malformed_date_is_a_form_error_not_a_500(admin_client_role, value):
    response = admin_client_role.post(CREATE, employer_data(partner_since=value))
    assert response.status_code == 400


def test_the_rule_lives_in_the_model_for_every_form_and_import(db):
    employer = EmployerFactory(partner_since=datetime.date(2019, 5, 1))
    employer.clean()  # the past is fine
    employer.partner_since = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        employer.clean()
    assert "partner_since" in error.value.message_dict


def test_a_caseworker_proposal_cannot_set_the_date(caseworker_client):
    data = employer_data(partner_since="2020-01-01")
    assert caseworker_client.post(CREATE, data).status_code == 302
    employer = Employer.objects.get()
    assert employer.state == Employer.PartnershipState.REQUESTED
    assert employer.partner_since is None
