"""Pure rules of the candidature (STYLE.md rule 8): plain data in, verdicts with reasons out. No ORM.

- ``verifier_prerequis``: which structures of the perimeter must meet the SUN-ES prerequisites
  PS2.1/PS2.2, which do (on the published SUN-ES list, or the five proofs given) and what is missing.
- ``verifier_completude``: what the candidature still lacks before it can be submitted.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal

from care_portal.core.format_fr import minuscule_initiale

# Source: programme CaRE, Domaine 1, « Prérequis pour candidater » (reference/programme-care-domaine1.txt):
# GHT → the support, then the other ES until 90 % of the GHT's combined activity;
# public outside GHT → the EJ; private → the EG until 90 % of the EJ's combined activity.
SEUIL_ACTIVITE_PREREQUIS = Decimal("0.90")
# Same slide: « attestation de réalisation de l'audit de cybersurveillance […] datant de moins de 2 ans ».
AGE_MAX_AUDIT_PREREQUIS_MOIS = 24

# Source: same slide, « Vous n'avez pas validé les prérequis / candidaté SUN-ES ».
PREUVES_PREREQUIS: dict[str, str] = {
    "pssi": "Document présentant la politique de sécurité des SI (PSSI)",
    "procedure_incidents": "Procédure de remontée des incidents de sécurité",
    "organigramme_rssi": "Organigramme incluant le RSSI",
    "attestation_rdv_rssi": "Attestation d'au moins 2 rendez-vous annuels RSSI / direction",
    "attestation_audit_exposition": "Attestation d'audit de cybersurveillance (exposition sur internet) "
    "de moins de 2 ans",
}


class TypeCandidature:
    GHT = "ght"
    PUBLIC_HORS_GHT = "public_hors_ght"
    PRIVE_EBNL = "prive_ebnl"
    PRIVE_LUCRATIF = "prive_lucratif"

    CHOICES = [
        (GHT, "GHT"),
        (PUBLIC_HORS_GHT, "ES public hors GHT"),
        (PRIVE_EBNL, "ES privé à but non lucratif"),
        (PRIVE_LUCRATIF, "ES privé à but lucratif"),
    ]


@dataclass(frozen=True)
class StructurePrerequis:
    """``date_audit_exposition``: the date of the cyber-surveillance (internet exposure) audit that the
    attestation certifies (None: not given)."""

    cle: str
    finess: str
    nom: str
    activite: Decimal
    support: bool = False
    sunes_valide: bool = False
    preuves: frozenset[str] = frozenset()
    date_audit_exposition: date | None = None


@dataclass(frozen=True)
class VerdictStructure:
    """``requise``: the structure counts toward the 90 % (it meets the prerequisites), is the GHT's
    support, or is the next one to bring proofs for the threshold to be reached. ``motifs``: why proofs
    given do not qualify (the audit attestation's date)."""

    structure: StructurePrerequis
    requise: bool
    satisfaite: bool
    preuves_manquantes: tuple[str, ...]
    raison: str
    motifs: tuple[str, ...] = ()


def _pourcent(part: Decimal) -> str:
    texte = str((part * 100).quantize(Decimal("0.1"), rounding=ROUND_DOWN)).replace(".", ",")
    return f"{texte.removesuffix(',0')} %"


@dataclass(frozen=True)
class ResultatPrerequis:
    type_candidature: str
    activite_totale: Decimal
    activite_requise: Decimal
    verdicts: tuple[VerdictStructure, ...]
    avertissements: tuple[str, ...] = ()
    seuil: Decimal = SEUIL_ACTIVITE_PREREQUIS

    @property
    def requises(self) -> list[VerdictStructure]:
        return [v for v in self.verdicts if v.requise]

    @property
    def ok(self) -> bool:
        return all(v.satisfaite for v in self.requises)

    @property
    def part_requise(self) -> Decimal:
        if not self.activite_totale:
            return Decimal("0")
        return (self.activite_requise / self.activite_totale).quantize(Decimal("0.0001"))

    @property
    def qualifiees(self) -> list[VerdictStructure]:
        return [v for v in self.verdicts if v.requise and v.satisfaite]

    @property
    def explication(self) -> str:
        """Which establishments count toward the threshold, with their share (French)."""
        if self.type_candidature == TypeCandidature.PUBLIC_HORS_GHT or not self.activite_totale:
            return ""
        ensemble = "du GHT" if self.type_candidature == TypeCandidature.GHT else "de l'entité juridique"
        comptent = self.qualifiees
        cumul = sum((v.structure.activite for v in comptent), Decimal("0"))
        liste = ", ".join(f"{v.structure.nom} ({_pourcent(v.structure.activite / self.activite_totale)})"
                          for v in comptent) or "aucun établissement"
        atteint = "atteint" if cumul >= self.seuil * self.activite_totale else "non atteint"
        return (f"Établissements qui remplissent les prérequis et comptent pour le seuil : {liste}, soit "
                f"{_pourcent(cumul / self.activite_totale)} de l'activité combinée {ensemble} "
                f"({_pourcent(self.seuil)} requis : {atteint}).")

    def manquants(self) -> list[str]:
        lignes = []
        for v in self.requises:
            if not v.satisfaite:
                details = [minuscule_initiale(PREUVES_PREREQUIS[p]) for p in v.preuves_manquantes] + list(v.motifs)
                lignes.append(f"Prérequis de {v.structure.nom} ({v.structure.finess}) : {', '.join(details)}.")
        return lignes


def _motifs_date(s: StructurePrerequis, date_reference: date | None, age_max_mois: int) -> tuple[str, ...]:
    """Slide « Prérequis pour candidater » : « attestation de réalisation de l'audit de cybersurveillance
    (exposition sur internet) datant de moins de 2 ans » — strictly less than ``age_max_mois`` months
    before ``date_reference`` (the first submission, today for a draft): exactly 2 years fails."""
    if date_reference is None or "attestation_audit_exposition" not in s.preuves:
        return ()
    if s.date_audit_exposition is None:
        return ("date de l'audit de cybersurveillance non indiquée (l'attestation doit dater de moins de "
                f"{age_max_mois // 12} ans)",)
    if s.date_audit_exposition > date_reference:
        return (f"audit de cybersurveillance daté du {s.date_audit_exposition:%d/%m/%Y}, postérieur au "
                f"{date_reference:%d/%m/%Y}",)
    annee, mois = divmod(date_reference.month - 1 - age_max_mois, 12)
    annee += date_reference.year
    limite = date(annee, mois + 1, min(date_reference.day, calendar.monthrange(annee, mois + 1)[1]))
    if s.date_audit_exposition <= limite:
        return (f"audit de cybersurveillance du {s.date_audit_exposition:%d/%m/%Y}, trop ancien : au "
                f"{date_reference:%d/%m/%Y} il doit dater de moins de {age_max_mois // 12} ans (après le "
                f"{limite:%d/%m/%Y})",)
    return ()


def verifier_prerequis(
    type_candidature: str,
    structures: list[StructurePrerequis],
    seuil: Decimal = SEUIL_ACTIVITE_PREREQUIS,
    *,
    date_reference: date | None = None,
    age_max_mois: int = AGE_MAX_AUDIT_PREREQUIS_MOIS,
) -> ResultatPrerequis:
    """``structures``: EJ of a GHT (one flagged ``support``), the single EJ of a public structure
    outside GHT, or the EG of a private EJ.

    Slide « Prérequis pour candidater »: GHT → « l'ES Support » and « les autres ES du GHT (dont
    l'activité combinée cumulée correspond à 90% de l'activité combinée du GHT) »; private → « les EG
    […] dont l'activité combinée cumulée correspond à 90% ». Reading (issue 17): the establishments
    that meet the prerequisites (SUN-ES list, or the five proofs with an audit attestation less than
    2 years old), *whichever they are*, must together reach ``seuil`` of the combined activity, the
    GHT's support always among them. When they do not, the missing share is asked of the others that
    do not qualify yet, by decreasing activity, until the threshold would be reached."""
    total = sum((s.activite for s in structures), Decimal("0"))
    avertissements: list[str] = []
    ght = type_candidature == TypeCandidature.GHT
    motifs = {s.cle: _motifs_date(s, date_reference, age_max_mois) for s in structures}
    manquantes = {s.cle: () if s.sunes_valide else tuple(p for p in PREUVES_PREREQUIS if p not in s.preuves)
                  for s in structures}
    qualifie = {s.cle: s.sunes_valide or (not manquantes[s.cle] and not motifs[s.cle]) for s in structures}
    if type_candidature == TypeCandidature.PUBLIC_HORS_GHT:
        requises = {s.cle: "entité juridique candidate" for s in structures}
    elif total <= 0:
        avertissements.append(
            "L'activité combinée du périmètre est nulle ou inconnue : toutes les structures sont requises."
        )
        requises = {s.cle: "activité combinée inconnue" for s in structures}
    else:
        requises = {s.cle: "établissement support du GHT" for s in structures if ght and s.support}
        for s in structures:
            if qualifie[s.cle] and s.cle not in requises:
                requises[s.cle] = "compte pour le seuil d'activité"
        cumul = sum((s.activite for s in structures if qualifie[s.cle] or s.cle in requises), Decimal("0"))
        for s in sorted((s for s in structures if s.cle not in requises), key=lambda s: (-s.activite, s.finess)):
            if cumul >= seuil * total:
                break
            requises[s.cle] = f"nécessaire pour atteindre {_pourcent(seuil)} de l'activité combinée"
            cumul += s.activite
    verdicts = []
    for s in structures:
        if s.cle not in requises:
            verdicts.append(VerdictStructure(
                s, False, True, (), "non requise : les établissements qui remplissent les prérequis atteignent "
                                    "le seuil d'activité sans elle"))
        elif s.sunes_valide:
            verdicts.append(VerdictStructure(s, True, True, (), f"{requises[s.cle]} — prérequis validés dans SUN-ES"))
        else:
            m = manquantes[s.cle]
            etat = ("pièces fournies" if qualifie[s.cle] else "pièces manquantes" if m else "attestation d'audit à "
                    "renouveler ou à dater")
            verdicts.append(VerdictStructure(s, True, qualifie[s.cle], m, f"{requises[s.cle]} — {etat}",
                                             motifs[s.cle]))
    activite_requise = sum((v.structure.activite for v in verdicts if v.requise), Decimal("0"))
    return ResultatPrerequis(type_candidature, total, activite_requise, tuple(verdicts), tuple(avertissements),
                             seuil)


@dataclass(frozen=True)
class DonneesCompletude:
    type_candidature: str
    contacts: dict[str, dict[str, str]]  # {"dsi": {"nom":…, "email":…, "telephone":…}, "rssi": …, "referent": …}
    signataire: dict[str, str]  # nom, fonction, email
    titulaire: str
    iban_valide: bool
    bic_valide: bool
    rib_fourni: bool
    convention_constitutive_fournie: bool = False
    decision_requise: bool = False
    decision_fournie: bool = False
    prerequis: ResultatPrerequis | None = None


@dataclass
class Section:
    code: str
    titre: str
    manquants: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.manquants


LIBELLES_CONTACTS = {"referent": "référent CaRE", "dsi": "DSI", "rssi": "RSSI"}


def verifier_completude(d: DonneesCompletude) -> list[Section]:
    """Section by section, what is missing (French). The candidature is complete when no section lacks anything."""
    contacts = Section("contacts", "Points de contact")
    for role, libelle in LIBELLES_CONTACTS.items():
        c = d.contacts.get(role, {})
        for champ, phrase in (("nom", "Le nom du {} est manquant."),
                              ("email", "L'adresse e-mail du {} est manquante."),
                              ("telephone", "Le téléphone du {} est manquant.")):
            if not (c.get(champ) or "").strip():
                contacts.manquants.append(phrase.format(libelle))
    signataire = Section("signataire", "Signataire de la convention")
    for champ, nom in (("nom", "nom"), ("fonction", "fonction"), ("email", "adresse e-mail")):
        if not (d.signataire.get(champ) or "").strip():
            signataire.manquants.append(f"La {nom} du signataire est manquante." if champ == "fonction"
                                        else f"Le {nom} du signataire est manquant." if champ == "nom"
                                        else f"L'{nom} du signataire est manquante.")
    banque = Section("banque", "Coordonnées bancaires")
    if not d.titulaire.strip():
        banque.manquants.append("Le titulaire du compte est manquant.")
    if not d.iban_valide:
        banque.manquants.append("L'IBAN est manquant ou invalide.")
    if not d.bic_valide:
        banque.manquants.append("Le BIC est manquant, invalide ou ne correspond pas à l'IBAN.")
    if not d.rib_fourni:
        banque.manquants.append("Le RIB (relevé d'identité bancaire) n'est pas déposé.")
    sections = [contacts, signataire, banque]
    if d.type_candidature == TypeCandidature.GHT:
        ght = Section("ght", "Pièces du GHT")
        if not d.convention_constitutive_fournie:
            ght.manquants.append("La convention constitutive du GHT n'est pas déposée.")
        if d.decision_requise and not d.decision_fournie:
            ght.manquants.append("Le relevé de décision autorisant l'établissement support à candidater "
                                 "n'est pas déposé.")
        sections.append(ght)
    prerequis = Section("prerequis", "Prérequis SUN-ES")
    if d.prerequis is not None:
        prerequis.manquants.extend(d.prerequis.manquants())
    sections.append(prerequis)
    return sections
