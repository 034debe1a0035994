"""The bank's confirmation file, read as plain data (no ORM): a CSV, one executed transfer a line.

Format chosen for the portal (documented in the README and on the import page): UTF-8 (a BOM is
accepted) or Latin-1, separator ``;`` (``,`` also accepted), a header line naming the three columns

    reference;date;reference_bancaire
    ECARE-P0000012;2025-06-12;VIR-2025-000123

``reference``: the payment's end-to-end id (``EndToEndId`` of the pain.001 file; the header may
also say ``end_to_end_id``); ``date``: the execution date, ``AAAA-MM-JJ`` or ``JJ/MM/AAAA``;
``reference_bancaire``: the bank's reference of the transfer (1 to 100 characters).

A camt.054 would carry the same three facts; a CSV is what a treasury team can export or type, and
it keeps the all-or-nothing checks readable. Every problem is reported in French with its line
number; nothing is applied while one line is wrong.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from care_portal.core import fichiers, format_fr

TAILLE_MAX = 2 * 1024 * 1024
#: a field longer than a bank reference by far, a line count far above one batch of transfers
LIMITES = fichiers.Limites(taille_max=TAILLE_MAX, lignes_max=20_000, colonnes_max=20, champ_max=1000)
COLONNES = ("reference", "date", "reference_bancaire")
SYNONYMES = {"reference": "reference", "end_to_end_id": "reference", "reference_bout_en_bout": "reference",
             "endtoendid": "reference", "date": "date", "date_paiement": "date",
             "reference_bancaire": "reference_bancaire", "reference_banque": "reference_bancaire"}


@dataclass(frozen=True)
class LigneConfirmation:
    numero: int
    reference: str
    date: datetime.date
    reference_bancaire: str


@dataclass
class LectureConfirmation:
    lignes: list[LigneConfirmation] = field(default_factory=list)
    erreurs: list[str] = field(default_factory=list)


def _date(valeur: str) -> datetime.date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(valeur, fmt).date()
        except ValueError:
            continue
    return None


def lire_confirmation(contenu: bytes, *, aujourd_hui: datetime.date) -> LectureConfirmation:
    """The lines of a confirmation file, or every French error (then no line is returned)."""
    lecture = LectureConfirmation()
    if not contenu or not contenu.strip():
        lecture.erreurs.append("Le fichier de confirmation est vide.")
        return lecture
    if len(contenu) > TAILLE_MAX:
        lecture.erreurs.append("Le fichier de confirmation dépasse 2 Mo.")
        return lecture
    if b"\x00" in contenu:
        lecture.erreurs.append("Ce fichier n'est pas un fichier texte CSV.")
        return lecture
    premiere = contenu.split(b"\n", 1)[0]
    sep = ";" if b";" in premiere or b"," not in premiere else ","
    try:
        rangees = fichiers.lignes_csv(contenu, LIMITES, delimiteur=sep)
    except fichiers.FichierRefuse as exc:
        lecture.erreurs.append(exc.message)
        return lecture
    if not rangees:
        lecture.erreurs.append("Le fichier de confirmation est vide.")
        return lecture
    entete = [SYNONYMES.get(c.strip().lower().lstrip("\ufeff"), c.strip().lower()) for c in rangees[0]]
    if sorted(entete) != sorted(COLONNES):
        lecture.erreurs.append("Ligne 1 : l'en-tête doit nommer les colonnes « reference;date;reference_bancaire » "
                               f"(lu : « {sep.join(rangees[0])} »).")
        return lecture
    index = {nom: entete.index(nom) for nom in COLONNES}
    vues: dict[str, int] = {}
    lignes = []
    for numero, rangee in enumerate(rangees[1:], start=2):
        if not any(c.strip() for c in rangee):
            continue
        if len(rangee) != len(COLONNES):
            lecture.erreurs.append(f"Ligne {numero} : {len(rangee)} colonne{format_fr.s(len(rangee))} au lieu de 3.")
            continue
        reference = rangee[index["reference"]].strip()
        brute = rangee[index["date"]].strip()
        ref_banque = rangee[index["reference_bancaire"]].strip()
        erreurs = []
        if not reference:
            erreurs.append(f"Ligne {numero} : la référence du paiement est vide.")
        elif reference in vues:
            erreurs.append(f"Ligne {numero} : le paiement « {reference} » figure déjà ligne {vues[reference]}.")
        date = _date(brute)
        if date is None:
            erreurs.append(f"Ligne {numero} : la date « {brute} » est invalide (AAAA-MM-JJ ou JJ/MM/AAAA).")
        elif date > aujourd_hui:
            erreurs.append(f"Ligne {numero} : la date {date:%d/%m/%Y} est dans le futur.")
        if not ref_banque or len(ref_banque) > 100:
            erreurs.append(f"Ligne {numero} : la référence bancaire doit compter de 1 à 100 caractères.")
        if erreurs:
            lecture.erreurs += erreurs
            continue
        vues[reference] = numero
        lignes.append(LigneConfirmation(numero, reference, date, ref_banque))
    if not lignes and not lecture.erreurs:
        lecture.erreurs.append("Le fichier de confirmation ne contient aucune ligne après l'en-tête.")
    if not lecture.erreurs:
        lecture.lignes = lignes
    return lecture
