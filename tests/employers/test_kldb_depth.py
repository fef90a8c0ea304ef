"""Occupational fields at KldB depth on employer fields and experiences: the finer code must lie
inside the Berufshauptgruppe (form error and database constraint), the choices follow the
chosen Berufshauptgruppe, a two-digit row is marked for refinement."""

import pytest
from django.db import IntegrityError, transaction

from employers.forms import EmployerFieldForm
from employers.models import EmployerField
from participants.forms import ExperienceForm
from tests.factories import EmployerFactory

pytestmark = pytest.mark.django_db


def test_employer_field_with_a_berufsgattung_saves():
    employer = EmployerFactory()
    form = EmployerFieldForm(
        data={"kldb_group": "82", "kldb_occupation": "82101", "offers_internship": "on"},
        instance=EmployerField(employer=employer),
    )
    assert form.is_valid(), form.errors
    field = form.save()
    assert (field.kldb_group_id, field.kldb_occupation_id, field.needs_refinement) == (
        "82",
        "82101",
        False,
    )


def test_employer_field_refuses_a_code_outside_its_main_group():
    form = EmployerFieldForm(
        data={"kldb_group": "81", "kldb_occupation": "82101", "offers_internship": "on"},
        instance=EmployerField(employer=EmployerFactory()),
    )
    assert not form.is_valid()
    # The choices are the codes of the chosen Berufshauptgruppe: 82101 is not among them.
    assert "kldb_occupation" in form.errors


def test_the_database_refuses_a_code_outside_its_main_group_too():
    employer = EmployerFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        EmployerField.objects.create(
            employer=employer, kldb_group_id="81", kldb_occupation_id="82101"
        )


def test_choices_are_the_codes_of_the_chosen_main_group():
    form = EmployerFieldForm(instance=EmployerField(kldb_group_id="82"))
    codes = [str(value) for value, _label in form.fields["kldb_occupation"].choices if value]
    # KldB 2010 (2020) 82: 5 Berufsgruppen (821–825), 21 Berufsuntergruppen, 43 Berufsgattungen.
    assert len(codes) == 5 + 21 + 43
    assert codes[:3] == ["821", "8210", "82101"]
    assert all(code.startswith("82") for code in codes)


def test_without_a_main_group_there_is_nothing_finer_to_choose():
    form = EmployerFieldForm()
    assert [value for value, _label in form.fields["kldb_occupation"].choices if value] == []


def test_experience_at_depth_and_the_refinement_mark(participant):
    form = ExperienceForm(
        data={"kldb_group": "82", "kldb_occupation": "82311", "years": "3"},
        instance=participant.experiences.model(participant=participant),
    )
    assert form.is_valid(), form.errors
    experience = form.save()
    assert (str(experience), experience.needs_refinement) == (
        "82311 Berufe im Friseurgewerbe – Helfer-/Anlerntätigkeiten",
        False,
    )
    rough = participant.experiences.create(kldb_group_id="82")
    assert rough.needs_refinement
