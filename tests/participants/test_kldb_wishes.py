"""Wishes and experience at KldB depth in the intake form: the Berufsgruppen and the finer codes
of the ticked Berufshauptgruppen are offered; the experience row takes a Berufsgattung inside
its Berufshauptgruppe and refuses one outside it."""

import pytest
from django.urls import reverse

from participants.models import Participant, VocationalExperience

from .test_intake import form_data

pytestmark = pytest.mark.django_db

CREATE = reverse("participants:create")


def test_intake_saves_wishes_and_experience_at_depth(caseworker_client):
    data = form_data(
        interest_groups=["82"],
        interest_occupations=["821", "82101"],
        **{
            "experiences-TOTAL_FORMS": "1",
            "experiences-0-kldb_group": "82",
            "experiences-0-kldb_occupation": "82311",
        },
    )
    response = caseworker_client.post(CREATE, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    p = Participant.objects.get()
    assert sorted(p.interest_occupations.values_list("code", flat=True)) == ["821", "82101"]
    assert VocationalExperience.objects.get(participant=p).kldb_occupation_id == "82311"


def test_any_kldb_code_may_be_wished_but_not_an_unknown_one(caseworker_client):
    # The list offers the Berufsgruppen and the finer codes of the ticked Berufshauptgruppen;
    # a code chosen before (or sent) stays valid, an unknown one is refused.
    response = caseworker_client.post(CREATE, form_data(interest_occupations=["99999"]))
    assert response.status_code == 400
    assert not Participant.objects.exists()
    response = caseworker_client.post(CREATE, form_data(interest_occupations=["82101"]))
    assert response.status_code == 302


def test_experience_refuses_a_code_outside_its_main_group(caseworker_client):
    data = form_data(
        **{
            "experiences-TOTAL_FORMS": "1",
            "experiences-0-kldb_group": "81",
            "experiences-0-kldb_occupation": "82101",
        }
    )
    response = caseworker_client.post(CREATE, data)
    assert response.status_code == 400
    assert not Participant.objects.exists()


def test_intake_form_offers_the_berufsgruppen(caseworker_client):
    html = caseworker_client.get(CREATE).content.decode()
    assert '<option value="821">821 Altenpflege</option>' in html
    assert 'value="82101"' not in html  # finer codes only for a chosen Berufshauptgruppe
