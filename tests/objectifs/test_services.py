"""Evidence services (objectifs/services.py): for each, the happy path (rows, document, log row), the
wrong state, the wrong user, and every bad input of issue 6 (French message, nothing stored)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from candidatures import services as cs
from candidatures.models import Candidature
from care_portal.comptes.roles import Role
from care_portal.documents.models import Document
from care_portal.referentiel.models import StatutJuridique
from care_portal.workflow.services import WorkflowError
from objectifs import selectors, services
from objectifs.models import (
    ActiveDirectory,
    AuditADS,
    AuditExposition,
    Budget,
    ElementExpose,
    ExerciceCrise,
    Objectif,
    Osis,
    Seuil,
)
from tests.candidatures.donnees import fichiers_stockes
from tests.factories import AppelFactory, EntiteJuridiqueFactory

from .donnees import ad, ans, ars, audit, candidature_deposee, codes, ght_depose, jours, lignes, membre, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier():
    return candidature_deposee()


# --- referential ---------------------------------------------------------------------------------------

def test_le_referentiel_d1_est_charge_et_ses_seuils_sont_des_donnees():
    assert list(Objectif.objects.values_list("code", flat=True)) == [
        "D1.O1.A", "D1.O1.B", "D1.O2.A", "D1.O2.B", "D1.O3", "D1.O4", "D1.O5", "D1.O6.A", "D1.O6.B"]
    assert Objectif.objects.get(code="D1.O6.A").types_candidature == ["ght"]
    assert all(s.source for s in Seuil.objects.all())
    s = selectors.seuils()
    assert (s.score_ads_min, s.cadence_jours_max, s.part_activite_min, s.convergence_mois_max) == (
        2, 60, Decimal("0.66"), 18)
    Seuil.objects.filter(code="score_ads_min").update(valeur=3)  # the admin edits a threshold
    assert selectors.seuils().score_ads_min == 3


# --- Active Directory ------------------------------------------------------------------------------------

def test_ajouter_un_ad_avec_sa_description(dossier):
    c, ref = dossier
    a = services.active_directory_ajouter(candidature=c, nom=" hopital.local ", structures=lignes(c), acteur=ref,
                                          description=pdf("infra.pdf"))
    assert a.nom == "hopital.local"
    assert list(a.structures.all()) == lignes(c)
    doc = Document.objects.du_proprietaire(a, "description_infrastructure").get()
    assert doc.nom_original == "infra.pdf"
    assert "objectifs.active_directory.ajoute" in codes(c)


@pytest.mark.parametrize("nom, structures, message", [
    ("", None, "Indiquez le nom"),
    ("hopital.local", [], "au moins un établissement"),
])
def test_ad_sans_nom_ou_sans_etablissement_refuse(dossier, nom, structures, message):
    c, ref = dossier
    with pytest.raises(WorkflowError, match=message):
        services.active_directory_ajouter(candidature=c, nom=nom,
                                          structures=lignes(c) if structures is None else structures, acteur=ref)
    assert not ActiveDirectory.objects.exists()


def test_ad_d_un_autre_dossier_ou_en_double_refuse(dossier):
    c, ref = dossier
    autre, _ = candidature_deposee()
    with pytest.raises(WorkflowError, match="ne fait pas partie du périmètre"):
        services.active_directory_ajouter(candidature=c, nom="x.local", structures=lignes(autre), acteur=ref)
    ad(c, ref, "hopital.local")
    with pytest.raises(WorkflowError, match="déjà déclaré"):
        ad(c, ref, "HOPITAL.local")
    assert ActiveDirectory.objects.count() == 1


def test_seuls_referent_dsi_rssi_de_la_structure_saisissent(dossier):
    c, ref = dossier
    dsi = membre(Role.DSI, c.entite_juridique)
    assert ad(c, dsi, "dsi.local").cree_par == dsi
    refuses = [membre(Role.SIGNATAIRE_ES, c.entite_juridique), ars("33"), ans(),
               candidature_deposee()[1]]  # the référent of another structure
    for user in refuses:
        with pytest.raises(WorkflowError) as exc:
            ad(c, user, f"{user.pk}.local")
        assert exc.value.code == "droit"
    assert ActiveDirectory.objects.count() == 1


def test_pas_de_preuve_sur_un_brouillon_ni_une_candidature_rejetee():
    structure = EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC)
    from .donnees import referent

    ref = referent(structure)
    c = cs.candidature_creer(structure=structure, appel=AppelFactory(), acteur=ref)
    with pytest.raises(WorkflowError, match="à partir de son dépôt") as exc:
        ad(c, ref)
    assert exc.value.code == "etat"
    c2, ref2 = candidature_deposee()
    cs.candidature_rejeter(candidature=c2, acteur=ars("33"), motif="Hors périmètre.")
    with pytest.raises(WorkflowError, match="rejetée"):
        ad(c2, ref2)


def test_preuves_possibles_sur_une_candidature_complete():
    c, ref = candidature_deposee(etat=Candidature.Etat.COMPLETE)
    assert c.etat == Candidature.Etat.COMPLETE
    assert ad(c, ref).pk


# --- ADS audits ----------------------------------------------------------------------------------------

def test_audit_ads_avec_son_rapport_et_le_journal(dossier):
    c, ref = dossier
    a = audit(ad(c, ref), ref, jours(-3), score=2)
    assert (a.date, a.score) == (jours(-3), 2)
    assert a.rapport.categorie == "rapport_ads" and a.rapport.proprietaire == a
    assert codes(c)[-1] == "objectifs.audit_ads.ajoute"


@pytest.mark.parametrize("decalage, message", [(1, "dans le futur"), (-400, "précède l'ouverture de l'appel")])
def test_audit_ads_date_refusee(dossier, stockage, decalage, message):
    c, ref = dossier
    with pytest.raises(WorkflowError, match=message):
        audit(ad(c, ref), ref, jours(decalage))
    assert not AuditADS.objects.exists()
    assert not Document.objects.filter(categorie="rapport_ads").exists()


@pytest.mark.parametrize("score", [0, 6, "trois", 2.5])
def test_audit_ads_score_hors_echelle(dossier, score):
    c, ref = dossier
    with pytest.raises(WorkflowError, match="de 1 à 5") as exc:
        audit(ad(c, ref), ref, jours(-1), score=score)
    assert exc.value.code == "score"
    assert not AuditADS.objects.exists()


def test_meme_ad_audite_deux_fois_le_meme_jour(dossier, stockage):
    c, ref = dossier
    annuaire = ad(c, ref)
    audit(annuaire, ref, jours(-5))
    avant = fichiers_stockes(stockage)
    with pytest.raises(WorkflowError, match="déjà enregistré au") as exc:
        audit(annuaire, ref, jours(-5), score=4)
    assert exc.value.code == "doublon"
    assert AuditADS.objects.count() == 1
    assert fichiers_stockes(stockage) == avant  # the second report's bytes were not kept


def test_audit_ads_sans_rapport_refuse(dossier):
    c, ref = dossier
    with pytest.raises(WorkflowError, match="Joignez le rapport"):
        services.audit_ads_ajouter(active_directory=ad(c, ref), date=jours(-1), score=3, rapport=None, acteur=ref)


def test_modifier_un_audit_ads(dossier):
    c, ref = dossier
    annuaire = ad(c, ref)
    premier = audit(annuaire, ref, jours(-10))
    audit(annuaire, ref, jours(-5))
    with pytest.raises(WorkflowError, match="déjà enregistré"):
        services.audit_ads_modifier(audit=premier, date=jours(-5), score=3, acteur=ref)
    a = services.audit_ads_modifier(audit=premier, date=jours(-20), score=1, acteur=ref, rapport=pdf("v2.pdf"))
    assert (a.date, a.score, a.rapport.version) == (jours(-20), 1, 2)
    assert codes(c)[-1] == "objectifs.audit_ads.modifie"
    with pytest.raises(WorkflowError) as exc:
        services.audit_ads_modifier(audit=premier, date=jours(-20), score=2, acteur=ars("33"))
    assert exc.value.code == "droit"


# --- exposure audits -----------------------------------------------------------------------------------

def _exposition(c, ref, **kwargs):
    donnees = {"candidature": c, "date": jours(-2), "outil": "silene", "structures": lignes(c),
               "vulnerabilites": {"critiques": 0, "hautes": 2}, "rapport": pdf("expo.pdf"), "acteur": ref}
    donnees.update(kwargs)
    return services.audit_exposition_ajouter(**donnees)


def test_audit_d_exposition_avec_son_perimetre_colle_et_csv(dossier):
    c, ref = dossier
    csv = SimpleUploadedFile("perimetre.csv", b"valeur;type\nwww.ch-exemple.fr;domaine\n145.242.11.3;ip\n"
                                              b"PORTAIL.ch-exemple.fr\n")
    a = _exposition(c, ref, perimetre="portail.ch-exemple.fr\n92.103.42.17\n", fichier_csv=csv,
                    outil="industriel", outil_nom="Scanner conforme")
    assert sorted(ElementExpose.objects.filter(audit=a).values_list("type", "valeur")) == [
        ("domaine", "portail.ch-exemple.fr"), ("domaine", "www.ch-exemple.fr"),
        ("ip", "145.242.11.3"), ("ip", "92.103.42.17")]
    assert a.libelle_outil == "Scanner conforme"
    assert a.rapport.categorie == "rapport_exposition"
    assert codes(c)[-1] == "objectifs.audit_exposition.ajoute"


def test_perimetre_csv_en_erreur_ligne_par_ligne_et_rien_n_est_garde(dossier, stockage):
    c, ref = dossier
    csv = SimpleUploadedFile("p.csv", b"www.ch-exemple.fr\n300.1.2.3;ip\n10.0.0.1\nmal_forme..fr\n")
    with pytest.raises(services.PerimetreInvalide) as exc:
        _exposition(c, ref, fichier_csv=csv)
    assert exc.value.erreurs[0].startswith("Ligne 2 : « 300.1.2.3 » n'est pas une adresse IP valide")
    assert exc.value.erreurs[1].startswith("Ligne 3 : « 10.0.0.1 » n'est pas une adresse IP publique")
    assert exc.value.erreurs[2].startswith("Ligne 4 : « mal_forme..fr » n'est pas un nom de domaine valide")
    assert not AuditExposition.objects.exists() and fichiers_stockes(stockage) == fichiers_stockes(stockage)
    assert not Document.objects.filter(categorie="rapport_exposition").exists()


def test_importer_le_perimetre_d_un_audit_existant(dossier):
    c, ref = dossier
    a = _exposition(c, ref, perimetre="www.ch-exemple.fr")
    assert services.perimetre_exposition_importer(audit=a, perimetre="www.ch-exemple.fr\nmail.ch-exemple.fr",
                                                  acteur=ref) == 1
    with pytest.raises(services.PerimetreInvalide):
        services.perimetre_exposition_importer(audit=a, perimetre="pas un domaine", acteur=ref)
    assert a.elements.count() == 2


@pytest.mark.parametrize("changements, message", [
    ({"outil": "industriel", "outil_nom": ""}, "nom de l'outil industriel"),
    ({"vulnerabilites": {"critiques": -1}}, "ne peut pas être négatif"),
    ({"structures": []}, "au moins un établissement"),
    ({"date": jours(2)}, "dans le futur"),
])
def test_audit_d_exposition_refuse(dossier, changements, message):
    c, ref = dossier
    with pytest.raises(WorkflowError, match=message):
        _exposition(c, ref, **changements)
    assert not AuditExposition.objects.exists()


# --- exercise, oSIS, budget -----------------------------------------------------------------------------

def _exercice(c, ref, **kwargs):
    donnees = {"candidature": c, "structure": lignes(c)[0], "date": datetime.date(2024, 5, 14), "kit": "debutant",
               "type_preuve": "attestation", "fournisseur": "grades", "document": pdf("attestation.pdf"),
               "acteur": ref}
    donnees.update(kwargs)
    return services.exercice_crise_ajouter(**donnees)


def test_exercice_hors_2023_2024_est_garde(dossier):
    c, ref = dossier
    e = _exercice(c, ref, date=datetime.date(2022, 11, 3))
    assert ExerciceCrise.objects.get().date == datetime.date(2022, 11, 3)
    assert e.document.categorie == "attestation_exercice"
    verdict = next(v for v in selectors.verdicts_de(c) if v.code == "D1.O3")
    assert verdict.statut != "atteint"
    assert any("2022" in r or "03/11" in r or "novembre" in r for r in verdict.raisons)


@pytest.mark.parametrize("changements, message", [
    ({"date": jours(1)}, "dans le futur"),
    ({"type_preuve": "attestation", "fournisseur": "etablissement"}, "prestataire, l'ARS ou le GRADeS"),
    ({"kit": "expert"}, "kit ANS"),
    ({"document": None}, "Joignez"),
])
def test_exercice_refuse(dossier, changements, message):
    c, ref = dossier
    with pytest.raises(WorkflowError, match=message):
        _exercice(c, ref, **changements)
    assert not ExerciceCrise.objects.exists()


def test_osis_enregistre_puis_mis_a_jour(dossier):
    c, ref = dossier
    ligne = lignes(c)[0]
    services.osis_enregistrer(candidature=c, structure=ligne, part_budget_renseignee=False, mesures_prioritaires=20,
                              date=jours(-3), acteur=ref)
    o = services.osis_enregistrer(candidature=c, structure=ligne.pk, part_budget_renseignee=True,
                                  mesures_prioritaires=43, date=jours(-1), acteur=ref)
    assert Osis.objects.count() == 1 and (o.mesures_prioritaires, o.part_budget_renseignee) == (43, True)
    with pytest.raises(WorkflowError, match="de 0 à 43"):
        services.osis_enregistrer(candidature=c, structure=ligne, part_budget_renseignee=True,
                                  mesures_prioritaires=44, date=jours(-1), acteur=ref)
    assert codes(c).count("objectifs.osis.enregistre") == 2


def test_budget_part_calculee(dossier):
    c, ref = dossier
    b = services.budget_enregistrer(candidature=c, structure=lignes(c)[0], budget_general="120\u202f000\u202f000",
                                    budget_numerique="2\u202f400\u202f000,50", etp_securite="3,5", acteur=ref)
    assert (b.budget_numerique, b.etp_securite, b.part_numerique) == (Decimal("2400000.50"), Decimal("3.5"),
                                                                      Decimal("2.00"))
    assert codes(c)[-1] == "objectifs.budget.enregistre"


@pytest.mark.parametrize("general, numerique, etp, message", [
    ("1000", "1500", "1", "au-delà de 100\u00a0%"),
    ("1000", "-5", "1", "doit être positif"),
    ("0", "0", "1", "strictement positif"),
    ("1000", "10", "-1", "ETP sécurité"),
    ("mille", "10", "1", "doit être un nombre"),
])
def test_budget_refuse(dossier, general, numerique, etp, message):
    c, ref = dossier
    with pytest.raises(WorkflowError, match=message):
        services.budget_enregistrer(candidature=c, structure=lignes(c)[0], budget_general=general,
                                    budget_numerique=numerique, etp_securite=etp, acteur=ref)
    assert not Budget.objects.exists()


# --- GHT ---------------------------------------------------------------------------------------------

def test_gouvernance_et_convergence_reservees_aux_ght(dossier):
    c, ref = dossier
    with pytest.raises(WorkflowError, match="que les candidatures de GHT"):
        services.gouvernance_enregistrer(candidature=c, referent_projet="X", equipe_ad_unique=True, acteur=ref)
    with pytest.raises(WorkflowError, match="que les candidatures de GHT"):
        services.convergence_enregistrer(candidature=c, deja_convergee=True, acteur=ref)


def test_gouvernance_et_convergence_d_un_ght():
    c, ref = ght_depose()
    g = services.gouvernance_enregistrer(candidature=c, referent_projet="Paul Projet", equipe_ad_unique=True,
                                         acteur=ref, schema_gouvernance=pdf("schema.pdf"))
    g = services.gouvernance_enregistrer(candidature=c, referent_projet="Paul Projet", equipe_ad_unique=True,
                                         acteur=ref, schema_gouvernance=pdf("schema-v2.pdf"),
                                         equipe_projet=pdf("equipe.pdf"))
    assert g.schema_gouvernance.version == 2 and g.equipe_projet.categorie == "equipe_projet"
    with pytest.raises(WorkflowError, match="doit être positif"):
        services.convergence_enregistrer(candidature=c, deja_convergee=False, budget="-10", acteur=ref)
    v = services.convergence_enregistrer(candidature=c, deja_convergee=False, valide_dsi=True, valide_comite=True,
                                         date_convergence=jours(200), budget="150000", acteur=ref,
                                         document=pdf("trajectoire.pdf"))
    assert v.document.categorie == "trajectoire_convergence" and v.budget == Decimal("150000")
    assert {"objectifs.gouvernance.enregistree", "objectifs.convergence.enregistree"} <= set(codes(c))


# --- documents registry --------------------------------------------------------------------------------

def test_les_rapports_sont_visibles_de_l_ars_mais_deposables_par_l_es_seul(dossier):
    from care_portal.documents.acces import acces_pour

    c, ref = dossier
    a = audit(ad(c, ref), ref, jours(-1))
    acces = acces_pour(AuditADS)
    agent = ars("33")
    assert acces.proprietaires_visibles(agent).filter(pk=a.pk).exists()
    assert not acces.proprietaires_deposables(agent).filter(pk=a.pk).exists()
    assert acces.proprietaires_deposables(ref).filter(pk=a.pk).exists()
    assert not acces.proprietaires_visibles(candidature_deposee()[1]).filter(pk=a.pk).exists()


def test_admin_referentiel_editable_preuves_en_lecture_seule(rf):
    from django.contrib import admin

    requete = rf.get("/")
    assert {Objectif, Seuil} <= set(admin.site._registry)
    assert type(admin.site._registry[Seuil]).has_change_permission is admin.ModelAdmin.has_change_permission
    for modele in (AuditADS, Budget, ExerciceCrise):
        modele_admin = admin.site._registry[modele]
        assert not modele_admin.has_add_permission(requete)
        assert not modele_admin.has_change_permission(requete)
