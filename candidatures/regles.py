"""Pure rules of the candidature (STYLE.md rule 8): plain data in, verdicts with reasons out. No ORM.

- ``verifier_prerequis``: which structures of the perimeter must meet the SUN-ES prerequisites
  PS2.1/PS2.2, which do (on the published SUN-ES list, or the five proofs given) and what is missing.
- ``verifier_completude``: what the candidature still lacks before it can be submitted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# Source: programme CaRE, Domaine 1, « Prérequis pour candidater » (reference/programme-care-domaine1.txt):
# GHT → the support, then the other ES until 90 % of the GHT's combined activity;
# public outside GHT → the EJ; private → the EG until 90 % of the EJ's combined activity.
SEUIL_ACTIVITE_PREREQUIS = Decimal("0.90")

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
    cle: str
    finess: str
    nom: str
    activite: Decimal
    support: bool = False
    sunes_valide: bool = False
    preuves: frozenset[str] = frozenset()


@dataclass(frozen=True)
class VerdictStructure:
    structure: StructurePrerequis
    requise: bool
    satisfaite: bool
    preuves_manquantes: tuple[str, ...]
    raison: str


@dataclass(frozen=True)
class ResultatPrerequis:
    type_candidature: str
    activite_totale: Decimal
    activite_requise: Decimal
    verdicts: tuple[VerdictStructure, ...]
    avertissements: tuple[str, ...] = ()

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

    def manquants(self) -> list[str]:
        lignes = []
        for v in self.requises:
            if not v.satisfaite:
                pieces = ", ".join(PREUVES_PREREQUIS[p].lower() for p in v.preuves_manquantes)
                lignes.append(f"Prérequis de {v.structure.nom} ({v.structure.finess}) : {pieces}.")
        return lignes


def verifier_prerequis(
    type_candidature: str,
    structures: list[StructurePrerequis],
    seuil: Decimal = SEUIL_ACTIVITE_PREREQUIS,
) -> ResultatPrerequis:
    """``structures``: EJ of a GHT (one flagged ``support``), the single EJ of a public structure
    outside GHT, or the EG of a private EJ."""
    total = sum((s.activite for s in structures), Decimal("0"))
    avertissements: list[str] = []
    if type_candidature == TypeCandidature.PUBLIC_HORS_GHT:
        requises = {s.cle: "entité juridique candidate" for s in structures}
    else:
        support = [s for s in structures if s.support] if type_candidature == TypeCandidature.GHT else []
        autres = sorted((s for s in structures if not s.support or type_candidature != TypeCandidature.GHT),
                        key=lambda s: (-s.activite, s.finess))
        requises = {s.cle: "établissement support du GHT" for s in support}
        cumul = sum((s.activite for s in support), Decimal("0"))
        if total <= 0:
            avertissements.append(
                "L'activité combinée du périmètre est nulle ou inconnue : toutes les structures sont requises."
            )
            requises.update({s.cle: "activité combinée inconnue" for s in autres})
        else:
            for s in autres:
                if cumul >= seuil * total:
                    break
                requises[s.cle] = f"nécessaire pour atteindre {seuil:.0%} de l'activité combinée".replace(
                    "%", " %")
                cumul += s.activite
    verdicts = []
    for s in structures:
        requise = s.cle in requises
        if not requise:
            verdicts.append(VerdictStructure(s, False, True, (), "non requise : le seuil d'activité est atteint"))
        elif s.sunes_valide:
            verdicts.append(VerdictStructure(s, True, True, (), "prérequis validés dans SUN-ES"))
        else:
            manquantes = tuple(p for p in PREUVES_PREREQUIS if p not in s.preuves)
            verdicts.append(VerdictStructure(
                s, True, not manquantes, manquantes,
                requises[s.cle] + (" — pièces fournies" if not manquantes else " — pièces manquantes"),
            ))
    activite_requise = sum((v.structure.activite for v in verdicts if v.requise), Decimal("0"))
    return ResultatPrerequis(type_candidature, total, activite_requise, tuple(verdicts), tuple(avertissements))


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
