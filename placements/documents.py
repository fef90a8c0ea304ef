"""PDF documents of a placement: the Praktikumsvereinbarung (before the start) and the
Praktikumsbescheinigung (after the end, German or English).

The certificate turns the 1–5 ratings into sentences, never numbers: refugees attach it to job
applications, so it reads like a (benevolent) German work certificate. The English texts are
written here, not taken from gettext, because the language is chosen per document.
"""

import datetime
import decimal

from django.conf import settings
from django.utils import formats, timezone, translation

from fallmanagement.core.pdf import render_pdf

from .models import Assessment, Placement

# (field, {score: sentence}) – "{s}" is the subject: "Frau Haddad" first, then "Sie".
PHRASES_DE: dict[str, dict[int, str]] = {
    "punctuality": {
        1: "{s} erschien stets pünktlich zur Arbeit.",
        2: "{s} erschien pünktlich zur Arbeit.",
        3: "{s} erschien in der Regel pünktlich zur Arbeit.",
        4: "{s} erschien meist pünktlich zur Arbeit.",
        5: "{s} hatte Schwierigkeiten, pünktlich zur Arbeit zu erscheinen.",
    },
    "reliability": {
        1: "{s} war stets äußerst zuverlässig.",
        2: "{s} war stets zuverlässig.",
        3: "{s} war zuverlässig.",
        4: "{s} war im Großen und Ganzen zuverlässig.",
        5: "{s} bemühte sich, zuverlässig zu sein.",
    },
    "pace": {
        1: "{s} arbeitete stets zügig und effizient.",
        2: "{s} arbeitete zügig.",
        3: "{s} arbeitete in einem angemessenen Tempo.",
        4: "{s} arbeitete in einem noch angemessenen Tempo.",
        5: "{s} benötigte für die Aufgaben mehr Zeit als erwartet.",
    },
    "care": {
        1: "{s} erledigte alle Aufgaben stets äußerst sorgfältig.",
        2: "{s} erledigte die Aufgaben stets sorgfältig.",
        3: "{s} erledigte die Aufgaben sorgfältig.",
        4: "{s} erledigte die Aufgaben im Allgemeinen sorgfältig.",
        5: "{s} bemühte sich um sorgfältiges Arbeiten.",
    },
    "teamwork": {
        1: "{s} arbeitete hervorragend im Team und war bei den Kolleginnen und Kollegen sehr "
        "geschätzt.",
        2: "{s} arbeitete gut im Team und war bei den Kolleginnen und Kollegen geschätzt.",
        3: "{s} fügte sich gut in das Team ein.",
        4: "{s} fügte sich in das Team ein.",
        5: "{s} bemühte sich, sich in das Team einzufügen.",
    },
    "german_at_work": {
        1: "{s} verständigte sich am Arbeitsplatz sicher auf Deutsch und verstand auch "
        "Fachbegriffe ohne Mühe.",
        2: "{s} verständigte sich am Arbeitsplatz gut auf Deutsch.",
        3: "{s} verständigte sich am Arbeitsplatz so auf Deutsch, dass alle Aufgaben gut "
        "erledigt werden konnten.",
        4: "{s} konnte sich am Arbeitsplatz mit Unterstützung auf Deutsch verständigen.",
        5: "{s} lernte während des Praktikums erste Grundlagen der deutschen Arbeitssprache.",
    },
    "aptitude": {
        1: "{s} zeigte eine sehr gute fachliche Eignung für diesen Beruf.",
        2: "{s} zeigte eine gute fachliche Eignung für diesen Beruf.",
        3: "{s} zeigte eine befriedigende fachliche Eignung für diesen Beruf.",
        4: "{s} zeigte grundlegende fachliche Fähigkeiten für diesen Beruf.",
        5: "{s} lernte die grundlegenden Anforderungen dieses Berufs kennen.",
    },
}

