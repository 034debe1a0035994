"""The ceiling tables in the database: versions per call, the version in force, the refusals
(overlapping brackets, DB check constraints), the selector that builds the rule's data (a GHT's
activity summed over its member EJ) and the log."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from candidatures.regles import TypeCandidature as T
from care_portal.referentiel.models import StatutJuridique
from care_portal.workflow.models import TransitionLog
from paiement import selectors, services
from paiement.models import GrilleMontantsPlafonds, LignePlafond
from tests.factories import AppelFactory, EntiteJuridiqueFactory, EtablissementGeographiqueFactory, GHTFactory

from .donnees import grille, lignes

pytestmark = pytest.mark.django_db
D = Decimal


def test_versions_numerotees_par_appel_et_journalisees():
    appel, autre = AppelFactory(), AppelFactory()
    g1 = grille(appel)
    g2 = grille(appel, illustrative=True, source="Matrice ANS")
    g3 = grille(autre)
    assert (g1.version, g2.version, g3.version) == (1, 2, 1)
    assert g2.illustrative and g2.source == "Matrice ANS" and g2.lignes.count() == len(lignes())
    log = TransitionLog.objects.filter(code="paiement.grille.creee", object_id=str(g2.pk)).get()
    assert log.donnees["version"] == 2 and log.donnees["lignes"] == len(lignes())


def test_version_en_vigueur():
    appel = AppelFactory(candidature_debut=datetime.date(2024, 1, 10))
    aujourd_hui = datetime.date(2025, 1, 15)
    assert selectors.grille_en_vigueur(appel, aujourd_hui) is None
    v1 = grille(appel, en_vigueur_le=datetime.date(2024, 6, 1))
    v2 = grille(appel, en_vigueur_le=datetime.date(2025, 1, 15))
    v3 = grille(appel, en_vigueur_le=datetime.date(2025, 3, 1))  # not yet
    assert selectors.grille_en_vigueur(appel, datetime.date(2024, 5, 31)) is None
    assert selectors.grille_en_vigueur(appel, datetime.date(2024, 12, 31)) == v1
    assert selectors.grille_en_vigueur(appel, aujourd_hui) == v2
    assert selectors.grille_en_vigueur(appel, datetime.date(2025, 3, 1)) == v3


def test_chevauchement_refuse_rien_n_est_ecrit():
    appel = AppelFactory()
    with pytest.raises(services.MatricePlafondsInvalide) as exc:
        grille(appel, spec=[(T.GHT, "0", "1000", "1"), (T.GHT, "999", None, "2")])
    assert exc.value.erreurs == ["Lignes 2 et 3 : les tranches « GHT » de 0 à 1 000 et à partir de 999 se chevauchent."]
    assert "rien n'a été enregistré" in exc.value.message
    assert not GrilleMontantsPlafonds.objects.exists() and not LignePlafond.objects.exists()
    with pytest.raises(services.MatricePlafondsInvalide, match="1 erreur"):
        services.grille_creer(appel=appel, lignes=[], acteur=None)


def test_remplacer_les_lignes():
    g = grille(AppelFactory())
    services.grille_remplacer_lignes(grille=g, lignes=lignes([(T.GHT, "0", None, "1.00")]), acteur=None)
    assert list(g.lignes.values_list("type_structure", "montant")) == [(T.GHT, D("1.00"))]
    assert TransitionLog.objects.filter(code="paiement.grille.modifiee", object_id=str(g.pk)).exists()
    with pytest.raises(services.MatricePlafondsInvalide):
        services.grille_remplacer_lignes(grille=g, lignes=lignes([(T.GHT, "0", None, "1"), (T.GHT, "5", "9", "1")]),
                                         acteur=None)
    assert g.lignes.count() == 1


@pytest.mark.parametrize(("mini", "maxi", "montant"), [("10", "10", "1"), ("10", "5", "1"), ("0", None, "-1"),
                                                       ("-1", None, "1")])
def test_contraintes_de_la_base(mini, maxi, montant):
    g = grille(AppelFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        LignePlafond.objects.create(grille=g, type_structure=T.PRIVE_LUCRATIF, activite_min=D(mini),
                                    activite_max=D(maxi) if maxi else None, montant=D(montant))


# --- the selector -----------------------------------------------------------------------------------

def test_activite_du_ght_somme_de_ses_membres():
    support = EntiteJuridiqueFactory(activite_combinee=D("600000"))
    autre = EntiteJuridiqueFactory(activite_combinee=D("634567.00"))
    esms = EntiteJuridiqueFactory(activite_combinee=D("99999"))
    EtablissementGeographiqueFactory(entite_juridique=esms, categorie_code="500")  # EHPAD only: ESMS
    ght = GHTFactory(support=support, membres=[autre, esms])
    donnees = selectors.structure_plafond(ght)
    assert donnees.type_structure == T.GHT and donnees.activite_combinee == D("1234567.00")
    assert "somme de l'activité de ses 2 entités juridiques membres, soit 1 234 567" in donnees.explications[0]
    assert esms.raison_sociale in donnees.explications[1]

    appel = AppelFactory()
    grille(appel, en_vigueur_le=appel.candidature_debut)
    sim = selectors.simuler_plafond(ght, appel)
    assert sim.resultat.montant == D("450000.00")
    assert sim.resultat.raisons[-1] == ("GHT dont l'activité combinée est de 1 234 567 : tranche de 1 000 000 à "
                                        "5 000 000, plafond 450 000,00 €")
    assert [ligne.type_structure for ligne in sim.lignes_du_type] == [T.GHT] * 3


@pytest.mark.parametrize(("statut", "attendu"), [
    (StatutJuridique.PUBLIC, T.PUBLIC_HORS_GHT), (StatutJuridique.PRIVE_EBNL, T.PRIVE_EBNL),
    (StatutJuridique.PRIVE_LUCRATIF, T.PRIVE_LUCRATIF),
])
def test_type_d_une_entite_juridique(statut, attendu):
    ej = EntiteJuridiqueFactory(statut=statut, activite_combinee=D("20000"))
    assert selectors.structure_plafond(ej).type_structure == attendu
    assert selectors.structure_porteuse(ej) == ej


def test_structure_porteuse():
    ght = GHTFactory()
    membre = EntiteJuridiqueFactory()
    ght.membres.add(membre)
    eg = EtablissementGeographiqueFactory(entite_juridique=membre)
    assert selectors.structure_porteuse(membre) == ght
    assert selectors.structure_porteuse(eg) == ght
    clinique = EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_LUCRATIF)
    assert selectors.structure_porteuse(EtablissementGeographiqueFactory(entite_juridique=clinique)) == clinique


def test_simulation_sans_grille():
    sim = selectors.simuler_plafond(EntiteJuridiqueFactory(), AppelFactory())
    assert sim.grille is None and sim.resultat is None
