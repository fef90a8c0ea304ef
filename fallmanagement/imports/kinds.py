"""What each kind of import reads (its columns, with German and English header words) and how
a row becomes records: matching the record it means (idempotency), writing it through the
same rules as a typed one, and recording what changed for the undo.

Matching: a key column ("Nr.", "ID") is remembered per kind (`ImportedRecord.external_key`);
without one, a matching rule says which existing record a row means (participants: name and
date of birth; employers: name and postcode; network partners: name and town; placements:
participant, employer, kind and planned start).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import psycopg
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from employers.models import ContactPerson, Employer, NetworkPartner
from fallmanagement.core.bulk import copy_create
from fallmanagement.core.roles import Role
from participants.models import Participant
from participants.queries import possible_duplicates, shared_dates_of_birth
from placements.models import Placement

from . import placement_rules
from . import values as v
from .models import ImportedRecord, ImportKind, ImportRun

P, E, N, PL = Participant, Employer, NetworkPartner, Placement


@dataclass(frozen=True)
class Column:
    name: str  # the model field (or a lookup column such as "participant_key")
    label: object  # German label on the mapping page
    aliases: tuple[str, ...]  # header words, German and English
    convert: Callable = v.text(200)
    required: bool = False


def col(name, label, *aliases, convert=None, required=False, model=None) -> Column:
    if convert is None and model is not None:
        convert = v.text(model._meta.get_field(name).max_length or 100_000)
    return Column(name, label, (name, *aliases), convert or v.text(200), required)


KEY = col(
    "key",
    gettext_lazy("Eigene Nummer (Schlüssel)"),
    "nr",
    "id",
    "nummer",
    "schluessel",
    "key",
    "externalid",
    "aktenzeichen",
    "kennung",
    convert=v.text(100),
)

PARTICIPANT_COLUMNS = (
    KEY,
    col(
        "last_name",
        gettext_lazy("Nachname"),
        "nachname",
        "name",
        "familienname",
        "surname",
        "lastname",
        required=True,
        model=P,
    ),
    col(
        "first_name",
        gettext_lazy("Vorname"),
        "vorname",
        "vornamen",
        "firstname",
        "givenname",
        required=True,
        model=P,
    ),
    col("preferred_name", gettext_lazy("Rufname"), "rufname", "preferredname", model=P),
    col(
        "date_of_birth",
        gettext_lazy("Geburtsdatum"),
        "geburtsdatum",
        "geboren",
        "geburtstag",
        "dateofbirth",
        "birthdate",
        "dob",
        convert=v.date,
    ),
    col(
        "gender",
        gettext_lazy("Geschlecht"),
        "geschlecht",
        "gender",
        "sex",
        "anrede",
        convert=v.choice(
            P.Gender,
            {
                "w": "weiblich",
                "f": "weiblich",
                "frau": "weiblich",
                "female": "weiblich",
                "m": "maennlich",
                "herr": "maennlich",
                "mann": "maennlich",
                "male": "maennlich",
                "d": "divers",
                "diverse": "divers",
                "x": "divers",
                "k.a.": "keine_angabe",
                "ka": "keine_angabe",
                "": "keine_angabe",
            },
        ),
    ),
    col(
        "country_of_origin",
        gettext_lazy("Herkunftsland"),
        "herkunftsland",
        "herkunft",
        "land",
        "countryoforigin",
        "country",
        convert=v.country,
    ),
    col(
        "nationality",
        gettext_lazy("Staatsangehörigkeit"),
        "staatsangehoerigkeit",
        "nationalitaet",
        "nationality",
        "citizenship",
        convert=v.country,
    ),
    col(
        "arrival_date",
        gettext_lazy("Einreise"),
        "einreise",
        "einreisedatum",
        "arrival",
        "arrivaldate",
        convert=v.date,
    ),
    col(
        "residence_status",
        gettext_lazy("Aufenthaltsstatus"),
        "aufenthaltsstatus",
        "aufenthalt",
        "residencestatus",
        "status_aufenthalt",
        convert=v.choice(
            P.ResidenceStatus,
            {
                "gestattung": "gestattung",
                "aufenthaltsgestattung": "gestattung",
                "asylverfahren": "gestattung",
                "aufenthaltserlaubnis": "ae_fluechtling",
                "anerkannt": "ae_fluechtling",
                "fluechtling": "ae_fluechtling",
                "subsidiaer": "ae_subsidiaer",
                "subsidiaererschutz": "ae_subsidiaer",
                "24": "schutz_24",
                "paragraph24": "schutz_24",
                "24aufenthg": "schutz_24",
                "niederlassungserlaubnis": "niederlassung",
                "sonstige": "sonstiges",
            },
        ),
    ),
    col(
        "residence_valid_until",
        gettext_lazy("Aufenthalt gültig bis"),
        "aufenthaltgueltigbis",
        "gueltigbis",
        "residencevaliduntil",
        convert=v.date,
    ),
    col(
        "work_permit",
        gettext_lazy("Beschäftigungserlaubnis"),
        "beschaeftigungserlaubnis",
        "arbeitserlaubnis",
        "workpermit",
        convert=v.choice(
            P.WorkPermit,
            {
                "j": "ja",
                "erteilt": "ja",
                "yes": "ja",
                "no": "nein",
                "n": "nein",
                "nichtnoetig": "nicht_noetig",
                "nichterforderlich": "nicht_noetig",
            },
        ),
    ),
    col(
        "work_permit_valid_until",
        gettext_lazy("Beschäftigungserlaubnis gültig bis"),
        "beschaeftigungserlaubnisgueltigbis",
        "arbeitserlaubnisgueltigbis",
        "workpermitvaliduntil",
        convert=v.date,
    ),
    col(
        "street",
        gettext_lazy("Straße"),
        "strasse",
        "adresse",
        "anschrift",
        "street",
        "address",
        model=P,
    ),
    col("postcode", gettext_lazy("PLZ"), "plz", "postleitzahl", "postcode", "zip", model=P),
    col("city", gettext_lazy("Ort"), "ort", "wohnort", "stadt", "city", "town", model=P),
    col("phone", gettext_lazy("Telefon"), "telefon", "tel", "handy", "mobil", "phone", model=P),
    col("email", gettext_lazy("E-Mail"), "email", "mail", "emailadresse", model=P),
    col(
        "german_level",
        gettext_lazy("Deutschkenntnisse"),
        "deutsch",
        "deutschkenntnisse",
        "deutschniveau",
        "sprachniveau",
        "germanlevel",
        "german",
        convert=v.choice(P.GermanLevel, {"keine": "keine", "none": "keine", "0": "keine"}),
    ),
    col(
        "school_years",
        gettext_lazy("Schuljahre"),
        "schuljahre",
        "schulbesuch",
        "schoolyears",
        convert=v.integer,
    ),
    col(
        "has_documents",
        gettext_lazy("Nachweise vorhanden"),
        "nachweise",
        "nachweisevorhanden",
        "dokumente",
        "hasdocuments",
        convert=v.boolean,
    ),
    col(
        "entry_date",
        gettext_lazy("Eintritt"),
        "eintritt",
        "eintrittsdatum",
        "aufnahme",
        "aufnahmedatum",
        "entrydate",
        "start",
        convert=v.date,
    ),
    col(
        "status",
        gettext_lazy("Status"),
        "status",
        "fallstatus",
        "phase",
        "casestatus",
        convert=v.choice(
            P.Status,
            {
                "aktiv": "profiling",
                "beendet": "abgeschlossen",
                "closed": "abgeschlossen",
                "intake": "aufnahme",
            },
        ),
    ),
    col(
        "exit_date",
        gettext_lazy("Austrittsdatum"),
        "austritt",
        "austrittsdatum",
        "ende",
        "exitdate",
        convert=v.date,
    ),
    col(
        "exit_reason",
        gettext_lazy("Austrittsgrund"),
        "austrittsgrund",
        "verbleib",
        "exitreason",
        convert=v.choice(
            P.ExitReason, {"job": "arbeit", "kontaktabbruch": "abbruch", "abbruch": "abbruch"}
        ),
    ),
    col(
        "consent_date",
        gettext_lazy("Einwilligung am"),
        "einwilligung",
        "einwilligungam",
        "datenschutzerklaerung",
        "consentdate",
        "consent",
        convert=v.date,
    ),
    col(
        "consent_scope",
        gettext_lazy("Umfang der Einwilligung"),
        "einwilligungsumfang",
        "umfangdereinwilligung",
        "consentscope",
        model=P,
    ),
    col(
        "caseworker_id",
        gettext_lazy("Fallmanager:in (Benutzername)"),
        "fallmanager",
        "fallmanagerin",
        "fallmanagerinnen",
        "zustaendig",
        "betreuer",
        "betreuerin",
        "caseworker",
        convert=v.text(150),
    ),
)

EMPLOYER_COLUMNS = (
    KEY,
    col(
        "name",
        gettext_lazy("Betrieb (Name)"),
        "betrieb",
        "firma",
        "unternehmen",
        "betriebsname",
        "arbeitgeber",
        "employer",
        "company",
        "name",
        required=True,
        model=E,
    ),
    col(
        "legal_form",
        gettext_lazy("Rechtsform"),
        "rechtsform",
        "legalform",
        convert=v.choice(E.LegalForm, {"gmbh": "gmbh", "ug": "gmbh", "ev": "verein"}),
    ),
    col("street", gettext_lazy("Straße"), "strasse", "adresse", "anschrift", "street", model=E),
    col(
        "postcode",
        gettext_lazy("PLZ"),
        "plz",
        "postleitzahl",
        "postcode",
        "zip",
        required=True,
        model=E,
    ),
    col("city", gettext_lazy("Ort"), "ort", "stadt", "city", "town", required=True, model=E),
    col("industry", gettext_lazy("Branche"), "branche", "industry", "sector", model=E),
    col("phone", gettext_lazy("Telefon (Betrieb)"), "telefon", "tel", "phone", model=E),
    col("email", gettext_lazy("E-Mail (Betrieb)"), "email", "mail", model=E),
    col("website", gettext_lazy("Website"), "website", "webseite", "homepage", "internet", model=E),
    col(
        "capacity",
        gettext_lazy("Praktikumsplätze"),
        "plaetze",
        "praktikumsplaetze",
        "kapazitaet",
        "capacity",
        convert=v.integer,
    ),
    col(
        "state",
        gettext_lazy("Partnerschaft"),
        "partnerschaft",
        "stand",
        "state",
        "partnerstatus",
        convert=v.choice(E.PartnershipState, {"aktiv": "aktiv", "partner": "aktiv"}),
    ),
    col(
        "is_training_company",
        gettext_lazy("Ausbildungsbetrieb"),
        "ausbildungsbetrieb",
        "bildetaus",
        "trainingcompany",
        convert=v.boolean,
    ),
    col("notes", gettext_lazy("Notizen"), "notizen", "bemerkung", "bemerkungen", "notes", model=E),
    col(
        "contact_name",
        gettext_lazy("Ansprechperson"),
        "ansprechperson",
        "ansprechpartner",
        "ansprechpartnerin",
        "kontaktperson",
        "contact",
        "contactname",
        convert=v.text(200),
    ),
    col(
        "contact_role",
        gettext_lazy("Funktion der Ansprechperson"),
        "funktion",
        "position",
        "rolle",
        "contactrole",
        "role",
        convert=v.text(200),
    ),
    col(
        "contact_phone",
        gettext_lazy("Telefon der Ansprechperson"),
        "telefonansprechperson",
        "telefonansprechpartner",
        "contactphone",
        convert=v.text(40),
    ),
    col(
        "contact_email",
        gettext_lazy("E-Mail der Ansprechperson"),
        "emailansprechperson",
        "emailansprechpartner",
        "contactemail",
        convert=v.text(254),
    ),
)

NETWORK_COLUMNS = (
    KEY,
    col(
        "name",
        gettext_lazy("Name"),
        "name",
        "institution",
        "einrichtung",
        "partner",
        "netzwerkpartner",
        required=True,
        model=N,
    ),
    col(
        "kind",
        gettext_lazy("Art"),
        "art",
        "typ",
        "kind",
        "type",
        required=True,
        convert=v.choice(
            N.Kind,
            {
                "ihk": "ihk",
                "hwk": "hwk",
                "abh": "auslaenderbehoerde",
                "agenturfuerarbeit": "agentur",
                "arbeitsagentur": "agentur",
                "sprachschule": "sprachkurs",
                "verein": "verein",
                "initiative": "verein",
                "sonstiges": "sonstige",
            },
        ),
    ),
    col("topics", gettext_lazy("Themen"), "themen", "thema", "topics", model=N),
    col("street", gettext_lazy("Straße"), "strasse", "adresse", "street", model=N),
    col("postcode", gettext_lazy("PLZ"), "plz", "postleitzahl", "postcode", model=N),
    col("city", gettext_lazy("Ort"), "ort", "stadt", "city", model=N),
    col("phone", gettext_lazy("Telefon"), "telefon", "tel", "phone", model=N),
    col("email", gettext_lazy("E-Mail"), "email", "mail", model=N),
    col("website", gettext_lazy("Website"), "website", "webseite", "homepage", model=N),
    col("notes", gettext_lazy("Notizen"), "notizen", "bemerkung", "notes", model=N),
)

PLACEMENT_COLUMNS = (
    KEY,
    col(
        "participant_key",
        gettext_lazy("Nummer der/des Teilnehmenden"),
        "teilnehmernr",
        "teilnehmendennr",
        "tnnr",
        "participantkey",
        "participantid",
        convert=v.text(100),
    ),
    col(
        "participant_last_name",
        gettext_lazy("Nachname der/des Teilnehmenden"),
        "nachname",
        "teilnehmernachname",
        "lastname",
        convert=v.text(150),
    ),
    col(
        "participant_first_name",
        gettext_lazy("Vorname der/des Teilnehmenden"),
        "vorname",
        "teilnehmervorname",
        "firstname",
        convert=v.text(150),
    ),
    col(
        "participant_date_of_birth",
        gettext_lazy("Geburtsdatum der/des Teilnehmenden"),
        "geburtsdatum",
        "dateofbirth",
        convert=v.date,
    ),
    col(
        "employer_key",
        gettext_lazy("Nummer des Betriebs"),
        "betriebnr",
        "betriebsnr",
        "employerkey",
        "employerid",
        convert=v.text(100),
    ),
    col(
        "employer_name",
        gettext_lazy("Betrieb"),
        "betrieb",
        "firma",
        "arbeitgeber",
        "employer",
        "company",
        convert=v.text(200),
    ),
    col(
        "employer_postcode",
        gettext_lazy("PLZ des Betriebs"),
        "plzbetrieb",
        "plz",
        "employerpostcode",
        convert=v.text(5),
    ),
    col(
        "kind",
        gettext_lazy("Art des Einsatzes"),
        "art",
        "einsatzart",
        "kind",
        "type",
        convert=v.choice(
            PL.Kind,
            {
                "praktikum": "orientierungspraktikum",
                "internship": "orientierungspraktikum",
                "job": "beschaeftigung",
                "arbeit": "beschaeftigung",
            },
        ),
    ),
    col(
        "job_title",
        gettext_lazy("Tätigkeit"),
        "taetigkeit",
        "beruf",
        "berufsbezeichnung",
        "jobtitle",
        "job",
        required=True,
        model=PL,
    ),
    col(
        "planned_start",
        gettext_lazy("Beginn (geplant)"),
        "beginn",
        "von",
        "start",
        "plannedstart",
        "beginngeplant",
        required=True,
        convert=v.date,
    ),
    col(
        "planned_end",
        gettext_lazy("Ende (geplant)"),
        "ende",
        "bis",
        "end",
        "plannedend",
        "endegeplant",
        required=True,
        convert=v.date,
    ),
    col(
        "actual_start",
        gettext_lazy("Beginn (tatsächlich)"),
        "beginntatsaechlich",
        "actualstart",
        convert=v.date,
    ),
    col(
        "actual_end",
        gettext_lazy("Ende (tatsächlich)"),
        "endetatsaechlich",
        "actualend",
        convert=v.date,
    ),
    col(
        "state",
        gettext_lazy("Stand"),
        "stand",
        "status",
        "state",
        convert=v.choice(
            PL.State,
            {
                "laeuft": "laeuft",
                "running": "laeuft",
                "abgeschlossen": "beendet",
                "completed": "beendet",
            },
        ),
    ),
    col(
        "legal_basis",
        gettext_lazy("Rechtsgrundlage"),
        "rechtsgrundlage",
        "legalbasis",
        convert=v.choice(
            PL.LegalBasis,
            {
                "milog": "milog_orientierung",
                "45sgbiii": "sgb3_45",
                "sgb3": "sgb3_45",
                "sgbiii": "sgb3_45",
            },
        ),
    ),
    col(
        "employment_type",
        gettext_lazy("Beschäftigungsart"),
        "beschaeftigungsart",
        "employmenttype",
        convert=v.choice(PL.EmploymentType, {"sv": "svpflichtig", "minijob": "geringfuegig"}),
    ),
    col(
        "hours_per_week",
        gettext_lazy("Stunden pro Woche"),
        "stunden",
        "wochenstunden",
        "stundenprowoche",
        "hoursperweek",
        convert=v.decimal,
    ),
    col(
        "agreement_signed_on",
        gettext_lazy("Vereinbarung unterschrieben am"),
        "vereinbarung",
        "vereinbarungam",
        "agreementsigned",
        convert=v.date,
    ),
    col(
        "insurance_confirmed_on",
        gettext_lazy("Unfallversicherung bestätigt am"),
        "unfallversicherung",
        "versicherung",
        "insuranceconfirmed",
        convert=v.date,
    ),
    col(
        "agency_approval_on",
        gettext_lazy("Zustimmung Jobcenter/Agentur am"),
        "zustimmung",
        "zustimmungjobcenter",
        "agencyapproval",
        convert=v.date,
    ),
    col(
        "outcome",
        gettext_lazy("Ergebnis"),
        "ergebnis",
        "anschluss",
        "outcome",
        convert=v.choice(PL.Outcome, {"keiner": "kein_anschluss", "none": "kein_anschluss"}),
    ),
)


# --- writing ---------------------------------------------------------------------------------


def plain(value):
    """A JSON-safe form of a field value, for comparing and for the undo."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize())
    if hasattr(value, "code"):  # django-countries' Country
        return value.code or ""
    return value


