"""Where a dossier stands (tableaux.etape_de) and the counts built on it, the declaration included."""

from __future__ import annotations

import pytest

from candidatures.models import Candidature
from care_portal.notifications import tableaux


@pytest.mark.parametrize(("etat", "convention", "declaration", "attendu"), [
    ("complete", "signee", "complete", ("controle", "Déclaration complète, contrôle à ouvrir")),
    ("brouillon", None, None, ("candidature", "Brouillon")),
    ("deposee", None, None, ("instruction", "Déposée")),
    ("complete", None, None, ("convention", "À générer")),
    ("complete", "envoyee", None, ("convention", "Envoyée pour signature")),
    ("complete", "signee", None, ("declaration", "Convention signée, déclaration à venir")),
    ("complete", "signee", "brouillon", ("declaration", "Brouillon")),
    ("complete", "signee", "complement_demande", ("declaration", "Complément demandé")),
    ("complete", "signee", "non_recevable", ("declaration", "Non recevable")),
])
def test_etape_de(etat, convention, declaration, attendu):
    code, libelle = tableaux.etape_de({"etat": etat, "convention__etat": convention, "declaration__etat": declaration})
    assert code == attendu[0]
    assert str(libelle) == attendu[1]


@pytest.mark.parametrize(("controle", "paiement", "attendu"), [
    ("a_planifier", None, ("controle", "À planifier")),
    ("informations_demandees", None, ("controle", "Informations demandées")),
    ("objectifs_non_atteints", None, ("controle", "Objectifs non atteints")),
    ("objectifs_atteints", None, ("paiement", "Objectifs atteints, paiement à venir")),
    ("objectifs_atteints", "a_valider", ("paiement", "À valider")),
    ("objectifs_atteints", "paye", ("paiement", "Financement versé")),
])
def test_etape_de_controle_et_paiement(controle, paiement, attendu):
    valeurs = {"etat": "complete", "convention__etat": "signee", "declaration__etat": "complete",
               "declaration__controle__etat": controle, "declaration__controle__paiement__etat": paiement}
    code, libelle = tableaux.etape_de(valeurs)
    assert (code, str(libelle)) == attendu


@pytest.mark.django_db
def test_compter_place_une_declaration_complete_au_controle():
    from declarations import services as ds
    from tests.conventions.conventions import commit
    from tests.declarations.donnees import ajouter, candidature_signee

    c, referent, ars = candidature_signee()
    autre, _, _ = candidature_signee(raison_sociale="Centre hospitalier d'Arcachon", ars=ars)
    qs = Candidature.objects.filter(pk__in=[c.pk, autre.pk])
    assert tableaux.compter(qs).par_etape["declaration"] == 2
    d = ds.declaration_creer(candidature=c, acteur=referent)
    ajouter(d, referent)
    with commit():
        d = ds.declaration_deposer(declaration=d, acteur=referent, certifie=True)
        ds.declaration_declarer_complete(declaration=d, acteur=ars)
    comptes = tableaux.compter(qs)
    assert (comptes.par_etape["declaration"], comptes.par_etape["controle"], comptes.total) == (1, 1, 2)
    [ligne] = [row for row in tableaux.lignes_export(qs) if row[1] == c.structure_libelle]
    assert ligne[5:8] == ("Contrôle", "À planifier", 5)  # its control was opened in the same transaction
