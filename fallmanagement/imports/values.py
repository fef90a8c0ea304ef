"""Turning a spreadsheet cell into a model value: German dates, ja/nein, "w"/"Frau",
German country names (ISO 3166 via django-countries), choices by code or German label.

Each converter returns the value or raises `ValueError` with a German message; an empty cell
is `None` (the caller leaves the field as it is, or blank when the record is new).
"""

import datetime
import functools
import re
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

FORMULA_START = ("=", "+", "-", "@")


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.strip().startswith(FORMULA_START)


def norm(text: str) -> str:
    """Lower case, German umlauts spelt out, only letters and digits: for matching words."""
    text = str(text).strip().lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(a, b)
    return re.sub(r"[^a-z0-9]+", "", text)


def text(max_length: int):
    def convert(value) -> str:
        # Stored exactly as written (a leading "=" included): text is never evaluated.
        result = value.isoformat() if isinstance(value, datetime.date) else str(value).strip()
        if isinstance(value, float) and value.is_integer():
            result = str(int(value))  # Excel stores "34117" typed as a number as 34117.0
        if len(result) > max_length:
            raise ValueError(
                _("Der Text ist zu lang (höchstens %(n)s Zeichen).") % {"n": max_length}
            )
        return result

    return convert


_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})$")


def date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raw = str(value).strip()
    if looks_like_formula(raw):
        raise ValueError(_("Eine Formel ist kein Datum; bitte den Wert eintragen."))
    match = _DATE.match(raw)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            if year < 100:
                year += 2000 if year <= timezone.localdate().year % 100 else 1900
            return datetime.date(year, month, day)
        return datetime.date.fromisoformat(raw)
    except ValueError:
        pass
    raise ValueError(_("„%(value)s“ ist kein gültiges Datum (TT.MM.JJJJ).") % {"value": raw[:40]})


_YES = {"ja", "j", "yes", "y", "x", "1", "wahr", "true", "vorhanden"}
_NO = {"nein", "n", "no", "0", "falsch", "false", "keine", "nichtvorhanden"}


def boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    word = norm(value)
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise ValueError(_("„%(value)s“ ist weder ja noch nein.") % {"value": str(value)[:40]})


def integer(value) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(
            _("„%(value)s“ ist keine ganze Zahl.") % {"value": str(value)[:40]}
        ) from None


def decimal(value) -> Decimal:
    try:
        return (
            Decimal(str(value).strip().replace(",", "."))
            if not isinstance(value, float)
            else (Decimal(str(value)))
        )
    except InvalidOperation:
        raise ValueError(_("„%(value)s“ ist keine Zahl.") % {"value": str(value)[:40]}) from None


def choice(choices, synonyms: dict[str, str] | None = None):
    """A TextChoices value from its code, its German label or a synonym ("w" → weiblich)."""
    lookup = {}
    for code, label in choices.choices:
        lookup[norm(code)] = code
        lookup[norm(str(label))] = code
    for word, code in (synonyms or {}).items():
        lookup[norm(word)] = code

    def convert(value) -> str:
        code = lookup.get(norm(value))
        if code is None:
            allowed = ", ".join(str(label) for _code, label in choices.choices)
            raise ValueError(
                _("„%(value)s“ ist kein erlaubter Wert (erlaubt: %(allowed)s).")
                % {"value": str(value)[:40], "allowed": allowed}
            )
        return code

    return convert


# Names the spreadsheets of the programme use that django-countries spells otherwise.
COUNTRY_SYNONYMS = {
    "syrien": "SY",
    "iran": "IR",
    "russland": "RU",
    "tuerkei": "TR",
    "kongo": "CD",
    "demrepkongo": "CD",
    "elfenbeinkueste": "CI",
    "kosovo": "XK",
    "palaestina": "PS",
    "moldau": "MD",
    "vietnam": "VN",
    "suedkorea": "KR",
    "nordkorea": "KP",
    "venezuela": "VE",
    "bolivien": "BO",
    "tansania": "TZ",
    "ukraine": "UA",
}


@functools.lru_cache(maxsize=512)
def country(value) -> str:
    raw = str(value).strip()
    if len(raw) == 2 and raw.isalpha() and raw.upper() in dict(countries):
        return raw.upper()
    code = COUNTRY_SYNONYMS.get(norm(raw))
    for language in ("de", "en"):
        code = code or countries.by_name(raw, language=language)
    if not code:
        raise ValueError(_("„%(value)s“ ist kein bekanntes Land.") % {"value": raw[:40]})
    return code
