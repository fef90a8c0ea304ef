"""Every edit form of every app uses the optimistic-lock check (fallmanagement.core.locking).

Three ways to find an edit form, so that a new one cannot slip through:
- statically: every ModelForm class in our packages is versioned, a child form saved inside a
  versioned parent's transaction (inline formset), or a form that only ever creates rows;
- at run time: every page of every URL is opened as each role, and every ModelForm built
  there for an existing row must be versioned (or a child of a versioned parent);
- by behaviour: two people open the same edit form, both save; the second gets 409 and the
  first one's save is kept (for the forms that lost it before).
"""

import datetime
import importlib
import pkgutil
import re

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

from fallmanagement.core.locking import VersionedFormMixin
from fallmanagement.core.roles import Role
from fallmanagement.imports.models import ImportKind, ImportRun
from placements.models import Assessment, Document, Placement
from tests.factories import (
    EmployerFactory,
    FollowUpFactory,
    NetworkPartnerFactory,
    PlacementFactory,
    make_user,
)
from tests.offers.factories import ReferralFactory
from tests.test_url_access_matrix import _kwargs, all_url_names

pytestmark = pytest.mark.django_db

OUR_PACKAGES = ("fallmanagement", "employers", "participants", "placements", "offers")

# Forms that only ever create a row: a new row cannot be overwritten by a concurrent save.
CREATE_ONLY = {
    "participants.casefile_forms.CaseNoteForm": "a note is added, never edited",
    "participants.casefile_forms.GoalForm": "a goal is added; closing it is a separate form",
    "participants.casefile_forms.FollowUpForm": "a follow-up is added; done is a separate form",
    "placements.forms.CheckInForm": "a check-in is added, never edited",
    "employers.forms.EmployerContactForm": "a contact-history entry is added, never edited",
    "placements.forms.DocumentForm": "a document is uploaded, never edited",
    "offers.forms.ReferralForm": "a referral is created; its steps are versioned forms",
    "offers.forms.OneOffOfferForm": "a one-off offer is created with its referral",
}
# Rows edited only inside the form of their parent, in the transaction that checks the
# parent's version first (a stale parent aborts before any child row is written).
CHILD_OF = {
    "participants.forms.LanguageForm": "participants.forms.ParticipantForm",
    "participants.forms.ExperienceForm": "participants.forms.ParticipantForm",
    "employers.forms.EmployerFieldForm": "employers.forms.EmployerForm",
    "employers.forms.ContactPersonForm": "employers.forms.EmployerForm",
    "employers.forms.NetworkContactPersonForm": "employers.forms.NetworkPartnerForm",
}


def _name(cls) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _our_modules():
    for package_name in OUR_PACKAGES:
        package = importlib.import_module(package_name)
        yield package
        for info in pkgutil.walk_packages(package.__path__, package_name + "."):
            if ".migrations" in info.name or ".management" in info.name:
                continue
            yield importlib.import_module(info.name)


def our_model_forms() -> dict[str, type]:
    found = {}
    for module in _our_modules():
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, forms.ModelForm)
                and value.__module__.startswith(OUR_PACKAGES)
                and value.__module__ == module.__name__
                and value is not VersionedFormMixin
                and getattr(getattr(value, "_meta", None), "model", None) is not None
            ):
                found[_name(value)] = value
    return found


def _is_versioned(form_class) -> bool:
    model = form_class._meta.model
    has_column = any(f.name == "version" for f in model._meta.concrete_fields)
    return issubclass(form_class, VersionedFormMixin) and has_column