def _field_value(instance, name):
    return plain(getattr(instance, name))


@dataclass
class RowResult:
    row: int
    action: str = "unchanged"  # created / updated / unchanged / error
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field or "", message)
    duplicates: list[int] = field(default_factory=list)
    label: str = ""


ACTION_ORDER = {"unchanged": 0, "updated": 1, "created": 2}


class RowError(Exception):
    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors


def _validation_errors(error: ValidationError) -> list[tuple[str, str]]:
    if hasattr(error, "error_dict"):
        return [(name, str(m)) for name, msgs in error.message_dict.items() for m in msgs]
    return [("", str(m)) for m in error.messages]


@dataclass
class Pending:
    """A record a row created, written with the others of its batch (`Handler.flush_batch`)."""

    instance: models.Model
    record: ImportedRecord
    result: RowResult
    key: tuple[str, str] | None


class Handler:
    """Writes the rows of one kind; `apply` raises RowError or returns the row's action.

    Kinds with `batched = True` (participants, placements: the large files) validate each row
    in memory and only queue what it creates; `flush_batch` writes a batch's new records with
    one COPY each, and falls back to one row at a time (full validation, database constraints,
    a savepoint per row) when the database refuses the batch, so that the refused row is
    reported with its message and the others are kept. Updates are written at once."""

    kind: str
    columns: tuple[Column, ...]
    batched = False

    def __init__(self, run: ImportRun):
        self.run = run
        self.user = run.started_by
        # (model label, external key) -> id, or the instance while it waits in the batch.
        self.keys: dict[tuple[str, str], int | models.Model] = {}
        self.pending: list[ImportedRecord] = []
        self.pending_keys: list[tuple[str, str]] = []
        self.buffer: list[ImportedRecord] = []
        self.queued: list[Pending] = []  # new records of this batch (batched kinds)
        self.loaded: dict[tuple[str, int], models.Model] = {}  # records fetched per batch
        self.result: RowResult | None = None

    def prepare(self) -> None:
        """Load the lookups once (idempotency keys of this kind and those it refers to)."""
        kinds = {self.kind, *self.referenced_kinds}
        for key, object_id, model in (
            ImportedRecord.objects.filter(kind__in=kinds, run__status=ImportRun.Status.DONE)
            .exclude(external_key="")
            .values_list("external_key", "object_id", "model")
            .order_by("pk")
        ):
            self.keys[(model, key)] = object_id

    referenced_kinds: tuple[str, ...] = ()

    def prefetch(self, rows: list[dict]) -> None:
        """Batched kinds: load what the batch's rows refer to, with one query per kind."""

    def validate(self, instance) -> None:
        """The model's rules. Batched: without the per-row database checks (foreign keys,
        constraints): the database enforces those when the batch is written."""
        if self.batched:
            exclude = [f.name for f in instance._meta.concrete_fields if f.is_relation]
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        else:
            instance.full_clean()

    def save(self, instance) -> None:
        with transaction.atomic():
            instance.save()

    def upsert(self, instance, values: dict, *, key: str = "") -> str:
        """Set `values` on `instance`, validate and save; record it. Returns the action."""
        is_new = instance.pk is None
        before, old_values = {}, {}
        for name, value in values.items():
            old = _field_value(instance, name)
            if is_new or old != plain(value):
                before[name] = old
                old_values[name] = getattr(instance, name)
                setattr(instance, name, value)
        if not is_new and not before:
            return "unchanged"
        try:
            self.validate(instance)
        except ValidationError as error:
            if not is_new:  # batched: the instance stays in memory for the following rows
                for name, value in old_values.items():
                    setattr(instance, name, value)
            raise RowError(_validation_errors(error)) from error
        label = instance._meta.label_lower
        record = ImportedRecord(
            run=self.run,
            kind=self.kind,
            model=label,
            external_key=key,
            action=ImportedRecord.Action.CREATED if is_new else ImportedRecord.Action.UPDATED,
            before={} if is_new else before,
        )
        if is_new and self.batched:
            self.queued.append(
                Pending(instance, record, self.result, (label, key) if key else None)
            )
            if key:
                self.keys[(label, key)] = instance  # not written yet: its id follows
            self.record_after(instance, record, values)
            return "created"
        if not is_new and hasattr(instance, "version"):
            instance.version += 1
        try:
            self.save(instance)
        except ValidationError:
            if not is_new:
                for name, value in old_values.items():
                    setattr(instance, name, value)
                instance.version -= 1
            raise
        record.object_id = instance.pk
        self.record_after(instance, record, values)
        self.pending.append(record)
        if key:
            self.keys[(label, key)] = instance.pk
            self.pending_keys.append((label, key))
        return "created" if is_new else "updated"

    @staticmethod
    def record_after(instance, record: ImportedRecord, values: dict) -> None:
        record.after = {name: _field_value(instance, name) for name in values}
        if hasattr(instance, "version"):
            record.after["version"] = instance.version

    # Records are written in batches (one INSERT per BATCH rows, not one per row).
    BATCH = 500

    def row_done(self) -> None:
        self.buffer.extend(self.pending)
        self.pending, self.pending_keys = [], []
        if len(self.buffer) >= self.BATCH:
            self.flush()

    def row_failed(self) -> None:
        """The row's savepoint was rolled back: forget what it would have recorded."""
        for key in self.pending_keys:
            self.keys.pop(key, None)
        self.pending, self.pending_keys = [], []

    def flush(self) -> None:
        ImportedRecord.objects.bulk_create(self.buffer)
        self.buffer = []

    def flush_batch(self) -> None:
        """Write the batch's queued new records: one COPY per model, or row by row."""
        queued, self.queued = self.queued, []
        if not queued:
            return
        try:
            with transaction.atomic():
                by_model: dict[type, list] = {}
                for item in queued:
                    by_model.setdefault(type(item.instance), []).append(item.instance)
                for model, objs in by_model.items():
                    copy_create(model, objs)
        except (DatabaseError, psycopg.Error):  # COPY raises psycopg's own errors
            for item in queued:
                item.instance.pk = None
                item.instance._state.adding = True
            queued = [item for item in queued if self.write_one(item)]
        self.written(queued)
        for item in queued:
            item.record.object_id = item.instance.pk
            if item.key:
                self.keys[item.key] = item.instance.pk
            self.buffer.append(item.record)
            self.created(item)
        self.flush()

    def write_one(self, item: Pending) -> bool:
        """The fallback: one new record with every check of a typed one; False if refused."""
        try:
            with transaction.atomic():
                item.instance.full_clean()
                self.save(item.instance)
        except (ValidationError, DatabaseError) as error:
            item.result.action = "error"
            if isinstance(error, ValidationError):
                item.result.errors = _validation_errors(error)
            else:
                item.result.errors = [("", _("Die Zeile verletzt eine Regel der Datenbank."))]
            if item.key:
                self.keys.pop(item.key, None)
            self.forget(item)
            return False
        return True

    def written(self, items: list[Pending]) -> None:
        """The batch's new records are in the database now."""

    def created(self, item: Pending) -> None:
        """A queued record is in the database now."""

    def forget(self, item: Pending) -> None:
        """A queued record was refused: drop it from the batch's lookups."""

    def by_key(self, model, key: str):
        object_id = self.keys.get((model._meta.label_lower, key)) if key else None
        if isinstance(object_id, models.Model):
            return object_id
        if not object_id:
            return None
        label = model._meta.label_lower
        found = self.loaded.get((label, object_id))
        if found is None:
            found = model.objects.filter(pk=object_id).first()
        return found

    def load(self, model, ids) -> None:
        """Fetch these records of `model` once for the batch (`by_key` finds them)."""
        label = model._meta.label_lower
        wanted = [i for i in set(ids) if i and (label, i) not in self.loaded]
        for pk, obj in model.objects.in_bulk(wanted).items():
            self.loaded[(label, pk)] = obj


