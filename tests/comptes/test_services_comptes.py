"""Services of care_portal/comptes/services.py: memberships (ask, confirm, refuse, revoke), e-mail
verification and invitations — happy path (state, log row, rights, e-mail on commit), wrong state,
wrong user (STYLE.md rule 12)."""

from __future__ import annotations

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from care_portal.comptes import services
from care_portal.comptes.models import Invitation, Rattachement
from care_portal.comptes.roles import Role
from care_portal.comptes.selectors import structures_pour
from care_portal.referentiel.models import StatutJuridique
from care_portal.workflow.models import TransitionLog
from care_portal.workflow.selectors import journal_de
from care_portal.workflow.services import WorkflowError
from tests.comptes.helpers import creer_utilisateur_avec_role, region_de_test
from tests.factories import EntiteJuridiqueFactory, EtablissementGeographiqueFactory, GHTFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


def frais(user):
    """The user reloaded (guardian and habilitations cache on the instance)."""
    return User.objects.get(pk=user.pk)


def structures_accessibles(user) -> set:
    """EJ and GHT the user may open (selectors.structures_pour: guardian object permissions)."""
    ejs, ghts = structures_pour(frais(user))
    return {*ejs, *ghts}


@pytest.fixture
def monde(db):
    ej_a = EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_LUCRATIF, raison_sociale="Clinique A")
    ej_b = EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_LUCRATIF, raison_sociale="Clinique B")
    ej_idf = EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_EBNL, dep="75")
    eg_a = EtablissementGeographiqueFactory(entite_juridique=ej_a)
    m = {
        "ej_a": ej_a, "ej_b": ej_b, "ej_idf": ej_idf, "eg_a": eg_a,
        "ref_a": creer_utilisateur_avec_role(Role.REFERENT_ES, structure=ej_a),
        "ref_b": creer_utilisateur_avec_role(Role.REFERENT_ES, structure=ej_b),
        "dsi_a": creer_utilisateur_avec_role(Role.DSI, structure=ej_a),
        "ars_na": creer_utilisateur_avec_role(Role.REFERENT_ARS, region=region_de_test("33")),
        "ars_idf": creer_utilisateur_avec_role(Role.REFERENT_ARS, region=region_de_test("75")),
        "admin": creer_utilisateur_avec_role(Role.ADMIN_ANS),
        "controleur": creer_utilisateur_avec_role(Role.CONTROLEUR_ANS),
    }
    m["demandeur"] = UserFactory(email="demandeur@clinique-a.fr")
    m["demande"] = services_demander(m["demandeur"], Role.RSSI, eg_a)
    mail.outbox.clear()
    return m


def services_demander(user, role, etablissement) -> Rattachement:
    return services.rattachement_demander(utilisateur=user, role=role, etablissement=etablissement)


# --- structure and asking --------------------------------------------------------------------------

def test_structure_porteuse_ght_pour_un_ej_public_membre_sinon_l_ej():
    ght = GHTFactory()
    membre = EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC)
    ght.membres.add(membre)
    prive = EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_EBNL)
    hors_ght = EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC)
    assert services.structure_porteuse(membre) == ght
    assert services.structure_porteuse(ght.support) == ght
    assert services.structure_porteuse(prive) == prive
    assert services.structure_porteuse(hors_ght) == hors_ght


def test_demander_cree_un_rattachement_en_attente_journalise_et_previent_les_decideurs(
        monde, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        r = services_demander(user, Role.DSI, monde["eg_a"])
    assert r.etat == Rattachement.Etat.EN_ATTENTE
    assert r.entite_juridique == monde["ej_a"] and r.ght is None and r.etablissement_declare == monde["eg_a"]
    log = journal_de(r).get()
    assert (log.code, log.acteur, log.etat_cible) == ("comptes.rattachement.demande", user, "en_attente")
    assert len(mail.outbox) == 1
    # the référent of the structure, the ARS of the region and the ANS admin; not the others
    assert set(mail.outbox[0].to) == {monde["ref_a"].email, monde["ars_na"].email, monde["admin"].email}
    assert structures_accessibles(user) == set()


def test_demander_pour_un_membre_de_ght_rattache_au_ght():
    ght = GHTFactory()
    membre = EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC)
    ght.membres.add(membre)
    r = services_demander(UserFactory(), Role.REFERENT_ES, EtablissementGeographiqueFactory(entite_juridique=membre))
    assert r.ght == ght and r.entite_juridique is None


def test_demander_un_role_d_agent_est_refuse(monde):
    avant = Rattachement.objects.count()
    with pytest.raises(WorkflowError):
        services_demander(UserFactory(), Role.REFERENT_ARS, monde["eg_a"])
    assert Rattachement.objects.count() == avant


