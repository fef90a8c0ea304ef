"""The helpers that carry the models' rules to every path: a migration's pre-check and the
form mixin that shows a rule's error even where the form lacks the field."""

import datetime

import pytest
from django.core.management.base import CommandError
from django.db import connection

from fallmanagement.core.migration_ops import refuse_rows_breaking
from participants.admin import ParticipantAdminForm
from participants.models import Participant

pytestmark = pytest.mark.django_db


class _Editor:
    """What RunPython hands the function: here only the real connection is used."""

    connection = connection


def test_migration_pre_check_explains_instead_of_a_stack_trace(participant):
    operation = refuse_rows_breaking(
        {
            "Austritt vor dem Eintritt": "SELECT id FROM participants_participant",
            "Regel ohne Treffer": "SELECT id FROM participants_participant WHERE false",
        }
    )
    with pytest.raises(CommandError) as caught:
        operation.code(None, _Editor())
    message = str(caught.value)
    assert f"Austritt vor dem Eintritt: 1 Zeile(n), id {participant.pk}" in message
    assert "python manage.py check_rules" in message
    assert "Regel ohne Treffer" not in message


def test_migration_pre_check_passes_clean_data(participant):
    refuse_rows_breaking({"x": "SELECT id FROM participants_participant WHERE false"}).code(
        None, _Editor()
    )


def test_admin_form_shows_a_rule_on_a_field_it_lacks_at_the_top(participant, caseworker):
    Participant.objects.filter(pk=participant.pk).update(
        date_of_birth=datetime.date(2090, 1, 1)  # data from before the rule
    )
    participant.refresh_from_db()
    form = ParticipantAdminForm({"caseworker": caseworker.pk}, instance=participant)
    assert not form.is_valid()
    assert "Das Geburtsdatum darf nicht in der Zukunft liegen." in form.non_field_errors()