class ParticipantHandler(Handler):
    kind = ImportKind.PARTICIPANTS
    columns = PARTICIPANT_COLUMNS
    batched = True

    def prepare(self) -> None:
        super().prepare()
        User = get_user_model()
        self.caseworkers = {}
        for user in User.objects.filter(groups__name=Role.CASEWORK, is_active=True):
            self.caseworkers[v.norm(user.get_username())] = user.pk
            if user.get_full_name():
                self.caseworkers.setdefault(v.norm(user.get_full_name()), user.pk)
        # The matching rule for all participants at once (one query instead of one per row).
        self.by_rule: dict[tuple[str, str, datetime.date], int | Participant] = {}
        for pk, last, first, born in (
            P.objects.filter(date_of_birth__isnull=False)
            .order_by("-pk")
            .values_list("pk", "last_name", "first_name", "date_of_birth")
            .iterator(chunk_size=5000)
        ):
            self.by_rule[(last.lower(), first.lower(), born)] = pk

    def prefetch(self, rows: list[dict]) -> None:
        self.loaded = {}
        ids = [self.keys.get((P._meta.label_lower, row.get("key") or "")) for row in rows]
        ids += [self.by_rule.get(self.rule(row)) for row in rows if row.get("date_of_birth")]
        self.load(P, [i for i in ids if isinstance(i, int)])

    @staticmethod
    def rule(values: dict):
        return (
            (values.get("last_name") or "").lower(),
            (values.get("first_name") or "").lower(),
            values.get("date_of_birth"),
        )

    def apply(self, values: dict, result: RowResult) -> str:
        self.result = result
        key = values.pop("key", "") or ""
        if "caseworker_id" in values and values["caseworker_id"] is not None:
            user_id = self.caseworkers.get(v.norm(values["caseworker_id"]))
            if user_id is None:
                raise RowError([("caseworker_id", _("Keine Fallmanager:in mit diesem Namen."))])
            values["caseworker_id"] = user_id
        participant = self.by_key(P, key) or self.match(values)
        if participant is None:
            participant = P(created_by=self.user)
        result.label = f"{values.get('first_name', '')} {values.get('last_name', '')}".strip()
        old_rule = self.rule(self._names(participant)) if participant.pk else None
        action = self.upsert(participant, values, key=key)
        if participant.date_of_birth and action != "unchanged":
            if old_rule and old_rule != self.rule(self._names(participant)):
                self.by_rule.pop(old_rule, None)
            # Not yet written (batched): later rows of the file match the instance itself.
            self.by_rule[self.rule(self._names(participant))] = participant.pk or participant
        return action

    @staticmethod
    def _names(participant) -> dict:
        return {
            "last_name": participant.last_name,
            "first_name": participant.first_name,
            "date_of_birth": participant.date_of_birth,
        }

    def match(self, values: dict):
        if not values.get("date_of_birth"):
            return None
        found = self.by_rule.get(self.rule(values))
        if isinstance(found, P):
            return found
        if not found:
            return None
        return self.loaded.get((P._meta.label_lower, found)) or P.objects.filter(pk=found).first()

    def written(self, items: list[Pending]) -> None:
        # Possible duplicates need another person with the same date of birth (one query).
        self.shared = shared_dates_of_birth(
            item.instance.date_of_birth for item in items if item.instance.date_of_birth
        )

    def created(self, item: Pending) -> None:
        participant = item.instance
        if participant.date_of_birth:
            self.by_rule[self.rule(self._names(participant))] = participant.pk
        if participant.date_of_birth in self.shared:
            item.result.duplicates = list(
                possible_duplicates(
                    participant.first_name, participant.last_name, participant.date_of_birth
                )
                .exclude(pk=participant.pk)
                .values_list("pk", flat=True)[:5]
            )

    def forget(self, item: Pending) -> None:
        participant = item.instance
        if participant.date_of_birth:
            self.by_rule.pop(self.rule(self._names(participant)), None)


