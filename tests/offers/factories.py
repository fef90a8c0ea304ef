"""Factories for offers and referrals (the offers app's tests and the report's)."""

import datetime

import factory

from offers.models import Offer, Referral
from tests.factories import NetworkPartnerFactory, ParticipantFactory


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    partner = factory.SubFactory(NetworkPartnerFactory, name="VHS Kassel", kind="sprachkurs")
    title = factory.Sequence(lambda n: f"Berufssprachkurs B1 Nr. {n}")
    kind = Offer.Kind.JOB_LANGUAGE_COURSE
    target_level = "B1"
    starts_on = datetime.date(2026, 3, 2)
    # A course of about four months from its start (none without a start).
    ends_on = factory.LazyAttribute(
        lambda o: o.starts_on + datetime.timedelta(days=116) if o.starts_on else None
    )
    place = "VHS Kassel, Wilhelmshöher Allee 19"
    places = 12
    funding = Offer.Funding.BAMF


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    participant = factory.SubFactory(ParticipantFactory)
    offer = factory.SubFactory(OfferFactory)
    proposed_on = datetime.date(2026, 2, 1)
    created_by = factory.LazyAttribute(lambda o: o.participant.caseworker)
