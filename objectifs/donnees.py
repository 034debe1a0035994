"""The evidence of a Domaine 1 dossier as plain, frozen data (STYLE.md rule 8): no ORM, no Django.

Selectors build a :class:`Dossier` from the database; :mod:`objectifs.regles` turns it into verdicts.
Keeping the rules on plain data makes them fast, exhaustively testable and identical wherever they
run (the ES page, the ARS/ANS panel, ``manage.py evaluer_objectifs``).

Identifiers (``Id``) are whatever the caller uses for its rows (database pks, or strings such as
``"ej:12"``); they only need to be hashable and unique within their kind. Every collection field
accepts any iterable (list, tuple, set) and is stored as a tuple / frozenset, so instances are
hashable and comparable. Dates are plain ``date`` objects: the caller converts datetimes to the
Europe/Paris day first (e.g. ``Candidature.premiere_depose_le`` → ``debut_phase``).

What the selector passes as the perimeter (``Dossier.structures``):

- GHT: the member EJ (``Niveau.EJ``), the support flagged ``est_support``; their EG may be listed too
  (``Niveau.EG`` with ``ej_id``) so that evidence entered for an EG is attributed to its EJ.
- ES public hors GHT: the EJ; optionally its EG (then D1.O2.A is judged per EG, and D1.O1.B applies
  the "≥ 2 EG representing ≥ 66 %" rule if there are at least 2 EG).
- ES privé: the EJ (optional, to attach EJ-wide evidence) and its EG (``ej_id`` = the EJ).
- only the lines *included* in the candidature's perimeter; ESMS may be passed with ``est_esms``:
  the rules leave them out (they do not count for D1) and say so.

Usage::

    from datetime import date
    from decimal import Decimal
    from objectifs.donnees import (Annuaire, Appel, AuditADS, Dossier, Niveau, Seuils, Structure,
                                   TypeDossier)
    from objectifs.regles import evaluer

    dossier = Dossier(
        type_dossier=TypeDossier.PUBLIC_HORS_GHT,
        date_reference=date(2024, 9, 1),
        debut_phase=date(2024, 4, 15),
        appel=Appel(candidature_debut=date(2024, 3, 18), candidature_fin=date(2024, 4, 19)),
        structures=[Structure(id=1, finess="330781196", nom="CH de Bordeaux", niveau=Niveau.EJ,
                              activite=Decimal("1000"))],
        annuaires=[Annuaire(id=10, nom="hopital.local", structures={1})],
        audits_ads=[AuditADS(id=100, annuaire_id=10, date=date(2024, 6, 3), score=3, rapport=True)],
    )
    seuils = Seuils.depuis_dict({"score_ads_min": "2"})  # code → value, as stored in the referential
    for verdict in evaluer(dossier, seuils):
        print(verdict.code, verdict.statut.libelle, *verdict.raisons, sep="\\n  ")
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, ClassVar

Id = int | str


def _tuple(instance: Any, *noms: str) -> None:
    """Freeze list-like fields given as any iterable (frozen dataclasses need object.__setattr__)."""
    for nom in noms:
        object.__setattr__(instance, nom, tuple(getattr(instance, nom)))


def _frozenset(instance: Any, *noms: str) -> None:
    for nom in noms:
        object.__setattr__(instance, nom, frozenset(getattr(instance, nom)))


class TypeDossier(StrEnum):
    """Same values as ``candidatures.regles.TypeCandidature`` so a candidature's type passes through."""

    GHT = "ght"
    PUBLIC_HORS_GHT = "public_hors_ght"
    PRIVE_EBNL = "prive_ebnl"
    PRIVE_LUCRATIF = "prive_lucratif"

    @property
    def est_ght(self) -> bool:
        return self is TypeDossier.GHT

    @property
    def est_prive(self) -> bool:
        return self in (TypeDossier.PRIVE_EBNL, TypeDossier.PRIVE_LUCRATIF)


