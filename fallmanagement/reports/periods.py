"""The reporting period (year, half-year, quarter or free dates) and the scope of a report."""

import calendar
import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date
    label: str

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31), _("Jahr %d") % year)

    @classmethod
    def half(cls, year: int, half: int) -> "Period":
        first_month = 1 if half == 1 else 7
        return cls(
            datetime.date(year, first_month, 1),
            _month_end(year, first_month + 5),
            _("%(half)d. Halbjahr %(year)d") % {"half": half, "year": year},
        )

    @classmethod
    def quarter(cls, year: int, quarter: int) -> "Period":
        first_month = 3 * (quarter - 1) + 1
        return cls(
            datetime.date(year, first_month, 1),
            _month_end(year, first_month + 2),
            _("%(quarter)d. Quartal %(year)d") % {"quarter": quarter, "year": year},
        )

    @classmethod
    def free(cls, start: datetime.date, end: datetime.date) -> "Period":
        return cls(start, end, f"{start:%d.%m.%Y} – {end:%d.%m.%Y}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def months(self) -> float:
        """Length in (average) months, for rates "per month"."""
        return self.days / (365.25 / 12)

    def month_starts(self) -> list[datetime.date]:
        months = []
        current = self.start.replace(day=1)
        while current <= self.end:
            months.append(current)
            current = (current + datetime.timedelta(days=32)).replace(day=1)
        return months


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