def test_demander_deux_fois_est_refuse(monde):
    with pytest.raises(WorkflowError, match="déjà une demande"):
        services_demander(monde["demandeur"], Role.RSSI, monde["eg_a"])
    assert Rattachement.objects.filter(utilisateur=monde["demandeur"]).count() == 1


# --- confirm -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("decideur", ["ref_a", "ars_na", "admin"])
def test_confirmer_accorde_les_droits_journalise_et_previent(monde, decideur, django_capture_on_commit_callbacks):
    acteur, r = monde[decideur], monde["demande"]
    with django_capture_on_commit_callbacks(execute=True):
        services.rattachement_confirmer(rattachement=r, acteur=acteur)
    r.refresh_from_db()
    assert r.etat == Rattachement.Etat.CONFIRME and r.decide_par == acteur and r.decide_le
    log = journal_de(r).filter(code="comptes.rattachement.confirme").get()
    assert (log.acteur, log.etat_source, log.etat_cible) == (acteur, "en_attente", "confirme")
    demandeur = frais(monde["demandeur"])
    assert demandeur.has_perm("referentiel.acceder_structure", monde["ej_a"])
    assert not demandeur.has_perm("referentiel.acceder_structure", monde["ej_b"])
    assert demandeur.groups.filter(name=Role.RSSI).exists()
    assert [m.to for m in mail.outbox] == [[monde["demandeur"].email]]
    assert "confirmé" in mail.outbox[0].subject


@pytest.mark.parametrize("intrus", ["ref_b", "dsi_a", "ars_idf", "controleur", "demandeur"])
def test_confirmer_par_quelqu_un_sans_le_droit_ne_change_rien(monde, intrus, django_capture_on_commit_callbacks):
    r = monde["demande"]
    logs = TransitionLog.objects.count()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(WorkflowError) as exc:
        services.rattachement_confirmer(rattachement=r, acteur=monde[intrus])
    assert exc.value.code == "droit" and "droit" in exc.value.message
    r.refresh_from_db()
    assert r.etat == Rattachement.Etat.EN_ATTENTE and r.decide_par is None
    assert TransitionLog.objects.count() == logs
    assert structures_accessibles(monde["demandeur"]) == set()
    assert mail.outbox == []


@pytest.mark.parametrize("etat_final", ["confirmer", "refuser"])
def test_confirmer_un_rattachement_deja_traite_est_refuse(monde, etat_final):
    r = monde["demande"]
    if etat_final == "confirmer":
        services.rattachement_confirmer(rattachement=r, acteur=monde["admin"])
    else:
        services.rattachement_refuser(rattachement=r, acteur=monde["admin"], motif="Inconnu")
    logs = TransitionLog.objects.count()
    with pytest.raises(WorkflowError, match="déjà été traité") as exc:
        services.rattachement_confirmer(rattachement=r, acteur=monde["ref_a"])
    assert exc.value.code == "etat"
    assert TransitionLog.objects.count() == logs
    r.refresh_from_db()
    assert r.decide_par == monde["admin"]


def test_un_referent_de_ght_confirme_les_membres_de_son_ght(monde):
    ght = GHTFactory()
    membre = EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC)
    ght.membres.add(membre)
    ref_ght = creer_utilisateur_avec_role(Role.REFERENT_ES, structure=ght)
    r = services_demander(UserFactory(), Role.DSI, membre)
    services.rattachement_confirmer(rattachement=r, acteur=ref_ght)
    assert frais(r.utilisateur).has_perm("referentiel.acceder_structure", ght)
    # the référent of a plain EJ of the same region cannot
    r2 = services_demander(UserFactory(), Role.RSSI, membre)
    with pytest.raises(WorkflowError):
        services.rattachement_confirmer(rattachement=r2, acteur=monde["ref_a"])


# --- refuse ------------------------------------------------------------------------------------------

def test_refuser_journalise_le_motif_et_previent_sans_droits(monde, django_capture_on_commit_callbacks):
    r = monde["demande"]
    with django_capture_on_commit_callbacks(execute=True):
        services.rattachement_refuser(rattachement=r, acteur=monde["ars_na"], motif="  Personne inconnue du service. ")
    r.refresh_from_db()
    assert r.etat == Rattachement.Etat.REFUSE and r.motif == "Personne inconnue du service."
    log = journal_de(r).filter(code="comptes.rattachement.refuse").get()
    assert (log.acteur, log.etat_source, log.etat_cible, log.motif) == (
        monde["ars_na"], "en_attente", "refuse", "Personne inconnue du service.")
    assert structures_accessibles(monde["demandeur"]) == set()
    assert not frais(monde["demandeur"]).groups.exists()
    assert [m.to for m in mail.outbox] == [[monde["demandeur"].email]]
    assert "Personne inconnue du service." in mail.outbox[0].body


