"""SEPA credit transfer files (ISO 20022 ``pain.001.001.09``), from plain data — no model.

    fichier = generer_virements(virements, debiteur=debiteur_par_defaut(), message_id="ECARE-20250610-1",
                                date_execution=datetime.date(2025, 6, 12))

One ``GrpHdr`` and one ``PmtInf`` (batch booking, service level SEPA, charges SLEV) holding one
``CdtTrfTxInf`` per transfer. The control sums are computed in ``Decimal`` and written with 2
decimals; every name and text is transliterated to the EPC SEPA character set (Latin letters and
digits, space and ``/ - ? : ( ) . , ' +``) and cut to its ISO length. IBANs and BICs are checked
with schwifty. The XML is validated against ``paiement/schemas/pain.001.001.09.xsd`` (the ISO
schema as shipped by the sepaxml package) before it is returned: a file that the bank would
reject by schema is never produced.

Refusals raise ``ErreurSepa`` with every problem in French (invalid IBAN/BIC, amount ≤ 0 or with more
than 2 decimals, empty batch, duplicate end-to-end id).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from lxml import etree
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

SCHEMA = "pain.001.001.09"
NS = f"urn:iso:std:iso:20022:tech:xsd:{SCHEMA}"
XSD = Path(__file__).resolve().parent / "schemas" / f"{SCHEMA}.xsd"
DEVISE = "EUR"
CENTIME = Decimal("0.01")
MONTANT_MAX = Decimal("999999999.99")  # EPC: at most 999 999 999,99 € per transfer

# Demo defaults, clearly fake but valid: the example IBAN of the Banque de France's documentation
# (FR76 3000 1007 9412 3456 7890 185: checksum and RIB key correct, no real account) and the BIC of
# the Banque de France's public-accounts service. Production sets CARE_SEPA_DEBITEUR_*.
DEBITEUR_NOM_DEMO = "ANS - COMPTE DE DEMONSTRATION (FICTIF)"
DEBITEUR_IBAN_DEMO = "FR7630001007941234567890185"
DEBITEUR_BIC_DEMO = "BDFEFRPPCCT"

# EPC SEPA basic Latin character set (EPC217-08).
_PERMIS = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_REMPLACEMENTS = {
    "œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ł": "l",
    "Ł": "L", "&": "+", "’": "'", "‘": "'", "«": "", "»": "", "“": "", "”": "", "\"": "", "–": "-", "—": "-",
    "€": "EUR", "°": "o", "_": "-", "·": ".", "…": "...",
}


class ErreurSepa(ValueError):
    def __init__(self, erreurs: list[str]):
        self.erreurs = list(erreurs)
        super().__init__(" ".join(self.erreurs))


@dataclass(frozen=True)
class Debiteur:
    nom: str
    iban: str
    bic: str


@dataclass(frozen=True)
class Virement:
    creancier_nom: str
    iban: str
    bic: str
    montant: Decimal
    reference_bout_en_bout: str  # EndToEndId: unique in the file, ≤ 35 characters
    libelle: str  # remittance information (unstructured), ≤ 140 characters


def debiteur_par_defaut() -> Debiteur:
    """The ANS account from the settings ``CARE_SEPA_DEBITEUR_NOM/IBAN/BIC`` (demo values by default,
    never in production: a transfer file debiting the fictitious account must not reach a bank)."""
    from django.conf import settings

    reglages = [getattr(settings, f"CARE_SEPA_DEBITEUR_{n}", "") for n in ("NOM", "IBAN", "BIC")]
    if getattr(settings, "PRODUCTION", False) and not all(reglages):
        raise ErreurSepa(["Le compte débiteur de l'ANS n'est pas configuré (CARE_SEPA_DEBITEUR_NOM, "
                          "CARE_SEPA_DEBITEUR_IBAN, CARE_SEPA_DEBITEUR_BIC) : aucun fichier de virement "
                          "n'est produit avec le compte de démonstration."])
    return Debiteur(getattr(settings, "CARE_SEPA_DEBITEUR_NOM", "") or DEBITEUR_NOM_DEMO,
                    getattr(settings, "CARE_SEPA_DEBITEUR_IBAN", "") or DEBITEUR_IBAN_DEMO,
                    getattr(settings, "CARE_SEPA_DEBITEUR_BIC", "") or DEBITEUR_BIC_DEMO)


def translitterer(texte: str, longueur: int | None = None) -> str:
    """``texte`` in the SEPA character set: « Hôpital Saint-Étienne & Cie » → « Hopital Saint-Etienne + Cie »."""
    texte = "".join(_REMPLACEMENTS.get(c, c) for c in str(texte or ""))
    texte = unicodedata.normalize("NFKD", texte)
    texte = "".join(c for c in texte if not unicodedata.combining(c))
    texte = _PERMIS.sub(" ", texte)
    texte = " ".join(texte.split())
    return texte[:longueur].rstrip() if longueur else texte


def _iban(valeur: str, qui: str, erreurs: list[str]) -> str:
    try:
        return IBAN(valeur).compact
    except (SchwiftyException, ValueError, TypeError):
        erreurs.append(f"{qui} : l'IBAN « {valeur} » est invalide.")
        return ""


def _bic(valeur: str, qui: str, erreurs: list[str]) -> str:
    if not valeur:
        return ""  # optional inside the SEPA area (IBAN only)
    try:
        return str(BIC(valeur).compact)
    except (SchwiftyException, ValueError, TypeError):
        erreurs.append(f"{qui} : le BIC « {valeur} » est invalide.")
        return ""


def _montant(valeur, qui: str, erreurs: list[str]) -> Decimal:
    if not isinstance(valeur, Decimal) or not valeur.is_finite():
        erreurs.append(f"{qui} : le montant doit être un nombre décimal (Decimal), reçu « {valeur} ».")
        return Decimal("0")
    if valeur <= 0:
        erreurs.append(f"{qui} : le montant doit être strictement positif (reçu {valeur}).")
    elif valeur != valeur.quantize(CENTIME):
        erreurs.append(f"{qui} : le montant {valeur} a plus de 2 décimales.")
    elif valeur > MONTANT_MAX:
        erreurs.append(f"{qui} : le montant {valeur} dépasse le maximum d'un virement SEPA.")
    return valeur.quantize(CENTIME) if valeur > 0 else Decimal("0")


def _identifiant(valeur: str, qui: str, erreurs: list[str], nom: str) -> str:
    propre = translitterer(valeur)
    if not propre or propre != str(valeur) or len(propre) > 35 or propre.startswith("/") or "//" in propre:
        erreurs.append(f"{qui} : {nom} « {valeur} » doit compter de 1 à 35 caractères du jeu SEPA "
                       "(lettres sans accent, chiffres, / - ? : ( ) . , ' +), sans « / » au début ni « // ».")
    return propre[:35]


def _sous(parent, nom: str, texte: str | None = None, **attributs):
    e = etree.SubElement(parent, f"{{{NS}}}{nom}", **attributs)
    if texte is not None:
        e.text = texte
    return e


def _compte(parent, nom: str, iban: str) -> None:
    _sous(_sous(_sous(parent, nom), "Id"), "IBAN", iban)


def _agent(parent, nom: str, bic: str) -> None:
    inst = _sous(_sous(parent, nom), "FinInstnId")
    if bic:
        _sous(inst, "BICFI", bic)
    else:
        _sous(_sous(inst, "Othr"), "Id", "NOTPROVIDED")


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def valider_xml(contenu: bytes) -> list[str]:
    """The XSD errors of a pain.001.001.09 document (empty: valid)."""
    schema = _schema()
    try:
        document = etree.fromstring(contenu)
    except etree.XMLSyntaxError as exc:
        return [f"XML mal formé : {exc}"]
    if schema.validate(document):
        return []
    return [f"ligne {e.line} : {e.message}" for e in schema.error_log]


def generer_virements(virements: list[Virement], *, debiteur: Debiteur, message_id: str,
                      date_execution: datetime.date, cree_le: datetime.datetime | None = None,
                      lot_id: str | None = None) -> bytes:
    """The pain.001.001.09 XML (UTF-8) of ``virements`` from ``debiteur``'s account, validated
    against the XSD. Raises ``ErreurSepa`` with every problem when one input is wrong."""
    erreurs: list[str] = []
    if not virements:
        erreurs.append("Le lot de virements est vide : aucun fichier SEPA n'est produit.")
    message_id = _identifiant(message_id, "Fichier", erreurs, "l'identifiant du message")
    lot_id = _identifiant(lot_id or message_id, "Fichier", erreurs, "l'identifiant du lot")
    nom_debiteur = translitterer(debiteur.nom, 70)
    if not nom_debiteur:
        erreurs.append("Donneur d'ordre : le nom est obligatoire.")
    iban_debiteur = _iban(debiteur.iban, "Donneur d'ordre", erreurs)
    bic_debiteur = _bic(debiteur.bic, "Donneur d'ordre", erreurs)

    lignes = []
    vus: dict[str, int] = {}
    for i, v in enumerate(virements, start=1):
        qui = f"Virement {i} ({translitterer(v.creancier_nom, 70) or 'sans nom'})"
        nom = translitterer(v.creancier_nom, 70)
        if not nom:
            erreurs.append(f"{qui} : le nom du bénéficiaire est obligatoire.")
        ref = _identifiant(v.reference_bout_en_bout, qui, erreurs, "la référence de bout en bout")
        if ref and ref in vus:
            erreurs.append(f"{qui} : la référence de bout en bout « {ref} » est déjà celle du virement {vus[ref]}.")
        vus.setdefault(ref, i)
        lignes.append((nom, _iban(v.iban, qui, erreurs), _bic(v.bic, qui, erreurs),
                       _montant(v.montant, qui, erreurs), ref, translitterer(v.libelle, 140)))
    if erreurs:
        raise ErreurSepa(erreurs)

    total = sum((m for _n, _i, _b, m, _r, _l in lignes), Decimal("0")).quantize(CENTIME)
    nombre = str(len(lignes))
    cree_le = cree_le or datetime.datetime.now(ZoneInfo("Europe/Paris")).replace(microsecond=0)

    document = etree.Element(f"{{{NS}}}Document", nsmap={None: NS})
    racine = _sous(document, "CstmrCdtTrfInitn")
    entete = _sous(racine, "GrpHdr")
    _sous(entete, "MsgId", message_id)
    _sous(entete, "CreDtTm", cree_le.isoformat())
    _sous(entete, "NbOfTxs", nombre)
    _sous(entete, "CtrlSum", f"{total:.2f}")
    _sous(_sous(entete, "InitgPty"), "Nm", nom_debiteur)

    lot = _sous(racine, "PmtInf")
    _sous(lot, "PmtInfId", lot_id)
    _sous(lot, "PmtMtd", "TRF")
    _sous(lot, "BtchBookg", "true")
    _sous(lot, "NbOfTxs", nombre)
    _sous(lot, "CtrlSum", f"{total:.2f}")
    _sous(_sous(_sous(lot, "PmtTpInf"), "SvcLvl"), "Cd", "SEPA")
    _sous(_sous(lot, "ReqdExctnDt"), "Dt", date_execution.isoformat())
    _sous(_sous(lot, "Dbtr"), "Nm", nom_debiteur)
    _compte(lot, "DbtrAcct", iban_debiteur)
    _agent(lot, "DbtrAgt", bic_debiteur)
    _sous(lot, "ChrgBr", "SLEV")
    for nom, iban, bic, montant, ref, libelle in lignes:
        tx = _sous(lot, "CdtTrfTxInf")
        _sous(_sous(tx, "PmtId"), "EndToEndId", ref)
        _sous(_sous(tx, "Amt"), "InstdAmt", f"{montant:.2f}", Ccy=DEVISE)
        if bic:
            _agent(tx, "CdtrAgt", bic)
        _sous(_sous(tx, "Cdtr"), "Nm", nom)
        _compte(tx, "CdtrAcct", iban)
        if libelle:
            _sous(_sous(tx, "RmtInf"), "Ustrd", libelle)

    contenu = etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    erreurs_xsd = valider_xml(contenu)
    if erreurs_xsd:  # pragma: no cover - the checks above are meant to make this impossible
        raise ErreurSepa(["Le fichier produit n'est pas conforme au schéma pain.001.001.09 : "
                          + " ; ".join(erreurs_xsd)])
    return contenu