PHRASES_EN: dict[str, dict[int, str]] = {
    "punctuality": {
        1: "{s} was always punctual.",
        2: "{s} was punctual.",
        3: "{s} was generally punctual.",
        4: "{s} was mostly punctual.",
        5: "{s} had difficulty arriving at work on time.",
    },
    "reliability": {
        1: "{s} was always extremely reliable.",
        2: "{s} was always reliable.",
        3: "{s} was reliable.",
        4: "{s} was reliable on the whole.",
        5: "{s} made an effort to be reliable.",
    },
    "pace": {
        1: "{s} always worked quickly and efficiently.",
        2: "{s} worked quickly.",
        3: "{s} worked at an appropriate pace.",
        4: "{s} worked at an acceptable pace.",
        5: "{s} needed more time for the tasks than expected.",
    },
    "care": {
        1: "{s} always carried out all tasks with the greatest care.",
        2: "{s} always carried out the tasks carefully.",
        3: "{s} carried out the tasks carefully.",
        4: "{s} generally carried out the tasks carefully.",
        5: "{s} made an effort to work carefully.",
    },
    "teamwork": {
        1: "{s} was an excellent team player and highly valued by colleagues.",
        2: "{s} worked well in the team and was valued by colleagues.",
        3: "{s} integrated well into the team.",
        4: "{s} integrated into the team.",
        5: "{s} made an effort to integrate into the team.",
    },
    "german_at_work": {
        1: "{s} communicated confidently in German at work and understood technical terms "
        "with ease.",
        2: "{s} communicated well in German at work.",
        3: "{s} communicated in German well enough to carry out all tasks.",
        4: "{s} was able to communicate in German at work with some support.",
        5: "{s} learned the first basics of German workplace language during the internship.",
    },
    "aptitude": {
        1: "{s} showed excellent professional aptitude for this occupation.",
        2: "{s} showed good professional aptitude for this occupation.",
        3: "{s} showed satisfactory professional aptitude for this occupation.",
        4: "{s} showed basic professional skills for this occupation.",
        5: "{s} became acquainted with the basic requirements of this occupation.",
    },
}

RECOMMENDATION = {
    "de": {
        Assessment.Recommendation.HIRE: "Der Betrieb möchte die Zusammenarbeit gern mit einer "
        "Einstellung oder Ausbildung fortsetzen.",
        Assessment.Recommendation.RECOMMEND: "Aus Sicht des Betriebs ist {s} für diesen Beruf "
        "geeignet.",
        Assessment.Recommendation.MORE_PRACTICE: "Aus Sicht des Betriebs sind für diesen Beruf "
        "weitere Praxis oder eine Qualifizierung sinnvoll.",
        Assessment.Recommendation.OTHER_FIELD: "Der Betrieb empfiehlt, auch andere Berufsfelder "
        "zu erkunden.",
    },
    "en": {
        Assessment.Recommendation.HIRE: "The host company would like to continue working "
        "together through employment or an apprenticeship.",
        Assessment.Recommendation.RECOMMEND: "In the host company's view, {s} is well suited to "
        "this occupation.",
        Assessment.Recommendation.MORE_PRACTICE: "In the host company's view, further practice "
        "or a qualification would be beneficial for this occupation.",
        Assessment.Recommendation.OTHER_FIELD: "The host company recommends exploring other "
        "occupational fields as well.",
    },
}

TEXTS = {
    "de": {
        "title": "Praktikumsbescheinigung",
        "intro": "{name}, geboren am {dob}, hat vom {start} bis zum {end} ein "
        "Orientierungspraktikum bei {employer} im Tätigkeitsbereich „{job}“ absolviert.",
        "intro_no_dob": "{name} hat vom {start} bis zum {end} ein Orientierungspraktikum bei "
        "{employer} im Tätigkeitsbereich „{job}“ absolviert.",
        "programme": "Das Praktikum fand im Rahmen des Programms „{programme}“ der {org} statt.",
        "hours": "Die wöchentliche Arbeitszeit betrug {hours} Stunden.",
        "tasks": "Aufgaben",
        "assessment": "Beurteilung",
        "comments": "Anmerkungen des Betriebs",
        "closing": "Wir danken für die Mitarbeit und wünschen für den weiteren beruflichen Weg "
        "alles Gute.",
        "place_date": "{city}, den {date}",
        "sign_employer": "Unterschrift und Stempel des Betriebs",
        "sign_programme": "Unterschrift {org}",
        "no_assessment": "",
        "she": "Sie",
        "he": "Er",
        "ms": "Frau",
        "mr": "Herr",
        "date_format": "d.m.Y",
    },
    "en": {
        "title": "Internship Certificate",
        "intro": "{name}, born on {dob}, completed an orientation internship at {employer} "
        "as “{job}” from {start} to {end}.",
        "intro_no_dob": "{name} completed an orientation internship at {employer} as “{job}” "
        "from {start} to {end}.",
        "programme": "The internship took place within the programme “{programme}” of the "
        "{org} (municipal labour-market office of the city's social welfare office).",
        "hours": "The working time was {hours} hours per week.",
        "tasks": "Tasks",
        "assessment": "Assessment",
        "comments": "Comments of the host company",
        "closing": "We thank them for their work and wish them every success in their future "
        "career.",
        "place_date": "{city}, {date}",
        "sign_employer": "Signature and stamp of the host company",
        "sign_programme": "Signature {org}",
        "no_assessment": "",
        "she": "She",
        "he": "He",
        "ms": "Ms",
        "mr": "Mr",
        "date_format": "j F Y",
    },
}


