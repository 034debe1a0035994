"""The perimeter computed from the referential (GHT members minus ESMS-only EJ; a private EJ's EG
minus ESMS; a public EJ alone) and its adjustment (a motive, logged; the support stays)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from candidatures import selectors, services
from candidatures.models import PerimetreLigne, StructureSunes
from candidatures.regles import TypeCandidature
from care_portal.comptes.roles import Role
from care_portal.referentiel.models import StatutJuridique
from care_portal.workflow.services import WorkflowError
from tests.factories import EntiteJuridiqueFactory, EtablissementGeographiqueFactory, GHTFactory

from . import donnees
from .donnees import codes_du_journal, dernier

pytestmark = pytest.mark.django_db


def ehpad(ej, **champs):
    return EtablissementGeographiqueFactory(entite_juridique=ej, categorie_code="500", categorie_agregee_code="4401",
                                            categorie_libelle="EHPAD", **champs)


def hopital(ej, **champs):
    return EtablissementGeographiqueFactory(entite_juridique=ej, categorie_code="355", categorie_agregee_code="1102",
                                            **champs)


@pytest.fixture
def ght():
    support = EntiteJuridiqueFactory(raison_sociale="CHU support", activite_combinee=Decimal("5000"))
    hopital(support)
    ehpad(support)  # a hospital with an EHPAD site stays: it is not ESMS-only
    mixte = EntiteJuridiqueFactory(raison_sociale="CH mixte", activite_combinee=Decimal("800"))
    hopital(mixte)
    ehpad(mixte)
    esms = EntiteJuridiqueFactory(raison_sociale="EHPAD public autonome", activite_combinee=Decimal("50"))
    ehpad(esms)
    EtablissementGeographiqueFactory(entite_juridique=esms, categorie_code="500", categorie_agregee_code="")
    sans_eg = EntiteJuridiqueFactory(raison_sociale="CH sans établissement connu", activite_combinee=Decimal("10"))
    return GHTFactory(support=support, membres=[mixte, esms, sans_eg])


def test_perimetre_d_un_ght_sans_les_ej_uniquement_esms(appel, ght):
    c = services.candidature_creer(structure=ght, appel=appel, acteur=donnees.referent(ght))
    lignes = list(c.perimetre.all())
    assert [ligne.libelle for ligne in lignes] == ["CHU support", "CH mixte", "CH sans établissement connu"]
    assert [ligne.est_support for ligne in lignes] == [True, False, False]
    assert all(ligne.etablissement is None for ligne in lignes)  # a GHT's lines are EJ
    assert lignes[0].activite_combinee == lignes[0].activite_referentiel == Decimal("5000")


def test_perimetre_d_une_ej_privee_ses_eg_sans_les_esms(appel):
    ej = EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_EBNL, activite_combinee=Decimal("900"))
    clinique = hopital(ej, raison_sociale="Clinique du Parc", activite_combinee=Decimal("600"))
    ssr = EtablissementGeographiqueFactory(entite_juridique=ej, raison_sociale="SSR des Pins", categorie_code="109",
                                           categorie_agregee_code="1107", activite_combinee=Decimal("300"))
    ehpad(ej, raison_sociale="EHPAD Les Tilleuls")
    ehpad_sans_agregee = EtablissementGeographiqueFactory(entite_juridique=ej, categorie_code="500",
                                                          categorie_agregee_code="")
    c = services.candidature_creer(structure=ej, appel=appel, acteur=donnees.referent(ej))
    assert c.type_candidature == TypeCandidature.PRIVE_EBNL
    lignes = list(c.perimetre.all())
    assert [ligne.finess for ligne in lignes] == [clinique.finess, ssr.finess]
    assert ehpad_sans_agregee.finess not in {ligne.finess for ligne in lignes}
    assert all(ligne.etablissement_id and ligne.entite_juridique_id == ej.pk for ligne in lignes)
    assert [ligne.activite_combinee for ligne in lignes] == [Decimal("600"), Decimal("300")]


def test_perimetre_d_une_ej_publique_hors_ght_l_ej_et_ses_eg(appel):
    """Issue 17: the EJ and its geographic establishments (per-site rules D1.O2.A, D1.O1.B); the
    prerequisites still concern « l'entité juridique candidate » only."""
    from candidatures import selectors

    ej = EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC)
    sites = sorted([hopital(ej), hopital(ej)], key=lambda eg: eg.finess)
    c = services.candidature_creer(structure=ej, appel=appel, acteur=donnees.referent(ej))
    lignes = [(ligne.finess, ligne.etablissement_id) for ligne in c.perimetre.all()]
    assert lignes[0] == (ej.finess, None) or (ej.finess, None) in lignes
    assert sorted(x for x in lignes if x[1] is not None) == [(eg.finess, eg.pk) for eg in sites]
    assert [v.structure.finess for v in selectors.prerequis(c).verdicts] == [ej.finess]


