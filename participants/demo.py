"""Demo participants for `seed_demo`: fictional people from the main countries of origin,
spread over every case status, with notes, follow-ups, goals and recognition procedures."""

import datetime
import random

from django.db import connection
from django.utils import timezone

from employers.models import NetworkPartner
from fallmanagement.core.bulk import copy_create
from fallmanagement.core.models import KldbGroup

from .models import (
    CaseNote,
    FollowUp,
    Goal,
    Language,
    Participant,
    RecognitionProcedure,
    StatusChange,
    VocationalExperience,
)
from .recognition import new_recognition_followups

S = Participant.Status
R = Participant.ResidenceStatus

# country: (weight, male first names, female first names, last names, languages)
ORIGINS = {
    "SY": (
        30,
        ["Mohammed", "Ahmad", "Khaled", "Omar", "Yousef", "Hassan", "Rami", "Tarek"],
        ["Fatima", "Rana", "Lama", "Nour", "Huda", "Aya"],
        ["Al Hussein", "Haddad", "Khalil", "Darwish", "Al Ahmad", "Suleiman", "Mansour"],
        ["Arabisch", "Kurdisch"],
    ),
    "AF": (
        20,
        ["Ahmad", "Mustafa", "Farid", "Hamid", "Jawad", "Navid", "Sayed"],
        ["Zahra", "Maryam", "Fereshta", "Parisa", "Shabnam"],
        ["Ahmadi", "Hosseini", "Rahimi", "Karimi", "Sultani", "Nazari"],
        ["Dari", "Paschtu"],
    ),
    "IQ": (
        10,
        ["Ali", "Haider", "Mustafa", "Abbas", "Karrar"],
        ["Zainab", "Noor", "Sara"],
        ["Al Jaber", "Kareem", "Hamad", "Abdullah"],
        ["Arabisch", "Kurdisch"],
    ),
    "ER": (
        10,
        ["Yonas", "Tesfay", "Dawit", "Filmon", "Samuel"],
        ["Helen", "Selam", "Senait"],
        ["Tekle", "Gebremedhin", "Haile", "Berhane", "Kidane"],
        ["Tigrinya", "Englisch"],
    ),
    "SO": (
        8,
        ["Husein", "Abdi", "Mahad", "Farah", "Liban"],
        ["Amina", "Hodan", "Faadumo"],
        ["Al Qasin", "Warsame", "Mohamud", "Abdullahi", "Jama"],
        ["Somali", "Arabisch"],
    ),
    "IR": (
        7,
        ["Reza", "Mehdi", "Amir", "Saeed"],
        ["Leila", "Shirin", "Nasrin"],
        ["Tehrani", "Moradi", "Jafari", "Rostami"],
        ["Persisch"],
    ),
    "UA": (
        10,
        ["Oleksandr", "Andrij", "Dmytro", "Serhij"],
        ["Olena", "Iryna", "Natalija", "Oksana"],
        ["Kovalenko", "Bondarenko", "Tkachenko", "Shevchenko", "Melnyk"],
        ["Ukrainisch", "Russisch"],
    ),
    "TR": (
        5,
        ["Mehmet", "Emre", "Murat"],
        ["Elif", "Zeynep"],
        ["Yilmaz", "Demir", "Kaya", "Öztürk", "Şahin"],
        ["Türkisch", "Kurdisch"],
    ),
}
# Spelling variants as they appear in documents (the search must find all of them).
VARIANTS = {
    "Mohammed": ["Muhammad", "Mohamad", "Mohammed"],
    "Husein": ["Hussein", "Husein"],
    "Yousef": ["Yusuf", "Youssef"],
}
FIXED_NAMES = {
    1: ("SY", "Mohamad", "Haddad"),
    2: ("IQ", "Muhammad", "Abdullah"),
    3: ("SY", "Mohammed", "Al Hussein"),
    4: ("IQ", "Hussein", "Kareem"),
    5: ("TR", "Elif", "Öztürk"),
}
STATUS_MIX = [
    (S.INTAKE, 8),
    (S.PROFILING, 10),
    (S.INTERNSHIP_PREP, 12),
    (S.INTERNSHIP, 12),
    (S.EVALUATION, 8),
    (S.QUALIFICATION, 8),
    (S.PLACED, 8),
    (S.AFTERCARE, 8),
    (S.CLOSED, 20),
    (S.PAUSED, 6),
]
STATUS_ORDER = [
    S.INTAKE,
    S.PROFILING,
    S.INTERNSHIP_PREP,
    S.INTERNSHIP,
    S.EVALUATION,
    S.QUALIFICATION,
    S.PLACED,
    S.AFTERCARE,
    S.CLOSED,
]
RESIDENCE_MIX = [
    (R.AE_RECOGNISED, 30),
    (R.AE_SUBSIDIARY, 20),
    (R.GESTATTUNG, 15),
    (R.DULDUNG, 8),
    (R.TEMPORARY_PROTECTION, 10),
    (R.AE_HUMANITARIAN, 10),
    (R.SETTLEMENT, 5),
    (R.OTHER, 2),
]
NOTE_TEXTS = [
    "Gespräch über berufliche Vorerfahrung, Unterlagen aus dem Herkunftsland besprochen.",
    "Bewerbungsunterlagen gemeinsam erstellt, Lebenslauf aktualisiert.",
    "Telefonat wegen Termin bei der Ausländerbehörde.",
    "Rückmeldung aus dem Betrieb eingeholt: pünktlich und motiviert.",
    "Sprachkurs B1 angemeldet, Start nächsten Monat.",
    "Fahrtkosten und Arbeitskleidung geklärt.",
    "Termin Anerkennungsberatung vereinbart.",
]


