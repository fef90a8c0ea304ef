"""Demo offers and referrals for `seed_demo`: a small catalogue of the network partners'
courses and services, and referrals of open cases in every state, made through the
workflow (so the follow-ups and the German level history are as in real use)."""

import datetime
import random

from django.core.exceptions import ValidationError
from django.utils import timezone

from employers.models import NetworkPartner
from participants.models import Participant

from . import workflow
from .models import Offer, Referral

# Referrals for at most this many cases: the benchmark's large data sets need none.
MAX_REFERRED = 400
LEVELS = Participant.GermanLevel.values

K = Offer.Kind
# (title, kind, target level, start offset in days, length in days or None, places, funding,
#  network partner kind)
CATALOGUE = (
    ("Integrationskurs Vormittag", K.INTEGRATION_COURSE, "B1", -60, 180, 20, "bamf", "sprachkurs"),
    (
        "Berufssprachkurs B1 Pflege",
        K.JOB_LANGUAGE_COURSE,
        "B1",
        -130,
        120,
        16,
        "bamf",
        "sprachkurs",
    ),
    ("Berufssprachkurs B2 Technik", K.JOB_LANGUAGE_COURSE, "B2", 3, 150, 16, "bamf", "sprachkurs"),
    ("Anpassungsqualifizierung Elektro", K.QUALIFICATION, "", 20, 90, 8, "esf", "hwk"),
    (
        "Anerkennungsberatung (offene Sprechstunde)",
        K.RECOGNITION_ADVICE,
        "",
        None,
        None,
        None,
        "land",
        "anerkennung",
    ),  # fmt: skip
    (
        "Bewerbungstraining in Kleingruppen",
        K.APPLICATION_TRAINING,
        "",
        None,
        None,
        10,
        "jobcenter",
        "jobcenter",
    ),  # fmt: skip
    ("Kinderbetreuung während des Kurses", K.CHILDCARE, "", None, None, 6, "kommune", "verein"),
)


def _catalogue(today: datetime.date, user) -> list[Offer]:
    partners = {p.kind: p for p in NetworkPartner.objects.order_by("pk")}
    fallback = next(iter(partners.values()), None)
    offers = []
    for title, kind, level, start, length, places, funding, partner_kind in CATALOGUE:
        partner = partners.get(partner_kind, fallback)
        if partner is None:
            return offers
        starts_on = today + datetime.timedelta(days=start) if start is not None else None
        ends_on = starts_on + datetime.timedelta(days=length) if starts_on and length else None
        offers.append(
            Offer.objects.create(
                partner=partner,
                title=title,
                kind=kind,
                target_level=level,
                starts_on=starts_on,
                ends_on=ends_on,
                schedule="Mo–Fr 8:30–12:45 Uhr" if kind in Offer.LANGUAGE_KINDS else "",
                place=partner.city or "Kassel",
                places=places,
                funding=funding,
                created_by=user,
            )
        )
    return offers


def _step(referral, action, day, user, **data):
    return workflow.apply_transition(referral, action, {"date": day, **data}, user)


def create(rng: random.Random, participants) -> list[Referral]:
    today = timezone.localdate()
    open_cases = [p for p in participants if not p.is_closed and p.has_consent][:MAX_REFERRED]
    if not open_cases:
        return []
    offers = _catalogue(today, open_cases[0].caseworker)
    if not offers:
        return []
    by_title = {o.title: o for o in offers}
    referrals = []
    for p in open_cases:
        if rng.random() > 0.35:
            continue
        user = p.caseworker
        offer = offers[rng.randrange(len(offers))]
        proposed = min(today, (offer.starts_on or today) - datetime.timedelta(days=20))
        try:
            referral = workflow.refer(p, offer, user, proposed_on=proposed)
            if offer.title == "Berufssprachkurs B1 Pflege":
                referral = _step(referral, "anmelden", proposed, user)
                referral = _step(referral, "beginnen", offer.starts_on, user)
                before = LEVELS.index(p.german_level) if p.german_level in LEVELS else 0
                if rng.random() < 0.6 and before < LEVELS.index("B1"):
                    certificate = "Deutsch-Test für den Beruf B1"
                    _step(referral, "abschliessen", offer.ends_on, user,
                          certificate=certificate, level_reached="B1")  # fmt: skip
            elif offer is by_title.get("Integrationskurs Vormittag"):
                referral = _step(referral, "anmelden", proposed, user)
                _step(referral, "beginnen", offer.starts_on, user)
            elif offer.starts_on and offer.starts_on > today:
                _step(referral, "anmelden", today, user)
            elif rng.random() < 0.2:
                _step(referral, "nicht_angetreten", today, user, outcome_notes="kein Interesse")
        except ValidationError:
            continue
        referrals.append(referral)
    return referrals