# --- adjustment -------------------------------------------------------------------------------------------

@pytest.fixture
def candidature(appel, ght):
    return services.candidature_creer(structure=ght, appel=appel, acteur=donnees.referent(ght))


@pytest.fixture
def referent(candidature):
    return donnees.referent(candidature.ght)


def ligne_de(c, libelle) -> PerimetreLigne:
    return c.perimetre.get(libelle=libelle)


def test_ajuster_avec_motif_journalise_avant_et_apres(candidature, referent):
    ligne = ligne_de(candidature, "CH mixte")
    services.perimetre_ajuster(ligne=ligne, acteur=referent, activite="1 200,50", inclus=True,
                               motif="  Activité 2023 consolidée après fusion.  ")
    ligne.refresh_from_db()
    assert ligne.activite_combinee == Decimal("1200.50") and ligne.activite_referentiel == Decimal("800")
    assert ligne.motif_ajustement == "Activité 2023 consolidée après fusion."
    log = dernier(candidature, "candidatures.candidature.perimetre_ajuste")
    assert log.acteur == referent and log.motif == "Activité 2023 consolidée après fusion."
    assert log.donnees == {"finess": ligne.finess, "avant": {"activite": "800.00", "inclus": True},
                           "apres": {"activite": "1200.50", "inclus": True}}


def test_exclure_une_ligne_la_retire_du_calcul_des_prerequis(candidature, referent):
    StructureSunes.objects.create(finess=ligne_de(candidature, "CHU support").finess)
    sans_eg = ligne_de(candidature, "CH sans établissement connu")
    services.perimetre_ajuster(ligne=sans_eg, acteur=referent, activite="10", inclus=False,
                               motif="Établissement fermé en 2023.")
    resultat = selectors.prerequis(candidature)
    assert sans_eg.finess not in {v.structure.finess for v in resultat.verdicts}
    assert resultat.activite_totale == Decimal("5800")


@pytest.mark.parametrize("motif", ["", "   ", None])
def test_ajuster_sans_motif_refuse_rien_n_est_enregistre(candidature, referent, motif):
    ligne = ligne_de(candidature, "CH mixte")
    with pytest.raises(WorkflowError) as exc:
        services.perimetre_ajuster(ligne=ligne, acteur=referent, activite="999", inclus=False, motif=motif)
    assert exc.value.code == "motif" and exc.value.message == "Indiquez le motif de l'ajustement du périmètre."
    ligne.refresh_from_db()
    assert (ligne.activite_combinee, ligne.inclus, ligne.motif_ajustement) == (Decimal("800"), True, "")
    assert "candidatures.candidature.perimetre_ajuste" not in codes_du_journal(candidature)


@pytest.mark.parametrize("activite", ["beaucoup", "-5", "12.345"])
def test_ajuster_une_activite_invalide_refuse(candidature, referent, activite):
    ligne = ligne_de(candidature, "CH mixte")
    with pytest.raises(WorkflowError) as exc:
        services.perimetre_ajuster(ligne=ligne, acteur=referent, activite=activite, inclus=True, motif="Correction.")
    assert exc.value.code == "valeur"
    ligne.refresh_from_db()
    assert ligne.activite_combinee == Decimal("800")


def test_le_support_ne_peut_pas_etre_exclu(candidature, referent):
    support = ligne_de(candidature, "CHU support")
    with pytest.raises(WorkflowError) as exc:
        services.perimetre_ajuster(ligne=support, acteur=referent, activite="5000", inclus=False, motif="Essai.")
    assert exc.value.message == "L'établissement support ne peut pas être retiré du périmètre."
    support.refresh_from_db()
    assert support.inclus
    # its activity may still be corrected
    services.perimetre_ajuster(ligne=support, acteur=referent, activite="5100", inclus=True, motif="Correction.")
    support.refresh_from_db()
    assert support.activite_combinee == Decimal("5100")


@pytest.mark.parametrize("qui", ["dsi", "autre_es", "ars"])
def test_seul_le_referent_ajuste(candidature, qui):
    acteur = {"dsi": lambda: donnees.membre(Role.DSI, candidature.ght),
              "autre_es": lambda: donnees.referent(EntiteJuridiqueFactory()),
              "ars": lambda: donnees.ars("33")}[qui]()
    with pytest.raises(WorkflowError) as exc:
        services.perimetre_ajuster(ligne=ligne_de(candidature, "CH mixte"), acteur=acteur, activite="1",
                                   inclus=True, motif="Essai.")
    assert exc.value.code == "droit"


def test_perimetre_fige_une_fois_depose(candidature, referent):
    donnees.deposer(candidature, referent)
    with pytest.raises(WorkflowError) as exc:
        services.perimetre_ajuster(ligne=ligne_de(candidature, "CH mixte"), acteur=referent, activite="1",
                                   inclus=True, motif="Trop tard.")
    assert exc.value.code == "etat"