def test_refuser_sans_motif_est_refuse(monde):
    with pytest.raises(WorkflowError, match="motif") as exc:
        services.rattachement_refuser(rattachement=monde["demande"], acteur=monde["admin"], motif="   ")
    assert exc.value.code == "motif"
    monde["demande"].refresh_from_db()
    assert monde["demande"].etat == Rattachement.Etat.EN_ATTENTE


@pytest.mark.parametrize("intrus", ["ref_b", "dsi_a", "ars_idf", "controleur"])
def test_refuser_par_quelqu_un_sans_le_droit_ne_change_rien(monde, intrus):
    logs = TransitionLog.objects.count()
    with pytest.raises(WorkflowError) as exc:
        services.rattachement_refuser(rattachement=monde["demande"], acteur=monde[intrus], motif="Non")
    assert exc.value.code == "droit"
    monde["demande"].refresh_from_db()
    assert monde["demande"].etat == Rattachement.Etat.EN_ATTENTE
    assert TransitionLog.objects.count() == logs


def test_refuser_un_rattachement_confirme_est_refuse(monde):
    r = monde["demande"]
    services.rattachement_confirmer(rattachement=r, acteur=monde["admin"])
    with pytest.raises(WorkflowError) as exc:
        services.rattachement_refuser(rattachement=r, acteur=monde["admin"], motif="Trop tard")
    assert exc.value.code == "etat"
    r.refresh_from_db()
    assert r.etat == Rattachement.Etat.CONFIRME


# --- revoke ------------------------------------------------------------------------------------------

def test_revoquer_retire_les_droits_et_journalise(monde):
    r = monde["demande"]
    services.rattachement_confirmer(rattachement=r, acteur=monde["ref_a"])
    assert structures_accessibles(monde["demandeur"]) == {monde["ej_a"]}
    services.rattachement_revoquer(rattachement=r, acteur=monde["ars_na"], motif="A quitté l'établissement")
    r.refresh_from_db()
    assert r.etat == Rattachement.Etat.REVOQUE
    log = journal_de(r).filter(code="comptes.rattachement.revoque").get()
    assert (log.acteur, log.etat_source, log.etat_cible, log.motif) == (
        monde["ars_na"], "confirme", "revoque", "A quitté l'établissement")
    assert structures_accessibles(monde["demandeur"]) == set()
    assert not frais(monde["demandeur"]).groups.filter(name=Role.RSSI).exists()


def test_revoquer_un_role_garde_l_acces_donne_par_un_autre_role_sur_la_meme_structure(monde):
    dsi_a = monde["dsi_a"]
    services.rattachement_creer_confirme(utilisateur=dsi_a, role=Role.RSSI, acteur=None, structure=monde["ej_a"])
    r_dsi = Rattachement.objects.get(utilisateur=dsi_a, role=Role.DSI)
    services.rattachement_revoquer(rattachement=r_dsi, acteur=monde["admin"], motif="Changement de poste")
    assert structures_accessibles(dsi_a) == {monde["ej_a"]}  # still RSSI there
    assert not frais(dsi_a).groups.filter(name=Role.DSI).exists()
    assert frais(dsi_a).groups.filter(name=Role.RSSI).exists()


def test_revoquer_un_rattachement_en_attente_est_refuse(monde):
    logs = TransitionLog.objects.count()
    with pytest.raises(WorkflowError, match="confirmé") as exc:
        services.rattachement_revoquer(rattachement=monde["demande"], acteur=monde["admin"], motif="Non")
    assert exc.value.code == "etat"
    assert TransitionLog.objects.count() == logs


@pytest.mark.parametrize("intrus", ["ref_b", "dsi_a", "ars_idf", "controleur"])
def test_revoquer_par_quelqu_un_sans_le_droit_ne_change_rien(monde, intrus):
    r = Rattachement.objects.get(utilisateur=monde["ref_a"])
    with pytest.raises(WorkflowError) as exc:
        services.rattachement_revoquer(rattachement=r, acteur=monde[intrus], motif="Non")
    assert exc.value.code == "droit"
    r.refresh_from_db()
    assert r.etat == Rattachement.Etat.CONFIRME
    assert structures_accessibles(monde["ref_a"]) == {monde["ej_a"]}


