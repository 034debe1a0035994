"""The SEPA credit transfer file (pain.001.001.09): XSD-valid, control sums in Decimal, 2 decimals,
unique end-to-end ids, the SEPA character set, and the refusals with French messages."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from lxml import etree

from paiement import sepa
from paiement.sepa import Debiteur, ErreurSepa, Virement, generer_virements, translitterer, valider_xml

D = Decimal
NS = {"p": sepa.NS}
DEBITEUR = Debiteur("Agence du Numérique en Santé", "FR7630001007941234567890185", "BDFEFRPPCCT")
EXECUTION = datetime.date(2025, 6, 12)


def virements() -> list[Virement]:
    return [
        Virement("Centre hospitalier de Saint-Étienne", "FR14 2004 1010 0505 0001 3M02 606", "PSSTFRPP",
                 D("450000.00"), "CARE-D1-2024-0001", "CaRE D1 – convention n° 1 – paiement unique"),
        Virement("Clinique de l'Œuvre & des Mûriers", "FR7630006000011234567890189", "AGRIFRPPXXX",
                 D("0.10"), "CARE-D1-2024-0002", "CaRE D1 « paiement »"),
        Virement("Hôpital privé", "DE89370400440532013000", "", D("0.20"), "CARE-D1-2024-0003", ""),
    ]


def generer(liste=None, **kwargs) -> bytes:
    kwargs.setdefault("debiteur", DEBITEUR)
    kwargs.setdefault("message_id", "ECARE-20250610-1")
    kwargs.setdefault("date_execution", EXECUTION)
    kwargs.setdefault("cree_le", datetime.datetime(2025, 6, 10, 9, 30, tzinfo=datetime.UTC))
    return generer_virements(virements() if liste is None else liste, **kwargs)


def texte(doc, chemin: str) -> list[str]:
    return [e.text for e in doc.xpath(chemin, namespaces=NS)]


def test_fichier_valide_selon_le_xsd_et_sommes_de_controle():
    contenu = generer()
    assert contenu.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert valider_xml(contenu) == []
    doc = etree.fromstring(contenu)
    assert doc.tag == f"{{{sepa.NS}}}Document"
    # 450000.00 + 0.10 + 0.20: exact in Decimal (0.1 + 0.2 is not 0.3 in floats)
    assert texte(doc, "//p:GrpHdr/p:CtrlSum") == texte(doc, "//p:PmtInf/p:CtrlSum") == ["450000.30"]
    assert texte(doc, "//p:GrpHdr/p:NbOfTxs") == texte(doc, "//p:PmtInf/p:NbOfTxs") == ["3"]
    montants = texte(doc, "//p:CdtTrfTxInf/p:Amt/p:InstdAmt")
    assert montants == ["450000.00", "0.10", "0.20"]
    assert sum(D(m) for m in montants) == D(texte(doc, "//p:GrpHdr/p:CtrlSum")[0])
    assert {e.get("Ccy") for e in doc.xpath("//p:InstdAmt", namespaces=NS)} == {"EUR"}
    ids = texte(doc, "//p:CdtTrfTxInf/p:PmtId/p:EndToEndId")
    assert ids == ["CARE-D1-2024-0001", "CARE-D1-2024-0002", "CARE-D1-2024-0003"] and len(set(ids)) == 3
    assert texte(doc, "//p:GrpHdr/p:MsgId") == ["ECARE-20250610-1"]
    assert texte(doc, "//p:ReqdExctnDt/p:Dt") == ["2025-06-12"]
    assert texte(doc, "//p:DbtrAcct/p:Id/p:IBAN") == ["FR7630001007941234567890185"]
    assert texte(doc, "//p:DbtrAgt/p:FinInstnId/p:BICFI") == ["BDFEFRPPCCT"]
    assert texte(doc, "//p:CdtrAcct/p:Id/p:IBAN")[0] == "FR1420041010050500013M02606"  # compact
    assert texte(doc, "//p:PmtTpInf/p:SvcLvl/p:Cd") == ["SEPA"] and texte(doc, "//p:ChrgBr") == ["SLEV"]
    # the third transfer has no BIC: no creditor agent
    assert len(doc.xpath("//p:CdtTrfTxInf[3]/p:CdtrAgt", namespaces=NS)) == 0


def test_caracteres_francais_translitteres():
    doc = etree.fromstring(generer())
    noms = texte(doc, "//p:Cdtr/p:Nm")
    assert noms == ["Centre hospitalier de Saint-Etienne", "Clinique de l'OEuvre + des Muriers", "Hopital prive"]
    assert texte(doc, "//p:InitgPty/p:Nm") == ["Agence du Numerique en Sante"]
    assert texte(doc, "//p:RmtInf/p:Ustrd") == ["CaRE D1 - convention no 1 - paiement unique", "CaRE D1 paiement"]
    for valeur in noms + texte(doc, "//p:Ustrd"):
        assert all(c.isascii() for c in valeur)


def test_translitterer():
    assert translitterer("Hôpital Saint-Étienne & Cie — Ça, c'est l'été !") == \
        "Hopital Saint-Etienne + Cie - Ca, c'est l'ete"
    assert translitterer("Œdème ß æ", 4) == "OEde"
    assert translitterer("  x\ny  ") == "x y"
    assert translitterer("a" * 200, 140) == "a" * 140


def test_debiteur_par_defaut_et_reglages(settings):
    d = sepa.debiteur_par_defaut()
    assert d == Debiteur(sepa.DEBITEUR_NOM_DEMO, sepa.DEBITEUR_IBAN_DEMO, sepa.DEBITEUR_BIC_DEMO)
    assert "FICTIF" in d.nom
    assert valider_xml(generer(debiteur=d)) == []
    settings.CARE_SEPA_DEBITEUR_NOM = "ANS"
    settings.CARE_SEPA_DEBITEUR_IBAN = "FR1420041010050500013M02606"
    settings.CARE_SEPA_DEBITEUR_BIC = "PSSTFRPPXXX"
    assert sepa.debiteur_par_defaut() == Debiteur("ANS", "FR1420041010050500013M02606", "PSSTFRPPXXX")


def test_lot_vide_refuse():
    with pytest.raises(ErreurSepa) as exc:
        generer([])
    assert exc.value.erreurs == ["Le lot de virements est vide : aucun fichier SEPA n'est produit."]


@pytest.mark.parametrize(("champ", "valeur", "message"), [
    ("iban", "FR7630006000011234567890188", "Virement 1 (Centre hospitalier de Saint-Etienne) : l'IBAN "
                                           "« FR7630006000011234567890188 » est invalide."),
    ("iban", "pas un iban", "l'IBAN « pas un iban » est invalide."),
    ("bic", "XXXX", "le BIC « XXXX » est invalide."),
    ("montant", D("0"), "le montant doit être strictement positif (reçu 0)."),
    ("montant", D("-12.50"), "le montant doit être strictement positif (reçu -12.50)."),
    ("montant", D("10.005"), "le montant 10.005 a plus de 2 décimales."),
    ("montant", 12.5, "le montant doit être un nombre décimal (Decimal), reçu « 12.5 »."),
    ("reference_bout_en_bout", "", "la référence de bout en bout «  » doit compter de 1 à 35 caractères"),
    ("reference_bout_en_bout", "é" * 3, "la référence de bout en bout « ééé » doit compter"),
    ("reference_bout_en_bout", "X" * 36, "doit compter de 1 à 35 caractères"),
    ("creancier_nom", "   ", "le nom du bénéficiaire est obligatoire."),
])
def test_virement_refuse(champ, valeur, message):
    liste = virements()
    liste[0] = Virement(**{**liste[0].__dict__, champ: valeur})
    with pytest.raises(ErreurSepa) as exc:
        generer(liste)
    assert any(message in e for e in exc.value.erreurs), exc.value.erreurs
    assert all(e.startswith("Virement 1 ") for e in exc.value.erreurs)


def test_references_de_bout_en_bout_uniques():
    liste = virements()
    liste[2] = Virement(**{**liste[2].__dict__, "reference_bout_en_bout": "CARE-D1-2024-0001"})
    with pytest.raises(ErreurSepa) as exc:
        generer(liste)
    assert exc.value.erreurs == ["Virement 3 (Hopital prive) : la référence de bout en bout « CARE-D1-2024-0001 » "
                                 "est déjà celle du virement 1."]


def test_debiteur_invalide_et_toutes_les_erreurs_ensemble():
    liste = virements()
    liste[1] = Virement(**{**liste[1].__dict__, "montant": D("-1")})
    with pytest.raises(ErreurSepa) as exc:
        generer(liste, debiteur=Debiteur("", "FR00", "??"), message_id="é")
    erreurs = exc.value.erreurs
    assert "Donneur d'ordre : le nom est obligatoire." in erreurs
    assert "Donneur d'ordre : l'IBAN « FR00 » est invalide." in erreurs
    assert "Donneur d'ordre : le BIC « ?? » est invalide." in erreurs
    assert any(e.startswith("Fichier : l'identifiant du message") for e in erreurs)
    assert any(e.startswith("Virement 2 ") and "strictement positif" in e for e in erreurs)


def test_le_schema_refuse_un_document_non_conforme():
    doc = etree.fromstring(generer())
    doc.find(".//p:GrpHdr/p:NbOfTxs", namespaces=NS).text = "trois"
    assert valider_xml(etree.tostring(doc))
    assert valider_xml(b"<pas-du-xml")[0].startswith("XML mal formé")


def test_en_production_le_compte_de_demonstration_est_refuse(settings):
    settings.PRODUCTION = True
    settings.CARE_SEPA_DEBITEUR_NOM, settings.CARE_SEPA_DEBITEUR_IBAN, settings.CARE_SEPA_DEBITEUR_BIC = "ANS", "", ""
    with pytest.raises(ErreurSepa) as refus:
        sepa.debiteur_par_defaut()
    assert "compte débiteur de l'ANS n'est pas configuré" in str(refus.value)
    settings.CARE_SEPA_DEBITEUR_IBAN, settings.CARE_SEPA_DEBITEUR_BIC = "FR1420041010050500013M02606", "PSSTFRPPXXX"
    assert sepa.debiteur_par_defaut().iban == "FR1420041010050500013M02606"
