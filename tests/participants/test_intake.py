"""Intake (Aufnahme): create and edit a participant in one sectioned form, with languages and
vocational experience, consent, caseworker assignment, duplicate guard, validation and
optimistic locking."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fallmanagement.privacy.models import AccessLog
from participants.models import Language, Participant, VocationalExperience
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

CREATE = reverse("participants:create")


def form_data(**overrides) -> dict:
    """POST data of the intake form with empty formsets (only the names filled in)."""
    data = {
        "last_name": "Haddad",
        "first_name": "Rana",
        "gender": Participant.Gender.FEMALE,
        "languages-TOTAL_FORMS": "0",
        "languages-INITIAL_FORMS": "0",
        "experiences-TOTAL_FORMS": "0",
        "experiences-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def edit_data(participant: Participant, **overrides) -> dict:
    """POST data that re-submits the participant as loaded, plus overrides."""
    data = form_data(
        last_name=participant.last_name,
        first_name=participant.first_name,
        gender=participant.gender,
        date_of_birth=participant.date_of_birth.isoformat() if participant.date_of_birth else "",
        consent_date=participant.consent_date.isoformat() if participant.consent_date else "",
        consent_scope=participant.consent_scope,
        version=str(participant.version),
    )
    data.update(overrides)
    return data


def detail_url(pk: int) -> str:
    return reverse("participants:detail", args=[pk])


# --- create ---------------------------------------------------------------------------


def test_intake_form_shows_all_sections(caseworker_client):
    response = caseworker_client.get(CREATE)
    assert response.status_code == 200
    html = response.content.decode()
    for heading in (
        "Person",
        "Herkunft & Aufenthalt",
        "Kontakt",
        "Sprache & Bildung",
        "Beruf & Interessen",
        "Ressourcen & Bedarfe",
        "Einwilligung",
        "Zuständigkeit",
    ):
        assert f"<legend>{heading}</legend>" in html
    assert 'name="languages-TOTAL_FORMS"' in html
    assert 'name="experiences-TOTAL_FORMS"' in html
    # KldB interests as checkboxes grouped by Berufsbereich.
    assert 'name="interest_groups" value="24"' in html
    assert "<strong>2 Rohstoffgewinnung, Produktion und Fertigung</strong>" in html
    # Syria in German.
    assert "Syrien" in html
    # The caseworker field is for Administration only.
    assert 'name="caseworker"' not in html
    assert 'name="confirm_duplicate"' in html


def test_intake_with_names_only_is_saved_and_assigned_to_creator(caseworker_client, caseworker):
    response = caseworker_client.post(CREATE, form_data())
    participant = Participant.objects.get(last_name="Haddad")
    assert response.status_code == 302
    assert response["Location"] == detail_url(participant.pk)
    assert participant.caseworker == caseworker
    assert participant.created_by == caseworker
    assert participant.status == Participant.Status.INTAKE
    assert participant.consent_recorded_by is None
    assert participant.version == 1


def test_intake_requires_last_and_first_name(caseworker_client):
    response = caseworker_client.post(CREATE, form_data(last_name="", first_name=""))
    assert response.status_code == 400
    assert "Dieses Feld ist zwingend erforderlich." in response.content.decode()
    assert not Participant.objects.exists()


def test_full_intake_saves_languages_experience_interests_and_consent(
    caseworker_client, caseworker
):
    today = timezone.localdate()
    data = form_data(
        date_of_birth="1994-05-02",
        country_of_origin="SY",
        nationality="SY",
        arrival_date="2016-03-01",
        residence_status=Participant.ResidenceStatus.GESTATTUNG,
        residence_valid_until=(today + datetime.timedelta(days=200)).isoformat(),
        residence_details="Verfahren läuft",
        work_permit=Participant.WorkPermit.YES,
        work_permit_valid_until=(today + datetime.timedelta(days=100)).isoformat(),
        street="Musterweg 3",
        postcode="34117",
        city="Kassel",
        phone="0151 1234567",
        german_level="A2",
        german_level_at_entry="A1",
        school_years="10",
        isced_level="3-4",
        has_documents="true",
        interest_groups=["24", "25"],
        health_notes="keine",
        consent_date=today.isoformat(),
        consent_scope="Fallmanagement und Praktikumsbetriebe",
        entry_date=today.isoformat(),
        **{
            "languages-TOTAL_FORMS": "2",
            "languages-0-language": "Arabisch",
            "languages-0-level": "Muttersprache",
            "languages-1-language": "Englisch",
            "languages-1-level": "gut",
            "experiences-TOTAL_FORMS": "1",
            "experiences-0-kldb_group": "24",
            "experiences-0-years": "6",
            "experiences-0-description": "Schweißer",
        },
    )
    response = caseworker_client.post(CREATE, data)
    assert response.status_code == 302, response.content.decode()
    p = Participant.objects.get()
    assert p.country_of_origin.code == "SY"
    assert p.health_notes == "keine"
    assert p.has_documents is True
    assert sorted(p.interest_groups.values_list("code", flat=True)) == ["24", "25"]
    assert sorted(Language.objects.filter(participant=p).values_list("language", flat=True)) == [
        "Arabisch",
        "Englisch",
    ]
    experience = VocationalExperience.objects.get(participant=p)
    assert experience.kldb_group_id == "24"
    assert experience.years == 6
    assert p.consent_recorded_by == caseworker
    assert p.has_consent


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"date_of_birth": "2099-01-01"}, "Das Geburtsdatum darf nicht in der Zukunft liegen."),
        ({"date_of_birth": "2020-01-01"}, "Bitte prüfen Sie das Geburtsdatum"),
        ({"date_of_birth": "1900-01-01"}, "Bitte prüfen Sie das Geburtsdatum"),
        (
            {"date_of_birth": "1990-01-01", "arrival_date": "1989-12-31"},
            "Die Einreise kann nicht vor der Geburt liegen.",
        ),
        ({"arrival_date": "2099-01-01"}, "Das Einreisedatum darf nicht in der Zukunft liegen."),
        ({"postcode": "3411"}, "Die Postleitzahl besteht aus fünf Ziffern."),
        ({"postcode": "3411a"}, "Die Postleitzahl besteht aus fünf Ziffern."),
        ({"residence_valid_until": "1970-01-01"}, "Bitte prüfen Sie das Datum (nicht plausibel)."),
        (
            {"arrival_date": "2016-01-01", "residence_valid_until": "2015-01-01"},
            "Die Gültigkeit kann nicht vor der Einreise enden.",
        ),
        (
            {"work_permit": "nein", "work_permit_valid_until": "2027-01-01"},
            "Ein Gültigkeitsdatum gibt es nur für eine erteilte Beschäftigungserlaubnis.",
        ),
        ({"consent_date": "2099-01-01"}, "Die Einwilligung kann nicht in der Zukunft"),
        ({"consent_date": "2026-01-01"}, "Bitte geben Sie den Umfang der Einwilligung an."),
        (
            {"consent_withdrawn_on": "2026-01-01"},
            "Ein Widerruf setzt eine erteilte Einwilligung voraus.",
        ),
        ({"email": "kein-mail"}, "Bitte gültige E-Mail-Adresse eingeben."),
        (
            {
                "experiences-TOTAL_FORMS": "1",
                "experiences-0-kldb_group": "24",
                "experiences-0-years": "99",
            },
            "Bitte geben Sie zwischen 0 und 60 Jahren an.",
        ),
    ],
)
def test_invalid_intake_is_refused_with_german_message(caseworker_client, overrides, field_message):
    response = caseworker_client.post(CREATE, form_data(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert field_message in html
    assert "Bitte prüfen Sie Ihre Eingaben." in html
    # Nothing half-written: neither the participant nor a formset row.
    assert not Participant.objects.exists()
    assert not VocationalExperience.objects.exists()


def test_invalid_intake_keeps_the_users_input(caseworker_client):
    response = caseworker_client.post(
        CREATE, form_data(postcode="12", city="Kassel", needs="Führerschein")
    )
    html = response.content.decode()
    assert 'value="Kassel"' in html
    assert "Führerschein" in html


def test_berichtswesen_and_no_role_cannot_open_intake(reporter_client, no_role_client):
    assert reporter_client.get(CREATE).status_code == 403
    assert reporter_client.post(CREATE, form_data()).status_code == 403
    assert no_role_client.get(CREATE).status_code == 403
    assert not Participant.objects.exists()


def test_anonymous_is_sent_to_login_from_intake(client):
    response = client.get(CREATE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_administration_does_not_create_cases(admin_client_role):
    # Cases are opened by caseworkers (Administration has no add permission).
    assert admin_client_role.get(CREATE).status_code == 403


def test_caseworker_cannot_assign_a_new_case_to_someone_else(
    caseworker_client, caseworker, other_caseworker
):
    caseworker_client.post(CREATE, form_data(caseworker=str(other_caseworker.pk)))
    assert Participant.objects.get().caseworker == caseworker


# --- duplicate guard --------------------------------------------------------------------


def test_duplicate_of_own_case_warns_with_link_and_needs_confirmation(
    caseworker_client, caseworker
):
    existing = ParticipantFactory(
        caseworker=caseworker,
        first_name="Mohammed",
        last_name="Al Hussein",
        date_of_birth=datetime.date(1990, 4, 1),
    )
    data = form_data(first_name="Muhammad", last_name="Al-Hussein", date_of_birth="1990-04-01")
    response = caseworker_client.post(CREATE, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Möglicher Doppeleintrag" in html
    assert detail_url(existing.pk) in html
    assert Participant.objects.count() == 1

    response = caseworker_client.post(CREATE, {**data, "confirm_duplicate": "on"})
    assert response.status_code == 302
    assert Participant.objects.count() == 2


def test_duplicate_in_foreign_caseload_warns_without_revealing_it(
    caseworker_client, other_caseworker
):
    hidden = ParticipantFactory(
        caseworker=other_caseworker,
        first_name="Hussein",
        last_name="Kareem",
        date_of_birth=datetime.date(1988, 7, 9),
    )
    response = caseworker_client.post(
        CREATE, form_data(first_name="Husein", last_name="Karim", date_of_birth="1988-07-09")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Möglicher Doppeleintrag" in html
    assert "anderen Fallmanager:in" in html
    assert detail_url(hidden.pk) not in html
    assert "Kareem" not in html


def test_same_name_with_other_birth_date_is_no_duplicate(caseworker_client, caseworker):
    ParticipantFactory(
        caseworker=caseworker,
        first_name="Rana",
        last_name="Haddad",
        date_of_birth=datetime.date(1990, 4, 1),
    )
    response = caseworker_client.post(CREATE, form_data(date_of_birth="1991-04-01"))
    assert response.status_code == 302
    assert Participant.objects.count() == 2


def test_other_name_with_same_birth_date_is_no_duplicate(caseworker_client, caseworker):
    ParticipantFactory(
        caseworker=caseworker,
        first_name="Hassan",
        last_name="Darwish",
        date_of_birth=datetime.date(1990, 4, 1),
    )
    response = caseworker_client.post(
        CREATE, form_data(first_name="Hussein", last_name="Haddad", date_of_birth="1990-04-01")
    )
    assert response.status_code == 302


# --- edit ---------------------------------------------------------------------------------


def edit_url(p: Participant) -> str:
    return reverse("participants:edit", args=[p.pk])


def test_caseworker_edits_own_case_and_access_is_logged(caseworker_client, participant):
    response = caseworker_client.get(edit_url(participant))
    assert response.status_code == 200
    assert 'value="Al Qasin"' in response.content.decode()
    assert AccessLog.objects.filter(
        participant_id=participant.pk, action=AccessLog.Action.VIEW
    ).exists()

    response = caseworker_client.post(
        edit_url(participant), edit_data(participant, city="Kassel", postcode="34117")
    )
    assert response.status_code == 302
    assert response["Location"] == detail_url(participant.pk)
    participant.refresh_from_db()
    assert participant.city == "Kassel"
    assert participant.version == 2


def test_caseworker_cannot_open_foreign_case_form(other_caseworker_client, participant):
    assert other_caseworker_client.get(edit_url(participant)).status_code == 404
    response = other_caseworker_client.post(edit_url(participant), edit_data(participant))
    assert response.status_code == 404


def test_berichtswesen_cannot_edit(reporter_client, participant):
    assert reporter_client.get(edit_url(participant)).status_code == 403


def test_edit_of_unknown_case_is_404(caseworker_client):
    assert caseworker_client.get(reverse("participants:edit", args=[999999])).status_code == 404


def test_edit_adds_and_deletes_formset_rows(caseworker_client, participant):
    language = Language.objects.create(participant=participant, language="Somali", level="")
    data = edit_data(
        participant,
        **{
            "languages-TOTAL_FORMS": "2",
            "languages-INITIAL_FORMS": "1",
            "languages-0-id": str(language.pk),
            "languages-0-language": "Somali",
            "languages-0-DELETE": "on",
            "languages-1-language": "Arabisch",
            "languages-1-level": "gut",
        },
    )
    response = caseworker_client.post(edit_url(participant), data)
    assert response.status_code == 302
    assert list(participant.languages.values_list("language", flat=True)) == ["Arabisch"]


def test_consent_recorded_by_is_who_entered_the_date(
    caseworker_client, caseworker, administrator, admin_client_role
):
    p = ParticipantFactory(caseworker=caseworker, consent_date=None, consent_scope="")
    response = admin_client_role.post(
        edit_url(p),
        edit_data(
            p,
            consent_date="2026-02-01",
            consent_scope="Fallmanagement",
            caseworker=str(caseworker.pk),
        ),
    )
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.consent_recorded_by == administrator
    # Saving again without touching the consent keeps who recorded it.
    caseworker_client.post(edit_url(p), edit_data(p, city="Kassel"))
    p.refresh_from_db()
    assert p.city == "Kassel"
    assert p.consent_recorded_by == administrator


def test_caseworker_cannot_reassign_through_the_edit_form(
    caseworker_client, participant, caseworker, other_caseworker
):
    caseworker_client.post(
        edit_url(participant), edit_data(participant, caseworker=str(other_caseworker.pk))
    )
    participant.refresh_from_db()
    assert participant.caseworker == caseworker


def test_administration_sees_and_sets_the_caseworker(
    admin_client_role, participant, other_caseworker
):
    response = admin_client_role.get(edit_url(participant))
    assert 'name="caseworker"' in response.content.decode()
    response = admin_client_role.post(
        edit_url(participant), edit_data(participant, caseworker=str(other_caseworker.pk))
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.caseworker == other_caseworker


def test_substitute_does_not_see_or_overwrite_special_categories(
    other_caseworker_client, other_caseworker, participant
):
    participant.health_notes = "Diabetes"
    participant.residence_details = "Klage anhängig"
    participant.save()
    participant.shared_with.add(other_caseworker)
    response = other_caseworker_client.get(edit_url(participant))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Diabetes" not in html
    assert 'name="health_notes"' not in html
    assert 'name="residence_details"' not in html

    response = other_caseworker_client.post(
        edit_url(participant),
        edit_data(participant, health_notes="überschrieben", city="Kassel"),
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.city == "Kassel"
    assert participant.health_notes == "Diabetes"
    assert participant.residence_details == "Klage anhängig"


def test_assigned_caseworker_and_administration_see_special_categories(
    caseworker_client, admin_client_role, participant
):
    participant.health_notes = "Diabetes"
    participant.save()
    for client in (caseworker_client, admin_client_role):
        html = client.get(edit_url(participant)).content.decode()
        assert 'name="health_notes"' in html
        assert "Diabetes" in html


def test_concurrent_edit_is_refused_with_409_and_input_kept(caseworker, participant):
    session_a, session_b = Client(), Client()
    session_a.force_login(caseworker)
    session_b.force_login(caseworker)
    # Both load the form (version 1).
    assert 'name="version" value="1"' in session_a.get(edit_url(participant)).content.decode()
    assert 'name="version" value="1"' in session_b.get(edit_url(participant)).content.decode()

    response_a = session_a.post(edit_url(participant), edit_data(participant, city="Kassel"))
    assert response_a.status_code == 302

    response_b = session_b.post(
        edit_url(participant),
        edit_data(
            participant,
            city="Baunatal",
            needs="Führerschein Klasse B",
            **{
                "languages-TOTAL_FORMS": "1",
                "languages-0-language": "Arabisch",
            },
        ),
    )
    assert response_b.status_code == 409
    html = response_b.content.decode()
    assert "inzwischen von jemand anderem geändert" in html
    assert 'value="Baunatal"' in html
    assert "Führerschein Klasse B" in html
    assert 'value="Arabisch"' in html
    participant.refresh_from_db()
    assert participant.city == "Kassel"
    assert participant.version == 2
    # The refused save wrote nothing, not even its formset rows.
    assert not participant.languages.exists()


def test_administration_cannot_leave_a_case_unassigned(admin_client_role, participant, caseworker):
    response = admin_client_role.post(edit_url(participant), edit_data(participant, caseworker=""))
    assert response.status_code == 400
    participant.refresh_from_db()
    assert participant.caseworker == caseworker


def test_same_name_and_country_with_other_birth_date_gets_a_hint(caseworker_client, caseworker):
    existing = ParticipantFactory(
        caseworker=caseworker,
        first_name="Zahra",
        last_name="Rahimi",
        country_of_origin="AF",
        date_of_birth=datetime.date(1998, 2, 1),
    )
    data = form_data(
        first_name="Sahra",
        last_name="Rahimi",
        country_of_origin="AF",
        date_of_birth="1999-07-15",
    )
    data["first_name"] = "Zahra"
    response = caseworker_client.post(CREATE, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "aus demselben Herkunftsland" in html
    assert reverse("participants:detail", args=[existing.pk]) in html
    response = caseworker_client.post(CREATE, {**data, "confirm_duplicate": "on"})
    assert response.status_code == 302
    assert Participant.objects.filter(last_name="Rahimi").count() == 2


@pytest.mark.parametrize(
    "country,born,hint",
    [
        ("AF", "2000-01-01", False),  # two years apart
        ("AF", "1997-12-31", True),  # one year apart (by year)
        ("IR", "1998-02-01", True),  # same birth date: any country
        ("IR", "1999-01-01", False),  # other country, other birth date
        ("AF", "", True),  # birth date unknown
    ],
)
def test_duplicate_hint_boundaries(caseworker_client, caseworker, country, born, hint):
    ParticipantFactory(
        caseworker=caseworker,
        first_name="Zahra",
        last_name="Rahimi",
        country_of_origin="AF",
        date_of_birth=datetime.date(1998, 2, 1),
    )
    data = form_data(
        first_name="Zahra", last_name="Rahimi", country_of_origin=country, date_of_birth=born
    )
    response = caseworker_client.post(CREATE, data)
    assert ("Möglicher Doppeleintrag" in response.content.decode()) is hint


def test_joined_article_and_k_for_q_is_a_duplicate(caseworker_client, caseworker):
    ParticipantFactory(
        caseworker=caseworker,
        first_name="Husein",
        last_name="Al Qasin",
        date_of_birth=datetime.date(1990, 5, 1),
    )
    data = form_data(first_name="Husein", last_name="Alkasin", date_of_birth="1990-05-01")
    response = caseworker_client.post(CREATE, data)
    assert "Möglicher Doppeleintrag" in response.content.decode()
