"""Date arithmetic of the three tripartite meetings. Pure functions, no database."""

import calendar
from datetime import date, timedelta

# Dates a contract may hold: anything else is a typing error (year 20260) or a forgery.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
BEFORE_END = timedelta(days=14)
DEFAULT_KINDS = ("start", "one_month", "final")  # planned at opening; « extra » ones are added


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day.

    31 January + 1 month → 28 or 29 February; 29 February + 12 months → 28 February.
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_meetings(start: date, end: date | None, months: int = 6) -> list[tuple[str, date]]:
    """The meetings planned when a contract opens, as (kind, date), in date order.

    - at the start date;
    - one month later;
    - at the earlier of `months` after the start and two weeks before the end.

    A short contract keeps the order of the meetings and stays inside the
    contract: the final meeting never comes before the start (a contract of two
    weeks or less has it on its last day), and the one-month meeting is kept only
    when it falls strictly before the final one.
    """
    final = add_months(start, months)
    if end is not None:
        final = min(final, end - BEFORE_END)
        if final <= start:
            final = end
    meetings = [("start", start)]
    one_month = add_months(start, 1)
    if one_month < final:
        meetings.append(("one_month", one_month))
    if final > start:
        meetings.append(("final", final))
    return meetings


def check_dates(start: date | None, end: date | None) -> tuple[str, str] | None:
    """(field, French message) for the first problem with a contract's dates, or None."""
    if start is None:
        return "start_on", "Indiquez la date de début du contrat."
    for name, value in (("start_on", start), ("end_on", end)):
        if value is not None and not EARLIEST <= value <= LATEST:
            return name, "Saisissez une date entre 2000 et 2100."
    if end is not None and end < start:
        return "end_on", "La date de fin doit suivre la date de début."
    return None
