"""The stage registry: how the lifecycle's stages plug into the core (STYLE.md rule 13).

The core (``care_portal``) serves the stages and never imports them. Each stage app fills this registry
from its ``AppConfig.ready()``; every page that spans stages (the ES stepper, the dashboards and their
exports, the menus, the reminders, the timeline, the hand-off to the next stage) reads it.

What a stage app registers:

- ``Etape``: its code, order and label, the lookups (from the dossier, a ``Candidature``) that its
  ``classer`` reads for the aggregate counts, and ``situer`` which says, for one dossier, where it stands
  in this stage, what it means for the establishment and which page shows it;
- ``Entree``: a navigation entry (menu of the header) with the roles that see it;
- ``Rappel``: a reminder kind (code, label, the function that sends it and how often);
- timeline labels: ``code of the log row → (sentence, kind)``;
- ``Ouverture``: the hand-off. When the service that ends a stage commits its transition, it calls
  ``passer_a_la_suite(depuis=…, objet=…)`` in its transaction; the next stage's registered opener creates
  its record idempotently and logs it.

Stages are identified by code: ``candidature``, ``instruction``, ``convention``, ``declaration``,
``controle``, ``paiement``. The registry is filled once at start-up; it is read-only afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

# --- what stages register -------------------------------------------------------------------------


@dataclass(frozen=True)
class Situation:
    """Where one dossier stands: the stage's code, the state's label (dashboards), the sentence shown
    to the establishment (stepper) and the page of the stage for this dossier ('' when none)."""

    etape: str
    etat: str
    texte: str = ""
    lien: str = ""
    fini: bool = False  # the whole lifecycle is over (financing paid): the stepper shows the last step done
    clos: bool = False  # ended without financing (rejected, withdrawn): no stepper


@dataclass(frozen=True)
class Etape:
    code: str
    ordre: int
    libelle: str
    couleur: str = "#3a3a3a"  # DSFR illustrative palette, contrast ≥ 3:1 on white (dashboard bars)
    # Lookups from the dossier (Candidature) that ``classer`` reads; ``classer`` gets a dict of all the
    # registered lookups' values and answers (stage code, state label), or None when the dossier has not
    # reached this stage. Stages are asked from the last to the first: the first answer wins.
    champs: tuple[str, ...] = ()
    classer: Callable[[dict], tuple[str, str] | None] | None = None
    # For one dossier (a Candidature): its Situation in this stage, or None when it has not reached it.
    situer: Callable[[Any], Situation | None] | None = None


@dataclass(frozen=True)
class Entree:
    """A menu entry: shown to a user whose habilitations ``visible(h)`` accepts."""

    libelle: str
    url_name: str
    ordre: int
    visible: Callable[[Any], bool]
    requete: str = ""  # a filter of the page, e.g. "etat=a_generer"
    groupe: str = ""  # entries of one group (≥ 2 for the user) open as a DSFR sub-menu of that name

    def url(self) -> str:
        from django.urls import reverse

        return reverse(self.url_name) + (f"?{self.requete}" if self.requete else "")


@dataclass(frozen=True)
class Rappel:
    """A reminder kind. ``envoyer(maintenant=…)`` sends what is due and returns how many it sent;
    ``frequence``: ``horaire`` (the hourly beat job) or ``quotidien`` (the daily one)."""

    code: str
    libelle: str
    envoyer: Callable[..., int] | None = None
    frequence: str = "horaire"


@dataclass(frozen=True)
class Ouverture:
    """The next stage's opener: ``ouvrir(objet, acteur)`` is called in the transaction of the service
    that ended stage ``apres``; it must be idempotent (get or create) and log what it opens."""

    apres: str
    etape: str
    ouvrir: Callable[..., Any]


@dataclass(frozen=True)
class Compteur:
    """A dashboard count of work waiting: ``compter(dossiers, maintenant)`` → dict with ``nombre``,
    ``premieres`` (a few objects with ``lien`` and ``libelle``), for the dashboards of ``portees``
    (``region`` for the ARS, ``national`` for the ANS)."""

    code: str
    titre: str
    etape: str
    compter: Callable[..., dict]
    portees: tuple[str, ...] = ("region", "national")
    url_name: str = ""


@dataclass(frozen=True)
class ActionGroupee:
    """A bulk action the agents' dossier list offers (care_portal.bureau): ``executer(dossier, acteur,
    **parametres)`` acts on one dossier through the stage's service and returns a French sentence saying
    what it did; it raises an exception carrying a French message (``ValidationError``, ``PermissionDenied``,
    a stage's own refusal) when this dossier is refused. ``visible(h)``: the habilitations that may run it.
    ``formulaire``: an optional Django form class for the action's parameters (an agent, a label…)."""

    code: str
    libelle: str
    executer: Callable[..., str]
    visible: Callable[[Any], bool]
    ordre: int = 0
    formulaire: Any = None


@dataclass
class _Registre:
    etapes: dict[str, Etape] = field(default_factory=dict)
    entrees: list[Entree] = field(default_factory=list)
    rappels: dict[str, Rappel] = field(default_factory=dict)
    libelles: dict[str, tuple[str, str]] = field(default_factory=dict)
    ouvertures: list[Ouverture] = field(default_factory=list)
    compteurs: dict[str, Compteur] = field(default_factory=dict)
    actions: dict[str, ActionGroupee] = field(default_factory=dict)
    recherche: list[str] = field(default_factory=list)


_registre = _Registre()


class EtapeInconnue(LookupError):
    pass


# --- registering (from AppConfig.ready) -------------------------------------------------------------

def enregistrer_etape(etape: Etape) -> None:
    _registre.etapes[etape.code] = etape


def enregistrer_entrees(*entrees: Entree) -> None:
    for e in entrees:
        if all((x.url_name, x.libelle, x.requete) != (e.url_name, e.libelle, e.requete) for x in _registre.entrees):
            _registre.entrees.append(e)


def enregistrer_rappels(*rappels: Rappel) -> None:
    for r in rappels:
        _registre.rappels[r.code] = r


def enregistrer_libelles(libelles: dict[str, tuple[str, str] | str]) -> None:
    """Timeline sentences of log codes: ``code → (sentence, kind)`` or ``code → sentence`` (kind ``etat``).
    A sentence may hold ``{key}`` placeholders read from the log row's ``donnees``."""
    for code, valeur in libelles.items():
        _registre.libelles[code] = (valeur, "etat") if isinstance(valeur, str) else tuple(valeur)


def enregistrer_ouverture(ouverture: Ouverture) -> None:
    if ouverture not in _registre.ouvertures:
        _registre.ouvertures.append(ouverture)


def enregistrer_compteurs(*compteurs: Compteur) -> None:
    for c in compteurs:
        _registre.compteurs[c.code] = c


def enregistrer_actions(*actions: ActionGroupee) -> None:
    for a in actions:
        _registre.actions[a.code] = a


def enregistrer_recherche(*lookups: str) -> None:
    """Lookups from the dossier (e.g. ``convention__numero``) that the agents' search looks into."""
    for lk in lookups:
        if lk not in _registre.recherche:
            _registre.recherche.append(lk)


# --- reading ------------------------------------------------------------------------------------------

def etapes() -> list[Etape]:
    """The stages in lifecycle order."""
    return sorted(_registre.etapes.values(), key=lambda e: e.ordre)


def _trouver(table: dict, code: str, quoi: str = ""):
    try:
        return table[code]
    except KeyError as exc:
        raise EtapeInconnue(f"{quoi} {code}".strip()) from exc


def etape(code: str) -> Etape:
    return _trouver(_registre.etapes, code)


def codes() -> list[str]:
    return [e.code for e in etapes()]


def numero(code: str) -> int:
    """1-based position of a stage in the lifecycle."""
    return codes().index(code) + 1


def suivante(code: str) -> Etape | None:
    ordre = etapes()
    i = codes().index(code)
    return ordre[i + 1] if i + 1 < len(ordre) else None


def champs() -> tuple[str, ...]:
    """Every lookup the stages' ``classer`` read, in a stable order."""
    vus: list[str] = []
    for e in etapes():
        for c in e.champs:
            if c not in vus:
                vus.append(c)
    return tuple(vus)


def classer(valeurs: dict) -> tuple[str, str]:
    """(stage code, state label) of a dossier from its lookups' values (``champs()``)."""
    for e in reversed(etapes()):
        if e.classer is not None:
            r = e.classer(valeurs)
            if r is not None:
                return r
    premiere = etapes()[0]
    return premiere.code, ""


def situer(dossier) -> Situation:
    """Where one dossier stands, asked to the stages from the last to the first."""
    for e in reversed(etapes()):
        if e.situer is not None:
            s = e.situer(dossier)
            if s is not None:
                return s
    return Situation(etape=etapes()[0].code, etat="")


def entrees(h) -> list[Entree]:
    """The navigation entries the habilitations ``h`` may see, in order."""
    return sorted((e for e in _registre.entrees if e.visible(h)), key=lambda e: e.ordre)


def rappels(frequence: str | None = None) -> list[Rappel]:
    return [r for r in _registre.rappels.values() if frequence is None or r.frequence == frequence]


def rappel(code: str) -> Rappel:
    return _trouver(_registre.rappels, code, "rappel")


def codes_rappels() -> list[str]:
    return list(_registre.rappels)


def libelle_journal(code: str) -> tuple[str, str] | None:
    return _registre.libelles.get(code)


def compteurs(portee: str) -> list[Compteur]:
    ordre = {c: i for i, c in enumerate(codes())}
    return sorted((c for c in _registre.compteurs.values() if portee in c.portees),
                  key=lambda c: ordre.get(c.etape, 99))


def compte(qs, *, limite: int, ligne: Callable[[Any], tuple[str, str]], url: str = "") -> dict:
    """What a ``Compteur.compter`` answers: how many rows ``qs`` holds, its first ``limite`` rows as
    (link, text) lines by ``ligne(obj)``, and the page that lists them all."""
    return {"nombre": qs.count(), "url": url,
            "lignes": [dict(zip(("lien", "texte"), ligne(obj), strict=True)) for obj in qs[:limite]]}


def actions(h) -> list[ActionGroupee]:
    """The bulk actions the habilitations ``h`` may run, in order."""
    return sorted((a for a in _registre.actions.values() if a.visible(h)), key=lambda a: a.ordre)


def action(code: str) -> ActionGroupee:
    return _trouver(_registre.actions, code, "action")


def champs_recherche() -> list[str]:
    return list(_registre.recherche)


def ouvertures_apres(code: str) -> Iterable[Ouverture]:
    return [o for o in _registre.ouvertures if o.apres == code]


# --- the hand-off -------------------------------------------------------------------------------------

def passer_a_la_suite(*, depuis: str, objet, acteur=None) -> list:
    """Called by the service that ended stage ``depuis``, inside its transaction: opens the next stage's
    record(s) through the openers registered for it (idempotent). Returns what they opened."""
    from django.db import transaction

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("passer_a_la_suite() s'appelle dans la transaction du service.")
    return [o.ouvrir(objet, acteur=acteur) for o in ouvertures_apres(depuis)]


def modele_dossier():
    """The dossier's model (the candidature, which every stage hangs on), named in the settings
    (``CARE_MODELE_DOSSIER``): the core reads dossiers without importing the stage that defines them."""
    from django.apps import apps
    from django.conf import settings

    return apps.get_model(getattr(settings, "CARE_MODELE_DOSSIER", "candidatures.Candidature"))