def test_every_model_form_is_versioned_or_creates_only():
    found = our_model_forms()
    assert "participants.casefile_forms.RecognitionForm" in found  # the walk finds forms
    assert "employers.forms.NetworkPartnerForm" in found
    unclassified = []
    for name, form_class in found.items():
        base = next(
            (_name(b) for b in form_class.__mro__ if _name(b) in CREATE_ONLY | CHILD_OF), None
        )
        if base in CREATE_ONLY:
            continue
        if base in CHILD_OF:
            parent = found[CHILD_OF[base]]
            assert _is_versioned(parent), f"{name}: parent {CHILD_OF[base]} is not versioned"
            continue
        if not _is_versioned(form_class):
            unclassified.append(name)
    assert unclassified == [], (
        "ModelForms without the optimistic-lock check (VersionedFormMixin + a `version` "
        f"column, saved with save_versioned): {unclassified}"
    )


def test_the_lists_name_only_existing_forms():
    found = our_model_forms()
    for name in [*CREATE_ONLY, *CHILD_OF, *CHILD_OF.values()]:
        assert name in found, f"{name} no longer exists: update the lists of this test"


# --- at run time: forms built for an existing row on any page -------------------------------


@pytest.fixture
def world(caseworker, participant):
    placement = PlacementFactory(
        participant=participant,
        state=Placement.State.COMPLETED,
        actual_start=datetime.date(2026, 3, 2),
        actual_end=datetime.date(2026, 3, 27),
    )
    referral = ReferralFactory(participant=participant)
    Assessment.objects.create(
        placement=placement,
        recorded_by=caseworker,
        assessed_on=datetime.date(2026, 3, 27),
        **dict.fromkeys(Assessment.RATED_FIELDS, 2),
    )
    return {
        "participant": participant,
        "placement": placement,
        "employer": placement.employer,
        "network": NetworkPartnerFactory(),
        "followup": FollowUpFactory(participant=participant),
        "goal": participant.goals.create(
            text="Deutsch B1", agreed_on=datetime.date(2026, 1, 5), author=caseworker
        ),
        "recognition": participant.recognitions.create(reference_profession="Koch"),
        "report": None,
        "job": None,
        "referral": referral,
        "offer": referral.offer,
        "note": participant.notes.create(
            date=datetime.date(2026, 1, 5), contact_kind="telefon", text="Anruf", author=caseworker
        ),
        "document": Document.objects.create(
            participant=participant,
            kind=Document.Kind.OTHER,
            file="dokumente/0123456789abcdef0123456789abcdef",
            original_name="a.pdf",
            content_type="application/pdf",
            size=1,
        ),
        "import_run": ImportRun.objects.create(
            kind=ImportKind.PARTICIPANTS,
            filename="liste.csv",
            content=b"Nachname;Vorname\r\nHaddad;Rana\r\n",
            started_by=caseworker,
        ),
    }


def test_every_form_shown_for_an_existing_row_is_versioned(
    world, caseworker, administrator, monkeypatch
):
    built: set[str] = set()
    original_init = forms.ModelForm.__init__

    def recording_init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        if self.instance.pk is not None and type(self).__module__.startswith(OUR_PACKAGES):
            built.add(_name(type(self)))

    monkeypatch.setattr(forms.ModelForm, "__init__", recording_init)
    for user in (caseworker, administrator):
        client = Client()
        client.force_login(user)
        for name, pattern in all_url_names():
            if name.startswith("reports:") and pattern.pattern.converters:
                continue
            if name.endswith(("_pdf", "_json", "export")):
                continue  # documents, no forms
            client.get(reverse(name, kwargs=_kwargs(name, pattern, world)))
    found = our_model_forms()
    # The walk reached the edit forms (else it would prove nothing).
    assert {
        "participants.forms.ParticipantForm",
        "participants.casefile_forms.RecognitionForm",
        "employers.forms.NetworkPartnerForm",
        "placements.forms.AssessmentForm",
        "placements.forms.PlacementForm",
    } <= built
    for name in built:
        form_class = found.get(name)
        assert form_class is not None, name
        parent = next((CHILD_OF[_name(b)] for b in form_class.__mro__ if _name(b) in CHILD_OF), "")
        assert _is_versioned(found.get(parent) or form_class), name