class Niveau(StrEnum):
    EJ = "ej"  # entité juridique (FINESS EJ)
    EG = "eg"  # établissement géographique (FINESS ET)


class Outil(StrEnum):
    """Internet-exposure audit tool. SILENE counts for the cadence (D1.O2.A), never for D1.O2.B."""

    SILENE = "silene"
    INDUSTRIEL = "industriel"  # an industrial tool declared conforming to the ANS specification (CERT Santé)

    @property
    def libelle(self) -> str:
        return {"silene": "SILENE (ANSSI)", "industriel": "outil industriel conforme au cahier des charges ANS"}[
            self.value]


class Kit(StrEnum):
    """The ANS crisis-exercise kits."""

    DEBUTANT = "debutant"
    INTERMEDIAIRE = "intermediaire"
    CONFIRME = "confirme"

    @property
    def libelle(self) -> str:
        return {"debutant": "débutant", "intermediaire": "intermédiaire", "confirme": "confirmé"}[self.value]


@dataclass(frozen=True)
class Appel:
    """The funding call's dates that the rules need (the rest of its calendar lives in the referential).

    ``candidature_debut``: evidence dated before the call opened is ignored.
    ``candidature_fin``: the end of the call, start of the 18 months allowed for AD convergence (D1.O6.B,
    "une échéance maximale de 18 mois post appel à financement D1").
    """

    candidature_debut: date
    candidature_fin: date


@dataclass(frozen=True)
class Structure:
    """One line of the perimeter. ``activite``: combined activity (any unit, only ratios matter).
    ``ej_id``: for an EG, the id of its EJ (which need not be listed)."""

    id: Id
    finess: str
    nom: str
    niveau: Niveau
    activite: Decimal = Decimal("0")
    est_support: bool = False
    est_esms: bool = False
    ej_id: Id | None = None

    @property
    def libelle(self) -> str:
        return f"{self.nom} ({self.finess})"


@dataclass(frozen=True)
class Annuaire:
    """An Active Directory (``nom``: its name / forest, e.g. ``hopital.local``) and the EJ/EG it serves.
    An AD serving an EJ serves every EG of that EJ; an AD serving an EG is one of its EJ's AD.
    ``description``: the description of its infrastructure and interconnections is deposited (D1.O1.A
    proof). An AD serving no listed structure is still one of the candidate's AD (D1.O1.B: « tous les AD »)."""

    id: Id
    nom: str
    structures: frozenset[Id] = frozenset()
    description: bool = False

    def __post_init__(self) -> None:
        _frozenset(self, "structures")


@dataclass(frozen=True)
class AuditADS:
    """An ANSSI ADS (ORADAD) audit of one AD. ``score``: 1–5 (anything else is ignored by D1.O1.B).
    ``rapport``: the ADS report was deposited."""

    id: Id
    annuaire_id: Id
    date: date
    score: int
    rapport: bool = False


@dataclass(frozen=True)
class AuditExposition:
    """An internet-exposure audit. It covers ``structures`` (EJ/EG ids; an EJ id covers its EG), or the
    whole perimeter when ``perimetre_entier``. Vulnerability counts by severity; ``rapport``: deposited.
    ``domaines`` / ``adresses_ip``: how many exposed domains and public IP addresses its perimeter lists
    (the D1.O2.A proofs « Liste des domaines exposés », « Liste des adresses IP publics »)."""

    id: Id
    date: date
    outil: Outil
    structures: frozenset[Id] = frozenset()
    perimetre_entier: bool = False
    critiques: int = 0
    hautes: int = 0
    moyennes: int = 0
    faibles: int = 0
    rapport: bool = False
    domaines: int = 0
    adresses_ip: int = 0

    def __post_init__(self) -> None:
        _frozenset(self, "structures")


@dataclass(frozen=True)
class ExerciceCrise:
    """A cyber crisis exercise run by an EJ or an EG. ``kit``: the ANS kit used (None: not stated).
    ``preuve``: the report on the ANS model or the attestation (provider, ARS, GRADeS) was deposited.
    An exercise of an EJ counts for each of its EG; an exercise of an EG counts for its EJ."""

    id: Id
    structure_id: Id
    date: date
    kit: Kit | None = None
    preuve: bool = False


