"""The Domaine 1 objective rules: plain functions over :mod:`objectifs.donnees` (STYLE.md rule 8).

One function per objective (``d1_o1_a`` … ``d1_o6_b``), each returning a :class:`Verdict`; ``evaluer``
runs them all in the programme's order. No ORM, no Django: selectors build the ``Dossier``, services
store or show the verdicts. The thresholds come from :class:`objectifs.donnees.Seuils` (data, with
their sources), never from constants here.

Statuses. ``atteint``: the evidence shows the objective is met as of the reference date.
``non_atteint``: a fact breaks the rule (a gap in the cadence, a score below the minimum, two last audits
too close or too far apart, a critical vulnerability — SILENE's included —, no single AD team, a
trajectory declared not validated or not addressing every establishment, a budget of 0 €, a convergence
planned too late, no exercise once 2023–2024 is over). ``incomplet``: only when proof or a declaration is
missing to decide (an audit not yet due, a report, a description, a list, a figure, a fact not declared).
Reasons are never empty for these two; each failing or missing reason names the object (AD, perimeter,
establishment), the figures (dates, days, scores, counts, amounts) and ends with the rule
(« (règle D1.O1.A : …) », see :func:`enonce`); an ``atteint`` verdict also explains itself. ``non_applicable``: D1.O6.A and
D1.O6.B outside a GHT — they are returned (not left out) so that every dossier shows the same nine
cards in the same order, the card saying why it does not apply.

Decisions (the programme text leaves them open; DESIGN.md §4):

- **Dates.** Evidence dated after ``date_reference`` ("in the future") or, for audits, before the call
  opened (``appel.candidature_debut``) is ignored and a reason says so. Exercises are judged by their
  year instead (2023 predates the call). The same AD audited twice on one date counts once, with the
  lower score and the report only if both have one.
- **"Every 2 months" (D1.O1.A per AD, D1.O2.A per perimeter structure).** The programme's FAQ puts
  successive audits of a target 45–60 days apart, so the cadence is read as: no stretch of more than
  ``cadence_jours_max`` (60) days without an audit during the operational phase. Concretely the
  checkpoints are the phase start (the first submission), every audit dated in [phase start, reference
  date], then the reference date; each gap between consecutive checkpoints must be ≤ 60 days (60 passes,
  61 fails). A fixed day count, not calendar months, so that the verdict does not depend on month
  lengths (3 June → 3 August is 61 days and fails: the due date shown on the page warns in advance).
  Audits before the phase start count for D1.O1.B but not for the cadence (the obligation starts with
  the phase, so they neither help nor hurt). Choice (issue 17): slides « Objectif D1.O1.A » and « Objectif
  D1.O2.A » say « tous les 2 mois » and never define it; two calendar months can be 62 days (1 July →
  1 September), but the FAQ's 45–60 days wins, so 61 and 62 days fail. ``cadence_jours_max`` is a
  setting of the call: the ANS may set 62. Adding an audit can only split a gap, never widen one, so
  adding an audit never turns a met D1.O1.A into a failure. The next due date is the last audit (or the
  phase start) + 60 days; no audit yet and still within the 60 days is ``incomplet``, not a failure.
  Audits in the phase must have their report deposited, and every AD its « Description exhaustive des
  infrastructures AD et de leurs interconnexions » (slide « Objectif D1.O1.A », list of proofs),
  otherwise ``incomplet``. Likewise D1.O2.A requires, per establishment, at least one of its exposure
  audits to list exposed domains and one to list public IP addresses (slide « Objectif D1.O2.A »:
  « Liste des domaines exposés », « Liste des adresses IP publics »).
- **"The 2 last audits" (D1.O1.B, D1.O2.B).** The two most recent valid audits of the target by date
  (D1.O1.B: of the AD, including audits before the phase start; D1.O2.B: the conforming audits covering
  the structure). Older audits do not count, good or bad. For D1.O2.B the pair must also be 45–60 days
  apart (FAQ, both bounds included); when it is not, the verdict is ``non_atteint`` with the window for
  the next audit (a fact, not missing proof). For D1.O1.B (slide « Objectif D1.O1.B »: « 2 derniers
  audits successifs », no spacing stated) the choice is no spacing beyond distinct days
  (``ecart_ads_min_jours`` = 1, ``ecart_ads_max_jours`` = 0 = none): the cadence is D1.O1.A's business;
  both are settings of the call, and a pair outside them is ``non_atteint``.
- **SILENE (D1.O2.B).** SILENE audits cannot validate remediation (slide « Objectif D1.O2.B »): they
  count for the D1.O2.A cadence and never as the conforming pair; but a critical vulnerability that a
  SILENE audit found on or after the first audit of the pair is a fact and fails D1.O2.B. A SILENE-only
  history without critical vulnerability is ``incomplet``.
- **Perimeter.** ESMS (``est_esms``) are left out everywhere, as the candidature perimeter does; a reason
  names them. "Establishments" for D1.O3/O4/O5 are the EJ (GHT, public) or the EG (private). D1.O2.A
  is judged per member EJ of a GHT, per EG otherwise (the EJ if no EG is listed). Evidence attached to
  an EJ covers its EG (an EJ-wide AD, exercise or exposure audit); an AD or exercise attached to an EG
  counts for its EJ; an exposure audit of one EG does not cover the whole EJ (its surface is wider).
  An exposure audit's vulnerabilities count against every structure it covers.
- **Unattached AD (D1.O1.B).** « tous les AD » (slide « Objectif D1.O1.B »): an AD declared on the
  dossier but attached to no establishment is one of the candidate's AD; not knowing which
  establishment it serves, it counts for every one (its failure fails them all). D1.O1.A asks to
  attach it (``incomplet``).
- **Covering set (D1.O1.B).** An establishment passes when it has at least one AD and every AD serving
  it passes. GHT: every AD of the support must pass; with several EJ, the passing EJ are taken support
  first then by decreasing activity until at least ``nb_structures_min`` (2) EJ and ``part_activite_min``
  (66 %, inclusive: exactly 66 % passes) of the GHT's combined activity are reached; the verdict names
  the structures counted. Same with the EG of an EJ that lists at least 2 EG (no support there). A GHT
  with a single EJ, an EJ with a single EG or without EG: "at least 2" cannot apply, so every AD of the
  perimeter must pass. If the set is not reached but could be once the incomplete establishments are
  settled, ``incomplet``; if it cannot be reached even then, ``non_atteint``.
- **Exercise (D1.O3).** Counted when dated in 2023–2024 (``exercice_annee_debut``/``_fin``), not after the
  reference date, with its ANS kit stated and its proof deposited. Other exercises are kept but not
  counted, with the reason. No counted exercise is ``incomplet`` while the period runs and ``non_atteint``
  once the reference date is past its last year.
- **oSIS, budget (D1.O4, O5)** have no failing threshold: they are met or incomplete. D1.O5 figures that
  cannot be right (negative, digital above the general budget) are ``incomplet``.
- **Governance and convergence (D1.O6.A, D1.O6.B)**: see their docstrings. Declared facts are
  three-valued (not declared → ``incomplet``, declared not done → ``non_atteint``).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from care_portal.core import format_fr
from objectifs.donnees import (
    Annuaire,
    AuditADS,
    AuditExposition,
    Dossier,
    Id,
    Niveau,
    Outil,
    Seuils,
    Structure,
    TypeDossier,
)


class Statut(StrEnum):
    ATTEINT = "atteint"
    NON_ATTEINT = "non_atteint"
    INCOMPLET = "incomplet"
    NON_APPLICABLE = "non_applicable"

    @property
    def libelle(self) -> str:
        return {"atteint": "Atteint", "non_atteint": "Non atteint", "incomplet": "Incomplet",
                "non_applicable": "Non applicable"}[self.value]


@dataclass(frozen=True)
class Echeance:
    """When the next audit of a target (an AD for D1.O1.A, a perimeter structure for D1.O2.A) is due."""

    cible_id: Id
    cible: str
    date: date
    en_retard: bool


@dataclass(frozen=True)
class Verdict:
    code: str
    titre: str
    statut: Statut
    raisons: tuple[str, ...] = ()
    a_faire: tuple[str, ...] = ()
    prochaines_echeances: tuple[Echeance, ...] = ()
    structures_retenues: tuple[Id, ...] = ()  # D1.O1.B: the covering set counted


TITRES: dict[str, str] = {
    "D1.O1.A": "Réaliser régulièrement des audits de tous les AD",
    "D1.O1.B": "Atteindre un niveau de sécurisation minimum des AD",
    "D1.O2.A": "Réaliser régulièrement des audits de l'exposition internet",
    "D1.O2.B": "Atteindre un niveau de sécurisation minimum de son exposition sur internet",
    "D1.O3": "Réaliser un exercice de gestion de crise cyber",
    "D1.O4": "S'auto-évaluer dans l'oSIS",
    "D1.O5": "Calculer la part du numérique dans le budget",
    "D1.O6.A": "Piloter au niveau du GHT la réponse au programme",
    "D1.O6.B": "Formaliser la stratégie du GHT en matière de convergence des AD",
}

# --- French formatting: the core's one layer (care_portal.core.format_fr), as on the pages -------------


def _jour_mois(d: date) -> str:
    return f"{'1er' if d.day == 1 else d.day} {format_fr.MOIS[d.month - 1]}"


def date_fr(d: date) -> str:
    """``date(2024, 6, 3)`` → « 3 juin 2024 » (« 1er » for the first of the month)."""
    return format_fr.date_longue(d)


def _entre_audits(d1: date, d2: date) -> str:
    debut = _jour_mois(d1) if d1.year == d2.year else date_fr(d1)
    return f"entre les audits du {debut} et du {date_fr(d2)}"


def pourcent(part: Decimal) -> str:
    """0.6599 → « 65,9 % »: rounded down so that a share shown as 66 % is never below 66 %."""
    valeur = (part * 100).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
    if valeur == valeur.to_integral_value():
        valeur = valeur.quantize(Decimal(1))
    return format_fr.pourcentage(valeur)


def euros(montant: Decimal) -> str:
    return format_fr.montant(montant)


def _nombre(valeur: Decimal) -> str:
    if valeur == valeur.to_integral_value():
        valeur = valeur.quantize(Decimal(1))
    return format_fr.nombre(valeur)


def _pluriel(n: int, mot: str, pluriel: str | None = None) -> str:
    return format_fr.pluriel(n, mot, pluriel)


def ajouter_mois(d: date, mois: int) -> date:
    annee, index = divmod(d.month - 1 + mois, 12)
    annee += d.year
    return date(annee, index + 1, min(d.day, calendar.monthrange(annee, index + 1)[1]))


# --- collecting reasons -----------------------------------------------------------------------------

@dataclass
class _Constat:
    """Reasons and things to do of one verdict. ``regle``: the rule's code and statement; every
    failing or missing reason ends with it, so that each reason names the object, the figures and the
    rule (issue 17)."""

    regle: str = ""
    raisons: list[str] = field(default_factory=list)
    a_faire: list[str] = field(default_factory=list)
    echec: bool = False
    manque: bool = False

    def _avec_regle(self, raison: str) -> str:
        if not self.regle or self.regle in raison:
            return raison
        return f"{raison.rstrip('.')} (règle {self.regle})."

    def sous(self) -> _Constat:
        return _Constat(regle=self.regle)

    def note(self, raison: str) -> None:
        raison = format_fr.typographie(raison)
        if raison not in self.raisons:
            self.raisons.append(raison)

    def faire(self, texte: str | None) -> None:
        texte = format_fr.typographie(texte) if texte else texte
        if texte and texte not in self.a_faire:
            self.a_faire.append(texte)

    def echoue(self, raison: str, faire: str | None = None) -> None:
        self.echec = True
        self.note(self._avec_regle(raison))
        self.faire(faire)

    def manquant(self, raison: str, faire: str | None = None) -> None:
        self.manque = True
        self.note(self._avec_regle(raison))
        self.faire(faire)

    def fusionner(self, autre: _Constat) -> None:
        self.echec |= autre.echec
        self.manque |= autre.manque
        for r in autre.raisons:
            self.note(r)
        for f in autre.a_faire:
            self.faire(f)

    @property
    def probleme(self) -> bool:
        return self.echec or self.manque

    def statut(self) -> Statut:
        return Statut.NON_ATTEINT if self.echec else Statut.INCOMPLET if self.manque else Statut.ATTEINT


def enonce(code: str, s: Seuils) -> str:
    """The rule of ``code`` in one French clause, with the thresholds in force (ends every failing or
    missing reason)."""
    periode = f"{s.exercice_annee_debut}–{s.exercice_annee_fin}"
    return {
        "D1.O1.A": f"D1.O1.A : un audit ADS de chaque AD au plus tous les {s.cadence_jours_max} jours pendant la "
                   f"phase opérationnelle, avec ses rapports et la description des infrastructures AD",
        "D1.O1.B": f"D1.O1.B : score ADS d'au moins {s.score_ads_min} aux 2 derniers audits de tous les AD requis",
        "D1.O2.A": f"D1.O2.A : un audit d'exposition internet de chaque établissement au plus tous les "
                   f"{s.cadence_jours_max} jours, avec la liste des domaines exposés et des adresses IP publiques",
        "D1.O2.B": f"D1.O2.B : aucune vulnérabilité critique aux 2 derniers audits d'exposition conformes, espacés de "
                   f"{s.ecart_audits_min_jours} à {s.ecart_audits_max_jours} jours",
        "D1.O3": f"D1.O3 : un exercice de crise avec un kit ANS en {periode} par chaque établissement",
        "D1.O4": f"D1.O4 : oSIS renseigné par chaque établissement (part du budget numérique et {s.mesures_osis} "
                 f"mesures prioritaires)",
        "D1.O5": "D1.O5 : budget général, budget numérique et ETP SSI de chaque établissement",
        "D1.O6.A": "D1.O6.A : référent nommé par le directeur du support, équipe AD unique, sujets AD dans le schéma "
                   "directeur de convergence, schéma de gouvernance et équipe projet",
        "D1.O6.B": f"D1.O6.B : trajectoire de convergence des AD de tout le GHT, validée par le DSI du support et le "
                   f"comité stratégique, sous {s.convergence_mois_max} mois, avec responsable, équipes mutualisées et "
                   f"budget",
    }[code]


def _constat(code: str, s: Seuils) -> _Constat:
    return _Constat(regle=enonce(code, s))


def _verdict(code: str, c: _Constat, *, statut: Statut | None = None, echeances: Iterable[Echeance] = (),
             retenues: Iterable[Id] = ()) -> Verdict:
    return Verdict(code=code, titre=TITRES[code], statut=statut or c.statut(), raisons=tuple(c.raisons),
                   a_faire=tuple(c.a_faire), prochaines_echeances=tuple(echeances),
                   structures_retenues=tuple(retenues))


# --- perimeter --------------------------------------------------------------------------------------

def _cle_structure(s: Structure) -> tuple:
    return (not s.est_support, -s.activite, s.finess, str(s.id))


def _perimetre(d: Dossier, c: _Constat) -> list[Structure]:
    """The structures that count for D1 (ESMS left out, with a reason), support first then by activity."""
    for s in sorted(d.structures, key=_cle_structure):
        if s.est_esms:
            c.note(f"{s.libelle} est un ESMS : il ne compte pas pour le Domaine 1.")
    retenues = sorted((s for s in d.structures if not s.est_esms), key=_cle_structure)
    if not retenues:
        c.manquant("Le périmètre ne compte aucun établissement retenu pour le Domaine 1.",
                   "Vérifiez le périmètre de la candidature.")
    return retenues


def _par_niveau(structures: list[Structure], niveau: Niveau) -> list[Structure]:
    return [s for s in structures if s.niveau is niveau]


def _etablissements(d: Dossier, perimetre: list[Structure]) -> list[Structure]:
    """D1.O3/O4/O5 level: EJ for a GHT or a public structure, EG for a private one."""
    prefere, autre = (Niveau.EG, Niveau.EJ) if d.type_dossier.est_prive else (Niveau.EJ, Niveau.EG)
    return _par_niveau(perimetre, prefere) or _par_niveau(perimetre, autre)


def _structures_exposition(d: Dossier, perimetre: list[Structure]) -> list[Structure]:
    """D1.O2 level: every member EJ of a GHT; every EG of the candidate EJ otherwise."""
    if d.type_dossier.est_ght:
        return _par_niveau(perimetre, Niveau.EJ) or perimetre
    return _par_niveau(perimetre, Niveau.EG) or perimetre


def _unites_o1b(d: Dossier, perimetre: list[Structure]) -> list[Structure]:
    if d.type_dossier.est_ght:
        return _par_niveau(perimetre, Niveau.EJ) or perimetre
    egs = _par_niveau(perimetre, Niveau.EG)
    if len(egs) >= 2:
        return egs
    return _par_niveau(perimetre, Niveau.EJ) or egs


def _touche(unite: Structure, ids: Iterable[Id], index: dict[Id, Structure]) -> bool:
    """Does evidence attached to ``ids`` concern ``unite``? EJ evidence covers its EG, EG evidence its EJ."""
    for i in ids:
        if i == unite.id or (unite.niveau is Niveau.EG and unite.ej_id is not None and i == unite.ej_id):
            return True
        autre = index.get(i)
        if unite.niveau is Niveau.EJ and autre is not None and autre.niveau is Niveau.EG and autre.ej_id == unite.id:
            return True
    return False


def _couvre_exposition(audit: AuditExposition, unite: Structure) -> bool:
    return (audit.perimetre_entier or unite.id in audit.structures
            or (unite.niveau is Niveau.EG and unite.ej_id is not None and unite.ej_id in audit.structures))


def _phase_ouverte(d: Dossier, c: _Constat) -> bool:
    if d.debut_phase is None:
        c.manquant("La candidature n'a pas encore été déposée : la phase opérationnelle n'a pas commencé.",
                   "Déposez la candidature : la phase opérationnelle commence à sa première soumission.")
        return False
    if d.date_reference < d.debut_phase:
        c.manquant(f"La date de référence ({date_fr(d.date_reference)}) précède le début de la phase "
                   f"opérationnelle ({date_fr(d.debut_phase)}).",
                   f"Aucune preuve n'est attendue avant le {date_fr(d.debut_phase)}.")
        return False
    return True


def _audits_valides(d: Dossier, audits: Iterable, libelle: Callable[[object], str], c: _Constat) -> list:
    """Audits dated within [call opening, reference date]; the others are ignored with a reason."""
    gardes = []
    for a in sorted(audits, key=lambda a: (a.date, str(a.id))):
        if a.date > d.date_reference:
            c.note(f"{libelle(a)} du {date_fr(a.date)} est postérieur à la date de référence "
                   f"({date_fr(d.date_reference)}) : il n'est pas pris en compte.")
        elif a.date < d.appel.candidature_debut:
            c.note(f"{libelle(a)} du {date_fr(a.date)} est antérieur à l'ouverture de l'appel "
                   f"({date_fr(d.appel.candidature_debut)}) : il n'est pas pris en compte.")
        else:
            gardes.append(a)
    return gardes


def _cadence(cible: str, type_audit: str, dates: Iterable[date], d: Dossier, s: Seuils,
             c: _Constat) -> tuple[date, bool, int]:
    """Check the "every 2 months" cadence of one target (see the module docstring).

    Returns (next due date, overdue, number of audits in the phase)."""
    assert d.debut_phase is not None
    debut, ref, limite = d.debut_phase, d.date_reference, s.cadence_jours_max
    cadence = f"la cadence de {s.cadence_mois} mois ({limite} jours au plus) n'est pas tenue"
    jalons = sorted({x for x in dates if debut <= x <= ref})
    precedent: date = debut
    ecart_max = 0
    for i, x in enumerate(jalons):
        ecart = (x - precedent).days
        ecart_max = max(ecart_max, ecart)
        if ecart > limite:
            if i == 0:
                c.echoue(f"{cible} : {_pluriel(ecart, 'jour')} entre le début de la phase opérationnelle "
                         f"({date_fr(debut)}) et le premier audit du {date_fr(x)}, {cadence}.")
            else:
                c.echoue(f"{cible} : {_pluriel(ecart, 'jour')} {_entre_audits(precedent, x)}, {cadence}.")
        precedent = x
    echeance = precedent + timedelta(days=limite)
    en_retard = echeance < ref
    depuis = (f"le dernier audit du {date_fr(precedent)}" if jalons
              else f"le début de la phase opérationnelle ({date_fr(debut)})")
    if en_retard:
        c.echoue(f"{cible} : aucun audit depuis {depuis}, soit {_pluriel((ref - precedent).days, 'jour')} au "
                 f"{date_fr(ref)} ; l'audit suivant était dû le {date_fr(echeance)}, {cadence}.",
                 f"{cible} : réalisez sans attendre un {type_audit} (il était dû le {date_fr(echeance)}).")
    elif not jalons:
        c.manquant(f"{cible} : aucun {type_audit} depuis le début de la phase opérationnelle "
                   f"({date_fr(debut)}).",
                   f"{cible} : réalisez un {type_audit} au plus tard le {date_fr(echeance)}.")
    else:
        c.faire(f"{cible} : prochain {type_audit} au plus tard le {date_fr(echeance)}.")
    return echeance, en_retard, len(jalons)


# --- D1.O1: Active Directories ---------------------------------------------------------------------

def _annuaires_du_perimetre(d: Dossier, perimetre: list[Structure], c: _Constat,
                            rattachement_requis: bool = True) -> list[Annuaire]:
    """The AD to examine. An AD attached to no establishment is kept (it must be audited) and, when
    ``rattachement_requis`` (D1.O1.A), makes the verdict incomplete until its establishments are given."""
    index = {s.id: s for s in d.structures}
    retenus = []
    for ad in sorted(d.annuaires, key=lambda a: (a.nom, str(a.id))):
        if not ad.structures:
            if rattachement_requis:
                c.manquant(f"AD {ad.nom} : il n'est rattaché à aucun établissement.",
                           f"AD {ad.nom} : indiquez les établissements qu'il dessert.")
            else:
                c.note(f"AD {ad.nom} : il n'est rattaché à aucun établissement ; c'est un AD du candidat, il "
                       f"compte donc pour chaque établissement du périmètre.")
            retenus.append(ad)
        elif any(_touche(s, ad.structures, index) for s in perimetre):
            retenus.append(ad)
        else:
            c.note(f"AD {ad.nom} : il ne dessert aucun établissement retenu pour le Domaine 1 (ESMS ou "
                   f"structure hors périmètre) : il n'est pas examiné.")
    return retenus


def _audits_par_annuaire(d: Dossier, annuaires: list[Annuaire], c: _Constat) -> dict[Id, list[AuditADS]]:
    noms = {ad.id: ad.nom for ad in d.annuaires}
    par_ad: dict[Id, list[AuditADS]] = {ad.id: [] for ad in annuaires}
    for a in sorted(d.audits_ads, key=lambda a: (a.date, str(a.id))):
        if a.annuaire_id not in noms:
            c.note(f"L'audit ADS du {date_fr(a.date)} porte sur un AD non déclaré : il n'est pas pris en compte.")
    valides = _audits_valides(d, (a for a in d.audits_ads if a.annuaire_id in par_ad),
                              lambda a: f"AD {noms[a.annuaire_id]} : l'audit ADS", c)
    for a in valides:
        par_ad[a.annuaire_id].append(a)
    return par_ad


def _controle_ad(d: Dossier, c: _Constat, perimetre: list[Structure], annuaires: list[Annuaire]) -> None:
    """Every establishment must be served by at least one declared AD."""
    index = {s.id: s for s in d.structures}
    for e in _etablissements(d, perimetre):
        if not any(_touche(e, ad.structures, index) for ad in annuaires):
            c.manquant(f"Aucun AD n'est déclaré pour {e.libelle}.",
                       f"Déclarez les AD qui desservent {e.libelle} et décrivez leurs interconnexions.")


def d1_o1_a(d: Dossier, s: Seuils) -> Verdict:
    """An ADS audit of every AD every 2 months during the operational phase."""
    c = _constat("D1.O1.A", s)
    if not _phase_ouverte(d, c):
        return _verdict("D1.O1.A", c)
    perimetre = _perimetre(d, c)
    annuaires = _annuaires_du_perimetre(d, perimetre, c)
    if not annuaires:
        c.manquant("Aucun Active Directory n'est déclaré.",
                   "Déclarez chaque AD (nom, forêt, établissements desservis) et décrivez l'infrastructure.")
    else:
        _controle_ad(d, c, perimetre, annuaires)
    par_ad = _audits_par_annuaire(d, annuaires, c)
    debut = d.debut_phase
    assert debut is not None
    echeances = []
    for ad in annuaires:
        audits = par_ad[ad.id]
        cible = f"AD {ad.nom}"
        sous = c.sous()
        echeance, retard, nb = _cadence(cible, "audit ADS", (a.date for a in audits), d, s, sous)
        for a in audits:
            if a.date >= debut and not a.rapport:
                sous.manquant(f"{cible} : le rapport ADS de l'audit du {date_fr(a.date)} n'est pas déposé.",
                              f"{cible} : déposez le rapport ADS de l'audit du {date_fr(a.date)}.")
        if not ad.description:
            sous.manquant(f"{cible} : la description exhaustive de son infrastructure et de ses interconnexions "
                          f"n'est pas déposée.",
                          f"{cible} : déposez la description de son infrastructure AD et de ses interconnexions.")
        if nb and not sous.probleme:
            sous.note(f"{cible} : {_pluriel(nb, 'audit')} ADS depuis le début de la phase opérationnelle "
                      f"({date_fr(debut)}), cadence tenue.")
        c.fusionner(sous)
        echeances.append(Echeance(ad.id, cible, echeance, retard))
    return _verdict("D1.O1.A", c, echeances=echeances)


def _etat_annuaire(ad: Annuaire, audits: list[AuditADS], s: Seuils) -> tuple[str, list[str], list[str]]:
    """D1.O1.B for one AD: ("passe" | "echec" | "incomplet", reasons, things to do)."""
    cible = f"AD {ad.nom}"
    raisons: list[str] = []
    faire: list[str] = []
    par_date: dict[date, AuditADS] = {}
    for a in audits:
        if not 1 <= a.score <= 5:
            raisons.append(f"{cible} : le score {a.score} de l'audit du {date_fr(a.date)} est hors de l'échelle "
                           f"1 à 5 : il n'est pas pris en compte.")
            continue
        autre = par_date.get(a.date)
        if autre is None:
            par_date[a.date] = a
        else:  # same AD audited twice on one date: keep the worse result
            par_date[a.date] = AuditADS(id=min(str(a.id), str(autre.id)), annuaire_id=a.annuaire_id, date=a.date,
                                        score=min(a.score, autre.score), rapport=a.rapport and autre.rapport)
    derniers = [par_date[x] for x in sorted(par_date)][-2:]
    if len(derniers) < 2:
        raisons.append(f"{cible} : {_pluriel(len(derniers), 'audit')} ADS exploitable"
                       f"{'s' if len(derniers) > 1 else ''}, il en faut 2 pour juger le score.")
        faire.append(f"{cible} : réalisez {'un second' if derniers else 'deux'} audit"
                     f"{'' if derniers else 's'} ADS et déposez les rapports.")
        etat = "incomplet"
    else:
        faibles = [a for a in derniers if a.score < s.score_ads_min]
        sans_rapport = [a for a in derniers if not a.rapport]
        ecart = (derniers[1].date - derniers[0].date).days
        hors_ecart = ecart < s.ecart_ads_min_jours or (s.ecart_ads_max_jours and ecart > s.ecart_ads_max_jours)
        if hors_ecart and not faibles:
            borne = (f"au moins {s.ecart_ads_min_jours}" if ecart < s.ecart_ads_min_jours
                     else f"au plus {s.ecart_ads_max_jours}")
            raisons.append(f"{cible} : les 2 derniers audits ADS "
                           f"({_entre_audits(derniers[0].date, derniers[1].date).removeprefix('entre les audits ')}) "
                           f"sont espacés de {_pluriel(ecart, 'jour')} ; l'appel exige {borne} jours entre eux.")
            faire.append(f"{cible} : réalisez un nouvel audit ADS à l'écart requis du {date_fr(derniers[1].date)}.")
            etat = "echec"
        elif faibles:
            for a in faibles:
                raisons.append(f"{cible} : score {a.score} à l'audit du {date_fr(a.date)}, le minimum est "
                               f"{s.score_ads_min} sur les 2 derniers audits.")
            faire.append(f"{cible} : corrigez les points de contrôle ADS puis réalisez de nouveaux audits : les "
                         f"2 derniers doivent atteindre un score d'au moins {s.score_ads_min}.")
            etat = "echec"
        elif sans_rapport:
            for a in sans_rapport:
                raisons.append(f"{cible} : le rapport ADS de l'audit du {date_fr(a.date)} n'est pas déposé.")
                faire.append(f"{cible} : déposez le rapport ADS de l'audit du {date_fr(a.date)}.")
            etat = "incomplet"
        else:
            a, b = derniers
            raisons.append(f"{cible} : scores {a.score} et {b.score} aux 2 derniers audits "
                           f"({_entre_audits(a.date, b.date).removeprefix('entre les audits ')}), "
                           f"minimum {s.score_ads_min}.")
            etat = "passe"
    return etat, raisons, faire


def d1_o1_b(d: Dossier, s: Seuils) -> Verdict:
    """ADS score ≥ 2 on the 2 last audits of every AD of the required structures (see module docstring)."""
    c = _constat("D1.O1.B", s)
    perimetre = _perimetre(d, c)
    annuaires = _annuaires_du_perimetre(d, perimetre, c, rattachement_requis=False)
    par_ad = _audits_par_annuaire(d, annuaires, c)
    index = {x.id: x for x in d.structures}
    etats_ad = {ad.id: _etat_annuaire(ad, par_ad[ad.id], s) for ad in annuaires}
    unites = _unites_o1b(d, perimetre)

    def etat_unite(u: Structure) -> tuple[str, list[str], list[str]]:
        ads = [ad for ad in annuaires if not ad.structures or _touche(u, ad.structures, index)]
        if not ads:
            return "incomplet", [f"Aucun AD n'est déclaré pour {u.libelle}."], [
                f"Déclarez les AD qui desservent {u.libelle}."]
        etats = [etats_ad[ad.id] for ad in ads]
        raisons = [r for e in etats for r in e[1]]
        faire = [f for e in etats for f in e[2]]
        codes = {e[0] for e in etats}
        return ("echec" if "echec" in codes else "incomplet" if "incomplet" in codes else "passe"), raisons, faire

    etats = {u.id: etat_unite(u) for u in unites}

    def reporter(u: Structure, comme_note: bool = False) -> None:
        etat, raisons, faire = etats[u.id]
        for r in raisons:
            if comme_note or etat == "passe":
                c.note(r)
            elif etat == "echec":
                c.echoue(r)
            else:
                c.manquant(r)
        if not comme_note:
            for f in faire:
                c.faire(f)

    if not unites:
        return _verdict("D1.O1.B", c)
    if len(unites) < 2:  # a GHT with a single EJ, an EJ alone or with a single EG: every AD must pass
        for u in unites:
            reporter(u)
        if not (c.echec or c.manque):
            c.note(f"Tous les AD de {', '.join(u.libelle for u in unites)} atteignent le score minimal de "
                   f"{s.score_ads_min} sur leurs 2 derniers audits.")
        return _verdict("D1.O1.B", c, retenues=[u.id for u in unites] if not (c.echec or c.manque) else ())

    quoi = "EJ" if d.type_dossier.est_ght else "EG"
    ensemble = "du GHT" if d.type_dossier.est_ght else "de l'entité juridique"
    supports = [u for u in unites if u.est_support] if d.type_dossier.est_ght else []
    if d.type_dossier.est_ght and not supports:
        c.manquant("L'établissement support du GHT n'est pas identifié dans le périmètre.",
                   "Indiquez l'établissement support du GHT dans le périmètre de la candidature.")
    for u in supports:
        reporter(u)
    total = sum((u.activite for u in unites), Decimal("0"))
    if total <= 0:
        c.manquant(f"L'activité combinée {ensemble} est nulle ou inconnue : la part de "
                   f"{pourcent(s.part_activite_min)} ne peut pas être calculée.",
                   "Renseignez l'activité combinée de chaque établissement du périmètre.")
        return _verdict("D1.O1.B", c)
    seuil = s.part_activite_min * total

    def couverture(candidates: list[Structure]) -> tuple[list[Structure], bool]:
        retenues: list[Structure] = []
        cumul = Decimal("0")
        for u in sorted(candidates, key=_cle_structure):
            if len(retenues) >= s.nb_structures_min and cumul >= seuil:
                break
            retenues.append(u)
            cumul += u.activite
        return retenues, len(retenues) >= s.nb_structures_min and cumul >= seuil

    passantes = [u for u in unites if etats[u.id][0] == "passe"]
    retenues, couvert = couverture(passantes)
    part = sum((u.activite for u in retenues), Decimal("0")) / total
    liste = ", ".join(f"{u.libelle} ({pourcent(u.activite / total)})" for u in retenues) or "aucun"
    support_ok = bool(supports or not d.type_dossier.est_ght) and all(etats[u.id][0] == "passe" for u in supports)
    if couvert and support_ok:
        c.note(f"{quoi} retenues : {liste}, soit {pourcent(part)} de l'activité combinée {ensemble} "
               f"(au moins {s.nb_structures_min} {quoi} et {pourcent(s.part_activite_min)} requis).")
        for u in unites:
            if u not in retenues and etats[u.id][0] != "passe":
                c.note(f"{u.libelle} n'est pas retenu dans ce calcul :")
                reporter(u, comme_note=True)
        return _verdict("D1.O1.B", c, statut=Statut.ATTEINT, retenues=[u.id for u in retenues])

    _, possible = couverture([u for u in unites if etats[u.id][0] != "echec"])
    c.note(f"{quoi} dont tous les AD atteignent le score minimal : {liste}, soit {pourcent(part)} de "
           f"l'activité combinée {ensemble} ; il faut au moins {s.nb_structures_min} {quoi} représentant au "
           f"moins {pourcent(s.part_activite_min)}.")
    for u in unites:
        if u not in supports and etats[u.id][0] != "passe":
            reporter(u)
    support_en_echec = any(etats[u.id][0] == "echec" for u in supports)
    for u in supports:
        if etats[u.id][0] == "echec":
            c.echoue(f"Tous les AD de l'établissement support {u.libelle} doivent atteindre le score minimal de "
                     f"{s.score_ads_min}.")
    if not possible:
        hors_echec = [u for u in unites if etats[u.id][0] != "echec"]
        au_mieux = sum((u.activite for u in hors_echec), Decimal("0")) / total
        c.echoue(f"Sans les {quoi} en échec, il reste {_pluriel(len(hors_echec), quoi, quoi)} représentant au "
                 f"mieux {pourcent(au_mieux)} de l'activité combinée : il faut au moins {s.nb_structures_min} "
                 f"{quoi} et {pourcent(s.part_activite_min)}.")
    statut = Statut.NON_ATTEINT if support_en_echec or not possible else Statut.INCOMPLET
    return _verdict("D1.O1.B", c, statut=statut)


# --- D1.O2: internet exposure ----------------------------------------------------------------------

def _audits_exposition(d: Dossier, c: _Constat) -> list[AuditExposition]:
    valides = _audits_valides(d, d.audits_exposition, lambda a: "L'audit d'exposition internet", c)
    gardes = []
    for a in valides:
        if not a.perimetre_entier and not a.structures:
            c.note(f"L'audit d'exposition internet du {date_fr(a.date)} ne précise pas son périmètre : il n'est "
                   f"pas pris en compte.")
        else:
            gardes.append(a)
    return gardes


def d1_o2_a(d: Dossier, s: Seuils) -> Verdict:
    """An internet-exposure audit of the whole exposed surface every 2 months (any tool, SILENE included)."""
    c = _constat("D1.O2.A", s)
    if not _phase_ouverte(d, c):
        return _verdict("D1.O2.A", c)
    perimetre = _perimetre(d, c)
    audits = _audits_exposition(d, c)
    debut = d.debut_phase
    assert debut is not None
    echeances = []
    for u in _structures_exposition(d, perimetre):
        siens = [a for a in audits if _couvre_exposition(a, u)]
        sous = c.sous()
        echeance, retard, nb = _cadence(u.libelle, "audit d'exposition internet", (a.date for a in siens),
                                        d, s, sous)
        for a in siens:
            if a.date >= debut and not a.rapport:
                sous.manquant(f"{u.libelle} : le rapport de l'audit d'exposition du {date_fr(a.date)} n'est pas "
                              f"déposé.", f"Déposez le rapport de l'audit d'exposition du {date_fr(a.date)}.")
        if siens:
            for liste, nombre in (("des domaines exposés", lambda a: a.domaines),
                                  ("des adresses IP publiques", lambda a: a.adresses_ip)):
                if not any(nombre(a) > 0 for a in siens):
                    sous.manquant(f"{u.libelle} : la liste {liste} n'est déclarée sur aucun de ses "
                                  f"{_pluriel(len(siens), 'audit')} d'exposition (0 élément).",
                                  f"{u.libelle} : importez la liste {liste} dans le périmètre d'un audit d'exposition.")
        if nb and not sous.probleme:
            sous.note(f"{u.libelle} : {_pluriel(nb, 'audit')} d'exposition depuis le début de la phase "
                      f"opérationnelle ({date_fr(debut)}), cadence tenue.")
        c.fusionner(sous)
        echeances.append(Echeance(u.id, u.libelle, echeance, retard))
    if perimetre and not audits:
        c.faire("Déclarez les domaines exposés et les adresses IP publiques du périmètre.")
    return _verdict("D1.O2.A", c, echeances=echeances)


def d1_o2_b(d: Dossier, s: Seuils) -> Verdict:
    """No critical vulnerability on the 2 last successive conforming audits, per structure.

    Slide « Objectif D1.O2.B » : « Absence de vulnérabilités critiques sur les 2 derniers audits successifs
    d'exposition internet sur l'ensemble du périmètre » ; « l'outil SILENE ne peut pas être utilisé pour
    valider les opérations de remédiation ». Choices (issue 17):

    - the pair is the 2 most recent conforming (non-SILENE) audits covering the structure; it must be
      ``ecart_audits_min_jours``–``ecart_audits_max_jours`` days apart (FAQ, 45–60, both included): a pair
      closer or further apart is a fact that fails (``non_atteint``), not missing proof;
    - SILENE cannot show an absence, but its findings are facts: a SILENE audit with critical
      vulnerabilities dated on or after the first audit of the pair (or among the 2 last audits when
      fewer than 2 conforming audits exist) fails the objective; older SILENE findings are superseded
      by the conforming audits after them;
    - fewer than 2 conforming audits (and no SILENE finding) or a report missing: ``incomplet``.
    """
    c = _constat("D1.O2.B", s)
    perimetre = _perimetre(d, c)
    audits = _audits_exposition(d, c)
    if any(a.outil is Outil.SILENE for a in audits):
        c.note("Les audits SILENE ne peuvent pas valider les opérations de remédiation : ils ne comptent pas "
               "comme audits conformes, mais leurs vulnérabilités critiques sont prises en compte.")
    for u in _structures_exposition(d, perimetre):
        siens = [a for a in audits if _couvre_exposition(a, u)]
        conformes: dict[date, list[AuditExposition]] = {}
        silene: dict[date, int] = {}
        for a in siens:
            if a.outil is not Outil.SILENE:
                conformes.setdefault(a.date, []).append(a)
            else:
                silene[a.date] = max(silene.get(a.date, 0), a.critiques)
        dates = sorted(conformes)[-2:]
        if len(dates) == 2:
            depuis = dates[0]
        else:
            dates_toutes = sorted({*conformes, *silene})
            depuis = dates_toutes[-2] if len(dates_toutes) >= 2 else (dates_toutes[0] if dates_toutes else None)
        for x in sorted(silene):
            if depuis is not None and x >= depuis and silene[x] > 0:
                c.echoue(f"{u.libelle} : l'audit SILENE du {date_fr(x)} relève "
                         f"{_pluriel(silene[x], 'vulnérabilité critique', 'vulnérabilités critiques')} ; il fait "
                         f"partie des derniers audits, la remédiation doit être validée par 2 audits conformes "
                         f"ultérieurs.",
                         f"{u.libelle} : corrigez les vulnérabilités critiques puis faites réaliser deux audits "
                         f"conformes successifs sans vulnérabilité critique.")
        if not conformes:
            if siens:
                c.manquant(f"{u.libelle} : seuls des audits SILENE sont déclarés ({_pluriel(len(siens), 'audit')}) ; "
                           f"SILENE ne peut pas valider la remédiation.",
                           f"{u.libelle} : faites réaliser deux audits successifs par un outil industriel "
                           f"conforme au cahier des charges de l'ANS.")
            else:
                c.manquant(f"{u.libelle} : aucun audit d'exposition internet par un outil conforme (0 audit).",
                           f"{u.libelle} : faites réaliser deux audits successifs, espacés de {s.ecart_audits_min_jours} "
                           f"à {s.ecart_audits_max_jours} jours, par un outil industriel conforme au cahier des "
                           f"charges de l'ANS.")
            continue
        if len(dates) < 2:
            c.manquant(f"{u.libelle} : un seul audit d'exposition conforme (du {date_fr(dates[0])}), il en faut 2.",
                       f"{u.libelle} : réalisez un audit conforme entre le "
                       f"{date_fr(dates[0] + timedelta(days=s.ecart_audits_min_jours))} et le "
                       f"{date_fr(dates[0] + timedelta(days=s.ecart_audits_max_jours))}.")
        critiques = {x: max(a.critiques for a in conformes[x]) for x in dates}
        for x in dates:
            if critiques[x] > 0:
                c.echoue(f"{u.libelle} : {_pluriel(critiques[x], 'vulnérabilité critique', 'vulnérabilités critiques')}"
                         f" à l'audit d'exposition du {date_fr(x)}.",
                         f"{u.libelle} : corrigez les vulnérabilités critiques puis faites réaliser deux audits "
                         f"successifs sans vulnérabilité critique.")
            if not all(a.rapport for a in conformes[x]):
                c.manquant(f"{u.libelle} : le rapport de l'audit d'exposition du {date_fr(x)} n'est pas déposé.",
                           f"Déposez le rapport de l'audit d'exposition du {date_fr(x)}.")
        if len(dates) == 2:
            a, b = dates
            ecart = (b - a).days
            if not s.ecart_audits_min_jours <= ecart <= s.ecart_audits_max_jours:
                c.echoue(f"{u.libelle} : les 2 derniers audits conformes ({_entre_audits(a, b).removeprefix('entre les audits ')})"
                         f" sont espacés de {_pluriel(ecart, 'jour')} ; deux audits successifs doivent l'être de "
                         f"{s.ecart_audits_min_jours} à {s.ecart_audits_max_jours} jours.",
                         f"{u.libelle} : réalisez un audit conforme entre le "
                         f"{date_fr(b + timedelta(days=s.ecart_audits_min_jours))} et le "
                         f"{date_fr(b + timedelta(days=s.ecart_audits_max_jours))}.")
            elif not any(critiques.values()) and not any(v > 0 and x >= a for x, v in silene.items()):
                c.note(f"{u.libelle} : aucune vulnérabilité critique aux 2 derniers audits conformes "
                       f"({_entre_audits(a, b).removeprefix('entre les audits ')}, {_pluriel(ecart, 'jour')} d'écart).")
    return _verdict("D1.O2.B", c)


# --- D1.O3 to D1.O5 ---------------------------------------------------------------------------------

def d1_o3(d: Dossier, s: Seuils) -> Verdict:
    """A crisis exercise with an ANS kit in 2023–2024 by every establishment."""
    c = _constat("D1.O3", s)
    perimetre = _perimetre(d, c)
    index = {x.id: x for x in d.structures}
    periode = f"{s.exercice_annee_debut}–{s.exercice_annee_fin}"
    close = d.date_reference.year > s.exercice_annee_fin
    dans_periode = []
    for e in sorted(d.exercices, key=lambda e: (e.date, str(e.id))):
        qui = index[e.structure_id].libelle if e.structure_id in index else "une structure hors périmètre"
        if e.date > d.date_reference:
            c.note(f"L'exercice de crise du {date_fr(e.date)} ({qui}) est postérieur à la date de référence "
                   f"({date_fr(d.date_reference)}) : il n'est pas pris en compte.")
        elif not s.exercice_annee_debut <= e.date.year <= s.exercice_annee_fin:
            c.note(f"L'exercice de crise du {date_fr(e.date)} ({qui}) a eu lieu en {e.date.year}, hors de la "
                   f"période {periode} : il est conservé mais ne compte pas.")
        else:
            dans_periode.append(e)
    for u in _etablissements(d, perimetre):
        siens = [e for e in dans_periode if _touche(u, [e.structure_id], index)]
        valides = [e for e in siens if e.kit is not None and e.preuve]
        if valides:
            e = valides[-1]
            kit = e.kit.libelle if e.kit is not None else ""
            c.note(f"{u.libelle} : exercice de crise du {date_fr(e.date)} (kit {kit}), preuve déposée.")
        elif siens:
            for e in siens:
                if e.kit is None:
                    c.manquant(f"{u.libelle} : le kit ANS utilisé pour l'exercice du {date_fr(e.date)} n'est pas "
                               f"précisé.", f"{u.libelle} : précisez le kit ANS de l'exercice du {date_fr(e.date)}.")
                if not e.preuve:
                    c.manquant(f"{u.libelle} : ni rapport ni attestation pour l'exercice du {date_fr(e.date)}.",
                               f"{u.libelle} : déposez le rapport d'exercice (modèle des kits ANS) ou l'attestation"
                               f" du prestataire, de l'ARS ou du GRADeS.")
        elif close:
            c.echoue(f"{u.libelle} : aucun exercice de crise en {periode} ; la période est close.",
                     f"{u.libelle} : si un exercice a eu lieu en {periode}, déclarez-le avec sa preuve.")
        else:
            c.manquant(f"{u.libelle} : aucun exercice de crise déclaré en {periode}.",
                       f"{u.libelle} : réalisez un exercice avec un kit ANS avant le 31 décembre "
                       f"{s.exercice_annee_fin} et déposez sa preuve.")
    return _verdict("D1.O3", c)


def d1_o4(d: Dossier, s: Seuils) -> Verdict:
    """oSIS filled by every establishment: digital budget share and the priority measures."""
    c = _constat("D1.O4", s)
    perimetre = _perimetre(d, c)
    for u in _etablissements(d, perimetre):
        saisies = sorted((o for o in d.osis if o.structure_id == u.id),
                         key=lambda o: (o.renseigne, o.part_budget_numerique, o.mesures_prioritaires,
                                        o.date or date.min))
        saisie = saisies[-1] if saisies else None
        if saisie is not None and saisie.date is not None and saisie.date > d.date_reference:
            c.note(f"{u.libelle} : la saisie oSIS du {date_fr(saisie.date)} est postérieure à la date de "
                   f"référence : elle n'est pas prise en compte.")
            saisie = None
        faire = f"{u.libelle} : complétez l'oSIS (part du budget numérique et {s.mesures_osis} mesures prioritaires)."
        if saisie is None or not saisie.renseigne:
            c.manquant(f"{u.libelle} : l'oSIS n'est pas renseigné.", faire)
            continue
        if not saisie.part_budget_numerique:
            c.manquant(f"{u.libelle} : la part du budget numérique n'est pas renseignée dans l'oSIS.", faire)
        if saisie.mesures_prioritaires < s.mesures_osis:
            c.manquant(f"{u.libelle} : {saisie.mesures_prioritaires} mesures prioritaires renseignées sur "
                       f"{s.mesures_osis} dans l'oSIS.", faire)
        if saisie.part_budget_numerique and saisie.mesures_prioritaires >= s.mesures_osis:
            quand = f" le {date_fr(saisie.date)}" if saisie.date else ""
            c.note(f"{u.libelle} : oSIS renseigné{quand} (part du budget numérique et {s.mesures_osis} mesures "
                   f"prioritaires).")
    return _verdict("D1.O4", c)


def d1_o5(d: Dossier, s: Seuils) -> Verdict:
    """Digital share of the general budget and security FTE, per EJ (per EG for private structures)."""
    c = _constat("D1.O5", s)
    perimetre = _perimetre(d, c)
    for u in _etablissements(d, perimetre):
        budgets = [b for b in d.budgets if b.structure_id == u.id]
        faire = f"{u.libelle} : renseignez le budget général, le budget numérique et les ETP SSI (DSI + RSSI)."
        if not budgets:
            c.manquant(f"{u.libelle} : aucun budget n'est renseigné.", faire)
            continue
        if len(budgets) > 1:
            c.manquant(f"{u.libelle} : {len(budgets)} budgets sont renseignés, un seul est attendu.",
                       f"{u.libelle} : ne gardez qu'un budget.")
            continue
        b = budgets[0]
        manquants = [nom for nom, v in (("le budget général", b.budget_general),
                                        ("le budget numérique", b.budget_numerique),
                                        ("les ETP SSI", b.etp_securite)) if v is None]
        if manquants:
            c.manquant(f"{u.libelle} : non renseigné — {', '.join(manquants)}.", faire)
            continue
        assert b.budget_general is not None and b.budget_numerique is not None and b.etp_securite is not None
        if b.budget_general <= 0 or b.budget_numerique < 0 or b.etp_securite < 0:
            c.manquant(f"{u.libelle} : les montants et ETP doivent être positifs (budget général "
                       f"{euros(b.budget_general)}, budget numérique {euros(b.budget_numerique)}, "
                       f"{_nombre(b.etp_securite)} ETP SSI).", faire)
        elif b.budget_numerique > b.budget_general:
            c.manquant(f"{u.libelle} : le budget numérique ({euros(b.budget_numerique)}) dépasse le budget "
                       f"général ({euros(b.budget_general)}), la part serait supérieure à 100 %.", faire)
        else:
            c.note(f"{u.libelle} : part du numérique {pourcent(b.budget_numerique / b.budget_general)} "
                   f"({euros(b.budget_numerique)} sur {euros(b.budget_general)}), "
                   f"{_nombre(b.etp_securite)} ETP SSI.")
    return _verdict("D1.O5", c)


# --- D1.O6: GHT only ---------------------------------------------------------------------------------

def _non_applicable(code: str, d: Dossier) -> Verdict:
    libelles = {TypeDossier.PUBLIC_HORS_GHT: "un ES public hors GHT", TypeDossier.PRIVE_EBNL: "un ES privé",
                TypeDossier.PRIVE_LUCRATIF: "un ES privé"}
    return Verdict(code=code, titre=TITRES[code], statut=Statut.NON_APPLICABLE,
                   raisons=(f"Objectif réservé aux GHT : il ne s'applique pas à {libelles[d.type_dossier]}.",))


def _fait(c: _Constat, valeur: bool | None, *, oui: str, non: str, inconnu: str, faire: str) -> None:
    """A declared fact: None = not declared (missing: ``incomplet``), False = declared not done (a failure)."""
    if valeur is None:
        c.manquant(inconnu, faire)
    elif not valeur:
        c.echoue(non, faire)
    elif oui:
        c.note(oui)


def d1_o6_a(d: Dossier, s: Seuils) -> Verdict:
    """GHT governance (slide « Objectif D1.O6.A »).

    Checked: a project référent « nommé par le directeur de l'établissement support de GHT » (the name,
    and that the support's director named them), « une équipe opérationnelle unique pour la gestion des
    AD », the AD topics integrated « dans le schéma directeur de convergence des SI du GHT […] comprenant
    les volets organisationnels et techniques » (both parts), and the two listed proofs (« Constitution de
    l'équipe projet », « Schéma de la gouvernance »). A fact declared not done (no single AD team, a
    référent not named by the director, a missing part of the master plan) is ``non_atteint``; a fact
    not declared or a proof not deposited is ``incomplet``. The master plan extract is not in the
    slide's list of proofs: it is recorded when given, never required (choice, issue 17).
    """
    if not d.type_dossier.est_ght:
        return _non_applicable("D1.O6.A", d)
    c = _constat("D1.O6.A", s)
    g = d.gouvernance
    if g is None:
        c.manquant("La gouvernance du GHT n'est pas encore décrite (référent, équipe AD, schéma directeur, "
                   "gouvernance : rien n'est déclaré).",
                   "Nommez le référent du projet, constituez l'équipe AD unique, intégrez les sujets AD au schéma "
                   "directeur et déposez le schéma de gouvernance et la composition de l'équipe projet.")
        return _verdict("D1.O6.A", c)
    referent = g.referent_nom.strip()
    if not referent:
        c.manquant("Le référent du projet, nommé par le directeur de l'établissement support, n'est pas indiqué.",
                   "Indiquez le référent du projet nommé par le directeur de l'établissement support.")
    _fait(c, g.referent_nomme_par_directeur, oui="",
          non=f"Le référent du projet{f' ({referent})' if referent else ''} n'est pas nommé par le directeur de "
              f"l'établissement support.",
          inconnu=f"Il n'est pas indiqué si le référent du projet{f' ({referent})' if referent else ''} est nommé "
                  f"par le directeur de l'établissement support.",
          faire="Faites nommer le référent du projet par le directeur de l'établissement support et indiquez-le.")
    _fait(c, g.equipe_ad_unique, oui="",
          non="Le GHT déclare ne pas avoir d'équipe opérationnelle unique pour la gestion des AD.",
          inconnu="Il n'est pas indiqué si une équipe opérationnelle unique gère les AD du GHT.",
          faire="Mettez en place une équipe opérationnelle unique pour les AD du GHT et déclarez-la.")
    for volet, valeur in (("organisationnel", g.sdsi_volet_organisationnel),
                          ("technique", g.sdsi_volet_technique)):
        _fait(c, valeur, oui="",
              non=f"Le volet {volet} des sujets AD n'est pas intégré au schéma directeur de convergence des SI "
                  f"du GHT.",
              inconnu=f"Il n'est pas indiqué si le volet {volet} des sujets AD est intégré au schéma directeur de "
                      f"convergence des SI du GHT.",
              faire=f"Intégrez le volet {volet} des sujets AD au schéma directeur de convergence des SI du GHT.")
    if not g.schema_gouvernance:
        c.manquant("Le schéma de la gouvernance n'est pas déposé.", "Déposez le schéma de la gouvernance.")
    if not g.equipe_projet:
        c.manquant("La composition de l'équipe projet n'est pas déposée.",
                   "Déposez la composition de l'équipe projet.")
    if not c.probleme:
        c.note(f"Référent du projet : {referent}, nommé par le directeur de l'établissement support ; équipe AD "
               f"unique ; sujets AD intégrés au schéma directeur (volets organisationnel et technique) ; schéma de "
               f"gouvernance et équipe projet fournis.")
    return _verdict("D1.O6.A", c)


def d1_o6_b(d: Dossier, s: Seuils) -> Verdict:
    """AD convergence strategy (slide « Objectif D1.O6.B »).

    The document « précisant les modalités de convergence de l'infrastructure AD du GHT », « validé par le
    DSI de l'établissement support » and presented to and validated by « le comité stratégique du GHT »,
    with « un planning projet prévoyant une trajectoire de convergence […] à une échéance maximale de 18
    mois post appel à financement D1 », « les modalités organisationnelles (existence d'un responsable et
    mutualisation des équipes SI dédiées) » and « le budget prévisionnel » ; proof: « Trajectoire de
    convergence des AD qui adresse l'ensemble des établissements du GHT ». Choices (issue 17):

    - « 18 mois post appel à financement » starts at the close of the call for candidatures
      (``appel.candidature_fin``, 19 April 2024 → 19 October 2025, that day included); the number of
      months is ``convergence_mois_max``, a setting of the call;
    - a validation declared not given, pooled teams declared not in place, a planned budget of 0 € or
      less, a date past the deadline or an establishment of the GHT (ESMS excepted) that the trajectory
      does not address are failures (``non_atteint``), named with their figures; the document, the
      responsible's name, a date or a budget not given, or the addressed establishments not stated, are
      ``incomplet``;
    - an AD already converged: the description of the converged infrastructure (text and document) and
      the establishments it covers replace the planning, validations and budget.
    """
    if not d.type_dossier.est_ght:
        return _non_applicable("D1.O6.B", d)
    c = _constat("D1.O6.B", s)
    v = d.convergence
    if v is None:
        c.manquant("La trajectoire de convergence des AD du GHT n'est pas déposée (aucune saisie).",
                   "Déposez la trajectoire de convergence des AD validée par le DSI de l'établissement support "
                   "et le comité stratégique (ou la description de l'AD déjà convergé).")
        return _verdict("D1.O6.B", c)
    perimetre = [x for x in _perimetre(d, c) if x.niveau is Niveau.EJ]
    index = {x.id: x for x in d.structures}
    if not v.structures:
        c.manquant("Les établissements du GHT qu'adresse la trajectoire ne sont pas indiqués.",
                   "Cochez les établissements du GHT qu'adresse la trajectoire de convergence.")
    else:
        oublies = [x for x in perimetre if not _touche(x, v.structures, index)]
        if oublies:
            c.echoue(f"La trajectoire n'adresse pas {_pluriel(len(oublies), 'établissement')} du GHT sur "
                     f"{len(perimetre)} : {', '.join(x.libelle for x in oublies)}.",
                     "Étendez la trajectoire de convergence à tous les établissements du GHT.")
    if v.deja_convergee:
        if not v.description_convergee.strip() or not v.document:
            c.manquant("L'AD du GHT est déclaré déjà convergé, mais la description de l'infrastructure convergée "
                       "n'est pas fournie.", "Déposez la description de l'infrastructure AD convergée.")
        elif not c.probleme:
            c.note("L'AD du GHT est déjà convergé ; la description de l'infrastructure est fournie.")
        return _verdict("D1.O6.B", c)
    echeance = ajouter_mois(d.appel.candidature_fin, s.convergence_mois_max)
    if not v.document:
        c.manquant("Le document de trajectoire de convergence n'est pas déposé.",
                   "Déposez le document de trajectoire de convergence des AD.")
    _fait(c, v.validee_dsi_support, oui="", non="La trajectoire n'est pas validée par le DSI de l'établissement support.",
          inconnu="Il n'est pas indiqué si la trajectoire est validée par le DSI de l'établissement support.",
          faire="Faites valider la trajectoire par le DSI de l'établissement support.")
    _fait(c, v.validee_comite_strategique, oui="", non="La trajectoire n'est pas validée par le comité stratégique du GHT.",
          inconnu="Il n'est pas indiqué si la trajectoire est validée par le comité stratégique du GHT.",
          faire="Faites valider la trajectoire par le comité stratégique du GHT.")
    if not v.responsable.strip():
        c.manquant("Le responsable de la convergence des AD (modalités organisationnelles) n'est pas nommé.",
                   "Indiquez le responsable de la convergence des AD.")
    _fait(c, v.equipes_mutualisees, oui="",
          non="Les équipes SI dédiées à la convergence des AD ne sont pas mutualisées.",
          inconnu="Il n'est pas indiqué si les équipes SI dédiées à la convergence des AD sont mutualisées.",
          faire="Mutualisez les équipes SI dédiées à la convergence des AD et indiquez-le.")
    if v.budget_previsionnel is None:
        c.manquant("Le budget prévisionnel du projet de convergence n'est pas renseigné.",
                   "Renseignez le budget prévisionnel du projet de convergence.")
    elif v.budget_previsionnel <= 0:
        c.echoue(f"Le budget prévisionnel du projet de convergence est de {euros(v.budget_previsionnel)} : un "
                 f"budget nécessaire au projet est attendu.",
                 "Renseignez le budget prévisionnel nécessaire au projet de convergence.")
    if v.date_convergence_prevue is None:
        c.manquant("La date de convergence prévue n'est pas renseignée.",
                   f"Renseignez la date de convergence prévue (au plus tard le {date_fr(echeance)}).")
    elif v.date_convergence_prevue > echeance:
        c.echoue(f"La convergence est planifiée au {date_fr(v.date_convergence_prevue)}, au-delà de l'échéance "
                 f"maximale du {date_fr(echeance)} ({s.convergence_mois_max} mois après la clôture de l'appel, le "
                 f"{date_fr(d.appel.candidature_fin)}).",
                 f"Revoyez le planning pour converger au plus tard le {date_fr(echeance)}.")
    if not c.probleme and v.date_convergence_prevue is not None and v.budget_previsionnel is not None:
        c.note(f"Trajectoire validée par le DSI du support et le comité stratégique, pour "
               f"{_pluriel(len(perimetre), 'établissement')} du GHT : convergence prévue le "
               f"{date_fr(v.date_convergence_prevue)} (échéance {date_fr(echeance)}), responsable "
               f"{v.responsable.strip()}, équipes mutualisées, budget prévisionnel {euros(v.budget_previsionnel)}.")
    return _verdict("D1.O6.B", c)


REGLES: tuple[tuple[str, Callable[[Dossier, Seuils], Verdict]], ...] = (
    ("D1.O1.A", d1_o1_a),
    ("D1.O1.B", d1_o1_b),
    ("D1.O2.A", d1_o2_a),
    ("D1.O2.B", d1_o2_b),
    ("D1.O3", d1_o3),
    ("D1.O4", d1_o4),
    ("D1.O5", d1_o5),
    ("D1.O6.A", d1_o6_a),
    ("D1.O6.B", d1_o6_b),
)


def evaluer(dossier: Dossier, seuils: Seuils | None = None) -> list[Verdict]:
    """All nine D1 verdicts, in the programme's order (D1.O6.* ``non_applicable`` outside a GHT)."""
    seuils = seuils or Seuils()
    return [regle(dossier, seuils) for _, regle in REGLES]
