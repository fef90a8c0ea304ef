"""Audit trail: triggers record inserts, updates and deletes (also bulk), append-only logs."""

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from fallmanagement.privacy.history import event_model, participant_history
from fallmanagement.privacy.models import AccessLog, SecurityEvent
from participants.models import CaseNote, Participant
from tests.factories import CaseNoteFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def test_bulk_update_and_delete_are_recorded_with_old_and_new_values(participant):
    ParticipantEvent = event_model(Participant)
    Participant.objects.filter(pk=participant.pk).update(city="Kassel")
    Participant.objects.filter(pk=participant.pk).update(city="Fulda")
    events = list(ParticipantEvent.objects.filter(pgh_obj_id=participant.pk).order_by("pgh_id"))
    assert [e.pgh_label for e in events] == ["insert", "update", "update"]
    assert [e.city for e in events] == ["", "Kassel", "Fulda"]
    history = participant_history(participant.pk)
    city_changes = [c for e in history for c in e["changes"] if c[0] == "Ort"]
    assert ("Ort", "Kassel", "Fulda") in city_changes

    note = CaseNoteFactory(participant=participant, text="Vertraulicher Inhalt")
    CaseNote.objects.filter(pk=note.pk).delete()
    note_events = event_model(CaseNote).objects.filter(pgh_obj_id=note.pk).order_by("pgh_id")
    assert [e.pgh_label for e in note_events] == ["insert", "delete"]
    assert note_events.last().text == "Vertraulicher Inhalt"


def test_request_context_records_user_and_path_without_query_string(
    admin_client_role, administrator, participant
):
    from fallmanagement.privacy.models import RoleSecurityPolicy

    # Any write during a request carries user and path; use the erasure form's POST as write.
    url = reverse("privacy:erase", args=[participant.pk]) + "?name=Husein"
    response = admin_client_role.post(url, {"confirmation": "falsch"})
    assert response.status_code == 200
    RoleSecurityPolicy.objects.create(role="Berichtswesen")  # not tracked, just no error
    # A tracked write inside a request:
    import pghistory
    from django.test import RequestFactory
    from pghistory.middleware import HistoryMiddleware

    request = RequestFactory().post("/teilnehmende/1/?q=Husein")
    request.user = administrator

    def view(req):
        Participant.objects.filter(pk=participant.pk).update(phone="0561 1")
        return None

    HistoryMiddleware(view)(request)
    event = event_model(Participant).objects.filter(pgh_label="update").latest("pgh_id")
    assert event.pgh_context.metadata == {"user": administrator.pk, "url": "/teilnehmende/1/"}
    assert pghistory  # imported for the context API


@pytest.mark.parametrize("operation", ["update", "delete"])
def test_event_tables_refuse_update_and_delete(participant, operation):
    events = event_model(Participant).objects.filter(pgh_obj_id=participant.pk)
    with pytest.raises(DatabaseError), transaction.atomic():
        if operation == "update":
            events.update(last_name="Gefälscht")
        else:
            events.delete()
    assert events.get().last_name == "Al Qasin"


