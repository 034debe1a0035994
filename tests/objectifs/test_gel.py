"""Evidence frozen once the declaration is submitted (issue « proof that cannot disagree »): for each
kind of evidence and each ES role (référent, DSI, RSSI), adding, editing or deleting is refused (service:
WorkflowError « gel »; page: 400 with the French alert, nothing written) while the declaration is
déposée, complète or non recevable; allowed again once the ARS asks for a complement; while a control
asks for information, adding is allowed and editing is not."""

from __future__ import annotations

import pytest

from care_portal.comptes.roles import Role
from care_portal.workflow.services import WorkflowError
from declarations import services as declarations
from declarations.models import Declaration
from objectifs import services
from objectifs.models import ActiveDirectory, AuditADS, AuditExposition, Budget, ExerciceCrise, Osis
from tests.candidatures.test_views import se_connecter, texte

from .donnees import ad, ars, audit, candidature_deposee, ght_depose, jours, lignes, membre, pdf

pytestmark = pytest.mark.django_db


def _roles(c, ref):
    structure = c.ght or c.entite_juridique
    return [ref, membre(Role.DSI, structure), membre(Role.RSSI, structure)]


def _declaration(c, etat: str) -> Declaration:
    """The declaration in ``etat`` (built directly: the submission itself is tested in declarations)."""
    return Declaration.objects.create(candidature=c, etat=etat)


def _operations(c, a: AuditADS, expo: AuditExposition):
    """Every write an ES member can make on the evidence: (name, is an addition, call(acteur))."""
    annuaire = a.active_directory
    structure = lignes(c)[0]
    return [
        ("ad_ajouter", True, lambda u: services.active_directory_ajouter(
            candidature=c, nom=f"nouveau-{u.pk}.local", structures=lignes(c), acteur=u)),
        ("ad_modifier", False, lambda u: services.active_directory_modifier(
            active_directory=annuaire, nom="renomme.local", structures=lignes(c), acteur=u)),
        ("ads_ajouter", True, lambda u: services.audit_ads_ajouter(
            active_directory=annuaire, date=jours(-1 - u.pk % 20), score=4, rapport=pdf("ads.pdf"), acteur=u)),
        ("ads_modifier", False, lambda u: services.audit_ads_modifier(audit=a, date=jours(-40), score=5, acteur=u)),
        ("exposition_ajouter", True, lambda u: services.audit_exposition_ajouter(
            candidature=c, date=jours(-2), outil="silene", structures=lignes(c), vulnerabilites={},
            rapport=pdf("expo.pdf"), acteur=u)),
        ("perimetre_importer", False, lambda u: services.perimetre_exposition_importer(
            audit=expo, acteur=u, perimetre="www.ch-exemple.fr")),
        ("exercice_ajouter", True, lambda u: services.exercice_crise_ajouter(
            candidature=c, structure=structure, date=jours(-3), kit="debutant", type_preuve="rapport",
            fournisseur="etablissement", document=pdf("exercice.pdf"), acteur=u)),
        ("osis_enregistrer", False, lambda u: services.osis_enregistrer(
            candidature=c, structure=structure, part_budget_renseignee=True, mesures_prioritaires=40,
            date=jours(-1), acteur=u)),
        ("budget_enregistrer", False, lambda u: services.budget_enregistrer(
            candidature=c, structure=structure, budget_general="1000", budget_numerique="90", etp_securite="2",
            acteur=u)),
    ]


@pytest.fixture
def preuves():
    c, ref = candidature_deposee()
    annuaire = ad(c, ref)
    a = audit(annuaire, ref, jours(-50))
    expo = services.audit_exposition_ajouter(candidature=c, date=jours(-5), outil="silene", structures=lignes(c),
                                             vulnerabilites={}, rapport=pdf("expo.pdf"), acteur=ref)
    services.osis_enregistrer(candidature=c, structure=lignes(c)[0], part_budget_renseignee=False,
                              mesures_prioritaires=10, date=jours(-4), acteur=ref)
    services.budget_enregistrer(candidature=c, structure=lignes(c)[0], budget_general="1000",
                                budget_numerique="50", etp_securite="1", acteur=ref)
    return c, ref, a, expo


def _compte():
    return tuple(m.objects.count() for m in (ActiveDirectory, AuditADS, AuditExposition, ExerciceCrise, Osis, Budget))


@pytest.mark.parametrize("etat", ["deposee", "complete", "non_recevable"])
def test_preuves_gelees_apres_le_depot_pour_chaque_role(preuves, etat):
    c, ref, a, expo = preuves
    _declaration(c, etat)
    avant, date_avant = _compte(), (a.date, a.score)
    for acteur in _roles(c, ref):
        for nom, _, operation in _operations(c, a, expo):
            with pytest.raises(WorkflowError) as refus:
                operation(acteur)
            assert refus.value.code == "gel", nom
            assert "ne peuvent plus être ajoutées, modifiées ni supprimées" in refus.value.message
    a.refresh_from_db()
    assert _compte() == avant and (a.date, a.score) == date_avant
    assert not services.peut_saisir(ref, c)