@dataclass(frozen=True)
class SaisieOsis:
    """What the ES declared about its oSIS entry for one establishment (EJ for GHT/public, EG for private).
    ``mesures_prioritaires``: how many of the priority measures are filled (43 required)."""

    structure_id: Id
    renseigne: bool = False
    date: date | None = None
    part_budget_numerique: bool = False
    mesures_prioritaires: int = 0


@dataclass(frozen=True)
class Budget:
    """D1.O5 figures for one EJ (one EG for private structures), in euros; FTE for security (DSI + RSSI).
    None = not given."""

    structure_id: Id
    budget_general: Decimal | None = None
    budget_numerique: Decimal | None = None
    etp_securite: Decimal | None = None

    @property
    def part_numerique(self) -> Decimal | None:
        """Digital share of the general budget (0.016 = 1.6 %), None when it cannot be computed."""
        if self.budget_general is None or self.budget_numerique is None or self.budget_general <= 0:
            return None
        return self.budget_numerique / self.budget_general


@dataclass(frozen=True)
class GouvernanceGHT:
    """D1.O6.A: the référent (empty: not named) and whether the support's director named them, a single
    operational AD team, the AD topics in the GHT's IS convergence master plan (organisational and
    technical parts), and the two proofs (governance diagram, project team composition) deposited.

    Facts are ``bool | None``: None = not declared yet (the verdict is incomplete), False = declared
    not done (the objective is not reached)."""

    referent_nom: str = ""
    referent_nomme_par_directeur: bool | None = None
    equipe_ad_unique: bool | None = None
    sdsi_volet_organisationnel: bool | None = None
    sdsi_volet_technique: bool | None = None
    schema_gouvernance: bool = False
    equipe_projet: bool = False


@dataclass(frozen=True)
class ConvergenceAD:
    """D1.O6.B: the GHT's AD convergence trajectory, or the description of an already converged AD.

    ``document``: the trajectory (or description) was deposited. ``date_convergence_prevue``: end of the
    planning (must fall within 18 months of the call). ``budget_previsionnel``: euros. ``responsable``:
    the named person in charge; ``equipes_mutualisees``: the IS teams on these topics are pooled (the
    « modalités organisationnelles »). ``structures``: the perimeter EJ the trajectory addresses (it must
    address every establishment of the GHT). Facts are ``bool | None`` as in :class:`GouvernanceGHT`.
    """

    document: bool = False
    validee_dsi_support: bool | None = None
    validee_comite_strategique: bool | None = None
    date_convergence_prevue: date | None = None
    budget_previsionnel: Decimal | None = None
    deja_convergee: bool = False
    description_convergee: str = ""
    responsable: str = ""
    equipes_mutualisees: bool | None = None
    structures: frozenset[Id] = frozenset()

    def __post_init__(self) -> None:
        _frozenset(self, "structures")


@dataclass(frozen=True)
class Dossier:
    """Everything the rules look at for one candidature, as of ``date_reference``.

    ``debut_phase``: start of the operational phase = the candidature's first submission (Paris day);
    None while it has never been submitted. Evidence dated after ``date_reference`` or before
    ``appel.candidature_debut`` is ignored (with a reason).
    """

    type_dossier: TypeDossier
    date_reference: date
    debut_phase: date | None
    appel: Appel
    structures: tuple[Structure, ...] = ()
    annuaires: tuple[Annuaire, ...] = ()
    audits_ads: tuple[AuditADS, ...] = ()
    audits_exposition: tuple[AuditExposition, ...] = ()
    exercices: tuple[ExerciceCrise, ...] = ()
    osis: tuple[SaisieOsis, ...] = ()
    budgets: tuple[Budget, ...] = ()
    gouvernance: GouvernanceGHT | None = None
    convergence: ConvergenceAD | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "type_dossier", TypeDossier(self.type_dossier))
        _tuple(self, "structures", "annuaires", "audits_ads", "audits_exposition", "exercices", "osis", "budgets")


