"""The control's rules as plain functions over plain data (STYLE.md rule 8): no ORM here.

- ``proposition(statut_moteur)``: the verdict the checklist suggests from the rules engine's frozen
  verdict (the controller confirms or changes it).
- ``verifier_saisie(ligne)``: one objective's entry is acceptable (a reserve or a non-conformity says why).
- ``verifier_atteinte(lignes)``: what prevents attesting that the objectives are reached.
- ``verifier_non_atteinte(lignes)``: what prevents recording that they are not.
- ``verifier_date(date, fenetre)``: a planned date inside the control window.
- ``verifier_commencement(date_prevue, aujourd_hui)``: a control starts on or after its planned day.
- ``verifier_tenue(date_prevue, date_tenue, aujourd_hui)``: a control is decided only once it took place.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

CONFORME, NON_CONFORME, RESERVE = "conforme", "non_conforme", "reserve"
VERDICTS = (CONFORME, NON_CONFORME, RESERVE)
PROPOSITIONS = {"atteint": CONFORME, "non_atteint": NON_CONFORME, "incomplet": RESERVE}


@dataclass(frozen=True)
class LigneGrille:
    code: str
    titre: str
    verdict: str = ""  # "" = not checked yet
    commentaire: str = ""


@dataclass(frozen=True)
class Fenetre:
    debut: datetime.date  # the declaration was found complete that day (Europe/Paris)
    fin: datetime.date  # the call's end of controls


def proposition(statut_moteur: str) -> str:
    return PROPOSITIONS.get(statut_moteur, "")


def verifier_saisie(ligne: LigneGrille) -> list[str]:
    if ligne.verdict and ligne.verdict not in VERDICTS:
        return [f"{ligne.code} : choisissez conforme, non conforme ou conforme avec réserve."]
    if ligne.verdict in (NON_CONFORME, RESERVE) and not ligne.commentaire.strip():
        libelle = "non conforme" if ligne.verdict == NON_CONFORME else "conforme avec réserve"
        return [f"{ligne.code} : un objectif {libelle} doit être motivé par un commentaire."]
    return []


def verifier_atteinte(lignes: Iterable[LigneGrille]) -> list[str]:
    """Empty when every applicable objective is checked and none is non conforme."""
    lignes = list(lignes)
    if not lignes:
        return ["Aucun objectif applicable n'est à vérifier : la grille est vide."]
    raisons = [f"{ligne.code} — {ligne.titre} : pas encore vérifié." for ligne in lignes if not ligne.verdict]
    raisons += [f"{ligne.code} — {ligne.titre} : non conforme." for ligne in lignes if ligne.verdict == NON_CONFORME]
    for ligne in lignes:
        raisons += verifier_saisie(ligne)
    return raisons


def verifier_non_atteinte(lignes: Iterable[LigneGrille]) -> list[str]:
    """Empty when at least one objective is non conforme and each non conforme one has its motive."""
    lignes = list(lignes)
    non_conformes = [ligne for ligne in lignes if ligne.verdict == NON_CONFORME]
    if not non_conformes:
        return ["Aucun objectif n'est non conforme : la non-atteinte ne peut pas être constatée."]
    return [m for ligne in non_conformes for m in verifier_saisie(ligne)]


def motif_de_non_atteinte(lignes: Iterable[LigneGrille]) -> str:
    """The motive sent to the ES: one line per non conforme objective, its comment."""
    return "\n".join(f"{ligne.code} — {ligne.titre} : {ligne.commentaire.strip()}"
                     for ligne in lignes if ligne.verdict == NON_CONFORME)


def verifier_date(date: datetime.date, fenetre: Fenetre, aujourd_hui: datetime.date) -> list[str]:
    debut = max(fenetre.debut, aujourd_hui)
    if date < debut:
        return [f"La date du contrôle doit être au plus tôt le {debut:%d/%m/%Y}."]
    if date > fenetre.fin:
        return [f"La date du contrôle doit précéder la fin des contrôles de l'appel, le {fenetre.fin:%d/%m/%Y}."]
    return []


def verifier_commencement(date_prevue: datetime.date | None, aujourd_hui: datetime.date) -> list[str]:
    """A control starts on its planned day (Europe/Paris) or later: the day it starts is the day it took
    place, the day the attestation certifies. An earlier meeting is re-planned first (new invitation)."""
    if date_prevue is None:
        return ["Le contrôle n'est pas encore planifié."]
    if date_prevue > aujourd_hui:
        return [f"Le contrôle est prévu le {date_prevue:%d/%m/%Y} : il ne peut pas commencer avant cette date. "
                "S'il a lieu plus tôt, replanifiez-le d'abord."]
    return []


def verifier_tenue(date_prevue: datetime.date | None, date_tenue: datetime.date | None,
                   aujourd_hui: datetime.date) -> list[str]:
    """A decision (objectives reached or not) only after the control took place."""
    if date_tenue is None or date_prevue is None:
        return ["Le contrôle n'a pas encore eu lieu : il ne peut pas être décidé."]
    if max(date_prevue, date_tenue) > aujourd_hui:
        return [f"Le contrôle est prévu le {max(date_prevue, date_tenue):%d/%m/%Y} : il ne peut pas être décidé "
                "avant d'avoir eu lieu."]
    return []
