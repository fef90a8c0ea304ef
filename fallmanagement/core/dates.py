"""Date rules of German law that several apps need (no app of ours is imported here)."""

import calendar
import datetime


def last_day_of_months(start: datetime.date, months: int) -> datetime.date:
    """The last day of a period of `months` calendar months that begins on `start`.

    §§ 187 (2), 188 (2), (3) BGB: a period that begins with the start of a day ends with
    the end of the day before the day of the same number in the last month; where that
    month has no such day, with the month's last day. 15.01. + 3 months → 14.04.;
    01.12. → 28./29.02.; 30.11.2025 → 28.02.2026; 31.08. → 30.11.
    """
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    if start.day == 1:  # the day before the 1st is the last day of the previous month
        return datetime.date(year, month, 1) - datetime.timedelta(days=1)
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(start.day - 1, last))


def months_later(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months later (the month's last day where it is missing)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