def _subjects(participant, lang: str) -> tuple[str, str]:
    """(first mention, later mentions): "Frau Haddad" / "Sie"; the full name when no gender."""
    t = TEXTS[lang]
    G = participant.Gender
    if participant.gender == G.FEMALE:
        return f"{t['ms']} {participant.last_name}", t["she"]
    if participant.gender == G.MALE:
        return f"{t['mr']} {participant.last_name}", t["he"]
    full = f"{participant.first_name} {participant.last_name}"
    return full, full


def assessment_sentences(assessment: Assessment, participant, lang: str = "de") -> list[str]:
    """The ratings as sentences (first one names the person, later ones use the pronoun)."""
    phrases = PHRASES_EN if lang == "en" else PHRASES_DE
    first, later = _subjects(participant, lang)
    sentences = []
    for i, field in enumerate(Assessment.RATED_FIELDS):
        subject = first if i == 0 else later
        sentences.append(phrases[field][getattr(assessment, field)].format(s=subject))
    recommendation = RECOMMENDATION[lang].get(assessment.recommendation)
    if recommendation:
        sentences.append(recommendation.format(s=first))
    return sentences


def _date(value: datetime.date | None, lang: str) -> str:
    if value is None:
        return ""
    with translation.override(lang):
        return formats.date_format(value, TEXTS[lang]["date_format"])


def _hours(value, lang: str) -> str:
    text = format(decimal.Decimal(value).normalize(), "f")  # 30.0 -> "30", 38.5 -> "38.5"
    return text.replace(".", ",") if lang == "de" else text


def certificate_context(placement: Placement, lang: str = "de") -> dict:
    t = TEXTS[lang]
    participant = placement.participant
    programme = settings.PROGRAMME
    name = f"{participant.first_name} {participant.last_name}"
    values = {
        "name": name,
        "dob": _date(participant.date_of_birth, lang),
        "start": _date(placement.start, lang),
        "end": _date(placement.end, lang),
        "employer": placement.employer.name,
        "job": placement.job_title,
    }
    intro = (t["intro"] if participant.date_of_birth else t["intro_no_dob"]).format(**values)
    try:
        assessment = placement.assessment
    except Assessment.DoesNotExist:
        assessment = None
    hours = placement.hours_per_week
    return {
        "programme": programme,
        "t": t,
        "lang": lang,
        "placement": placement,
        "participant_name": name,
        "intro": intro,
        "programme_sentence": t["programme"].format(
            programme=programme["name"], org=programme["organisation"]
        ),
        "hours_sentence": t["hours"].format(hours=_hours(hours, lang)) if hours else "",
        "sentences": assessment_sentences(assessment, participant, lang) if assessment else [],
        "comments": assessment.comments if assessment and lang == "de" else "",
        "place_date": t["place_date"].format(
            city=programme["city"], date=_date(timezone.localdate(), lang)
        ),
        "sign_programme": t["sign_programme"].format(org=programme["organisation"]),
    }


def certificate_pdf(placement: Placement, lang: str = "de") -> bytes:
    with translation.override(lang):
        return render_pdf(
            "pdf/placement_certificate.html", certificate_context(placement, lang), lang=lang
        )


def agreement_context(placement: Placement) -> dict:
    return {
        "programme": settings.PROGRAMME,
        "placement": placement,
        "participant": placement.participant,
        "employer": placement.employer,
        "supervisor": placement.supervisor,
        "duration_days": placement.duration_days,
        "today": timezone.localdate(),
    }


def agreement_pdf(placement: Placement) -> bytes:
    with translation.override("de"):
        return render_pdf("pdf/placement_agreement.html", agreement_context(placement), lang="de")
