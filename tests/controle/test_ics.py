"""The invitation's iCalendar text (RFC 5545): CRLF, folding, escaping, UTC times, stable UID."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from controle import ics

PARIS = ZoneInfo("Europe/Paris")


def invitation(**champs) -> ics.Invitation:
    base = {"uid": "controle-1234", "sequence": 0, "debut": datetime.datetime(2025, 6, 3, 10, 0, tzinfo=PARIS),
            "duree": datetime.timedelta(minutes=90), "resume": "Contrôle CaRE — CH de Libourne",
            "lieu": "Salle 3, 112 rue de la Marne; Libourne", "description": "Ligne 1\nLigne 2, fin",
            "organisateur": "ne-pas-repondre@ecare.esante.gouv.fr", "participants": ("rose@ch.fr", "dsi@ch.fr"),
            "horodatage": datetime.datetime(2025, 5, 1, 8, 0, tzinfo=datetime.UTC)}
    return ics.Invitation(**{**base, **champs})


def lignes_depliees(texte: str) -> list[str]:
    return texte.replace("\r\n ", "").split("\r\n")


def test_structure_et_heures_utc():
    texte = ics.calendrier(invitation())
    assert texte.endswith("\r\n") and "\n" not in texte.replace("\r\n", "")
    lignes = lignes_depliees(texte)
    assert lignes[0] == "BEGIN:VCALENDAR" and "END:VCALENDAR" in lignes
    assert "METHOD:REQUEST" in lignes and "X-WR-TIMEZONE:Europe/Paris" in lignes
    assert "DTSTART:20250603T080000Z" in lignes  # 10:00 in Paris (summer time) = 08:00 UTC
    assert "DTEND:20250603T093000Z" in lignes
    assert "DTSTAMP:20250501T080000Z" in lignes
    assert "UID:controle-1234@ecare.esante.gouv.fr" in lignes and "SEQUENCE:0" in lignes
    assert "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:rose@ch.fr" in lignes


def test_hiver_et_sequence_d_une_replanification():
    texte = ics.calendrier(invitation(sequence=2, debut=datetime.datetime(2025, 1, 15, 14, 30, tzinfo=PARIS)))
    lignes = lignes_depliees(texte)
    assert "DTSTART:20250115T133000Z" in lignes and "SEQUENCE:2" in lignes
    assert "UID:controle-1234@ecare.esante.gouv.fr" in lignes  # the same event, updated


def test_echappement_des_textes():
    lignes = lignes_depliees(ics.calendrier(invitation()))
    assert "LOCATION:Salle 3\\, 112 rue de la Marne\\; Libourne" in lignes
    assert "DESCRIPTION:Ligne 1\\nLigne 2\\, fin" in lignes


def test_pliage_a_75_octets_sans_couper_un_caractere():
    texte = ics.calendrier(invitation(description="é" * 200))
    for ligne in texte.split("\r\n"):
        assert len(ligne.encode("utf-8")) <= 75
    assert "DESCRIPTION:" + "é" * 200 in lignes_depliees(texte)
