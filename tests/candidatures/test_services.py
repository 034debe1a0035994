"""Candidature services: every transition's happy path (state, log row, on-commit effects), wrong
state, wrong role; the window guard in Europe/Paris days; the instructing-ARS rule; completeness
refusals and bad bank details (nothing half-saved); one candidature per structure and call;
documents locked at submission; the prerequisite checker through the real selector."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from candidatures import selectors, services
from candidatures.models import Candidature, Recepisse, StructureSunes
from candidatures.regles import PREUVES_PREREQUIS, TypeCandidature
from care_portal.comptes.roles import Role
from care_portal.documents import services as documents_services
from care_portal.documents.models import Document
from care_portal.referentiel.models import StatutJuridique
from care_portal.workflow.services import WorkflowError
from tests.factories import (
    AppelFactory,
    EntiteJuridiqueFactory,
    EtablissementGeographiqueFactory,
    GHTFactory,
)

from . import donnees
from .donnees import (
    BIC_AUTRE_BANQUE,
    CHAMPS_COMPLETS,
    IBAN_CLE_FAUSSE,
    codes_du_journal,
    completer,
    deposer,
    dernier,
    rafraichir,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ej():
    ej = EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC, raison_sociale="Centre hospitalier de Libourne")
    EtablissementGeographiqueFactory(entite_juridique=ej, raison_sociale="Hôpital Robert Boulin")
    return ej


@pytest.fixture
def referent(ej):
    return donnees.referent(ej, prenom="Rose", nom="Référente")


@pytest.fixture
def ars():
    return donnees.ars("33", prenom="Agathe", nom="Instructrice")


@pytest.fixture
def brouillon(appel, ej, referent):
    return services.candidature_creer(structure=ej, appel=appel, acteur=referent)


@pytest.fixture
def deposee(brouillon, referent, ars, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        c = deposer(brouillon, referent)
    mail.outbox.clear()
    return c


def refus(fonction, **kwargs) -> WorkflowError:
    with pytest.raises(WorkflowError) as exc:
        fonction(**kwargs)
    return exc.value


# --- creation ------------------------------------------------------------------------------------------

def test_creer_ouvre_un_brouillon_journalise(appel, ej, referent):
    c = services.candidature_creer(structure=ej, appel=appel, acteur=referent)
    assert c.etat == Candidature.Etat.BROUILLON
    assert c.type_candidature == TypeCandidature.PUBLIC_HORS_GHT
    assert c.region_instructrice.nom == "Nouvelle-Aquitaine"
    assert c.referent_email == referent.email
    eg = ej.etablissements.get()
    # the public EJ, then its health EG (issue 17: D1.O1.B and D1.O2.A are judged per site)
    assert [(ligne.finess, ligne.etablissement_id) for ligne in c.perimetre.all()] == [
        (ej.finess, None), (eg.finess, eg.pk)]
    ligne = dernier(c, "candidatures.candidature.creee")
    assert ligne.acteur == referent and ligne.etat_cible == "brouillon"


@pytest.mark.parametrize("role", [Role.DSI, Role.RSSI, Role.SIGNATAIRE_ES])
def test_creer_refuse_a_qui_n_est_pas_referent(appel, ej, role):
    e = refus(services.candidature_creer, structure=ej, appel=appel, acteur=donnees.membre(role, ej))
    assert e.code == "droit" and "référent CaRE" in e.message
    assert not Candidature.objects.exists()


def test_creer_refuse_au_referent_d_une_autre_structure(appel, ej):
    autre = donnees.referent(EntiteJuridiqueFactory())
    assert refus(services.candidature_creer, structure=ej, appel=appel, acteur=autre).code == "droit"


def test_creer_apres_la_cloture_refuse(ej, referent):
    appel = AppelFactory(ouvert_depuis=60, ferme_dans=-1)
    e = refus(services.candidature_creer, structure=ej, appel=appel, acteur=referent)
    assert e.code == "fenetre" and "closes" in e.message


def test_seconde_candidature_meme_structure_meme_appel_refusee_en_francais(brouillon, appel, ej, referent):
    e = refus(services.candidature_creer, structure=ej, appel=appel, acteur=referent)
    assert e.code == "doublon"
    assert e.message == "Une candidature existe déjà pour cette structure et cet appel à financement."
    assert Candidature.objects.count() == 1
    assert codes_du_journal(brouillon) == ["candidatures.candidature.creee"]  # nothing added


def test_seconde_candidature_d_un_ght_refusee(appel):
    ght = GHTFactory()
    ref = donnees.referent(ght)
    services.candidature_creer(structure=ght, appel=appel, acteur=ref)
    assert refus(services.candidature_creer, structure=ght, appel=appel, acteur=ref).code == "doublon"
    # another call: allowed
    services.candidature_creer(structure=ght, appel=AppelFactory(), acteur=ref)
    assert Candidature.objects.filter(ght=ght).count() == 2


def test_un_ej_public_membre_d_un_ght_candidate_par_son_ght(appel):
    membre = EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC)
    ght = GHTFactory(membres=[membre])
    e = refus(services.candidature_creer, structure=membre, appel=appel, acteur=donnees.referent(membre))
    assert e.code == "structure" and ght.code in e.message and "support" in e.message


# --- saving the draft ------------------------------------------------------------------------------------

def test_enregistrer_normalise_l_iban_et_journalise(brouillon, referent):
    c = services.candidature_enregistrer(candidature=brouillon, acteur=referent,
                                         donnees={"iban": " fr76 3000 6000 0112 3456 7890 189 ", "dsi_nom": " D "})
    c = rafraichir(c)
    assert c.iban == "FR7630006000011234567890189" and c.dsi_nom == "D"
    assert dernier(c, "candidatures.candidature.enregistree").donnees == {"champs": ["dsi_nom", "iban"]}


def test_enregistrer_garde_un_iban_invalide_pour_ne_rien_perdre(brouillon, referent):
    services.candidature_enregistrer(candidature=brouillon, acteur=referent, donnees={"iban": IBAN_CLE_FAUSSE})
    assert rafraichir(brouillon).iban == IBAN_CLE_FAUSSE.replace(" ", "")


@pytest.mark.parametrize("qui", ["dsi", "rssi"])
def test_dsi_et_rssi_peuvent_enregistrer(brouillon, ej, qui):
    acteur = donnees.membre(Role.DSI if qui == "dsi" else Role.RSSI, ej)
    services.candidature_enregistrer(candidature=brouillon, acteur=acteur, donnees={"dsi_nom": "X"})
    assert rafraichir(brouillon).dsi_nom == "X"


@pytest.mark.parametrize("qui", ["autre_es", "ars", "ans", "signataire"])
def test_enregistrer_refuse_hors_de_l_etablissement(brouillon, ej, ars, qui):
    acteur = {"autre_es": lambda: donnees.referent(EntiteJuridiqueFactory()), "ars": lambda: ars,
              "ans": donnees.ans, "signataire": lambda: donnees.membre(Role.SIGNATAIRE_ES, ej)}[qui]()
    e = refus(services.candidature_enregistrer, candidature=brouillon, acteur=acteur, donnees={"dsi_nom": "X"})
    assert e.code == "droit"
    assert rafraichir(brouillon).dsi_nom == ""


def test_enregistrer_refuse_une_fois_deposee(deposee, referent):
    e = refus(services.candidature_enregistrer, candidature=deposee, acteur=referent, donnees={"dsi_nom": "X"})
    assert e.code == "etat" and "plus modifiable" in e.message


# --- submission ---------------------------------------------------------------------------------------

def test_deposer_transition_journal_documents_verrouilles_emails_et_recepisse(
        brouillon, referent, ars, django_capture_on_commit_callbacks):
    completer(brouillon, referent)
    with django_capture_on_commit_callbacks(execute=True) as rappels:
        services.candidature_deposer(candidature=brouillon, acteur=referent)
        assert not mail.outbox and not Recepisse.objects.exists()  # only once committed
    assert rappels
    c = rafraichir(brouillon)
    assert c.etat == Candidature.Etat.DEPOSEE
    assert c.deposee_le is not None and c.premiere_depose_le == c.deposee_le
    log = dernier(c, "candidatures.candidature.deposee")
    assert (log.acteur, log.etat_source, log.etat_cible) == (referent, "brouillon", "deposee")
    assert all(d.verrouille for d in selectors.documents_de(c))
    assert dernier(c, "documents.document.verrouille") is not None
    sujets = {m.subject: m.to for m in mail.outbox}
    assert sujets[f"[eCaRE] Candidature déposée : {c.structure_libelle}"] == [ars.email]
    assert sujets["[eCaRE] Votre candidature est déposée"] == [c.referent_email]
    corps_ars = next(m.body for m in mail.outbox if m.to == [ars.email])
    assert f"/candidatures/{c.pk}/" in corps_ars and c.structure_libelle in corps_ars
    recepisse = Recepisse.objects.get(candidature=c)
    assert recepisse.depot == c.deposee_le
    assert recepisse.document.categorie == "recepisse" and recepisse.document.verrouille


def test_deposer_deux_fois_refuse(deposee, referent):
    e = refus(services.candidature_deposer, candidature=deposee, acteur=referent)
    assert e.code == "etat"
    assert codes_du_journal(deposee).count("candidatures.candidature.deposee") == 1


@pytest.mark.parametrize("role", [Role.DSI, Role.RSSI, Role.SIGNATAIRE_ES])
def test_seul_le_referent_depose(brouillon, referent, ej, role):
    completer(brouillon, referent)
    e = refus(services.candidature_deposer, candidature=brouillon, acteur=donnees.membre(role, ej))
    assert e.code == "droit" and "référent CaRE" in e.message
    assert rafraichir(brouillon).etat == Candidature.Etat.BROUILLON


@pytest.mark.parametrize("qui", ["autre_es", "ars", "ans"])
def test_deposer_refuse_hors_de_l_etablissement(brouillon, referent, ars, qui):
    completer(brouillon, referent)
    acteur = {"autre_es": lambda: donnees.referent(EntiteJuridiqueFactory()), "ars": lambda: ars,
              "ans": donnees.ans}[qui]()
    assert refus(services.candidature_deposer, candidature=brouillon, acteur=acteur).code == "droit"


def _rien_de_depose(c: Candidature) -> None:
    c = rafraichir(c)
    assert c.etat == Candidature.Etat.BROUILLON and c.deposee_le is None
    assert "candidatures.candidature.deposee" not in codes_du_journal(c)
    assert not any(d.verrouille for d in selectors.documents_de(c))
    assert not Recepisse.objects.filter(candidature=c).exists()
    assert not mail.outbox


def test_deposer_incomplet_liste_ce_qui_manque_et_ne_change_rien(
        brouillon, referent, django_capture_on_commit_callbacks):
    documents_services.document_deposer(fichier=donnees.pdf("rib.pdf"), acteur=referent, proprietaire=brouillon,
                                        categorie="rib")
    with django_capture_on_commit_callbacks(execute=True):
        e = refus(services.candidature_deposer, candidature=brouillon, acteur=referent)
    assert e.code == "incomplet"
    assert e.message.startswith("La candidature est incomplète : ")
    for manque in ("Le nom du DSI est manquant.", "Le téléphone du RSSI est manquant.",
                   "Le nom du signataire est manquant.", "Le titulaire du compte est manquant.",
                   "L'IBAN est manquant ou invalide.", f"Prérequis de {brouillon.entite_juridique.raison_sociale}"):
        assert manque in e.message
    assert "RIB" not in e.message  # given
    _rien_de_depose(brouillon)


def test_deposer_sans_rib_refuse(brouillon, referent):
    completer(brouillon, referent, rib=False)
    e = refus(services.candidature_deposer, candidature=brouillon, acteur=referent)
    assert "Le RIB (relevé d'identité bancaire) n'est pas déposé." in e.message


def test_ght_sans_convention_constitutive_ni_decision_requise_refuse(appel):
    ght = GHTFactory()
    ref = donnees.referent(ght)
    c = services.candidature_creer(structure=ght, appel=appel, acteur=ref)
    services.candidature_enregistrer(candidature=c, acteur=ref,
                                     donnees={**CHAMPS_COMPLETS, "decision_support_requise": True})
    donnees.sunes(c)
    documents_services.document_deposer(fichier=donnees.pdf(), acteur=ref, proprietaire=c, categorie="rib")
    e = refus(services.candidature_deposer, candidature=c, acteur=ref)
    assert "La convention constitutive du GHT n'est pas déposée." in e.message
    assert "Le relevé de décision autorisant l'établissement support à candidater n'est pas déposé." in e.message


@pytest.mark.parametrize("banque, message_depot, message_banque", [
    ({"iban": IBAN_CLE_FAUSSE}, "L'IBAN est manquant ou invalide.",
     "L'IBAN est invalide : sa clé de contrôle ne correspond pas."),
    ({"bic": BIC_AUTRE_BANQUE}, "Le BIC est manquant, invalide ou ne correspond pas à l'IBAN.",
     "ne correspond pas à la banque de l'IBAN"),
])
def test_coordonnees_bancaires_fausses_refusees_au_depot(brouillon, referent, banque, message_depot, message_banque,
                                                         django_capture_on_commit_callbacks):
    from candidatures.banque import verifier_coordonnees

    completer(brouillon, referent, champs={**CHAMPS_COMPLETS, **banque})
    c = rafraichir(brouillon)
    v = verifier_coordonnees(c.iban, c.bic)
    assert message_banque in (v.erreur_iban or v.erreur_bic or "")  # what the form shows on the field
    with django_capture_on_commit_callbacks(execute=True):
        e = refus(services.candidature_deposer, candidature=c, acteur=referent)
    assert e.code == "incomplet" and message_depot in e.message
    _rien_de_depose(c)


# --- the window (Europe/Paris days) ---------------------------------------------------------------------

@pytest.fixture
def appel_janvier():
    """Candidatures from 10 to 15 January 2027 inclusive (winter: Paris = UTC+1)."""
    return AppelFactory(candidature_debut=datetime.date(2027, 1, 10), candidature_fin=datetime.date(2027, 1, 15))


def _a_l_instant(monkeypatch, instant: datetime.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: instant.astimezone(datetime.UTC))


@pytest.mark.parametrize("instant, accepte", [
    (donnees.instant_paris(2027, 1, 9, 23, 59, 30), False),   # the day before the opening
    (donnees.instant_paris(2027, 1, 10, 0, 0, 30), True),     # first day (still 9 January in UTC)
    (donnees.instant_paris(2027, 1, 15, 23, 59, 30), True),   # last day, last minute
    (donnees.instant_paris(2027, 1, 16, 0, 0, 30), False),    # the day after (still 15 January in UTC)
], ids=["veille", "premier-jour-utc-la-veille", "dernier-jour", "lendemain-utc-dernier-jour"])
def test_fenetre_de_depot_en_jours_de_paris(monkeypatch, appel_janvier, ej, referent, instant, accepte):
    c = services.candidature_creer(structure=ej, appel=appel_janvier, acteur=referent)
    completer(c, referent)
    _a_l_instant(monkeypatch, instant)
    if accepte:
        services.candidature_deposer(candidature=c, acteur=referent)
        assert rafraichir(c).etat == Candidature.Etat.DEPOSEE
    else:
        e = refus(services.candidature_deposer, candidature=c, acteur=referent)
        assert e.code == "fenetre"
        assert e.message == ("Le dépôt est possible du 10/01/2027 au 15/01/2027 : la fenêtre de candidature "
                             "est fermée.")
        assert rafraichir(c).etat == Candidature.Etat.BROUILLON


@pytest.mark.parametrize("ouvert_depuis, ferme_dans", [(-1, 20), (60, -1)], ids=["avant", "apres"])
def test_fenetre_avant_et_apres(ej, referent, ouvert_depuis, ferme_dans):
    appel = AppelFactory(ouvert_depuis=ouvert_depuis, ferme_dans=ferme_dans)
    c = Candidature.objects.create(appel=appel, entite_juridique=ej, type_candidature=services.type_de(ej),
                                   region_instructrice=services.region_instructrice_de(ej))
    completer(c, referent, prerequis=False)
    assert refus(services.candidature_deposer, candidature=c, acteur=referent).code == "fenetre"


def test_la_reponse_a_un_complement_reste_possible_apres_la_cloture(monkeypatch, appel_janvier, ej, referent, ars):
    _a_l_instant(monkeypatch, donnees.instant_paris(2027, 1, 12, 10, 0))
    c = services.candidature_creer(structure=ej, appel=appel_janvier, acteur=referent)
    completer(c, referent)
    services.candidature_deposer(candidature=c, acteur=referent)
    services.candidature_demander_complement(candidature=c, acteur=ars, message="Précisez le RSSI.")
    _a_l_instant(monkeypatch, donnees.instant_paris(2027, 1, 20, 10, 0))
    services.candidature_deposer(candidature=c, acteur=referent)
    assert rafraichir(c).etat == Candidature.Etat.DEPOSEE


# --- ARS instruction ---------------------------------------------------------------------------------

def test_demander_complement(deposee, ars, referent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.candidature_demander_complement(candidature=deposee, acteur=ars,
                                                 message="  Le RIB est illisible : déposez-en un autre.  ")
    c = rafraichir(deposee)
    assert c.etat == Candidature.Etat.COMPLEMENT_DEMANDE and c.motif == "Le RIB est illisible : déposez-en un autre."
    log = dernier(c, "candidatures.candidature.complement_demande")
    assert (log.acteur, log.motif, log.etat_source, log.etat_cible) == (
        ars, "Le RIB est illisible : déposez-en un autre.", "deposee", "complement_demande")
    assert len(mail.outbox) == 1
    assert referent.email in mail.outbox[0].to and c.referent_email in mail.outbox[0].to
    assert "Le RIB est illisible" in mail.outbox[0].body


def test_complement_sans_message_refuse(deposee, ars):
    assert refus(services.candidature_demander_complement, candidature=deposee, acteur=ars, message=" ").code == "motif"
    assert rafraichir(deposee).etat == Candidature.Etat.DEPOSEE


def test_l_etablissement_repond_au_complement(deposee, ars, referent, django_capture_on_commit_callbacks):
    services.candidature_demander_complement(candidature=deposee, acteur=ars, message="Ajoutez le RIB signé.")
    premier = rafraichir(deposee).premiere_depose_le
    # while the complement is asked, the ES may edit again
    services.candidature_enregistrer(candidature=deposee, acteur=referent, donnees={"rssi_nom": "Nouveau RSSI"})
    with django_capture_on_commit_callbacks(execute=True):
        services.candidature_deposer(candidature=deposee, acteur=referent)
    c = rafraichir(deposee)
    assert c.etat == Candidature.Etat.DEPOSEE and c.premiere_depose_le == premier and c.deposee_le > premier
    log = dernier(c, "candidatures.candidature.deposee")
    assert (log.etat_source, log.etat_cible) == ("complement_demande", "deposee")
    assert Recepisse.objects.filter(candidature=c).count() == 2  # one per submission
    assert any(m.to == [ars.email] for m in mail.outbox)


def test_declarer_complete(deposee, ars, referent, django_capture_on_commit_callbacks):
    controleur = donnees.ans(Role.CONTROLEUR_ANS)
    admin = donnees.ans(Role.ADMIN_ANS)
    with django_capture_on_commit_callbacks(execute=True):
        services.candidature_declarer_complete(candidature=deposee, acteur=ars)
    c = rafraichir(deposee)
    assert c.etat == Candidature.Etat.COMPLETE and c.decidee_le is not None
    log = dernier(c, "candidatures.candidature.declaree_complete")
    assert (log.acteur, log.etat_source, log.etat_cible) == (ars, "deposee", "complete")
    destinataires = {m.subject: set(m.to) for m in mail.outbox}
    assert referent.email in destinataires["[eCaRE] Votre candidature est complète"]
    assert destinataires[f"[eCaRE] Candidature complète : {c.structure_libelle}"] == {controleur.email, admin.email}


def test_rejeter_avec_motif(deposee, ars, referent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.candidature_rejeter(candidature=deposee, acteur=ars, motif="Structure hors périmètre D1.")
    c = rafraichir(deposee)
    assert c.etat == Candidature.Etat.REJETEE and c.motif == "Structure hors périmètre D1."
    log = dernier(c, "candidatures.candidature.rejetee")
    assert (log.acteur, log.motif, log.etat_cible) == (ars, "Structure hors périmètre D1.", "rejetee")
    assert len(mail.outbox) == 1 and "Structure hors périmètre D1." in mail.outbox[0].body


def test_rejet_sans_motif_refuse(deposee, ars):
    e = refus(services.candidature_rejeter, candidature=deposee, acteur=ars, motif="")
    assert e.code == "motif" and "motif du rejet est obligatoire" in e.message
    assert rafraichir(deposee).etat == Candidature.Etat.DEPOSEE


ACTIONS_ARS = {
    "complement": (services.candidature_demander_complement, {"message": "Précisez."}),
    "complete": (services.candidature_declarer_complete, {}),
    "rejet": (services.candidature_rejeter, {"motif": "Hors périmètre."}),
}


@pytest.mark.parametrize("action", list(ACTIONS_ARS))
@pytest.mark.parametrize("qui", ["ars_autre_region", "controleur_ans", "admin_ans", "referent_es"])
def test_instruire_refuse_a_qui_n_est_pas_l_ars_instructrice(deposee, referent, action, qui):
    acteur = {"ars_autre_region": lambda: donnees.ars("75"), "controleur_ans": lambda: donnees.ans(),
              "admin_ans": lambda: donnees.ans(Role.ADMIN_ANS), "referent_es": lambda: referent}[qui]()
    fonction, kwargs = ACTIONS_ARS[action]
    e = refus(fonction, candidature=deposee, acteur=acteur, **kwargs)
    assert e.code == "droit" and "Seule l'ARS instructrice" in e.message
    assert rafraichir(deposee).etat == Candidature.Etat.DEPOSEE


@pytest.mark.parametrize("action", list(ACTIONS_ARS))
def test_instruire_un_brouillon_refuse(brouillon, ars, action):
    fonction, kwargs = ACTIONS_ARS[action]
    e = refus(fonction, candidature=brouillon, acteur=ars, **kwargs)
    assert e.code == "etat" and "Cette action n'est pas possible dans l'état actuel du dossier" in e.message
    assert codes_du_journal(brouillon) == ["candidatures.candidature.creee"]


@pytest.mark.parametrize("action", ["complement", "complete", "rejet"])
def test_instruire_une_candidature_deja_complete_refuse(deposee, ars, action):
    services.candidature_declarer_complete(candidature=deposee, acteur=ars)
    fonction, kwargs = ACTIONS_ARS[action]
    assert refus(fonction, candidature=deposee, acteur=ars, **kwargs).code == "etat"
    assert rafraichir(deposee).etat == Candidature.Etat.COMPLETE


# --- withdrawal ---------------------------------------------------------------------------------------

def test_retirer_un_brouillon_sans_prevenir_l_ars(brouillon, referent, ars, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.candidature_retirer(candidature=brouillon, acteur=referent, motif="Doublon interne.")
    c = rafraichir(brouillon)
    assert c.etat == Candidature.Etat.RETIREE and c.motif == "Doublon interne."
    assert dernier(c, "candidatures.candidature.retiree").etat_source == "brouillon"
    assert not mail.outbox


def test_retirer_une_candidature_deposee_previent_l_ars(deposee, referent, ars, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.candidature_retirer(candidature=deposee, acteur=referent, motif="Projet reporté.")
    assert rafraichir(deposee).etat == Candidature.Etat.RETIREE
    assert [m.to for m in mail.outbox] == [[ars.email]]
    assert "Projet reporté." in mail.outbox[0].body and f"/candidatures/{deposee.pk}/" in mail.outbox[0].body


def test_retirer_une_candidature_complete_refuse(deposee, referent, ars):
    services.candidature_declarer_complete(candidature=deposee, acteur=ars)
    e = refus(services.candidature_retirer, candidature=deposee, acteur=referent)
    assert e.code == "etat" and e.message == "Une candidature complète ou rejetée ne peut plus être retirée."


@pytest.mark.parametrize("qui", ["dsi", "ars"])
def test_retirer_refuse_a_qui_n_est_pas_referent(deposee, ej, ars, qui):
    acteur = donnees.membre(Role.DSI, ej) if qui == "dsi" else ars
    assert refus(services.candidature_retirer, candidature=deposee, acteur=acteur).code == "droit"
    assert rafraichir(deposee).etat == Candidature.Etat.DEPOSEE


# --- the instructing ARS ------------------------------------------------------------------------------

def test_ght_a_cheval_sur_deux_regions_instruit_par_la_region_du_support(appel):
    support = EntiteJuridiqueFactory(dep="33", statut=StatutJuridique.PUBLIC)  # Nouvelle-Aquitaine
    membres = [EntiteJuridiqueFactory(dep="75", statut=StatutJuridique.PUBLIC) for _ in range(2)]  # Île-de-France
    ght = GHTFactory(support=support, membres=membres, region=donnees.region("75"))
    c = services.candidature_creer(structure=ght, appel=appel, acteur=donnees.referent(ght))
    assert c.region_instructrice == donnees.region("33")
    assert c.type_candidature == TypeCandidature.GHT and c.entite_juridique == support
    assert {ligne.finess for ligne in c.perimetre.all()} == {support.finess, *(m.finess for m in membres)}
    ars_support, ars_membres = donnees.ars("33"), donnees.ars("75")
    assert selectors.candidatures_pour(ars_support).filter(pk=c.pk).exists()
    assert not selectors.candidatures_pour(ars_membres).filter(pk=c.pk).exists()
    assert services.peut_instruire(ars_support, c) and not services.peut_instruire(ars_membres, c)


def test_ej_privee_avec_des_etablissements_dans_deux_regions_instruite_par_la_region_de_l_ej(appel):
    ej = EntiteJuridiqueFactory(dep="69", statut=StatutJuridique.PRIVE_LUCRATIF)  # Auvergne-Rhône-Alpes
    EtablissementGeographiqueFactory(entite_juridique=ej, dep="69")
    EtablissementGeographiqueFactory(entite_juridique=ej, dep="13")  # Provence-Alpes-Côte d'Azur
    c = services.candidature_creer(structure=ej, appel=appel, acteur=donnees.referent(ej))
    assert c.region_instructrice == donnees.region("69") != donnees.region("13")
    assert c.type_candidature == TypeCandidature.PRIVE_LUCRATIF
    assert c.perimetre.count() == 2


def test_ght_sans_support_refuse_en_francais(appel):
    ght = GHTFactory()
    ref = donnees.referent(ght)
    type(ght).objects.filter(pk=ght.pk).update(support=None)
    ght.refresh_from_db()
    e = refus(services.candidature_creer, structure=ght, appel=appel, acteur=ref)
    assert "pas d'établissement support" in e.message
    assert not Candidature.objects.exists()


# --- documents at submission ------------------------------------------------------------------------

def test_documents_verrouilles_au_depot_ni_remplaces_ni_supprimes(deposee, referent):
    rib = next(d for d in selectors.documents_de(deposee) if d.categorie == "rib")
    assert rib.verrouille
    e = refus(documents_services.document_remplacer, document=rib, fichier=donnees.pdf("autre.pdf"), acteur=referent)
    assert e.code == "verrouille" and "ne peut plus être remplacé" in e.message
    e = refus(documents_services.document_supprimer, document=rib, acteur=referent)
    assert e.code == "verrouille"
    rib.refresh_from_db()
    assert rib.nom_original == "rib.pdf" and rib.supprime_le is None


def test_pas_de_nouvelle_version_tant_que_la_candidature_est_deposee(deposee, referent):
    rib = next(d for d in selectors.documents_de(deposee) if d.categorie == "rib")
    e = refus(documents_services.document_deposer, fichier=donnees.pdf("rib-v2.pdf"), acteur=referent,
              proprietaire=deposee, categorie="rib", remplace=rib)
    assert e.code == "droit"
    assert Document.objects.filter(categorie="rib").count() == 1


def test_nouvelle_version_pendant_un_complement_l_ancienne_reste(deposee, referent, ars, ej):
    services.candidature_demander_complement(candidature=deposee, acteur=ars, message="RIB illisible.")
    rib = next(d for d in selectors.documents_de(deposee) if d.categorie == "rib")
    dsi = donnees.membre(Role.DSI, ej)
    v2 = documents_services.document_deposer(fichier=donnees.pdf("rib-v2.pdf"), acteur=dsi, proprietaire=deposee,
                                             categorie="rib", remplace=rib)
    assert v2.version == 2 and not v2.verrouille
    rib.refresh_from_db()
    assert rib.verrouille and rib.supprime_le is None
    courants = [d.pk for d in selectors.documents_de(deposee) if d.categorie == "rib"]
    assert courants == [v2.pk]
    # the locked old version still cannot be replaced in place
    assert refus(documents_services.document_remplacer, document=rib, fichier=donnees.pdf(), acteur=dsi).code == \
        "verrouille"


# --- prerequisites through the real selector -------------------------------------------------------

def _ght_a_trois(appel):
    support = EntiteJuridiqueFactory(activite_combinee=Decimal("600"), raison_sociale="CHU support")
    grand = EntiteJuridiqueFactory(activite_combinee=Decimal("300"), raison_sociale="CH grand")
    petit = EntiteJuridiqueFactory(activite_combinee=Decimal("100"), raison_sociale="CH petit")
    ght = GHTFactory(support=support, membres=[grand, petit])
    ref = donnees.referent(ght)
    return services.candidature_creer(structure=ght, appel=appel, acteur=ref), ref, support, grand, petit


def test_prerequis_sunes_et_preuves_deposees(appel):
    c, ref, support, grand, petit = _ght_a_trois(appel)
    StructureSunes.objects.create(finess=support.finess, libelle="CHU support")
    resultat = selectors.prerequis(c)
    par_finess = {v.structure.finess: v for v in resultat.verdicts}
    assert par_finess[support.finess].requise and par_finess[support.finess].satisfaite  # SUN-ES list
    assert par_finess[grand.finess].requise and not par_finess[grand.finess].satisfaite  # 600 + 300 = 90 %
    assert not par_finess[petit.finess].requise
    assert par_finess[grand.finess].preuves_manquantes == tuple(PREUVES_PREREQUIS)
    assert not resultat.ok

    ligne = c.perimetre.get(finess=grand.finess)
    for categorie in list(PREUVES_PREREQUIS)[:-1]:
        documents_services.document_deposer(fichier=donnees.pdf(f"{categorie}.pdf"), acteur=ref, proprietaire=ligne,
                                            categorie=categorie)
    resultat = selectors.prerequis(c)
    verdict = next(v for v in resultat.verdicts if v.structure.finess == grand.finess)
    assert verdict.preuves_manquantes == ("attestation_audit_exposition",)
    manque = [m for s in selectors.completude(c) for m in s.manquants if m.startswith("Prérequis")]
    assert manque == [f"Prérequis de CH grand ({grand.finess}) : attestation d'audit de cybersurveillance "
                      "(exposition sur internet) de moins de 2 ans."]

    documents_services.document_deposer(fichier=donnees.pdf("audit.pdf"), acteur=ref, proprietaire=ligne,
                                        categorie="attestation_audit_exposition")
    # the attestation alone is not enough: the date of the audit it certifies (less than 2 years)
    verdict = next(v for v in selectors.prerequis(c).verdicts if v.structure.finess == grand.finess)
    assert verdict.preuves_manquantes == () and not verdict.satisfaite
    assert verdict.motifs == ("date de l'audit de cybersurveillance non indiquée (l'attestation doit dater de "
                              "moins de 2 ans)",)
    aujourd_hui = timezone.localdate()
    services.perimetre_dater_audit(ligne=ligne, acteur=ref, date_audit=aujourd_hui.replace(year=aujourd_hui.year - 2))
    assert not selectors.prerequis(c).ok  # exactly 2 years: too old
    services.perimetre_dater_audit(ligne=ligne, acteur=ref,
                                   date_audit=aujourd_hui.replace(year=aujourd_hui.year - 2) + datetime.timedelta(days=1))
    assert selectors.prerequis(c).ok
    assert "candidatures.candidature.audit_date_indiquee" in codes_du_journal(c)
    e = refus(services.perimetre_dater_audit, ligne=ligne, acteur=ref,
              date_audit=aujourd_hui + datetime.timedelta(days=1))
    assert e.code == "date" and "futur" in e.message
    autre = donnees.referent(EntiteJuridiqueFactory())
    assert refus(services.perimetre_dater_audit, ligne=ligne, acteur=autre, date_audit=aujourd_hui).code == "droit"


def test_une_preuve_deposee_sur_une_autre_ligne_ne_compte_pas(appel):
    c, ref, support, grand, petit = _ght_a_trois(appel)
    StructureSunes.objects.create(finess=support.finess)
    ligne_petit = c.perimetre.get(finess=petit.finess)
    for categorie in PREUVES_PREREQUIS:
        documents_services.document_deposer(fichier=donnees.pdf(), acteur=ref, proprietaire=ligne_petit,
                                            categorie=categorie)
    assert not selectors.prerequis(c).ok


def test_preuve_refusee_sur_la_ligne_d_une_autre_structure(appel):
    c, ref, *_ = _ght_a_trois(appel)
    autre = donnees.referent(EntiteJuridiqueFactory())
    e = refus(documents_services.document_deposer, fichier=donnees.pdf(), acteur=autre,
              proprietaire=c.perimetre.first(), categorie="pssi")
    assert e.code == "droit"
    assert not Document.objects.exists()


def test_categorie_inattendue_refusee(brouillon, referent):
    e = refus(documents_services.document_deposer, fichier=donnees.pdf(), acteur=referent, proprietaire=brouillon,
              categorie="pssi")  # a proof belongs to a perimeter line, not to the candidature
    assert e.code == "categorie"
