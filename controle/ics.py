"""The control's invitation as an iCalendar object (RFC 5545), written by hand: a pure function over
plain data.

Times are written in UTC (``…Z``: no VTIMEZONE needed, every client converts), the calendar says it
belongs to Europe/Paris (X-WR-TIMEZONE) and the description gives the Paris time. The UID is the
control's, so a re-planned control (SEQUENCE + 1) updates the event already in the calendar instead of
adding a second one. Lines end with CRLF and are folded at 75 octets (RFC 5545 §3.1), text values are
escaped (§3.3.11).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
PRODID = "-//Agence du Numérique en Santé//eCaRE//FR"
DOMAINE_UID = "ecare.esante.gouv.fr"
TYPE_MIME = "text/calendar; charset=utf-8; method=REQUEST"


@dataclass(frozen=True)
class Invitation:
    uid: str
    sequence: int
    debut: datetime.datetime  # aware
    duree: datetime.timedelta
    resume: str
    lieu: str
    description: str
    organisateur: str  # e-mail address
    participants: tuple[str, ...]
    url: str = ""
    horodatage: datetime.datetime | None = None  # DTSTAMP (aware), default now


def echapper(texte: str) -> str:
    return (texte.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n"))


def plier(ligne: str) -> str:
    """Fold a content line into chunks of at most 75 octets, never inside a UTF-8 character."""
    octets = ligne.encode("utf-8")
    if len(octets) <= 75:
        return ligne
    morceaux, courant, limite = [], b"", 75
    for caractere in ligne:
        code = caractere.encode("utf-8")
        if len(courant) + len(code) > limite:
            morceaux.append(courant.decode("utf-8"))
            courant, limite = b"", 74  # continuation lines start with one space
        courant += code
    morceaux.append(courant.decode("utf-8"))
    return "\r\n ".join(morceaux)


def _utc(moment: datetime.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("une date de l'invitation doit avoir un fuseau horaire")
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendrier(inv: Invitation) -> str:
    """The VCALENDAR text (METHOD:REQUEST, one VEVENT)."""
    dtstamp = inv.horodatage or datetime.datetime.now(datetime.UTC)
    lignes = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:REQUEST",
        "X-WR-TIMEZONE:Europe/Paris",
        "BEGIN:VEVENT",
        f"UID:{inv.uid}@{DOMAINE_UID}",
        f"SEQUENCE:{inv.sequence}",
        f"DTSTAMP:{_utc(dtstamp)}",
        f"DTSTART:{_utc(inv.debut)}",
        f"DTEND:{_utc(inv.debut + inv.duree)}",
        f"SUMMARY:{echapper(inv.resume)}",
        f"LOCATION:{echapper(inv.lieu)}",
        f"DESCRIPTION:{echapper(inv.description)}",
        *([f"URL:{inv.url}"] if inv.url else []),
        f"ORGANIZER;CN=Agence du Numérique en Santé:mailto:{inv.organisateur}",
        *[f"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{p}" for p in inv.participants],
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(plier(ligne) for ligne in lignes) + "\r\n"


def heure_de_paris(moment: datetime.datetime) -> str:
    return f"{moment.astimezone(PARIS):%d/%m/%Y à %H:%M} (heure de Paris)"
