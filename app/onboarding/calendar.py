"""The meetings of a contract as an iCalendar file (RFC 5545), written by hand.

CRLF line endings, lines folded at 75 octets (never inside a UTF-8 character),
TEXT values escaped, a stable UID per meeting and a SEQUENCE bumped at each move,
so that a calendar re-importing the file updates the events instead of doubling them.
"""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

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


def _event(contract: Contract, meeting: Meeting, host: str, now: datetime, zone: ZoneInfo,
           link: str) -> list[str]:
    summary = f"{meeting.kind_label} – accompagnement de {contract.newcomer_name}"
    lines = [
        "BEGIN:VEVENT",
        f"UID:{contract.ref}-{meeting.number}@{host}",
        f"DTSTAMP:{_stamp(now)}",
        f"SEQUENCE:{meeting.moves}",
    ]
    if meeting.planned_at is None:
        lines += [f"DTSTART;VALUE=DATE:{meeting.planned_on.strftime('%Y%m%d')}",
                  f"DTEND;VALUE=DATE:{(meeting.planned_on + timedelta(days=1)).strftime('%Y%m%d')}"]
    else:
        local = datetime.combine(meeting.planned_on, meeting.planned_at, tzinfo=zone)
        start = local.astimezone(UTC)
        lines += [f"DTSTART:{_stamp(start)}", f"DTEND:{_stamp(start + MEETING_LENGTH)}"]
    lines += [
        f"SUMMARY:{escape(summary)}",
        f"LOCATION:{escape(contract.organisation.name)}",
        f"DESCRIPTION:{escape(DESCRIPTION + link)}",
        f"URL:{link}",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
    ]
    return lines


def meetings_ics(contract: Contract, public_url: str, timezone: str, links: dict[int, str],
                 now: datetime | None = None) -> bytes:
    """The VCALENDAR of the contract's planned (not yet held and held) meetings."""
    now = now or datetime.now(UTC)
    host = urlsplit(public_url).hostname or "compagnon.local"
    zone = ZoneInfo(timezone)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Compagnon//Contrats d'accueil//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape('Rencontres – ' + contract.newcomer_name)}",
    ]
    for meeting in contract.meetings:
        lines += _event(contract, meeting, host, now, zone, links[meeting.number])
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode()