# --- thresholds ---------------------------------------------------------------------------------

_SOURCE_GUIDE = "Programme CaRE, Domaine 1 (reference/programme-care-domaine1.txt)"


@dataclass(frozen=True)
class Seuils:
    """Every D1 threshold as data. Defaults are the 2024 D1 values; the referential stores them as
    code → value (the codes are the field names, see ``SOURCES`` and ``LIBELLES``) and
    :meth:`depuis_dict` rebuilds this object from that mapping."""

    score_ads_min: int = 2
    cadence_mois: int = 2
    cadence_jours_max: int = 60
    ecart_audits_min_jours: int = 45
    ecart_audits_max_jours: int = 60
    nb_structures_min: int = 2
    part_activite_min: Decimal = Decimal("0.66")
    part_activite_prerequis: Decimal = Decimal("0.90")
    exercice_annee_debut: int = 2023
    exercice_annee_fin: int = 2024
    convergence_mois_max: int = 18
    mesures_osis: int = 43
    ecart_ads_min_jours: int = 1
    ecart_ads_max_jours: int = 0

    LIBELLES: ClassVar[dict[str, str]] = {
        "score_ads_min": "Score ADS minimal sur les 2 derniers audits (échelle 1 à 5)",
        "cadence_mois": "Périodicité des audits AD et d'exposition internet (mois)",
        "cadence_jours_max": "Écart maximal entre deux audits successifs d'une même cible (jours)",
        "ecart_audits_min_jours": "Écart minimal entre les 2 audits d'exposition retenus pour D1.O2.B (jours)",
        "ecart_audits_max_jours": "Écart maximal entre les 2 audits d'exposition retenus pour D1.O2.B (jours)",
        "nb_structures_min": "Nombre minimal d'établissements dont tous les AD atteignent le score (D1.O1.B)",
        "part_activite_min": "Part minimale de l'activité combinée couverte (D1.O1.B)",
        "part_activite_prerequis": "Part de l'activité combinée soumise aux prérequis SUN-ES",
        "exercice_annee_debut": "Première année admise pour l'exercice de crise",
        "exercice_annee_fin": "Dernière année admise pour l'exercice de crise",
        "convergence_mois_max": "Délai maximal de convergence des AD après l'appel (mois)",
        "mesures_osis": "Nombre de mesures prioritaires oSIS à renseigner",
        "ecart_ads_min_jours": "Écart minimal entre les 2 derniers audits ADS d'un AD (D1.O1.B, jours)",
        "ecart_ads_max_jours": "Écart maximal entre les 2 derniers audits ADS d'un AD (D1.O1.B, jours ; 0 : aucun)",
    }
    SOURCES: ClassVar[dict[str, str]] = {
        "score_ads_min": f"{_SOURCE_GUIDE}, D1.O1.B : « Atteindre un score supérieur ou égal à 2 pour les "
        "2 derniers audits ADS des différents AD » (l'ANSSI recommande de viser 3).",
        "cadence_mois": f"{_SOURCE_GUIDE}, D1.O1.A et D1.O2.A : « Un audit ADS doit être réalisé pour "
        "l'ensemble des annuaires […] tous les 2 mois durant la phase opérationnelle » ; « Un audit "
        "d'exposition internet doit être réalisé tous les 2 mois durant la phase opérationnelle ».",
        "cadence_jours_max": "FAQ du programme (DESIGN.md §4) : deux audits successifs d'une même cible sont "
        "espacés de 45 à 60 jours ; « tous les 2 mois » est lu comme « au plus 60 jours ».",
        "ecart_audits_min_jours": "FAQ du programme (DESIGN.md §4) : audits successifs espacés de 45 à 60 jours.",
        "ecart_audits_max_jours": "FAQ du programme (DESIGN.md §4) : audits successifs espacés de 45 à 60 jours.",
        "nb_structures_min": f"{_SOURCE_GUIDE}, D1.O1.B : « tous les AD d'au moins 2 établissements (FINESS "
        "EJ) » (GHT) / « d'au moins 2 établissements (FINESS EG) » (EJ à plusieurs EG).",
        "part_activite_min": f"{_SOURCE_GUIDE}, D1.O1.B : « pour un nombre d'établissements représentant au "
        "moins 66% de l'activité combinée du GHT » / « de l'entité juridique ».",
        "part_activite_prerequis": f"{_SOURCE_GUIDE}, prérequis SUN-ES : « les autres ES du GHT (dont "
        "l'activité combinée cumulée correspond à 90% de l'activité combinée du GHT) ».",
        "exercice_annee_debut": f"{_SOURCE_GUIDE}, D1.O3 : « devront avoir réalisé un exercice en 2023 ou 2024 ».",
        "exercice_annee_fin": f"{_SOURCE_GUIDE}, D1.O3 : « devront avoir réalisé un exercice en 2023 ou 2024 ».",
        "convergence_mois_max": f"{_SOURCE_GUIDE}, D1.O6.B : « un planning projet prévoyant une trajectoire "
        "de convergence de l'infrastructure AD à une échéance maximale de 18 mois post appel à financement D1 ».",
        "mesures_osis": f"{_SOURCE_GUIDE}, D1.O4 : « ont renseigné l'oSIS sur les champs suivants : Part du "
        "budget numérique dans le budget global de l'ES ; 43 mesures prioritaires ».",
        "ecart_ads_min_jours": f"{_SOURCE_GUIDE}, slide « Objectif D1.O1.B » : « Score des 2 derniers audits "
        "successifs ADS ≥ 2 » ne fixe aucun écart ; 1 jour = deux audits à des dates distinctes (choix du portail, "
        "la cadence relève de D1.O1.A).",
        "ecart_ads_max_jours": f"{_SOURCE_GUIDE}, slide « Objectif D1.O1.B » : aucun écart maximal fixé (0 = non "
        "vérifié) ; la cadence de 2 mois est vérifiée par D1.O1.A.",
    }

    @classmethod
    def codes(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def depuis_dict(cls, valeurs: Mapping[str, Any]) -> Seuils:
        """Build from the referential's code → value mapping (values may be strings, ints or Decimals).

        Missing codes keep their D1 default; codes this class does not know are ignored (the referential
        may hold thresholds of other domains). A value that does not convert raises ``ValueError`` with a
        French message naming the code.
        """
        types = {f.name: f.type for f in fields(cls)}
        converties: dict[str, Any] = {}
        for code, valeur in valeurs.items():
            if code not in types:
                continue
            try:
                if types[code] in (Decimal, "Decimal"):
                    converties[code] = Decimal(str(valeur).replace(",", ".").strip())
                else:
                    texte = str(valeur).strip()
                    nombre = Decimal(texte.replace(",", "."))
                    if nombre != nombre.to_integral_value():
                        raise InvalidOperation
                    converties[code] = int(nombre)
            except (InvalidOperation, ValueError) as exc:
                raise ValueError(f"Seuil « {code} » : la valeur « {valeur} » n'est pas un nombre valide.") from exc
        return cls(**converties)

    def en_dict(self) -> dict[str, str]:
        """code → value as text, the inverse of :meth:`depuis_dict` (for the data migration)."""
        return {f.name: str(getattr(self, f.name)) for f in fields(self)}

    def source(self, code: str) -> str:
        return self.SOURCES[code]


def seuils_d1() -> Seuils:
    """The D1 2024 thresholds (the defaults)."""
    return Seuils()


__all__ = [
    "Annuaire", "Appel", "AuditADS", "AuditExposition", "Budget", "ConvergenceAD", "Dossier", "ExerciceCrise",
    "GouvernanceGHT", "Id", "Kit", "Niveau", "Outil", "SaisieOsis", "Seuils", "Structure", "TypeDossier",
    "seuils_d1",
]
