"""Optimistic locking on the model level: the second of two saves from version 1 is refused."""

import pytest
from django import forms

from fallmanagement.core.locking import StaleObjectError, VersionedFormMixin, save_versioned
from participants.models import Participant
from placements.models import Placement
from tests.factories import EmployerFactory, PlacementFactory

pytestmark = pytest.mark.django_db


class ParticipantTestForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Participant
        fields = ["city", "phone"]


class PlacementTestForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Placement
        fields = ["job_title"]


def _bound(form_class, instance, data):
    initial = form_class(instance=instance)
    return form_class(
        {**data, "version": initial.initial["version"]},
        instance=type(instance).objects.get(pk=instance.pk),
    )


def test_second_save_from_the_same_version_is_refused(participant):
    first = _bound(ParticipantTestForm, participant, {"city": "Kassel", "phone": "1"})
    second = _bound(ParticipantTestForm, participant, {"city": "Fulda", "phone": "2"})
    assert first.is_valid() and second.is_valid()
    save_versioned(first)
    with pytest.raises(StaleObjectError):
        save_versioned(second)
    participant.refresh_from_db()
    assert (participant.city, participant.phone, participant.version) == ("Kassel", "1", 2)
    # The refused form still holds the user's input for re-applying.
    assert second.data["city"] == "Fulda"


def test_save_after_reload_succeeds(participant):
    save_versioned(_bound(ParticipantTestForm, participant, {"city": "Kassel", "phone": ""}))
    participant.refresh_from_db()
    form = _bound(ParticipantTestForm, participant, {"city": "Fulda", "phone": ""})
    assert form.is_valid()
    save_versioned(form)
    participant.refresh_from_db()
    assert participant.city == "Fulda" and participant.version == 3


def test_placements_and_employers_are_locked_too():
    placement = PlacementFactory()
    first = _bound(PlacementTestForm, placement, {"job_title": "A"})
    second = _bound(PlacementTestForm, placement, {"job_title": "B"})
    assert first.is_valid() and second.is_valid()
    save_versioned(first)
    with pytest.raises(StaleObjectError):
        save_versioned(second)
    assert Placement.objects.get(pk=placement.pk).job_title == "A"
    employer = EmployerFactory()
    assert employer.version == 1
