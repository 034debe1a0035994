"""The state builders of tests/factories.py against the real path: a convention brought to « signée »
without WeasyPrint nor PAdES must leave what the services leave (states, timestamps, log codes, stored
versions, the declaration opened), and the row factories' traits must give records the models accept."""

from __future__ import annotations

import pytest

from care_portal.documents.models import Document
from conventions import services as sc
from conventions.models import Convention
from declarations.models import Declaration
from tests.candidatures.donnees import codes_du_journal, stockage_prive
from tests.conventions.conventions import certificat, dossier_complet  # noqa: F401 (fixture)
from tests.declarations.donnees import signer
from tests.factories import (
    ControleFactory,
    ConventionFactory,
    DeclarationFactory,
    PaiementFactory,
    convention_signee,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stockage(settings, tmp_path):
    return stockage_prive(settings, tmp_path)


def _trace(cv: Convention) -> dict:
    cv = Convention.objects.get(pk=cv.pk)
    transitions = [code for code in codes_du_journal(cv) if code.rsplit(".", 1)[-1] in
                   {"generee", "envoyer", "signer_es", "contresigner"}]
    return {
        "etat": cv.etat, "envoi": cv.envoi, "fournisseur": cv.fournisseur,
        "dates": all((cv.envoyee_le, cv.echeance, cv.signee_es_le, cv.signee_le, cv.contresignataire_id)),
        "transitions": transitions,
        "versions": sorted(Document.objects.du_proprietaire(cv, c).count() for c in sc.CATEGORIES),
        "categories": {c for c in sc.CATEGORIES if sc.document_courant(cv, c) is not None},
        "declaration": Declaration.objects.filter(candidature_id=cv.candidature_id,
                                                  etat=Declaration.Etat.BROUILLON).count(),
    }


def test_convention_signee_laisse_ce_que_laisse_la_signature_native(certificat):  # noqa: F811
    reelle, _, _ = dossier_complet(raison_sociale="Centre hospitalier de Libourne")
    signer(reelle, reelle=True)
    construite, _, _ = dossier_complet(raison_sociale="Centre hospitalier d'Arcachon")
    cv = convention_signee(construite)
    assert _trace(cv) == _trace(reelle.convention)
    assert _trace(cv)["etat"] == Convention.Etat.SIGNEE and _trace(cv)["declaration"] == 1
    final = sc.document_courant(cv, sc.CATEGORIE_SIGNEE)
    assert final.verrouille and final.type_mime == "application/pdf"


@pytest.mark.parametrize("jusqua, etat", [("envoyee", Convention.Etat.ENVOYEE),
                                          ("signee_es", Convention.Etat.SIGNEE_ES)])
def test_convention_signee_s_arrete_ou_on_le_demande(jusqua, etat):
    c, _, _ = dossier_complet()
    cv = convention_signee(c, jusqua=jusqua)
    assert cv.etat == etat and not Declaration.objects.filter(candidature=c).exists()
    with pytest.raises(ValueError):
        convention_signee(c)  # no longer « à générer »


def test_traits_des_fabriques_donnent_des_enregistrements_valides():
    p = PaiementFactory(paye=True)
    for obj in (p, p.controle, p.controle.declaration, p.convention):
        # the FSM field is protected (its value is checked below); a declaration opened by the countersigning
        # has no ``cree_par``, as the services leave it
        obj.full_clean(exclude=["etat", "cree_par"])
    assert (p.etat, p.controle.etat, p.controle.declaration.etat, p.convention.etat) == (
        "paye", "objectifs_atteints", "complete", "signee")
    assert p.convention.candidature_id == p.controle.declaration.candidature_id
    assert p.paye_le and p.ordonnance_par and p.valide_par and p.montant <= p.plafond
    assert ControleFactory(planifie=True).date_prevue > ControleFactory(planifie=True).planifie_le
    assert DeclarationFactory(deposee=True).premiere_depose_le is not None
    assert ConventionFactory(expiree=True).expiree_le is not None
