"""The dossier's timeline: one way to turn log rows into French sentences (STYLE.md rules 5, 13, 14).

Every page that shows a history (candidature, declaration, control, payment) calls ``chronologie()``
with the objects whose log it shows. The sentences come from the stage registry
(``care_portal.core.etapes.libelle_journal``), filled by each app from its ``AppConfig.ready()``: the
core knows no stage, as pretix's ``logdisplay`` knows no plugin.

What an app may register here besides its sentences:

- ``enregistrer_fusions``: codes whose successive rows by the same person make one entry (draft saves
  are counted, « 2 fois »; locked documents add up in the sentence's ``{nombre}``);
- ``enregistrer_detail``: for a model, the line of detail shown under each of its rows (e.g. which
  perimeter line a prerequisite proof concerns).

A page that needs more (a message's text, a title that depends on the state left) passes ``ajuster``,
called on each entry with its log row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q

from care_portal.core import etapes

from .models import TransitionLog

LIBELLE_INCONNU = "Action enregistrée"
ACTEUR_SYSTEME = "eCaRE (automatique)"

FUSION_REPETITIONS = "repetitions"  # successive rows counted: « Brouillon enregistré (2 fois) »
FUSION_NOMBRE = "nombre"  # successive rows' documents added up in the sentence's {nombre}


@dataclass
class Evenement:
    le: datetime
    titre: str
    genre: str  # etat | edition | document | message | notification
    acteur: str = ""
    motif: str = ""
    detail: str = ""
    etat_cible: str = ""  # the label of the state reached, for a row of kind « etat »
    repetitions: int = 1
    code: str = ""
    acteur_id: int | None = None
    nombre: int = 0  # documents of the row (summed over merged rows), the sentence's {nombre}
    donnees: dict[str, Any] = field(default_factory=dict, repr=False)  # the log row's payload


_fusions: dict[str, str] = {}
_details: dict[type[Model], Callable[[Model], str]] = {}


def enregistrer_fusions(fusions: dict[str, str]) -> None:
    """``code → FUSION_REPETITIONS | FUSION_NOMBRE``: successive rows of this code by the same person
    make one entry. Called from an ``AppConfig.ready()``."""
    for code, mode in fusions.items():
        if mode not in (FUSION_REPETITIONS, FUSION_NOMBRE):
            raise ValueError(f"Fusion inconnue pour {code} : {mode}")
        _fusions[code] = mode


def enregistrer_detail(modele: type[Model], detail: Callable[[Model], str]) -> None:
    """The detail line of every row logged on an object of ``modele`` (``detail(objet)``, no query:
    it reads the object given to ``chronologie``)."""
    _details[modele] = detail


class _Valeurs(dict):
    def __missing__(self, cle: str) -> str:
        return ""


def _nombre(donnees: dict) -> int:
    documents = donnees.get("documents")
    return len(documents) if isinstance(documents, list) else 0


def libelle(code: str, donnees: dict | None = None, *, nombre: int | None = None) -> tuple[str, str]:
    """(sentence, kind) of a log code, its ``{placeholders}`` filled from the row's ``donnees``
    (``{nombre}``: its documents, ``{s}``: their plural mark); unknown code → « Action enregistrée »."""
    trouve = etapes.libelle_journal(code)
    if not trouve or not trouve[0]:
        return LIBELLE_INCONNU, "edition"
    modele, genre = trouve
    donnees = donnees or {}
    n = _nombre(donnees) if nombre is None else nombre
    valeurs = _Valeurs({k: str(v) for k, v in donnees.items()})
    valeurs.update(nombre=str(n), s="s" if n > 1 else "")
    return modele.format_map(valeurs).rstrip(" :"), genre


def nom_acteur(user) -> str:
    if user is None:
        return ACTEUR_SYSTEME
    return user.get_full_name() or user.email


def _etats(modele: type[Model]) -> dict[str, str]:
    try:
        return {str(v): str(lib) for v, lib in modele._meta.get_field("etat").flatchoices}
    except FieldDoesNotExist:
        return {}


def chronologie(
    objets: Iterable[Model],
    *,
    dossier: Model | None = None,
    limite: int | None = None,
    notifications: bool = False,
    ajuster: Callable[[TransitionLog, Evenement], None] | None = None,
) -> list[Evenement]:
    """The log of ``objets`` (one query, with the actors), most recent first, in French.

    ``notifications``: also the e-mails sent about ``dossier`` (a candidature): one entry per e-mail with
    its subject, how many recipients and its delivery status, never the addresses (one more query).
    ``limite``: at most that many log rows and that many entries. ``ajuster(row, evenement)``: the page's
    own touches, before successive rows are merged."""
    if notifications and dossier is None:
        raise ValueError("Les notifications se lisent pour un dossier : passez dossier=.")
    evenements = _journal(list(objets), limite=limite, ajuster=ajuster)
    if notifications:
        evenements = sorted(evenements + _notifications(dossier, limite), key=lambda e: e.le, reverse=True)
    return evenements[:limite] if limite is not None else evenements


def _journal(objets: list[Model], *, limite: int | None,
             ajuster: Callable[[TransitionLog, Evenement], None] | None) -> list[Evenement]:
    par_cle: dict[tuple[int, str], Model] = {}
    modeles: dict[int, type[Model]] = {}
    for o in objets:
        ct = ContentType.objects.get_for_model(o, for_concrete_model=False)
        par_cle[(ct.pk, str(o.pk))] = o
        modeles[ct.pk] = type(o)
    if not par_cle:
        return []
    filtre = Q()
    for ct_id in modeles:
        filtre |= Q(content_type_id=ct_id, object_id__in=[pk for (c, pk) in par_cle if c == ct_id])
    rows = TransitionLog.objects.filter(filtre).select_related("acteur").order_by("-cree_le", "-id")
    if limite is not None:
        rows = rows[:limite]
    etats = {ct_id: _etats(m) for ct_id, m in modeles.items()}
    evenements: list[Evenement] = []
    for row in rows:
        donnees = row.donnees if isinstance(row.donnees, dict) else {}
        titre, genre = libelle(row.code, donnees)
        modele = modeles[row.content_type_id]
        detail = _details.get(modele)
        e = Evenement(
            le=row.cree_le, titre=titre, genre=genre, acteur=nom_acteur(row.acteur), motif=row.motif,
            detail=detail(par_cle[(row.content_type_id, row.object_id)]) if detail else "",
            etat_cible=etats[row.content_type_id].get(row.etat_cible, "") if genre == "etat" else "",
            code=row.code, acteur_id=row.acteur_id, nombre=_nombre(donnees), donnees=donnees,
        )
        if ajuster is not None:
            ajuster(row, e)
        precedent = evenements[-1] if evenements else None
        fusion = _fusions.get(row.code)
        if fusion and precedent is not None and (precedent.code, precedent.acteur_id) == (row.code, row.acteur_id):
            if fusion == FUSION_NOMBRE:  # one row per owner (candidature, each line): one entry
                precedent.nombre += e.nombre
                precedent.titre, _ = libelle(row.code, precedent.donnees, nombre=precedent.nombre)
            else:
                precedent.repetitions += 1
            continue
        evenements.append(e)
    return evenements


def _notifications(dossier: Model, limite: int | None) -> list[Evenement]:
    from care_portal.notifications.models import Envoi

    envois = Envoi.objects.filter(candidature=dossier).order_by("-cree_le", "-pk")
    if limite is not None:
        envois = envois[:limite]
    evenements = []
    for envoi in envois:
        n = len(envoi.destinataires) + len(envoi.copies)
        evenements.append(Evenement(
            le=envoi.cree_le, titre=f"Notification envoyée : {envoi.sujet}", genre="notification",
            acteur=nom_acteur(None), detail=f"{n} destinataire{'s' if n > 1 else ''} — {envoi.get_statut_display()}",
            code=f"notifications.{envoi.gabarit}",
        ))
    return evenements
