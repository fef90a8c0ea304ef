"""Demo placements for `seed_demo`: internships in every state, assessments, follow-ons."""

import datetime
import random

from django.utils import timezone

from employers.models import EmployerField
from fallmanagement.core.bulk import copy_create
from participants.models import Participant

from .models import Assessment, CheckIn, Placement

S = Participant.Status
P = Placement.State
# Choice values looked up once (enum `.values` builds a new list on every access).
RATINGS = CheckIn.Rating.values
RECOMMENDATIONS = Assessment.Recommendation.values
OUTCOMES = Placement.Outcome.values

# KldB main group -> a typical activity for an internship in it.
JOB_TITLES = {
    "12": "Gartenhelfer/in",
    "22": "Helfer/in Holzbearbeitung",
    "23": "Helfer/in Druckerei",
    "24": "Helfer/in Metallbau",
    "25": "Helfer/in Kfz-Werkstatt",
    "26": "Helfer/in Elektro",
    "28": "Helfer/in Textilreinigung",
    "29": "Helfer/in Lebensmittelherstellung",
    "32": "Bauhelfer/in",
    "33": "Helfer/in Malerei",
    "34": "Helfer/in Sanitär und Heizung",
    "43": "Helfer/in IT-Support",
    "51": "Lagerhelfer/in",
    "52": "Beifahrer/in",
    "54": "Reinigungskraft",
    "62": "Verkaufshilfe",
    "63": "Küchenhilfe",
    "71": "Bürohilfe",
    "72": "Bürohilfe Buchhaltung",
    "81": "Pflegehilfe",
    "82": "Helfer/in Friseursalon",
    "83": "Helfer/in Kita",
}


def create(rng: random.Random, participants, employers) -> list[Placement]:
    today = timezone.localdate()
    active = [e for e in employers if e.state == "aktiv"] or employers
    contacts = (
        {c.employer_id: c for e in active for c in e.contacts.all()} if len(active) < 500 else {}
    )
    # Placements are in one of the fields the employer offers (funding report by KldB field).
    offered: dict[int, list[int]] = {}
    code_of: dict[int, str] = {}
    for employer_id, group_id, code in EmployerField.objects.values_list(
        "employer_id", "kldb_group_id", "kldb_group__code"
    ):
        offered.setdefault(employer_id, []).append(group_id)
        code_of[group_id] = code
    placements = []
    for p in participants:
        employer = active[rng.randrange(len(active))]
        kind = Placement.Kind.INTERNSHIP
        if p.status in (S.INTERNSHIP_PREP,):
            start = today + datetime.timedelta(days=rng.randint(3, 30))
            state = rng.choice([P.PLANNED, P.AGREED])
        elif p.status == S.INTERNSHIP:
            start = today - datetime.timedelta(days=rng.randint(0, 20))
            state = P.RUNNING
        elif p.status in (S.EVALUATION, S.QUALIFICATION, S.PLACED, S.AFTERCARE, S.CLOSED):
            start = max(
                p.entry_date + datetime.timedelta(days=30),
                today - datetime.timedelta(days=rng.randint(60, 500)),
            )
            start = min(start, today - datetime.timedelta(days=40))
            if p.exit_date:
                # A closed case's internship ended before the exit date.
                start = min(start, p.exit_date - datetime.timedelta(days=28))
            state = P.ABORTED if rng.random() < 0.12 else P.COMPLETED
        else:
            continue
        end = start + datetime.timedelta(days=27)
        agreed = state != P.PLANNED
        placement = Placement(
            participant=p,
            employer=employer,
            kind=kind,
            kldb_group_id=(rng.choice(offered[employer.pk]) if employer.pk in offered else None),
            job_title=rng.choice(
                [
                    "Helfer/in Metallbau",
                    "Küchenhilfe",
                    "Lagerhelfer/in",
                    "Pflegehilfe",
                    "Verkaufshilfe",
                    "Helfer/in Elektro",
                    "Reinigungskraft",
                    "Gartenhelfer/in",
                ]
            ),
            supervisor=contacts.get(employer.pk),
            planned_start=start,
            planned_end=end,
            actual_start=start if state in (P.RUNNING, P.COMPLETED, P.ABORTED) else None,
            actual_end=(
                end
                if state == P.COMPLETED
                else start + datetime.timedelta(days=rng.randint(3, 14))
                if state == P.ABORTED
                else None
            ),
            hours_per_week=rng.choice([20, 30, 35, 38.5]),
            daily_hours="Mo–Fr 8:00–14:00 Uhr",
            pay="unvergütet",
            leave="kein Urlaubsanspruch",
            goals="Berufsbezogene Sprache lernen, Arbeitsabläufe kennenlernen, Eignung prüfen.",
            tasks="Mitarbeit im Tagesgeschäft unter Anleitung.",
            legal_basis=Placement.LegalBasis.MILOG,
            # signed before it begins, and never after today (what happened is not in the future)
            agreement_signed_on=min(start - datetime.timedelta(days=5), today) if agreed else None,
            insurance_confirmed_on=min(start - datetime.timedelta(days=4), today)
            if agreed
            else None,
            state=state,
            state_reason="Gesundheitliche Gründe" if state == P.ABORTED else "",
            outcome=(
                rng.choice(OUTCOMES)
                if state == P.COMPLETED
                else Placement.Outcome.NONE
                if state == P.ABORTED
                else ""
            ),
            created_by=p.caseworker,
        )
        # The activity fits the field (drawn above all the same, so the rest stays as it was).
        placement.job_title = JOB_TITLES.get(
            code_of.get(placement.kldb_group_id, ""), placement.job_title
        )
        placement.offer_from_employer = placement.outcome in ("ausbildung", "beschaeftigung")
        if start < p.entry_date:
            # Too short in the programme for a finished internship (entry in the last weeks):
            # none rather than one before the entry (the rule `before_entry`). Decided after
            # the draws, so the other participants' data stays as it was.
            continue
        placements.append(placement)
    _this_week_for_demo_user(placements, today)
    placements = copy_create(Placement, placements)

    checkins, assessments = [], []
    for pl in placements:
        if pl.state in (P.RUNNING, P.COMPLETED, P.ABORTED):
            checkins.append(
                CheckIn(
                    placement_id=pl.pk,
                    # Never in the future (an internship that began today or yesterday).
                    date=min(pl.actual_start + datetime.timedelta(days=3), today),
                    with_whom="Anleitung im Betrieb",
                    rating=rng.choice(RATINGS),
                    issues="Eingewöhnung, Fachbegriffe",
                    author_id=pl.created_by_id,
                )
            )
        if pl.state == P.COMPLETED and rng.random() < 0.8:
            score = lambda: rng.choice([1, 2, 2, 3, 3, 4])  # noqa: E731
            assessments.append(
                Assessment(
                    placement_id=pl.pk,
                    assessed_on=pl.actual_end,
                    punctuality=score(),
                    reliability=score(),
                    pace=score(),
                    care=score(),
                    teamwork=score(),
                    german_at_work=score(),
                    aptitude=score(),
                    comments="Arbeitet sorgfältig und fragt nach, wenn etwas unklar ist.",
                    recommendation=rng.choice(RECOMMENDATIONS),
                    recorded_by_id=pl.created_by_id,
                )
            )
    copy_create(CheckIn, checkins)
    copy_create(Assessment, assessments)
    placements += copy_create(Placement, _follow_ons(placements, today))
    return placements