# Choice values looked up once (enum `.values` builds a new list on every access: slow at 100 000).
CONTACT_KINDS = CaseNote.ContactKind.values
WHEREABOUTS = FollowUp.Whereabouts.values
GERMAN_LEVELS = [lv for lv, _l in Participant.GermanLevel.choices]
EXIT_REASONS = Participant.ExitReason.values
ISCED_LEVELS = Participant.Isced.values
PLACED_AS = Participant.PlacedAs.values
RECOGNITION_STATES = RecognitionProcedure.State.values


# Experiences at Berufsgattung depth for some Berufshauptgruppen (the others stay at two
# digits, marked for refinement as data from before the finer codes would be).
DEMO_OCCUPATIONS = {"82": "82101", "81": "81301", "63": "63221", "54": "54101", "51": "51311"}


def weighted(rng: random.Random, pairs):
    return rng.choices([p for p, _w in pairs], weights=[w for _p, w in pairs])[0]


def create(rng: random.Random, count: int, caseworkers) -> list[Participant]:
    groups = list(KldbGroup.objects.exclude(code="01"))
    today = timezone.localdate()
    countries = list(ORIGINS)
    weights = [ORIGINS[c][0] for c in countries]
    participants = []
    for i in range(count):
        country = rng.choices(countries, weights=weights)[0]
        _w, male, female, last_names, _langs = ORIGINS[country]
        gender = rng.choices(
            [
                Participant.Gender.MALE,
                Participant.Gender.FEMALE,
                Participant.Gender.DIVERSE,
                Participant.Gender.UNSPECIFIED,
            ],
            weights=[62, 35, 1, 2],
        )[0]
        first = rng.choice(female if gender == Participant.Gender.FEMALE else male)
        first = rng.choice(VARIANTS.get(first, [first]))
        if i == 0:
            country, first, gender = "SO", "Husein", Participant.Gender.MALE
            last = "Al Qasin"
        else:
            last = rng.choice(last_names)
        if i in FIXED_NAMES:
            # Spelling variants the name search must find together (see participants.queries);
            # set after the random draws so the rest of the demo data stays the same.
            country, first, last = FIXED_NAMES[i]
            gender = Participant.Gender.FEMALE if first == "Elif" else Participant.Gender.MALE
        status = S.INTERNSHIP if i == 0 else weighted(rng, STATUS_MIX)
        entry = today - datetime.timedelta(days=rng.randint(20, 900))
        residence = weighted(rng, RESIDENCE_MIX)
        needs_permit = residence in Participant.PERMIT_REQUIRED_STATUSES
        level_entry = rng.choice(["keine", "A1", "A1", "A2", "A2", "B1"])
        levels = GERMAN_LEVELS
        level_now = levels[min(levels.index(level_entry) + rng.randint(0, 2), len(levels) - 2)]
        exit_date = exit_reason = None
        if status == S.CLOSED:
            exit_date = min(
                today - datetime.timedelta(days=1),
                entry + datetime.timedelta(days=rng.randint(90, 500)),
            )
            exit_reason = rng.choices(EXIT_REASONS, weights=[25, 20, 10, 10, 10, 8, 12, 5])[0]
        participants.append(
            Participant(
                last_name=last,
                first_name=first,
                preferred_name="",
                date_of_birth=today - datetime.timedelta(days=rng.randint(17 * 365, 58 * 365)),
                gender=gender,
                country_of_origin=country,
                nationality=country,
                arrival_date=entry - datetime.timedelta(days=rng.randint(60, 1500)),
                residence_status=residence,
                residence_valid_until=today + datetime.timedelta(days=rng.randint(-20, 700)),
                work_permit=(
                    Participant.WorkPermit.YES if rng.random() < 0.7 else Participant.WorkPermit.NO
                )
                if needs_permit
                else Participant.WorkPermit.NOT_NEEDED,
                work_permit_valid_until=(
                    today + datetime.timedelta(days=rng.randint(5, 400)) if needs_permit else None
                ),
                street=f"Musterweg {rng.randint(1, 99)}",
                postcode=rng.choice(["34117", "34119", "34121", "34123", "34127", "34131"]),
                city="Kassel",
                phone=f"0151 {rng.randint(1000000, 9999999)}",
                german_level=level_now,
                german_level_at_entry=level_entry,
                school_years=rng.randint(0, 14),
                isced_level=rng.choices(ISCED_LEVELS, weights=[45, 40, 15])[0],
                has_documents=rng.random() < 0.4,
                interests="Handwerkliche Arbeit, möchte schnell Geld verdienen.",
                motivation="Hoch, möchte unabhängig von Sozialleistungen leben.",
                resources="Zuverlässig, praktische Erfahrung, gute Auffassungsgabe.",
                needs="Berufsbezogenes Deutsch, Führerschein, Nachweise fehlen.",
                consent_date=entry if status != S.INTAKE or rng.random() < 0.5 else None,
                consent_scope="Verarbeitung im Fallmanagement, Weitergabe an Praktikumsbetriebe",
                caseworker=caseworkers[i % len(caseworkers)],
                entry_date=entry,
                status=status,
                status_before_pause=S.PROFILING if status == S.PAUSED else "",
                placed_as=rng.choice(PLACED_AS) if status in (S.PLACED, S.AFTERCARE) else "",
                exit_date=exit_date,
                exit_reason=exit_reason or "",
            )
        )
    participants = copy_create(Participant, participants)

    interests, experiences, languages, changes, notes, followups, goals, recognitions = (
        [] for _ in range(8)
    )
    Through = Participant.interest_groups.through
    # Recognition procedures are accompanied by a network partner (network partner page).
    advisers = list(
        NetworkPartner.objects.filter(
            kind__in=[NetworkPartner.Kind.RECOGNITION, NetworkPartner.Kind.HWK]
        ).order_by("kind", "pk")
    )
    for p in participants:
        caseworker = p.caseworker
        own = rng.sample(groups, 2)
        interests += [Through(participant_id=p.pk, kldbgroup_id=g.pk) for g in own]
        experiences.append(
            VocationalExperience(
                participant_id=p.pk,
                kldb_group_id=own[0].pk,
                kldb_occupation_id=DEMO_OCCUPATIONS.get(own[0].pk),
                years=rng.randint(1, 12),
                description="Tätigkeit im Herkunftsland",
            )
        )
        for lang in ORIGINS[p.country_of_origin.code][4][:2]:
            languages.append(Language(participant_id=p.pk, language=lang, level="Muttersprache"))
        # Status history along the workflow up to the current status.
        path = (
            STATUS_ORDER[: STATUS_ORDER.index(p.status) + 1]
            if p.status in STATUS_ORDER
            else [S.INTAKE, S.PROFILING, S.PAUSED]
        )
        day = p.entry_date
        previous = ""
        for step in path:
            changes.append(
                StatusChange(
                    participant_id=p.pk,
                    from_status=previous,
                    to_status=step,
                    changed_on=day,
                    changed_by_id=caseworker.pk,
                    reason="" if previous else "Aufnahme ins Programm",
                )
            )
            previous = step
            day = min(today, day + datetime.timedelta(days=rng.randint(7, 60)))
        if p.exit_date:
            # The case was closed on its exit date, and every earlier step came before it.
            closing = changes[-1]
            for change in changes[-len(path) :]:
                change.changed_on = min(change.changed_on, p.exit_date)
            closing.changed_on = p.exit_date
            closing.reason = str(p.get_exit_reason_display())
        for k in range(rng.randint(2, 10)):
            notes.append(
                CaseNote(
                    participant_id=p.pk,
                    date=min(today, p.entry_date + datetime.timedelta(days=rng.randint(0, 400))),
                    contact_kind=rng.choice(CONTACT_KINDS),
                    duration_minutes=rng.choice([15, 30, 45, 60, 90]),
                    with_interpreter=rng.random() < 0.3,
                    text=NOTE_TEXTS[(p.pk + k) % len(NOTE_TEXTS)],
                    confidential=rng.random() < 0.05,
                    author_id=caseworker.pk,
                )
            )
        if p.status != S.CLOSED:
            followups.append(
                FollowUp(
                    participant_id=p.pk,
                    due_on=today + datetime.timedelta(days=rng.randint(-10, 20)),
                    subject=rng.choice(
                        [
                            "Unterlagen für Anerkennung nachfragen",
                            "Termin Jobcenter vorbereiten",
                            "Praktikumsplatz anfragen",
                            "Rückruf Betrieb",
                        ]
                    ),
                    created_by_id=caseworker.pk,
                )
            )
            goals.append(
                Goal(
                    participant_id=p.pk,
                    text="Deutsch B1 bis Jahresende",
                    agreed_on=p.entry_date,
                    due_on=p.entry_date + datetime.timedelta(days=300),
                    author_id=caseworker.pk,
                )
            )
        else:
            for kind, days in (
                (FollowUp.Kind.WHEREABOUTS_4W, 28),
                (FollowUp.Kind.WHEREABOUTS_6M, 182),
            ):
                due = p.exit_date + datetime.timedelta(days=days)
                done = due <= today
                followups.append(
                    FollowUp(
                        participant_id=p.pk,
                        kind=kind,
                        due_on=due,
                        subject=str(kind.label),
                        done_on=due if done else None,
                        done_by_id=caseworker.pk if done else None,
                        whereabouts=rng.choice(WHEREABOUTS) if done else "",
                        created_by_id=caseworker.pk,
                    )
                )
        if p.has_documents and rng.random() < 0.5:
            state = rng.choice(RECOGNITION_STATES)
            recognitions.append(
                RecognitionProcedure(
                    participant_id=p.pk,
                    reference_profession=rng.choice(
                        [
                            "Elektroniker/in",
                            "Kfz-Mechatroniker/in",
                            "Pflegefachfrau/-mann",
                            "Metallbauer/in",
                            "Bäcker/in",
                        ]
                    ),
                    competent_body="Handwerkskammer Kassel",
                    network_partner=advisers[p.pk % len(advisers)] if advisers else None,
                    state=state,
                    advised_on=p.entry_date,
                    applied_on=p.entry_date + datetime.timedelta(days=40)
                    if state != "beraten"
                    else None,
                    file_complete_on=p.entry_date + datetime.timedelta(days=55)
                    if state not in ("beraten", "antrag_gestellt")
                    else None,
                    decided_on=p.entry_date + datetime.timedelta(days=120)
                    if state in RecognitionProcedure.DECIDED_STATES
                    else None,
                )
            )
    copy_create(Through, interests)
    copy_create(VocationalExperience, experiences)
    copy_create(Language, languages)
    copy_create(StatusChange, changes)
    copy_create(CaseNote, notes)
    copy_create(FollowUp, followups)
    copy_create(Goal, goals)
    recognitions = copy_create(RecognitionProcedure, recognitions)
    # The deadlines of the procedures become follow-ups, as when they are entered in the case file.
    copy_create(
        FollowUp,
        [f for r in recognitions for f in new_recognition_followups(r, r.participant.caseworker)],
    )
    if count > 1000:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return participants
