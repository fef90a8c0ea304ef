"""Creating, proposing, editing, state changes, contact history, deactivate and delete."""

import datetime

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from employers import views
from employers.forms import EmployerCreateForm
from employers.models import (
    ContactPerson,
    Employer,
    EmployerContact,
    EmployerField,
    EmployerStateChange,
    NetworkPartner,
)
from fallmanagement.core.roles import Role
from tests.factories import (
    ContactPersonFactory,
    EmployerFactory,
    EmployerFieldFactory,
    NetworkPartnerFactory,
    ParticipantFactory,
    PlacementFactory,
    make_user,
)

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    """The office's today when called (a run may cross midnight in Berlin)."""
    return timezone.localdate()


def employer_data(**overrides) -> dict:
    data = {
        "name": "Metallbau Hofmann",
        "legal_form": "gmbh",
        "street": "Industriestraße 5",
        "postcode": "34123",
        "city": "Kassel",
        "industry": "Metallbau",
        "size_band": "10-49",
        "phone": "0561 123456",
        "email": "info@hofmann.example.org",
        "website": "",
        "capacity": "2",
        "capacity_notes": "",
        "workplace_languages": "Deutsch",
        "transit_access": "Tram 1",
        "is_training_company": "on",
        "chamber": "hwk",
        "notes": "",
        "state": "aktiv",
        "fields-TOTAL_FORMS": "1",
        "fields-INITIAL_FORMS": "0",
        "fields-MIN_NUM_FORMS": "0",
        "fields-MAX_NUM_FORMS": "1000",
        "fields-0-kldb_group": "24",
        "fields-0-offers_internship": "on",
        "contacts-TOTAL_FORMS": "1",
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "1000",
        "contacts-0-name": "Jörg Hofmann",
        "contacts-0-role": "Geschäftsführung",
        "contacts-0-phone": "0561 123457",
        "contacts-0-email": "",
        "contacts-0-preferred_contact": "telefon",
        "contacts-0-consent_to_store": "on",
        "contacts-0-consent_date": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def edit_data(employer: Employer, **overrides) -> dict:
    """POST data of the edit form for an employer without fields and contacts."""
    data = employer_data(
        name=employer.name,
        postcode=employer.postcode,
        city=employer.city,
        state=None,
        version=str(employer.version),
        **{
            "fields-TOTAL_FORMS": "0",
            "contacts-TOTAL_FORMS": "0",
            "fields-0-kldb_group": None,
            "fields-0-offers_internship": None,
            **{f"contacts-0-{k}": None for k in ("name", "role", "phone", "email")},
            "contacts-0-preferred_contact": None,
            "contacts-0-consent_to_store": None,
            "contacts-0-consent_date": None,
        },
    )
    data.update(overrides)
    return data


# --- create and propose ---------------------------------------------------------------------


def test_administration_creates_active_employer_with_field_and_contact(admin_client_role):
    response = admin_client_role.post(reverse("employers:create"), employer_data())
    assert response.status_code == 302
    employer = Employer.objects.get(name="Metallbau Hofmann")
    assert response["Location"] == reverse("employers:detail", args=[employer.pk])
    assert employer.state == Employer.PartnershipState.ACTIVE
    assert employer.partner_since == today()
    assert employer.proposed_by is None
    assert list(employer.fields.values_list("kldb_group_id", flat=True)) == ["24"]
    contact = employer.contacts.get()
    assert contact.consent_to_store and contact.consent_date == today()
    change = EmployerStateChange.objects.get(employer=employer)
    assert change.from_state == "" and change.to_state == "aktiv"


def test_caseworker_proposal_starts_as_requested_and_names_the_proposer(
    caseworker_client, caseworker
):
    response = caseworker_client.post(reverse("employers:create"), employer_data(state="aktiv"))
    assert response.status_code == 302
    employer = Employer.objects.get(name="Metallbau Hofmann")
    assert employer.state == Employer.PartnershipState.REQUESTED
    assert employer.partner_since is None
    assert employer.proposed_by == caseworker
    assert employer.proposed_on == today()
    page = caseworker_client.get(reverse("employers:detail", args=[employer.pk]))
    assert "Vorgeschlagen von" in page.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postcode", "3411", "fünfstellige Postleitzahl"),
        ("postcode", "ABCDE", "fünfstellige Postleitzahl"),
        ("phone", "ruf mich an", "Telefonnummer aus Ziffern"),
        ("email", "keine-mail", "gültige E-Mail-Adresse"),
        ("name", "", "Dieses Feld ist zwingend erforderlich"),
    ],
)
def test_invalid_master_data_is_refused_with_message(admin_client_role, field, value, message):
    response = admin_client_role.post(reverse("employers:create"), employer_data(**{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Employer.objects.exists()


def test_duplicate_name_and_postcode_is_refused_case_insensitively(admin_client_role):
    EmployerFactory(name="Metallbau Hofmann", postcode="34123")
    response = admin_client_role.post(
        reverse("employers:create"), employer_data(name="METALLBAU hofmann")
    )
    assert response.status_code == 400
    assert "bereits erfasst" in response.content.decode()
    assert Employer.objects.count() == 1


def test_same_name_in_another_postcode_is_fine(admin_client_role):
    EmployerFactory(name="Metallbau Hofmann", postcode="34117")
    response = admin_client_role.post(reverse("employers:create"), employer_data())
    assert response.status_code == 302
    assert Employer.objects.count() == 2


def test_duplicate_created_concurrently_gives_form_error_not_500(administrator):
    form = EmployerCreateForm(employer_data())
    assert form.is_valid()
    # Another session saves the same employer after our form was validated.
    EmployerFactory(name="metallbau hofmann", postcode="34123")
    request = RequestFactory().post("/")
    request.user = administrator
    assert views._save_employer(request, form, [], create=True) is None
    assert "bereits erfasst" in str(form.errors["name"])
    assert Employer.objects.count() == 1


def test_contact_person_without_consent_is_not_stored(admin_client_role):
    response = admin_client_role.post(
        reverse("employers:create"), employer_data(**{"contacts-0-consent_to_store": None})
    )
    assert response.status_code == 400
    assert "nur mit ihrer Einwilligung gespeichert" in response.content.decode()
    assert not Employer.objects.exists()
    assert not ContactPerson.objects.exists()


def test_training_company_needs_a_chamber(admin_client_role):
    response = admin_client_role.post(reverse("employers:create"), employer_data(chamber=""))
    assert response.status_code == 400
    assert "zuständige Kammer" in response.content.decode()


def test_same_field_twice_is_refused(admin_client_role):
    data = employer_data(
        **{
            "fields-TOTAL_FORMS": "2",
            "fields-1-kldb_group": "24",
            "fields-1-offers_internship": "on",
        }
    )
    response = admin_client_role.post(reverse("employers:create"), data)
    assert response.status_code == 400
    assert not Employer.objects.exists()


# --- edit with optimistic locking ---------------------------------------------------------------


def test_administration_edits_master_data(admin_client_role):
    employer = EmployerFactory(name="Alt", postcode="34117")
    response = admin_client_role.post(
        reverse("employers:edit", args=[employer.pk]), edit_data(employer, name="Neu GmbH")
    )
    assert response.status_code == 302
    employer.refresh_from_db()
    assert employer.name == "Neu GmbH"
    assert employer.version == 2


def test_edit_to_duplicate_name_is_refused(admin_client_role):
    EmployerFactory(name="Bäckerei Jobi", postcode="34117")
    employer = EmployerFactory(name="Bäckerei Becker", postcode="34117")
    response = admin_client_role.post(
        reverse("employers:edit", args=[employer.pk]), edit_data(employer, name="bäckerei jobi")
    )
    assert response.status_code == 400
    assert "bereits erfasst" in response.content.decode()


def test_second_editor_gets_409_and_keeps_input(administrator):
    other_admin = make_user(Role.ADMINISTRATION, username="karin")
    first, second = Client(), Client()
    first.force_login(administrator)
    second.force_login(other_admin)
    employer = EmployerFactory(name="Tischlerei Wolf", postcode="34117")
    url = reverse("employers:edit", args=[employer.pk])
    assert first.get(url).status_code == 200
    assert second.get(url).status_code == 200
    # Both loaded version 1; the second saves first.
    assert second.post(url, edit_data(employer, city="Vellmar")).status_code == 302
    response = first.post(url, edit_data(employer, city="Baunatal", notes="Meine Notiz"))
    assert response.status_code == 409
    content = response.content.decode()
    assert "inzwischen von jemand anderem geändert" in content
    assert "Meine Notiz" in content and 'value="Baunatal"' in content
    employer.refresh_from_db()
    assert employer.city == "Vellmar"


def test_edit_removes_a_field_and_a_contact(admin_client_role):
    employer = EmployerFactory()
    field = EmployerFieldFactory(employer=employer)
    contact = ContactPersonFactory(employer=employer, phone="0561 1", email="")
    data = edit_data(
        employer,
        **{
            "fields-TOTAL_FORMS": "1",
            "fields-INITIAL_FORMS": "1",
            "fields-0-id": str(field.pk),
            "fields-0-kldb_group": "24",
            "fields-0-offers_internship": "on",
            "fields-0-DELETE": "on",
            "contacts-TOTAL_FORMS": "1",
            "contacts-INITIAL_FORMS": "1",
            "contacts-0-id": str(contact.pk),
            "contacts-0-name": contact.name,
            "contacts-0-phone": "0561 1",
            "contacts-0-consent_to_store": "on",
            "contacts-0-DELETE": "on",
        },
    )
    response = admin_client_role.post(reverse("employers:edit", args=[employer.pk]), data)
    assert response.status_code == 302
    assert not EmployerField.objects.filter(employer=employer).exists()
    assert not ContactPerson.objects.filter(employer=employer).exists()


# --- partnership state -----------------------------------------------------------------------


def test_becoming_active_sets_partner_since_and_records_change(admin_client_role, administrator):
    employer = EmployerFactory(
        state=Employer.PartnershipState.INTERESTED, partner_since=None, state_since=None
    )
    day = today() - datetime.timedelta(days=3)
    response = admin_client_role.post(
        reverse("employers:change_state", args=[employer.pk]),
        {"to_state": "aktiv", "changed_on": day.isoformat(), "reason": ""},
    )
    assert response.status_code == 302
    employer.refresh_from_db()
    assert employer.state == "aktiv" and employer.partner_since == day
    assert employer.state_since == day
    change = employer.state_changes.get()
    assert (change.from_state, change.to_state, change.changed_by) == (
        "interessiert",
        "aktiv",
        administrator,
    )


def test_reactivation_keeps_first_partner_since(admin_client_role):
    first = datetime.date(2024, 5, 1)
    employer = EmployerFactory(
        state=Employer.PartnershipState.PAUSED, partner_since=first, state_since=first
    )
    admin_client_role.post(
        reverse("employers:change_state", args=[employer.pk]),
        {"to_state": "aktiv", "changed_on": today().isoformat()},
    )
    employer.refresh_from_db()
    assert employer.state == "aktiv" and employer.partner_since == first


def test_pause_needs_a_reason(admin_client_role):
    employer = EmployerFactory()
    url = reverse("employers:change_state", args=[employer.pk])
    response = admin_client_role.post(url, {"to_state": "pausiert", "changed_on": today()})
    assert response.status_code == 400
    assert "Grund" in response.content.decode()
    employer.refresh_from_db()
    assert employer.state == "aktiv"


def test_state_cannot_jump_back_to_requested(admin_client_role):
    employer = EmployerFactory()
    response = admin_client_role.post(
        reverse("employers:change_state", args=[employer.pk]),
        {"to_state": "angefragt", "changed_on": today().isoformat()},
    )
    assert response.status_code == 400
    employer.refresh_from_db()
    assert employer.state == "aktiv"


def test_state_change_makes_open_edit_form_stale(admin_client_role):
    employer = EmployerFactory()
    data = edit_data(employer)
    admin_client_role.post(
        reverse("employers:change_state", args=[employer.pk]),
        {"to_state": "pausiert", "changed_on": today().isoformat(), "reason": "Umbau"},
    )
    response = admin_client_role.post(reverse("employers:edit", args=[employer.pk]), data)
    assert response.status_code == 409
    employer.refresh_from_db()
    assert employer.state == "pausiert"


# --- contact history -----------------------------------------------------------------------


def test_contact_history_entry_via_htmx_returns_timeline_partial(caseworker_client, caseworker):
    employer = EmployerFactory()
    person = ContactPersonFactory(employer=employer)
    response = caseworker_client.post(
        reverse("employers:contact_add", args=[employer.pk]),
        {
            "date": today().isoformat(),
            "kind": "besuch",
            "contact_person": person.pk,
            "text": "Hallo",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert 'id="history"' in content and "Hallo" in content
    entry = EmployerContact.objects.get()
    assert entry.author == caseworker and entry.contact_person == person


def test_contact_history_without_text_shows_error(caseworker_client):
    employer = EmployerFactory()
    response = caseworker_client.post(
        reverse("employers:contact_add", args=[employer.pk]),
        {"date": today().isoformat(), "kind": "anruf", "text": ""},
    )
    assert response.status_code == 400
    assert "zwingend erforderlich" in response.content.decode()
    assert not EmployerContact.objects.exists()


def test_contact_cannot_be_in_the_future(caseworker_client):
    employer = EmployerFactory()
    response = caseworker_client.post(
        reverse("employers:contact_add", args=[employer.pk]),
        {
            "date": (today() + datetime.timedelta(days=2)).isoformat(),
            "kind": "anruf",
            "text": "x",
        },
        headers={"HX-Request": "true"},
    )
    assert "nicht in der Zukunft" in response.content.decode()
    assert not EmployerContact.objects.exists()


def test_contact_person_of_another_employer_cannot_be_chosen(caseworker_client):
    employer = EmployerFactory()
    stranger = ContactPersonFactory()
    caseworker_client.post(
        reverse("employers:contact_add", args=[employer.pk]),
        {"date": today().isoformat(), "kind": "anruf", "contact_person": stranger.pk, "text": "x"},
    )
    assert not EmployerContact.objects.exists()


# --- deactivate and delete ---------------------------------------------------------------------


def test_employer_with_placements_is_deactivated_not_deleted(admin_client_role):
    placement = PlacementFactory()
    employer = placement.employer
    response = admin_client_role.get(reverse("employers:delete", args=[employer.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("employers:deactivate", args=[employer.pk])
    admin_client_role.post(reverse("employers:delete", args=[employer.pk]))
    assert Employer.objects.filter(pk=employer.pk).exists()
    confirm = admin_client_role.get(reverse("employers:deactivate", args=[employer.pk]))
    assert "bleibt erhalten" in confirm.content.decode()
    response = admin_client_role.post(
        reverse("employers:deactivate", args=[employer.pk]), {"active": "0"}
    )
    assert response.status_code == 302
    employer.refresh_from_db()
    assert not employer.is_active
    placement.refresh_from_db()
    assert placement.employer_id == employer.pk


def test_deactivated_employer_can_be_reactivated(admin_client_role):
    employer = EmployerFactory(is_active=False)
    admin_client_role.post(reverse("employers:deactivate", args=[employer.pk]), {"active": "1"})
    employer.refresh_from_db()
    assert employer.is_active


def test_employer_without_placements_is_deleted_after_confirmation(admin_client_role):
    employer = EmployerFactory()
    ContactPersonFactory(employer=employer)
    url = reverse("employers:delete", args=[employer.pk])
    confirm = admin_client_role.get(url)
    assert confirm.status_code == 200
    assert "Endgültig löschen" in confirm.content.decode()
    assert Employer.objects.filter(pk=employer.pk).exists()
    response = admin_client_role.post(url)
    assert response.status_code == 302
    assert not Employer.objects.filter(pk=employer.pk).exists()
    assert not ContactPerson.objects.exists()


# --- employer page -------------------------------------------------------------------------------


def test_employer_page_hides_names_of_participants_outside_caseload(
    caseworker_client, caseworker, participant
):
    employer = EmployerFactory(capacity=3)
    PlacementFactory(employer=employer, participant=participant)
    foreign = ParticipantFactory(first_name="Geheim", last_name="Fremd")
    PlacementFactory(employer=employer, participant=foreign)
    content = caseworker_client.get(reverse("employers:detail", args=[employer.pk])).content
    content = content.decode()
    assert "Husein Al Qasin" in content
    assert "Fremd" not in content and "Geheim" not in content
    assert "Teilnehmende:r (nicht zugeordnet)" in content


def test_administration_sees_all_names_on_employer_page(admin_client_role, participant):
    employer = EmployerFactory()
    foreign = ParticipantFactory(first_name="Geheim", last_name="Fremd")
    PlacementFactory(employer=employer, participant=foreign)
    content = admin_client_role.get(reverse("employers:detail", args=[employer.pk])).content
    assert "Geheim Fremd" in content.decode()


def test_employer_page_shows_free_capacity_now(caseworker_client):
    employer = EmployerFactory(capacity=3)
    PlacementFactory(
        employer=employer,
        state="laeuft",
        planned_start=today() - datetime.timedelta(days=3),
        planned_end=today() + datetime.timedelta(days=20),
    )
    PlacementFactory(  # planned only: does not occupy a place today
        employer=employer,
        state="geplant",
        planned_start=today(),
        planned_end=today() + datetime.timedelta(days=20),
    )
    response = caseworker_client.get(reverse("employers:detail", args=[employer.pk]))
    assert response.context["free_now"] == 2
    assert "2 Plätze frei" in response.content.decode()


# --- network partners ----------------------------------------------------------------------------


def test_administration_creates_network_partner_with_contact(admin_client_role):
    data = {
        "name": "Handwerkskammer Kassel",
        "kind": "hwk",
        "topics": "Anerkennung Metallberufe",
        "postcode": "34117",
        "city": "Kassel",
        "phone": "0561 7888",
        "is_active": "on",
        "contacts-TOTAL_FORMS": "1",
        "contacts-INITIAL_FORMS": "0",
        "contacts-0-name": "Claudia Braun",
        "contacts-0-role": "Anerkennungsberatung",
        "contacts-0-email": "braun@hwk.example.org",
    }
    response = admin_client_role.post(reverse("employers:network_create"), data)
    assert response.status_code == 302
    partner = NetworkPartner.objects.get()
    assert partner.contacts.get().name == "Claudia Braun"


def test_network_partner_with_bad_postcode_is_refused(admin_client_role):
    data = {
        "name": "X",
        "kind": "hwk",
        "postcode": "1",
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
    }
    response = admin_client_role.post(reverse("employers:network_create"), data)
    assert response.status_code == 400
    assert not NetworkPartner.objects.exists()


def test_network_directory_searches_name_and_topic(caseworker_client):
    NetworkPartnerFactory(name="Handwerkskammer", topics="Anerkennung Metallberufe")
    NetworkPartnerFactory(name="Volkshochschule", topics="Integrationskurse", kind="sprachkurs")
    page = caseworker_client.get(reverse("employers:network_list"), {"q": "metall"})
    names = [p.name for p in page.context["page"]]
    assert names == ["Handwerkskammer"]
    page = caseworker_client.get(reverse("employers:network_list"), {"q": "volks"})
    assert [p.name for p in page.context["page"]] == ["Volkshochschule"]


def test_network_partner_page_lists_recognitions_of_own_cases_only(caseworker_client, participant):
    from participants.models import RecognitionProcedure

    partner = NetworkPartnerFactory(name="Handwerkskammer")
    RecognitionProcedure.objects.create(
        participant=participant, reference_profession="Metallbauer", network_partner=partner
    )
    foreign = ParticipantFactory(first_name="Geheim", last_name="Fremd")
    RecognitionProcedure.objects.create(
        participant=foreign, reference_profession="Elektroniker", network_partner=partner
    )
    content = caseworker_client.get(
        reverse("employers:network_detail", args=[partner.pk])
    ).content.decode()
    assert "Metallbauer" in content and participant.display_name in content
    assert "Elektroniker" not in content and "Fremd" not in content