def _this_week_for_demo_user(placements: list[Placement], today: datetime.date) -> None:
    """The demo login `fallmanagement` sees one internship start and one end this week."""
    week_end = today + datetime.timedelta(days=7 - today.isoweekday())
    mine = [pl for pl in placements if pl.participant.caseworker.username == "fallmanagement"]
    starting = next((pl for pl in mine if pl.state in (P.PLANNED, P.AGREED)), None)
    if starting is not None:
        start = min(today + datetime.timedelta(days=2), week_end)
        starting.planned_start, starting.planned_end = start, start + datetime.timedelta(days=27)
        starting.state = P.AGREED
        starting.agreement_signed_on = start - datetime.timedelta(days=5)
        starting.insurance_confirmed_on = start - datetime.timedelta(days=4)
    ending = next((pl for pl in mine if pl.state == P.RUNNING), None)
    if ending is not None:
        start = week_end - datetime.timedelta(days=27)
        ending.planned_start = ending.actual_start = start
        ending.planned_end = week_end
        ending.agreement_signed_on = start - datetime.timedelta(days=5)
        ending.insurance_confirmed_on = start - datetime.timedelta(days=4)


def _follow_ons(placements, today) -> list[Placement]:
    """What the outcome led to: a second internship, EQ, apprenticeship or job (same employer).

    A follow-on internship keeps to the rules (28 days, no overlap, MiLoG 92 days in total).
    """
    follow_ons = []
    for pl in placements:
        kind = Placement.OUTCOME_KIND.get(pl.outcome)
        if pl.state != P.COMPLETED or kind is None:
            continue
        start = pl.actual_end + datetime.timedelta(days=14)
        exit_date = pl.participant.exit_date
        if kind in Placement.PROGRAMME_KINDS and exit_date and start > exit_date:
            continue  # no internship after the case closed
        if kind == Placement.Kind.INTERNSHIP:
            end = start + datetime.timedelta(days=27)
        elif kind == Placement.Kind.APPRENTICESHIP:
            end = start + datetime.timedelta(days=3 * 365 - 1)
        else:
            end = start + datetime.timedelta(days=364)
        started = start <= today
        state = P.PLANNED if not started else P.COMPLETED if end < today else P.RUNNING
        follow_ons.append(
            Placement(
                participant_id=pl.participant_id,
                employer=pl.employer,
                kind=kind,
                employment_type=(
                    Placement.EmploymentType.SOCIAL_INSURANCE
                    if kind == Placement.Kind.EMPLOYMENT
                    else ""
                ),
                kldb_group_id=pl.kldb_group_id,
                job_title=pl.job_title,
                supervisor=pl.supervisor,
                planned_start=start,
                planned_end=end,
                actual_start=start if started else None,
                actual_end=end if state == P.COMPLETED else None,
                hours_per_week=38.5 if kind != Placement.Kind.INTERNSHIP else pl.hours_per_week,
                daily_hours=pl.daily_hours,
                pay="unvergütet" if kind == Placement.Kind.INTERNSHIP else "nach Tarif",
                leave=pl.leave if kind == Placement.Kind.INTERNSHIP else "30 Tage im Jahr",
                goals=pl.goals,
                tasks=pl.tasks,
                legal_basis=pl.legal_basis if kind == Placement.Kind.INTERNSHIP else "",
                agreement_signed_on=start - datetime.timedelta(days=7) if started else None,
                insurance_confirmed_on=start - datetime.timedelta(days=6) if started else None,
                state=state,
                follows=pl,
                created_by=pl.created_by,
            )
        )
    return follow_ons