# --- behaviour: the first of two concurrent saves is kept -----------------------------------


def _version(html: str, prefix: str = "") -> str:
    match = re.search(rf'name="{prefix}version" value="(\d+)"', html)
    assert match, "the form carries no version"
    return match.group(1)


def _two_clients(first_user, second_user):
    first, second = Client(), Client()
    first.force_login(first_user)
    second.force_login(second_user)
    return first, second


def test_recognition_edit_refuses_the_second_of_two_saves(caseworker, participant):
    procedure = participant.recognitions.create(reference_profession="Koch")
    substitute = make_user(Role.CASEWORK, username="vertretung")
    participant.shared_with.add(substitute)
    url = reverse("participants:recognition_edit", args=[participant.pk, procedure.pk])
    first, second = _two_clients(caseworker, substitute)
    version_first = _version(first.get(url).content.decode(), "rec-")
    version_second = _version(second.get(url).content.decode(), "rec-")
    data = {"rec-state": "beraten", "rec-advised_on": "2026-01-05"}
    saved = first.post(
        url, {**data, "rec-reference_profession": "Koch", "rec-version": version_first}
    )
    assert saved.status_code == 302
    response = second.post(
        url, {**data, "rec-reference_profession": "Köchin", "rec-version": version_second}
    )
    assert response.status_code == 409
    assert "inzwischen von jemand anderem geändert" in response.content.decode()
    assert 'value="Köchin"' in response.content.decode()  # the input stays
    procedure.refresh_from_db()
    assert (procedure.reference_profession, procedure.version) == ("Koch", 2)


def test_network_partner_edit_refuses_the_second_of_two_saves(administrator):
    partner = NetworkPartnerFactory(name="Handwerkskammer Kassel")
    other_admin = make_user(Role.ADMINISTRATION, username="karin", is_staff=True)
    url = reverse("employers:network_edit", args=[partner.pk])
    first, second = _two_clients(administrator, other_admin)
    version_first = _version(first.get(url).content.decode())
    version_second = _version(second.get(url).content.decode())
    data = {"kind": "hwk", "is_active": "on", "contacts-TOTAL_FORMS": "0"}
    data["contacts-INITIAL_FORMS"] = "0"
    saved = first.post(url, {**data, "name": "HWK Kassel", "version": version_first})
    assert saved.status_code == 302
    response = second.post(url, {**data, "name": "HWK Nordhessen", "version": version_second})
    assert response.status_code == 409
    assert "inzwischen von jemand anderem geändert" in response.content.decode()
    partner.refresh_from_db()
    assert (partner.name, partner.version) == ("HWK Kassel", 2)


def test_assessment_edit_refuses_the_second_of_two_saves(caseworker, world):
    placement = world["placement"]
    url = reverse("placements:assessment", args=[placement.pk])
    first, second = _two_clients(caseworker, caseworker)
    version_first = _version(first.get(url).content.decode())
    version_second = _version(second.get(url).content.decode())
    data = {
        "assessed_on": "2026-03-27",
        "recommendation": "empfohlen",
        **dict.fromkeys(Assessment.RATED_FIELDS, "2"),
    }
    saved = first.post(url, {**data, "comments": "Erste Fassung", "version": version_first})
    assert saved.status_code == 302
    response = second.post(url, {**data, "comments": "Zweite Fassung", "version": version_second})
    assert response.status_code == 409
    assert "Zweite Fassung" in response.content.decode()
    assessment = Assessment.objects.get(placement=placement)
    assert (assessment.comments, assessment.version) == ("Erste Fassung", 2)


def test_employer_edit_form_is_still_locked(administrator):
    # The forms that had the check keep it (the static test would notice its removal too).
    employer = EmployerFactory()
    client = Client()
    client.force_login(administrator)
    assert _version(client.get(reverse("employers:edit", args=[employer.pk])).content.decode())
