"""Sharing a case with a substitute (and revoking it), reassignment by Administration, and the
need-to-know rules these change."""

import pytest
from django.urls import reverse

from participants.models import Participant
from participants.queries import can_see_special_categories
from tests.factories import ParticipantFactory, make_user

pytestmark = pytest.mark.django_db


def share_url(p: Participant) -> str:
    return reverse("participants:share", args=[p.pk])


def reassign_url(p: Participant) -> str:
    return reverse("participants:reassign", args=[p.pk])


def edit_url(p: Participant) -> str:
    return reverse("participants:edit", args=[p.pk])


def test_caseworker_shares_case_with_substitute_who_then_sees_it(
    caseworker_client, other_caseworker_client, participant, other_caseworker
):
    assert other_caseworker_client.get(edit_url(participant)).status_code == 404
    response = caseworker_client.get(share_url(participant))
    assert response.status_code == 200
    assert other_caseworker.get_full_name() in response.content.decode()

    response = caseworker_client.post(
        share_url(participant), {"action": "share", "user": other_caseworker.pk}, follow=True
    )
    assert "ist jetzt für" in response.content.decode()
    assert list(participant.shared_with.all()) == [other_caseworker]
    assert other_caseworker_client.get(edit_url(participant)).status_code == 200
    assert (
        participant.last_name
        in other_caseworker_client.get(reverse("participants:list")).content.decode()
    )


def test_caseworker_revokes_the_share(
    caseworker_client, other_caseworker_client, participant, other_caseworker
):
    participant.shared_with.add(other_caseworker)
    response = caseworker_client.post(
        share_url(participant), {"action": "revoke", "user": other_caseworker.pk}, follow=True
    )
    assert "wurde aufgehoben" in response.content.decode()
    assert not participant.shared_with.exists()
    assert other_caseworker_client.get(edit_url(participant)).status_code == 404


def test_share_offers_only_caseworkers_and_refuses_others(
    caseworker_client, participant, reporter, administrator
):
    html = caseworker_client.get(share_url(participant)).content.decode()
    assert reporter.get_full_name() not in html
    response = caseworker_client.post(
        share_url(participant), {"action": "share", "user": reporter.pk}
    )
    assert response.status_code == 400
    assert "Bitte eine gültige Auswahl treffen." in response.content.decode()
    assert not participant.shared_with.exists()


def test_substitute_cannot_share_further(other_caseworker_client, participant, other_caseworker):
    participant.shared_with.add(other_caseworker)
    third = make_user("Fallmanagement", username="dritte")
    assert other_caseworker_client.get(share_url(participant)).status_code == 403
    response = other_caseworker_client.post(
        share_url(participant), {"action": "share", "user": third.pk}
    )
    assert response.status_code == 403
    assert list(participant.shared_with.all()) == [other_caseworker]


def test_foreign_caseworker_gets_404_on_share_and_reassign(
    other_caseworker_client, participant, other_caseworker
):
    assert other_caseworker_client.get(share_url(participant)).status_code == 404
    response = other_caseworker_client.post(
        share_url(participant), {"action": "share", "user": other_caseworker.pk}
    )
    assert response.status_code == 404
    assert not participant.shared_with.exists()
    assert other_caseworker_client.get(reassign_url(participant)).status_code == 403


def test_berichtswesen_gets_403_everywhere(reporter_client, participant):
    for url in (
        share_url(participant),
        reassign_url(participant),
        edit_url(participant),
        reverse("participants:list"),
        reverse("participants:create"),
    ):
        assert reporter_client.get(url).status_code == 403, url
        assert reporter_client.post(url, {}).status_code == 403, url


