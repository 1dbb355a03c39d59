"""The meetings of a contract as an iCalendar file (RFC 5545), written by hand.

CRLF line endings, lines folded at 75 octets (never inside a UTF-8 character),
TEXT values escaped, a stable UID per meeting and a SEQUENCE bumped at each move,
so that a calendar re-importing the file updates the events instead of doubling them.
"""

from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from app.onboarding import wording
from app.onboarding.models import Contract, Meeting

MEETING_LENGTH = timedelta(hours=1)
DESCRIPTION = "Rencontre tripartite (personne accueillie, tuteur·rice, référent·e). "


def escape(text: str) -> str:
    """A TEXT value: backslash, semicolon, comma and line breaks escaped (§3.3.11)."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets (§3.1)."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, current, limit = [], b"", 75
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > limit:
            parts.append(current)
            current, limit = b"", 74  # continuation lines start with one space
        current += encoded
    parts.append(current)
    return "\r\n ".join(part.decode() for part in parts)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _when(contract: Contract, meeting: Meeting) -> tuple[date, time | None, str, int]:
    """(day, time, STATUS, SEQUENCE) of a meeting's event.

    A meeting held is where it was held: at its date of record (the time set only if it
    is the planned day), a SEQUENCE above any planned version's. A meeting that was never
    held and never will be (the contract is closed) is CANCELLED rather than left out, so
    that a calendar which imported it earlier drops it instead of keeping a stale event.
    """
    if meeting.held_on is not None:
        at = meeting.planned_at if meeting.held_on == meeting.planned_on else None
        return meeting.held_on, at, "CONFIRMED", meeting.moves + meeting.record_version
    if contract.is_closed:
        return meeting.planned_on, meeting.planned_at, "CANCELLED", meeting.moves + 1
    return meeting.planned_on, meeting.planned_at, "CONFIRMED", meeting.moves


def _event(contract: Contract, meeting: Meeting, host: str, now: datetime, zone: ZoneInfo,
           link: str) -> list[str]:
    # The first name and initial, as the private thread: a calendar travels (phones,
    # shared agendas, invitations forwarded).
    summary = (f"{meeting.kind_label} – accompagnement "
               f"{wording.de(wording.short_name(contract.newcomer_name))}")
    day, at, status, sequence = _when(contract, meeting)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{contract.ref}-{meeting.number}@{host}",
        f"DTSTAMP:{_stamp(now)}",
        f"SEQUENCE:{sequence}",
    ]
    if at is None:
        lines += [f"DTSTART;VALUE=DATE:{day.strftime('%Y%m%d')}",
                  f"DTEND;VALUE=DATE:{(day + timedelta(days=1)).strftime('%Y%m%d')}"]
    else:
        local = datetime.combine(day, at, tzinfo=zone)
        start = local.astimezone(UTC)
        lines += [f"DTSTART:{_stamp(start)}", f"DTEND:{_stamp(start + MEETING_LENGTH)}"]
    lines += [
        f"SUMMARY:{escape(summary)}",
        f"LOCATION:{escape(contract.organisation.name)}",
        f"DESCRIPTION:{escape(DESCRIPTION + link)}",
        f"URL:{link}",
        f"STATUS:{status}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
    ]
    return lines


def meetings_ics(contract: Contract, public_url: str, timezone: str, links: dict[int, str],
                 now: datetime | None = None) -> bytes:
    """The VCALENDAR of the contract's meetings: held ones at their date, those to come as
    planned, those a closed contract will never hold cancelled."""
    now = now or datetime.now(UTC)
    host = urlsplit(public_url).hostname or "compagnon.local"
    zone = ZoneInfo(timezone)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Compagnon//Contrats d'accueil//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape('Rencontres – ' + wording.short_name(contract.newcomer_name))}",
    ]
    for meeting in contract.meetings:
        lines += _event(contract, meeting, host, now, zone, links[meeting.number])
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode()

