"""The ``plafonds`` step of seed_demo: illustrative tables for the demo call and the 2024 D1 call,
between the candidatures (which create the demo call) and the conventions; idempotent."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from candidatures.regles import TypeCandidature as T
from care_portal.referentiel import demo as referentiel_demo
from care_portal.referentiel.management.commands.seed_demo import charger_etapes
from paiement import demo, selectors
from paiement.models import GrilleMontantsPlafonds
from paiement.regles import StructurePlafond, plafond_pour, verifier_lignes
from tests.factories import AppelFactory

pytestmark = pytest.mark.django_db


def seed(*etapes: str) -> str:
    sortie = io.StringIO()
    call_command("seed_demo", etapes=list(etapes), stdout=sortie)
    return sortie.getvalue()


def test_ordre_de_l_etape():
    charger_etapes()
    noms = [e.nom for e in referentiel_demo.etapes()]
    # the grid before the candidatures: a complete one's convention takes its amount from it at once
    assert noms.index("plafonds") < noms.index("candidatures") < noms.index("conventions")


def test_grille_demo_valide_et_realiste():
    lignes = demo.lignes_demo()
    assert verifier_lignes(lignes) == []
    for type_structure, _ in T.CHOICES:  # every type covered from 0 to no upper bound, growing with activity
        du_type = sorted((x for x in lignes if x.type_structure == type_structure), key=lambda x: x.activite_min)
        assert du_type[0].activite_min == 0 and du_type[-1].activite_max is None
        assert all(a.activite_max == b.activite_min for a, b in zip(du_type, du_type[1:], strict=False))
        assert [x.montant for x in du_type] == sorted(x.montant for x in du_type)
    plafond = {t: plafond_pour(StructurePlafond(t, Decimal("60000")), lignes).montant for t, _ in T.CHOICES}
    assert plafond[T.GHT] > plafond[T.PUBLIC_HORS_GHT] > plafond[T.PRIVE_EBNL] > plafond[T.PRIVE_LUCRATIF]


def test_etape_plafonds_idempotente():
    appel_demo = AppelFactory(code="care-d1-demo")
    sortie = seed("plafonds")
    assert "Matrice des plafonds de « care-d1-demo » : version 1 créée (13 lignes, montants indicatifs)." in sortie
    assert "Matrice des plafonds de « care-d1-2024 » : version 1 créée" in sortie
    for code in demo.CODES_APPELS:
        g = GrilleMontantsPlafonds.objects.get(appel__code=code)
        assert g.illustrative and "montants illustratifs" in g.source and g.lignes.count() == len(demo.GRILLE_DEMO)
        assert g.en_vigueur_le == g.appel.candidature_debut
    assert selectors.grille_en_vigueur(appel_demo) is not None
    sortie = seed("plafonds")
    assert "déjà présente" in sortie and GrilleMontantsPlafonds.objects.count() == 2


def test_l_etape_plafonds_cree_l_appel_de_demo():
    from care_portal.referentiel.models import AppelAFinancement

    sortie = seed("plafonds")
    assert "Matrice des plafonds de « care-d1-demo » : version 1 créée" in sortie
    assert AppelAFinancement.objects.filter(code="care-d1-demo").exists()


def test_etape_paiements_dans_chaque_etat(django_capture_on_commit_callbacks, settings, tmp_path):
    """The whole chain of demo steps, up to the payments: one in every state, through the services;
    a second run changes nothing."""
    from candidatures import demo as candidatures_demo
    from paiement.models import Paiement

    settings.SIGNATURE_CERTIFICAT = tmp_path / "signature" / "plateforme.crt"
    settings.SIGNATURE_CLE = tmp_path / "signature" / "plateforme.key"
    with django_capture_on_commit_callbacks(execute=True):
        sortie = seed("referentiel", "comptes", "plafonds", "candidatures", "conventions", "declarations",
                      "controle", "paiements")
    paiements = Paiement.objects.filter(convention__candidature__appel__code=candidatures_demo.CODE_APPEL)
    assert set(paiements.values_list("etat", flat=True)) == set(Paiement.Etat.values), sortie
    paye = paiements.get(etat=Paiement.Etat.PAYE)
    assert paye.montant == min(paye.couts_eligibles, paye.plafond) and paye.lot is not None
    # after the whole chain, every stage's records are still in every state (the later stages' demos
    # leave one of each behind) and the stage registry places dossiers at every stage
    from candidatures.models import Candidature
    from care_portal.notifications import tableaux
    from controle.models import Controle
    from conventions.models import Convention
    from declarations.models import Declaration

    du_demo = {"candidature__appel__code": candidatures_demo.CODE_APPEL}
    for modele, filtre in ((Candidature, {"appel__code": candidatures_demo.CODE_APPEL}), (Convention, du_demo),
                           (Declaration, du_demo), (Controle, {"declaration__candidature__appel__code":
                                                               candidatures_demo.CODE_APPEL})):
        etats = set(modele.objects.filter(**filtre).values_list("etat", flat=True))
        assert etats == set(modele.Etat.values), (modele.__name__, set(modele.Etat.values) - etats)
    comptes = tableaux.compter(Candidature.objects.filter(appel__code=candidatures_demo.CODE_APPEL))
    assert all(comptes.par_etape.values()), comptes.par_etape
    # a demo référent CaRE per stage, on a dossier at that stage
    from care_portal.comptes.demo import creer_comptes_par_etape
    from care_portal.comptes.models import User
    from care_portal.comptes.views.espace import suivi_du_dossier

    comptes_etapes = creer_comptes_par_etape()
    assert [c.email.split("@")[0] for c in comptes_etapes] == [
        "es.candidature", "es.instruction", "es.convention", "es.declaration", "es.controle", "es.paiement"]
    paye_es = User.objects.get(email=comptes_etapes[-1].email)
    structure = paye_es.rattachements.get().structure
    dossier = Candidature.objects.filter(appel__code=candidatures_demo.CODE_APPEL).get(
        **({"ght": structure} if structure.__class__.__name__ == "GHT" else {"entite_juridique": structure,
                                                                               "ght__isnull": True}))
    assert suivi_du_dossier(dossier)["numero"] == 6
    avant = list(paiements.order_by("pk").values_list("pk", "etat"))
    with django_capture_on_commit_callbacks(execute=True):
        seed("paiements")
    assert list(paiements.order_by("pk").values_list("pk", "etat")) == avant