def test_preuves_rouvertes_par_la_demande_de_complement(preuves):
    c, ref, a, expo = preuves
    d = _declaration(c, "deposee")
    declarations.declaration_demander_complement(declaration=d, acteur=ars(c.entite_juridique.departement.code),
                                                 message="Joignez le dernier audit ADS.")
    assert Declaration.objects.get(pk=d.pk).etat == "complement_demande"
    from care_portal.workflow.models import TransitionLog

    journal = TransitionLog.objects.filter(code="declarations.declaration.complement_demande").get()
    assert journal.donnees["preuves_rouvertes"] is True
    for acteur in _roles(c, ref):
        assert services.peut_saisir(acteur, c)
        for nom, _, operation in _operations(c, a, expo):
            if nom == "ad_modifier" and acteur != ref:
                continue  # one rename is enough
            operation(acteur)
    a.refresh_from_db()
    assert (a.date, a.score) == (jours(-40), 5)


def test_demande_d_informations_du_controle_ajout_seulement(preuves):
    c, ref, a, expo = preuves
    d = _declaration(c, "complete")
    from controle.models import Controle

    Controle.objects.create(declaration=d, etat="informations_demandees")
    for acteur in _roles(c, ref):
        for nom, ajout, operation in _operations(c, a, expo):
            if ajout:
                operation(acteur)
            else:
                with pytest.raises(WorkflowError) as refus:
                    operation(acteur)
                assert refus.value.code == "gel" and "ajouter" in refus.value.message, nom
    a.refresh_from_db()
    assert a.score == 3


def test_gouvernance_et_convergence_du_ght_gelees_puis_rouvertes():
    c, ref = ght_depose()
    services.gouvernance_enregistrer(candidature=c, referent_projet="Paul", equipe_ad_unique=True, acteur=ref)
    d = _declaration(c, "deposee")
    ecritures = [
        lambda u: services.gouvernance_enregistrer(candidature=c, referent_projet="Autre", equipe_ad_unique=False,
                                                   acteur=u, schema_gouvernance=pdf("schema.pdf")),
        lambda u: services.convergence_enregistrer(candidature=c, deja_convergee=True, acteur=u,
                                                   document=pdf("ad.pdf")),
    ]
    roles = _roles(c, ref)
    for acteur in roles:
        for ecrire in ecritures:
            with pytest.raises(WorkflowError) as refus:
                ecrire(acteur)
            assert refus.value.code == "gel"
    assert c.gouvernance_ght.referent_projet == "Paul"
    Declaration.objects.filter(pk=d.pk).update(etat="complement_demande")
    for acteur in roles:
        for ecrire in ecritures:
            ecrire(acteur)


# --- the page -------------------------------------------------------------------------------------------

def _requetes(c, a, expo):
    from django.urls import reverse

    ligne = lignes(c)[0]
    return [
        ("ad_ajouter", {"ad-nom": "vue.local", "ad-structures": [str(x.pk) for x in lignes(c)]}),
        ("ads_ajouter", {"ads-active_directory": a.active_directory_id, "ads-date": jours(-7).isoformat(),
                         "ads-score": "3", "ads-rapport": pdf("ads.pdf")}),
        (reverse("objectifs:ads_modifier", args=[c.pk, a.pk]),
         {f"audit-{a.pk}-date": jours(-3).isoformat(), f"audit-{a.pk}-score": "2"}),
        ("exposition_ajouter", {"expo-date": jours(-2).isoformat(), "expo-outil": "silene",
                                "expo-structures": [ligne.pk], "expo-critiques": "0", "expo-rapport": pdf()}),
        ("exercice_ajouter", {"exercice-structure": ligne.pk, "exercice-date": jours(-3).isoformat(),
                              "exercice-kit": "debutant", "exercice-type_preuve": "rapport",
                              "exercice-fournisseur": "etablissement", "exercice-document": pdf()}),
        ("osis_enregistrer", {"osis-structure": ligne.pk, "osis-mesures_prioritaires": "20",
                              "osis-date": jours(-1).isoformat()}),
        ("budget_enregistrer", {"budget-structure": ligne.pk, "budget-budget_general": "1000",
                                "budget-budget_numerique": "20", "budget-etp_securite": "1"}),
    ]


def _url(c, nom):
    from django.urls import reverse

    return nom if nom.startswith("/") else reverse(f"objectifs:{nom}", args=[c.pk])


def test_pages_refusent_en_francais_apres_le_depot_puis_acceptent_apres_complement(client, preuves):
    c, ref, a, expo = preuves
    d = _declaration(c, "deposee")
    avant = _compte()
    for acteur in _roles(c, ref):
        client.logout()
        se_connecter(client, acteur)
        page = texte(client.get(_url(c, "tableau")))
        assert "ne peuvent plus être ajoutées, modifiées ni supprimées" in page
        for nom, donnees in _requetes(c, a, expo):
            reponse = client.post(_url(c, nom), donnees)
            assert reponse.status_code == 400, nom
            assert "ne peuvent plus être ajoutées, modifiées ni supprimées" in texte(reponse), nom
    a.refresh_from_db()
    assert _compte() == avant and a.score == 3
    Declaration.objects.filter(pk=d.pk).update(etat="complement_demande")
    client.logout()
    se_connecter(client, _roles(c, ref)[2])  # the RSSI
    for nom, donnees in _requetes(c, a, expo):
        assert client.post(_url(c, nom), donnees).status_code == 302, nom
    a.refresh_from_db()
    assert a.score == 2