def test_access_log_and_security_log_are_append_only(caseworker, participant):
    entry = AccessLog.objects.create(
        user=caseworker,
        username="sabine",
        action="view",
        participant_id=participant.pk,
        object_type="participants.Participant",
        path="/teilnehmende/1/",
    )
    event = SecurityEvent.objects.create(kind=SecurityEvent.Kind.LOGIN, username="sabine")
    for queryset, change in (
        (AccessLog.objects.filter(pk=entry.pk), {"path": "/anders/"}),
        (SecurityEvent.objects.filter(pk=event.pk), {"detail": "gefälscht"}),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            queryset.update(**change)
        with pytest.raises(DatabaseError), transaction.atomic():
            queryset.delete()
        assert queryset.exists()


def test_deleting_a_user_keeps_their_access_log_entries(no_role_user, participant):
    entry = AccessLog.objects.create(
        user=no_role_user,
        username="ohnerolle",
        action="view",
        participant_id=participant.pk,
        object_type="x",
        path="/",
    )
    no_role_user.delete()
    entry.refresh_from_db()
    assert entry.user_id is None and entry.username == "ohnerolle"


def test_only_the_prune_function_may_delete_history_and_only_of_an_erased_participant(
    participant,
):
    from fallmanagement.privacy.dbroles import prune_participant_history

    pk = participant.pk
    with pytest.raises(DatabaseError), transaction.atomic():
        prune_participant_history(pk, SecurityEvent.Kind.ERASURE)  # still there
    Participant.objects.filter(pk=pk).delete()
    assert prune_participant_history(pk, SecurityEvent.Kind.ERASURE) >= 2  # insert + delete
    assert not event_model(Participant).objects.filter(pgh_obj_id=pk).exists()
    assert SecurityEvent.objects.filter(participant_id=pk, kind="erasure").exists()
    # The protection is still there for everything else.
    with pytest.raises(DatabaseError), transaction.atomic():
        SecurityEvent.objects.create(kind="login").delete()


# --- Administration pages ------------------------------------------------------------------


def test_administration_sees_history_of_a_participant_incl_notes(admin_client_role, participant):
    CaseNoteFactory(participant=participant, text="Gespräch über Praktikum")
    Participant.objects.filter(pk=participant.pk).update(city="Baunatal")
    response = admin_client_role.get(reverse("privacy:participant_history", args=[participant.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Baunatal" in content and "Gespräch über Praktikum" in content
    assert response["Cache-Control"] == "no-store, private"


def test_history_names_referenced_people_and_objects(
    admin_client_role, participant, caseworker, other_caseworker
):
    Participant.objects.filter(pk=participant.pk).update(caseworker=other_caseworker)
    history = participant_history(participant.pk)
    change = next(c for c in history[0]["changes"] if c[1] != c[2])
    expected = (caseworker.get_full_name(), other_caseworker.get_full_name())
    assert (str(change[1]), str(change[2])) == expected
    response = admin_client_role.get(reverse("privacy:participant_history", args=[participant.pk]))
    assert other_caseworker.get_full_name() in response.content.decode()


def test_access_log_page_lists_who_viewed_the_file(admin_client_role, participant, caseworker):
    AccessLog.objects.create(
        user=caseworker,
        username="sabine",
        action="view",
        participant_id=participant.pk,
        object_type="participants.Participant",
        path=f"/teilnehmende/{participant.pk}/",
    )
    response = admin_client_role.get(reverse("privacy:participant_access", args=[participant.pk]))
    assert response.status_code == 200
    assert "sabine" in response.content.decode()


def test_viewing_the_history_is_itself_logged(admin_client_role, administrator, participant):
    admin_client_role.get(reverse("privacy:participant_history", args=[participant.pk]))
    assert AccessLog.objects.filter(participant_id=participant.pk, user=administrator).exists()


AUDIT_URLS = [
    "privacy:participant_history",
    "privacy:participant_access",
    "privacy:art15",
    "privacy:art15_json",
    "privacy:erase",
]


@pytest.mark.parametrize("name", AUDIT_URLS)
def test_only_administration_may_open_audit_pages(
    name, participant, caseworker_client, reporter_client, no_role_client, client
):
    url = reverse(name, args=[participant.pk])
    assert caseworker_client.get(url).status_code == 403
    assert reporter_client.get(url).status_code == 403
    assert no_role_client.get(url).status_code == 403
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", AUDIT_URLS)
def test_unknown_participant_is_404_for_administration(name, admin_client_role):
    assert admin_client_role.get(reverse(name, args=[999999])).status_code == 404


def test_security_events_page_for_administration_only(admin_client_role, caseworker_client):
    SecurityEvent.objects.create(kind=SecurityEvent.Kind.LOGIN_FAILED, username="sabine")
    response = admin_client_role.get(reverse("privacy:security_events") + "?art=login_failed")
    assert response.status_code == 200 and "sabine" in response.content.decode()
    assert caseworker_client.get(reverse("privacy:security_events")).status_code == 403


def test_history_list_runs_constant_queries(admin_client_role, participant):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("privacy:participant_history", args=[participant.pk])
    admin_client_role.get(url)  # warm-up (session, content types)
    for _ in range(2):
        CaseNoteFactory(participant=participant)
    admin_client_role.get(url)
    with CaptureQueriesContext(connection) as few:
        admin_client_role.get(url)
    for _ in range(40):
        CaseNoteFactory(participant=participant)
    with CaptureQueriesContext(connection) as many:
        admin_client_role.get(url)
    assert len(many) == len(few)


def test_other_participants_history_is_not_mixed_in(admin_client_role, participant):
    other = ParticipantFactory(last_name="Fremdperson")
    response = admin_client_role.get(reverse("privacy:participant_history", args=[participant.pk]))
    assert "Fremdperson" not in response.content.decode()
    assert other.pk != participant.pk


def test_contact_persons_of_employers_are_tracked():
    from employers.models import ContactPerson
    from tests.factories import ContactPersonFactory

    person = ContactPersonFactory(name="Jörg Hofmann")
    ContactPerson.objects.filter(pk=person.pk).update(phone="0561 999")
    ContactPerson.objects.filter(pk=person.pk).delete()
    labels = list(
        event_model(ContactPerson)
        .objects.filter(pgh_obj_id=person.pk)
        .order_by("pgh_id")
        .values_list("pgh_label", flat=True)
    )
    assert labels == ["insert", "update", "delete"]


def test_administration_maintains_2fa_policy_and_reads_security_log_in_admin(admin_client_role):
    assert admin_client_role.get("/admin/privacy/rolesecuritypolicy/add/").status_code == 200
    assert admin_client_role.get("/admin/privacy/securityevent/").status_code == 200