class EmployerHandler(Handler):
    kind = ImportKind.EMPLOYERS
    columns = EMPLOYER_COLUMNS
    CONTACT = ("contact_name", "contact_role", "contact_phone", "contact_email")

    def apply(self, values: dict, result: RowResult) -> str:
        key = values.pop("key", "") or ""
        contact = {
            name[len("contact_") :]: values.pop(name) for name in self.CONTACT if name in values
        }
        result.label = values["name"]
        employer = self.by_key(E, key) or (
            E.objects.annotate(lower_name=Lower("name"))
            .filter(lower_name=values["name"].lower(), postcode=values["postcode"])
            .first()
        )
        if employer is None:
            employer = E(state_since=values.get("state") and _today())
        elif "state" in values and values["state"] != employer.state:
            if values["state"] not in employer.allowed_states():
                raise RowError(
                    [
                        (
                            "state",
                            _(
                                "Von „%(from)s“ nach „%(to)s“ ist kein erlaubter "
                                "Wechsel der Partnerschaft."
                            )
                            % {
                                "from": employer.get_state_display(),
                                "to": E.PartnershipState(values["state"]).label,
                            },
                        )
                    ]
                )
            employer.state_since = _today()
        action = self.upsert(employer, values, key=key)
        if contact.get("name"):
            person = (
                ContactPerson.objects.annotate(lower_name=Lower("name"))
                .filter(employer=employer, lower_name=contact["name"].lower())
                .first()
            ) or ContactPerson(employer=employer)
            try:
                contact_action = self.upsert(person, contact)
            except RowError as error:
                raise RowError(
                    [(f"contact_{f}" if f else "", m) for f, m in error.errors]
                ) from error
            action = max(action, contact_action, key=ACTION_ORDER.get)
        return action


