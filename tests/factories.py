"""factory_boy factories for the core models (each app's tests may add their own)."""

import datetime
import functools

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from employers.models import ContactPerson, Employer, EmployerField, NetworkPartner
from fallmanagement.core.models import KldbGroup
from fallmanagement.core.roles import Role
from participants.models import CaseNote, FollowUp, Participant
from placements.models import Placement

TODAY = datetime.date(2026, 11, 25)
TEST_PASSWORD = "ein-sicheres-passwort-123"  # noqa: S105


@functools.cache
def _test_password_hash() -> str:
    return make_password(TEST_PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Erika"
    last_name = factory.Sequence(lambda n: f"Muster{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    # argon2 is slow by design: hash the shared test password once per test run.
    password = factory.LazyFunction(lambda: _test_password_hash())

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


def make_user(role: str | None, **kwargs):
    return UserFactory(role=role, **kwargs)


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant
        skip_postgeneration_save = True

    last_name = factory.Sequence(lambda n: f"Haddad{n}")
    first_name = "Rana"
    date_of_birth = datetime.date(1995, 3, 14)
    gender = Participant.Gender.FEMALE
    country_of_origin = "SY"
    nationality = "SY"
    residence_status = Participant.ResidenceStatus.AE_RECOGNISED
    work_permit = Participant.WorkPermit.NOT_NEEDED
    german_level = Participant.GermanLevel.A2
    german_level_at_entry = Participant.GermanLevel.A1
    consent_date = datetime.date(2026, 1, 10)
    consent_scope = "Fallmanagement"
    entry_date = datetime.date(2026, 1, 10)
    caseworker = factory.SubFactory(UserFactory, role=Role.CASEWORK)


class CaseNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseNote

    participant = factory.SubFactory(ParticipantFactory)
    date = datetime.date(2026, 2, 1)
    contact_kind = CaseNote.ContactKind.IN_PERSON
    text = "Erstgespräch"
    author = factory.LazyAttribute(lambda o: o.participant.caseworker)


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    participant = factory.SubFactory(ParticipantFactory)
    due_on = TODAY
    subject = "Unterlagen nachfragen"


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    name = factory.Sequence(lambda n: f"Metallbau Beispiel {n}")
    postcode = "34117"
    city = "Kassel"
    state = Employer.PartnershipState.ACTIVE
    partner_since = datetime.date(2025, 1, 1)
    capacity = 2


class EmployerFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmployerField

    employer = factory.SubFactory(EmployerFactory)
    kldb_group = factory.LazyFunction(lambda: KldbGroup.objects.get(code="24"))


class ContactPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPerson

    employer = factory.SubFactory(EmployerFactory)
    name = "Jörg Hofmann"
    role = "Geschäftsführung"
    consent_to_store = True


class NetworkPartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NetworkPartner

    name = factory.Sequence(lambda n: f"Handwerkskammer {n}")
    kind = NetworkPartner.Kind.HWK


class PlacementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Placement

    participant = factory.SubFactory(ParticipantFactory)
    employer = factory.SubFactory(EmployerFactory)
    kind = Placement.Kind.INTERNSHIP
    job_title = "Helfer Metallbau"
    planned_start = datetime.date(2026, 3, 2)
    planned_end = datetime.date(2026, 3, 29)
    legal_basis = Placement.LegalBasis.MILOG
    # Signed and insured a week ahead, so that any state is valid (the rules' tests unset them).
    agreement_signed_on = factory.LazyAttribute(lambda o: o.planned_start - datetime.timedelta(7))
    insurance_confirmed_on = factory.LazyAttribute(
        lambda o: o.planned_start - datetime.timedelta(7)
    )
    created_by = factory.LazyAttribute(lambda o: o.participant.caseworker)


def case_extras(participant, user) -> dict:
    """The objects of a case (and one import run) that the URL walks need for their <pk>s
    besides participant, placement, employer …: referral and offer, note, document."""
    from fallmanagement.imports.models import ImportKind, ImportRun
    from placements.models import Document
    from tests.offers.factories import ReferralFactory

    referral = ReferralFactory(participant=participant)
    return {
        "referral": referral,
        "offer": referral.offer,
        "note": participant.notes.create(
            date=datetime.date(2026, 1, 5), contact_kind="telefon", text="Anruf", author=user
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
            started_by=user,
        ),
    }