def test_revoquer_sans_motif_est_refuse(monde):
    r = Rattachement.objects.get(utilisateur=monde["ref_a"])
    with pytest.raises(WorkflowError) as exc:
        services.rattachement_revoquer(rattachement=r, acteur=monde["admin"], motif="")
    assert exc.value.code == "motif"


# --- e-mail verification --------------------------------------------------------------------------

def test_verifier_l_adresse_une_seule_fois(monde):
    user = monde["demandeur"]
    jeton = services.jeton_verification(user)
    services.email_verifier(jeton=jeton)
    assert frais(user).email_verifie_le is not None
    assert journal_de(user).filter(code="comptes.user.email_verifie").count() == 1
    with pytest.raises(WorkflowError) as exc:
        services.email_verifier(jeton=jeton)
    assert exc.value.code == "utilise"
    assert journal_de(user).filter(code="comptes.user.email_verifie").count() == 1


def test_verifier_un_lien_expire_ou_falsifie_ne_change_rien(monde, settings):
    user = monde["demandeur"]
    with mock.patch("django.core.signing.time.time",
                    return_value=time.time() - (settings.CARE_VERIFICATION_EMAIL_HEURES * 3600 + 60)):
        vieux = services.jeton_verification(user)
    with pytest.raises(WorkflowError) as exc:
        services.email_verifier(jeton=vieux)
    assert exc.value.code == "expire"
    with pytest.raises(WorkflowError) as exc:
        services.email_verifier(jeton=services.jeton_verification(user)[:-2] + "xx")
    assert exc.value.code == "invalide"
    assert frais(user).email_verifie_le is None


# --- invitations -------------------------------------------------------------------------------------

def test_inviter_puis_accepter(monde, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        inv, jeton = services.invitation_creer(acteur=monde["ref_a"], email=" Signataire@Clinique-A.fr ",
                                               role=Role.SIGNATAIRE_ES, structure=monde["ej_a"])
    assert inv.email == "signataire@clinique-a.fr" and inv.jeton_hash != jeton
    assert journal_de(inv).filter(code="comptes.invitation.creee").exists()
    assert mail.outbox[0].to == ["signataire@clinique-a.fr"] and jeton in mail.outbox[0].body
    invite = UserFactory(email="signataire@clinique-a.fr")
    r = services.invitation_accepter(jeton=jeton, utilisateur=invite)
    assert (r.etat, r.role, r.entite_juridique) == (Rattachement.Etat.CONFIRME, Role.SIGNATAIRE_ES, monde["ej_a"])
    assert structures_accessibles(invite) == {monde["ej_a"]}
    assert frais(invite).email_verifie_le is not None
    with pytest.raises(WorkflowError) as exc:
        services.invitation_accepter(jeton=jeton, utilisateur=invite)
    assert exc.value.code == "utilise"


@pytest.mark.parametrize("intrus", ["dsi_a", "ref_b", "ars_na", "admin"])
def test_inviter_est_reserve_au_referent_de_la_structure(monde, intrus):
    with pytest.raises(WorkflowError) as exc:
        services.invitation_creer(acteur=monde[intrus], email="x@y.fr", role=Role.DSI, structure=monde["ej_a"])
    assert exc.value.code == "droit"
    assert not Invitation.objects.exists()


def test_inviter_un_role_d_agent_est_refuse(monde):
    with pytest.raises(WorkflowError):
        services.invitation_creer(acteur=monde["ref_a"], email="x@y.fr", role=Role.REFERENT_ARS,
                                  structure=monde["ej_a"])
    assert not Invitation.objects.exists()


def test_accepter_avec_un_autre_compte_ou_un_lien_expire_ne_change_rien(monde):
    inv, jeton = services.invitation_creer(acteur=monde["ref_a"], email="rssi@clinique-a.fr", role=Role.RSSI,
                                           structure=monde["ej_a"])
    autre = UserFactory(email="autre@clinique-a.fr")
    with pytest.raises(WorkflowError) as exc:
        services.invitation_accepter(jeton=jeton, utilisateur=autre)
    assert exc.value.code == "droit"
    Invitation.objects.filter(pk=inv.pk).update(expire_le=timezone.now() - timedelta(minutes=1))
    with pytest.raises(WorkflowError) as exc:
        services.invitation_accepter(jeton=jeton, utilisateur=UserFactory(email="rssi@clinique-a.fr"))
    assert exc.value.code == "expire"
    inv.refresh_from_db()
    assert inv.utilisee_le is None
    assert not Rattachement.objects.filter(role=Role.RSSI, entite_juridique=monde["ej_a"],
                                           etat=Rattachement.Etat.CONFIRME).exists()