class NetworkPartnerHandler(Handler):
    kind = ImportKind.NETWORK_PARTNERS
    columns = NETWORK_COLUMNS

    def apply(self, values: dict, result: RowResult) -> str:
        key = values.pop("key", "") or ""
        result.label = values["name"]
        partner = (
            self.by_key(N, key)
            or (
                N.objects.annotate(lower_name=Lower("name"), lower_city=Lower("city"))
                .filter(
                    lower_name=values["name"].lower(), lower_city=(values.get("city") or "").lower()
                )
                .first()
            )
            or N()
        )
        return self.upsert(partner, values, key=key)


class PlacementHandler(Handler):
    """Placements: each row is checked by `Placement.rule_errors` against the participant's
    other placements, those in the database (one query per batch) and those of the file
    accepted so far (kept in memory), so the file's rows are checked against each other too."""

    kind = ImportKind.PLACEMENTS
    columns = PLACEMENT_COLUMNS
    referenced_kinds = (ImportKind.PARTICIPANTS, ImportKind.EMPLOYERS)
    batched = True

    def prepare(self) -> None:
        super().prepare()
        self.employers: dict[str, list[tuple[str, int]]] = {}
        for pk, name, postcode in E.objects.values_list("pk", "name", "postcode").order_by("pk"):
            self.employers.setdefault(name.lower(), []).append((postcode, pk))
        self.others: dict[int, list[Placement]] = {}
        self.participants: dict[int, Participant] = {}
        self.by_name: dict[tuple, int] = {}

    def prefetch(self, rows: list[dict]) -> None:
        self.loaded = {}
        people = {}
        triples = set()
        for row in rows:
            try:
                people[id(row)] = self.participant(row, lookup=False)
            except RowError:
                triples.add(
                    (
                        (row.get("participant_first_name") or "").lower(),
                        (row.get("participant_last_name") or "").lower(),
                        row.get("participant_date_of_birth"),
                    )
                )
        self.by_name: dict[tuple, int] = {}
        borns = {t[2] for t in triples if t[2]}
        if borns:
            for pk, first, last, born in (
                P.objects.filter(date_of_birth__in=borns)
                .order_by("-pk")
                .values_list("pk", "first_name", "last_name", "date_of_birth")
            ):
                self.by_name[(first.lower(), last.lower(), born)] = pk
        ids = set(people.values()) | set(self.by_name.values())
        self.participants = P.objects.in_bulk(ids)
        self.others = {pk: [] for pk in ids}
        for placement in (
            PL.objects.filter(participant_id__in=ids).select_related("employer").order_by("pk")
        ):
            placement.participant = self.participants[placement.participant_id]
            self.others[placement.participant_id].append(placement)
            self.loaded[(PL._meta.label_lower, placement.pk)] = placement
        keyed = [self.keys.get((PL._meta.label_lower, row.get("key") or "")) for row in rows]
        self.load(PL, [i for i in keyed if isinstance(i, int)])

    def apply(self, values: dict, result: RowResult) -> str:
        self.result = result
        key = values.pop("key", "") or ""
        participant_id = self.participant(values)
        employer_id = self.employer(values)
        values = {
            name: value
            for name, value in values.items()
            if not name.startswith(("participant_", "employer_"))
        }
        values.setdefault("kind", PL.Kind.INTERNSHIP)
        result.label = values.get("job_title", "")
        others = self.others.setdefault(participant_id, [])
        placement = self.by_key(PL, key) or next(
            (
                p
                for p in others
                if (p.employer_id, p.kind, p.planned_start)
                == (employer_id, values["kind"], values["planned_start"])
            ),
            None,
        )
        if placement is None:
            placement = PL(created_by=self.user)
        values = {"participant_id": participant_id, "employer_id": employer_id, **values}
        if participant_id in self.participants:
            placement.participant = self.participants[participant_id]
        action = self.upsert(placement, values, key=key)
        if action == "created":
            others.append(placement)
        return action

    def validate(self, instance) -> None:
        if self.batched:
            placement_rules.check(instance, self.others.get(instance.participant_id, []))
        else:
            placement_rules.check(instance)

    def save(self, instance) -> None:
        placement_rules.save(instance)

    def forget(self, item: Pending) -> None:
        others = self.others.get(item.instance.participant_id, [])
        if item.instance in others:
            others.remove(item.instance)

    def participant(self, values: dict, *, lookup: bool = True) -> int:
        key = values.get("participant_key")
        if key:
            found = self.keys.get((P._meta.label_lower, key))
            if found is None:
                raise RowError(
                    [("participant_key", _("Keine importierte Person mit dieser Nummer."))]
                )
            return found
        first, last = values.get("participant_first_name"), values.get("participant_last_name")
        born = values.get("participant_date_of_birth")
        if not (first and last and born):
            raise RowError(
                [
                    (
                        "participant_key",
                        _(
                            "Bitte die Nummer oder Vorname, Nachname und "
                            "Geburtsdatum der/des Teilnehmenden angeben."
                        ),
                    )
                ]
            )
        # The matching rule of a participant: same name (case aside) and date of birth.
        found = self.by_name.get((first.lower(), last.lower(), born)) if lookup else None
        if found is None:
            raise RowError([("participant_last_name", _("Diese:n Teilnehmende:n gibt es nicht."))])
        return found

    def employer(self, values: dict) -> int:
        key = values.get("employer_key")
        if key:
            found = self.keys.get((E._meta.label_lower, key))
            if found is None:
                raise RowError(
                    [("employer_key", _("Kein importierter Betrieb mit dieser Nummer."))]
                )
            return found
        name = values.get("employer_name")
        if not name:
            raise RowError([("employer_name", _("Bitte den Betrieb angeben."))])
        found = [
            pk
            for postcode, pk in self.employers.get(name.lower(), [])
            if not values.get("employer_postcode") or postcode == values["employer_postcode"]
        ]
        if not found:
            raise RowError([("employer_name", _("Diesen Betrieb gibt es nicht."))])
        if len(found) > 1:
            raise RowError(
                [("employer_postcode", _("Mehrere Betriebe heißen so; bitte die PLZ angeben."))]
            )
        return found[0]


def _today() -> datetime.date:
    return timezone.localdate()


HANDLERS: dict[str, type[Handler]] = {
    h.kind: h
    for h in (ParticipantHandler, EmployerHandler, NetworkPartnerHandler, PlacementHandler)
}

# The models an import may write, and which fields an undo may put back.
UNDO_MODELS: dict[str, type[models.Model]] = {
    m._meta.label_lower: m for m in (P, E, ContactPerson, N, PL)
}
