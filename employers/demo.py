"""Demo employers and network partners for `seed_demo` (fictional, across KldB areas)."""

import datetime
import random

from django.utils import timezone

from fallmanagement.core.bulk import copy_create
from fallmanagement.core.models import KldbGroup

from .models import (
    ContactPerson,
    Employer,
    EmployerContact,
    EmployerField,
    EmployerStateChange,
    NetworkContactPerson,
    NetworkPartner,
)

# (name stem, industry, KldB groups offered)
EMPLOYER_TEMPLATES = [
    ("Edelstahl- und Metallbau", "Metallbau", ["24", "25"]),
    ("Kfz-Werkstatt", "Kfz-Handwerk", ["25"]),
    ("Elektrotechnik", "Elektrohandwerk", ["26"]),
    ("Tischlerei", "Holzverarbeitung", ["22"]),
    ("Bäckerei", "Lebensmittelhandwerk", ["29", "62"]),
    ("Fleischerei", "Lebensmittelhandwerk", ["29"]),
    ("Hotel", "Hotellerie", ["63221"]),
    ("Restaurant", "Gastronomie", ["63", "29302"]),
    ("Pflegedienst", "Pflege", ["81301", "82101"]),
    ("Seniorenzentrum", "Altenpflege", ["82101", "82102", "83"]),
    ("Logistikzentrum", "Logistik", ["51311", "52"]),
    ("Spedition", "Transport", ["52", "51"]),
    ("Gebäudereinigung", "Reinigung", ["54101"]),
    ("Garten- und Landschaftsbau", "GaLaBau", ["12"]),
    ("Malerbetrieb", "Maler und Lackierer", ["33"]),
    ("Sanitär und Heizung", "SHK-Handwerk", ["34"]),
    ("Hochbau", "Bauhauptgewerbe", ["32"]),
    ("Supermarkt", "Einzelhandel", ["62", "51"]),
    ("Friseursalon", "Körperpflege", ["82311"]),
    ("IT-Service", "IT-Dienstleistungen", ["43"]),
    ("Druckerei", "Druck und Medien", ["23"]),
    ("Kita", "Erziehung", ["83112"]),
    ("Steuerbüro", "Steuerberatung", ["72", "71"]),
    ("Textilreinigung", "Textilpflege", ["28", "54"]),
]
SURNAMES = [
    "Hofmann",
    "Jobi",
    "Becker",
    "Fischer",
    "Schneider",
    "Wagner",
    "Schulz",
    "Koch",
    "Richter",
    "Wolf",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hartmann",
    "Lange",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Schmitt",
    "Schmid",
    "Walter",
    "Peters",
    "Möller",
    "König",
]
STREETS = [
    "Königsstraße",
    "Wilhelmshöher Allee",
    "Friedrich-Ebert-Straße",
    "Holländische Straße",
    "Leipziger Straße",
    "Frankfurter Straße",
    "Sandershäuser Straße",
    "Dennhäuser Straße",
    "Wolfhager Straße",
    "Ihringshäuser Straße",
    "Industriestraße",
    "Am Lossewerk",
]
PLACES = [
    ("34117", "Kassel"),
    ("34119", "Kassel"),
    ("34123", "Kassel"),
    ("34127", "Kassel"),
    ("34131", "Kassel"),
    ("34134", "Kassel"),
    ("34225", "Baunatal"),
    ("34246", "Vellmar"),
    ("34253", "Lohfelden"),
    ("34260", "Kaufungen"),
]
CONTACT_FIRST = ["Jörg", "Anna", "Michael", "Katrin", "Stefan", "Julia", "Andreas", "Claudia"]
NETWORK = [
    ("IHK Kassel-Marburg", NetworkPartner.Kind.IHK, "Ausbildung, Anerkennung IHK-Berufe"),
    ("Handwerkskammer Kassel", NetworkPartner.Kind.HWK, "Anerkennung Metallberufe, EQ"),
    ("Ausländerbehörde der Stadt", NetworkPartner.Kind.IMMIGRATION, "Beschäftigungserlaubnis"),
    ("Jobcenter Stadt", NetworkPartner.Kind.JOBCENTER, "Maßnahmen nach § 45 SGB III"),
    ("Agentur für Arbeit", NetworkPartner.Kind.AGENCY, "Berufsberatung, Ausbildungsvermittlung"),
    ("Anerkennungsberatung IQ Hessen", NetworkPartner.Kind.RECOGNITION, "Anerkennungsberatung"),
    ("Volkshochschule Region", NetworkPartner.Kind.LANGUAGE, "Integrationskurse, Berufssprache"),
    ("Sprachschule Nordhessen", NetworkPartner.Kind.LANGUAGE, "DeuFöV-Berufssprachkurse B1/B2"),
    ("Flüchtlingshilfe e. V.", NetworkPartner.Kind.ASSOCIATION, "Begleitung, Patenschaften"),
]