def test_anonymous_is_sent_to_login(client, participant):
    for url in (share_url(participant), reassign_url(participant)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_administration_reassigns_a_case(
    admin_client_role, participant, other_caseworker, caseworker_client, other_caseworker_client
):
    participant.shared_with.add(other_caseworker)
    response = admin_client_role.get(reassign_url(participant))
    assert response.status_code == 200
    response = admin_client_role.post(
        reassign_url(participant), {"caseworker": other_caseworker.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("participants:detail", args=[participant.pk])
    participant.refresh_from_db()
    assert participant.caseworker == other_caseworker
    assert participant.version == 2
    # The new caseworker owns it (no share needed any more), the old one lost access.
    assert not participant.shared_with.exists()
    assert other_caseworker_client.get(edit_url(participant)).status_code == 200
    assert caseworker_client.get(edit_url(participant)).status_code == 404


def test_reassign_refuses_non_caseworkers(admin_client_role, participant, reporter, caseworker):
    response = admin_client_role.post(reassign_url(participant), {"caseworker": reporter.pk})
    assert response.status_code == 400
    participant.refresh_from_db()
    assert participant.caseworker == caseworker


def test_caseworker_cannot_reassign_own_case(caseworker_client, participant, other_caseworker):
    response = caseworker_client.post(
        reassign_url(participant), {"caseworker": other_caseworker.pk}
    )
    assert response.status_code == 403


def test_administration_sees_all_cases(admin_client_role, other_caseworker):
    foreign = ParticipantFactory(caseworker=other_caseworker)
    assert admin_client_role.get(edit_url(foreign)).status_code == 200
    assert admin_client_role.get(share_url(foreign)).status_code == 200


def test_special_categories_rule(
    caseworker, other_caseworker, administrator, reporter, participant
):
    participant.shared_with.add(other_caseworker)
    assert can_see_special_categories(caseworker, participant)
    assert can_see_special_categories(administrator, participant)
    assert not can_see_special_categories(other_caseworker, participant)
    assert not can_see_special_categories(reporter, participant)
    unassigned = ParticipantFactory(caseworker=None)
    assert not can_see_special_categories(caseworker, unassigned)


# --- sharing leaves a trace ------------------------------------------------------------------


def _share_events():
    from fallmanagement.privacy.models import SecurityEvent

    return list(
        SecurityEvent.objects.filter(kind__startswith="share_")
        .order_by("pk")
        .values_list("kind", "username", "participant_id", "detail")
    )


def test_sharing_and_revoking_are_recorded_and_shown_on_the_case(
    caseworker_client, admin_client_role, participant, caseworker, other_caseworker
):
    from participants.models import CaseShareChange

    caseworker_client.post(share_url(participant), {"action": "share", "user": other_caseworker.pk})
    caseworker_client.post(
        share_url(participant), {"action": "revoke", "user": other_caseworker.pk}
    )
    changes = list(
        CaseShareChange.objects.order_by("pk").values_list("action", "substitute", "changed_by")
    )
    assert changes == [
        ("granted", other_caseworker.pk, caseworker.pk),
        ("revoked", other_caseworker.pk, caseworker.pk),
    ]
    # The security log, ids only.
    detail = f"substitute user_id={other_caseworker.pk}"
    assert _share_events() == [
        ("share_granted", "sabine", participant.pk, detail),
        ("share_revoked", "sabine", participant.pk, detail),
    ]
    # The case file's timeline shows both, with the substitute's name.
    page = caseworker_client.get(reverse("participants:detail", args=[participant.pk]))
    html = page.content.decode()
    name = other_caseworker.get_full_name()
    assert f"Fall freigegeben: <strong>{name}</strong>" in html
    assert f"Freigabe aufgehoben: <strong>{name}</strong>" in html
    # The change history (Administration) has both events.
    history = admin_client_role.get(
        reverse("privacy:participant_history", args=[participant.pk])
    ).content.decode()
    assert history.count("Freigabe") >= 2 and name in history


def test_sharing_twice_records_once(caseworker_client, participant, other_caseworker):
    for _ in range(2):
        caseworker_client.post(
            share_url(participant), {"action": "share", "user": other_caseworker.pk}
        )
    assert participant.share_changes.count() == 1
    assert len(_share_events()) == 1


def test_reassigning_to_the_substitute_ends_the_sharing_on_record(
    admin_client_role, administrator, participant, other_caseworker
):
    from participants.workflow import share_case

    share_case(participant, other_caseworker, by=participant.caseworker)
    response = admin_client_role.post(
        reassign_url(participant), {"caseworker": other_caseworker.pk}
    )
    assert response.status_code == 302
    last = participant.share_changes.order_by("-pk").first()
    assert (last.action, last.substitute, last.changed_by) == (
        "revoked",
        other_caseworker,
        administrator,
    )
    assert [kind for kind, *_ in _share_events()] == ["share_granted", "share_revoked"]


def test_sharing_in_the_django_admin_is_recorded_too(
    admin_client_role, administrator, participant, other_caseworker
):
    url = reverse("admin:participants_participant_change", args=[participant.pk])
    assert admin_client_role.get(url).status_code == 200
    response = admin_client_role.post(
        url, {"caseworker": participant.caseworker_id, "shared_with": [other_caseworker.pk]}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(participant.shared_with.all()) == [other_caseworker]
    change = participant.share_changes.get()
    assert (change.action, change.changed_by) == ("granted", administrator)
    admin_client_role.post(url, {"caseworker": participant.caseworker_id})
    assert not participant.shared_with.exists()
    assert participant.share_changes.filter(action="revoked").count() == 1