def create(rng: random.Random, count: int, users) -> list[Employer]:
    groups = {g.code: g for g in KldbGroup.objects.all()}
    today = timezone.localdate()
    states = [Employer.PartnershipState.ACTIVE] * 7 + [
        Employer.PartnershipState.INTERESTED,
        Employer.PartnershipState.REQUESTED,
        Employer.PartnershipState.PAUSED,
    ]
    employers = []
    for i in range(count):
        stem, industry, codes = EMPLOYER_TEMPLATES[i % len(EMPLOYER_TEMPLATES)]
        surname = SURNAMES[(i * 7 + i // len(EMPLOYER_TEMPLATES)) % len(SURNAMES)]
        postcode, city = PLACES[rng.randrange(len(PLACES))]
        state = states[rng.randrange(len(states))] if i > 0 else Employer.PartnershipState.ACTIVE
        suffix = f" {i // (len(EMPLOYER_TEMPLATES) * len(SURNAMES)) + 1}" if count > 600 else ""
        partner_since = today - datetime.timedelta(days=rng.randint(30, 2500))
        employers.append(
            Employer(
                name=f"{stem} {surname}{suffix}",
                legal_form=rng.choice(
                    [
                        Employer.LegalForm.GMBH,
                        Employer.LegalForm.SOLE,
                        Employer.LegalForm.GMBH_CO_KG,
                    ]
                ),
                street=f"{rng.choice(STREETS)} {rng.randint(1, 180)}",
                postcode=postcode,
                city=city,
                industry=industry,
                size_band=rng.choice(Employer.SizeBand.values),
                phone=f"0561 {rng.randint(100000, 999999)}",
                capacity=rng.choice([1, 1, 2, 2, 3]),
                workplace_languages=rng.choice(
                    ["Deutsch", "Deutsch, Englisch", "Deutsch, Arabisch", "Deutsch, Türkisch"]
                ),
                transit_access=rng.choice(
                    [
                        "Tram 1, Haltestelle vor der Tür",
                        "Bus 12, 5 Minuten Fußweg",
                        "RegioTram, 10 Minuten",
                    ]
                ),
                is_training_company=rng.random() < 0.6,
                chamber=Employer.Chamber.HWK
                if "handwerk" in industry.lower()
                else Employer.Chamber.IHK,
                state=state,
                state_since=partner_since,
                partner_since=partner_since if state == Employer.PartnershipState.ACTIVE else None,
            )
        )
    _avoid_existing_names(employers)
    employers = copy_create(Employer, employers)
    fields = []
    contacts = []
    for i, employer in enumerate(employers):
        _stem, _industry, codes = EMPLOYER_TEMPLATES[i % len(EMPLOYER_TEMPLATES)]
        for j, code in enumerate(codes):
            fields.append(
                EmployerField(
                    employer=employer,
                    # Two digits: marked for refinement; more: the KldB occupation offered.
                    kldb_group=groups[code[:2]],
                    kldb_occupation_id=code if len(code) > 2 else None,
                    offers_internship=True,
                    offers_apprenticeship=employer.is_training_company and j == 0,
                    offers_job=rng.random() < 0.5,
                )
            )
        contacts.append(
            ContactPerson(
                employer=employer,
                name=f"{rng.choice(CONTACT_FIRST)} {employer.name.split(' (')[0].split()[-1]}",
                role=rng.choice(["Geschäftsführung", "Ausbildungsleitung", "Personal"]),
                phone=employer.phone,
                email=f"kontakt{i}@betrieb.example.org",
                preferred_contact=ContactPerson.PreferredContact.PHONE,
                consent_to_store=True,
                consent_date=employer.state_since,
            )
        )
    copy_create(EmployerField, fields)
    contacts = copy_create(ContactPerson, contacts)
    author = next((u for u in users if u.username == "admin"), users[0])
    if len(employers) <= 600:
        _create_history(rng, employers, contacts, author, today)
    if not NetworkPartner.objects.exists():
        partners = NetworkPartner.objects.bulk_create(
            [
                NetworkPartner(name=name, kind=kind, topics=topics, city="Kassel")
                for name, kind, topics in NETWORK
            ]
        )
        NetworkContactPerson.objects.bulk_create(
            [
                NetworkContactPerson(
                    partner=partner,
                    name=f"{CONTACT_FIRST[i % 8]} {SURNAMES[i * 3 % len(SURNAMES)]}",
                    role=NETWORK_ROLES[i % len(NETWORK_ROLES)],
                    phone=f"0561 {rng.randint(100000, 999999)}",
                    email=f"netzwerk{i}@partner.example.org",
                )
                for i, partner in enumerate(partners)
            ]
        )
    return employers


def _avoid_existing_names(employers: list[Employer]) -> None:
    """A second `seed_demo --force` adds a branch number instead of hitting the unique name."""
    if not Employer.objects.exists():
        return
    taken = {
        (name.lower(), postcode)
        for name, postcode in Employer.objects.values_list("name", "postcode")
    }
    for employer in employers:
        base, branch = employer.name, 1
        while (employer.name.lower(), employer.postcode) in taken:
            branch += 1
            employer.name = f"{base} (Standort {branch})"
        taken.add((employer.name.lower(), employer.postcode))


NETWORK_ROLES = ["Beratung", "Sachbearbeitung", "Teamleitung", "Ausbildungsberatung"]
HISTORY = [
    (EmployerContact.Kind.CALL, "Telefonat: Interesse an Praktikant:innen besprochen."),
    (
        EmployerContact.Kind.VISIT,
        "Betriebsbesuch, Arbeitsplätze und Sicherheitsunterweisung gezeigt.",
    ),
    (
        EmployerContact.Kind.AGREEMENT,
        "Rahmenvereinbarung: bis zu zwei Praktikumsplätze pro Quartal.",
    ),
    (EmployerContact.Kind.EMAIL, "Unterlagen zur Unfallversicherung zugeschickt."),
]


def _create_history(rng, employers, contacts, author, today) -> None:
    """A few contact-history entries and the state history for each demo employer."""
    contact_by_employer = {c.employer_id: c for c in contacts}
    entries, changes = [], []
    for employer in employers:
        for k in range(rng.randint(1, 3)):
            kind, text = HISTORY[(employer.pk + k) % len(HISTORY)]
            entries.append(
                EmployerContact(
                    employer=employer,
                    date=today - datetime.timedelta(days=rng.randint(1, 400)),
                    kind=kind,
                    contact_person=contact_by_employer.get(employer.pk),
                    text=text,
                    author=author,
                )
            )
        changes.append(
            EmployerStateChange(
                employer=employer,
                from_state="",
                to_state=employer.state,
                changed_on=employer.state_since,
                reason="Demodaten",
                changed_by=author,
            )
        )
    EmployerContact.objects.bulk_create(entries)
    EmployerStateChange.objects.bulk_create(changes)
