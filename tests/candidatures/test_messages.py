"""Messaging on the dossier: who may write (the ES members, the instructing ARS, the ANS), the e-mail
notice to the other side, attachments through the documents service (all or nothing), and who may
see them."""

from __future__ import annotations

import pytest
from django.core import mail
from django.http import Http404

from candidatures import services
from candidatures.models import Message
from care_portal.comptes.roles import Role
from care_portal.documents import acces
from care_portal.documents import selectors as documents_selectors
from care_portal.documents import services as documents_services
from care_portal.documents.models import Document
from care_portal.referentiel.models import StatutJuridique
from care_portal.workflow.services import WorkflowError
from tests.documents import contenus
from tests.factories import AppelFactory, EntiteJuridiqueFactory

from . import donnees
from .donnees import codes_du_journal, dernier, fichiers_stockes

pytestmark = pytest.mark.django_db


@pytest.fixture
def ej():
    return EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC, raison_sociale="Centre hospitalier d'Arcachon")


@pytest.fixture
def referent(ej):
    return donnees.referent(ej, prenom="Rose", nom="Référente")


@pytest.fixture
def dsi(ej):
    return donnees.membre(Role.DSI, ej, prenom="Denis", nom="Dsi")


@pytest.fixture
def ars():
    return donnees.ars("33", prenom="Agathe", nom="Instructrice")


@pytest.fixture
def candidature(ej, referent, ars, django_capture_on_commit_callbacks):
    c = services.candidature_creer(structure=ej, appel=AppelFactory(), acteur=referent)
    with django_capture_on_commit_callbacks(execute=True):
        c = donnees.deposer(c, referent)
    mail.outbox.clear()
    return c


def envoyer(capture, **kwargs) -> Message:
    with capture(execute=True):
        return services.message_envoyer(**kwargs)


# --- who writes, who is told ------------------------------------------------------------------------------

def test_un_membre_de_l_es_ecrit_l_ars_est_prevenue(candidature, dsi, ars, referent,
                                                    django_capture_on_commit_callbacks):
    m = envoyer(django_capture_on_commit_callbacks, candidature=candidature, acteur=dsi,
                corps="  Bonjour, notre RSSI change au 1er mars.  ")
    assert (m.cote, m.auteur, m.corps) == (Message.Cote.ES, dsi, "Bonjour, notre RSSI change au 1er mars.")
    assert m.auteur_est_es and m.auteur_libelle == "Centre hospitalier d'Arcachon"
    log = dernier(candidature, "candidatures.message.envoye")
    assert log.acteur == dsi and log.donnees == {"message": m.pk, "cote": "es", "pieces_jointes": []}
    assert len(mail.outbox) == 1
    notice = mail.outbox[0]
    assert notice.to == [ars.email]
    assert notice.subject == "[eCaRE] Nouveau message sur la candidature Centre hospitalier d'Arcachon"
    assert "Denis Dsi" in notice.body and f"/candidatures/{candidature.pk}/#section-messages" in notice.body
    assert "RSSI change" not in notice.body  # the content stays on the portal


def test_l_ars_ecrit_l_etablissement_est_prevenu(candidature, ars, referent, dsi, django_capture_on_commit_callbacks):
    m = envoyer(django_capture_on_commit_callbacks, candidature=candidature, acteur=ars, corps="Merci de préciser.")
    assert m.cote == Message.Cote.ARS and m.auteur_libelle == "ARS Nouvelle-Aquitaine"
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {referent.email, dsi.email, candidature.referent_email}
    assert ars.email not in mail.outbox[0].to


def test_l_ans_rejoint_le_fil_et_en_est_ensuite_prevenue(candidature, ars, referent,
                                                         django_capture_on_commit_callbacks):
    controleur = donnees.ans(Role.CONTROLEUR_ANS)
    m = envoyer(django_capture_on_commit_callbacks, candidature=candidature, acteur=controleur,
                corps="L'ANS suit ce dossier.")
    assert m.cote == Message.Cote.ANS and m.auteur_libelle == "Agence du Numérique en Santé"
    assert set(mail.outbox[0].to) == {referent.email, candidature.referent_email, ars.email}
    mail.outbox.clear()
    envoyer(django_capture_on_commit_callbacks, candidature=candidature, acteur=referent, corps="Bien noté.")
    assert set(mail.outbox[0].to) == {ars.email, controleur.email}


def test_on_peut_ecrire_des_le_brouillon(ej, referent, ars, django_capture_on_commit_callbacks):
    c = services.candidature_creer(structure=ej, appel=AppelFactory(), acteur=referent)
    envoyer(django_capture_on_commit_callbacks, candidature=c, acteur=referent, corps="Une question avant dépôt.")
    assert [m.to for m in mail.outbox] == [[ars.email]]


@pytest.mark.parametrize("qui", ["autre_es", "autre_ars", "signataire", "sans_role"])
def test_ecrire_refuse_aux_autres(candidature, ej, qui, django_capture_on_commit_callbacks):
    from tests.factories import UserFactory

    acteur = {"autre_es": lambda: donnees.referent(EntiteJuridiqueFactory()),
              "autre_ars": lambda: donnees.ars("75"),
              "signataire": lambda: donnees.membre(Role.SIGNATAIRE_ES, ej),
              "sans_role": UserFactory}[qui]()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(WorkflowError) as exc:
        services.message_envoyer(candidature=candidature, acteur=acteur, corps="Bonjour.",
                                 fichiers=[donnees.pdf("note.pdf")])
    assert exc.value.code == "droit"
    assert exc.value.message == "Seuls l'établissement, l'ARS instructrice et l'ANS peuvent écrire sur ce dossier."
    assert not Message.objects.exists() and not Document.objects.filter(categorie="piece_jointe").exists()
    assert "candidatures.message.envoye" not in codes_du_journal(candidature)
    assert not mail.outbox


@pytest.mark.parametrize("corps, code", [("", "motif"), ("   \n ", "motif"), ("x" * 10_001, "valeur")])
def test_message_vide_ou_trop_long_refuse(candidature, referent, corps, code):
    with pytest.raises(WorkflowError) as exc:
        services.message_envoyer(candidature=candidature, acteur=referent, corps=corps)
    assert exc.value.code == code
    assert not Message.objects.exists()


# --- attachments --------------------------------------------------------------------------------------

def test_pieces_jointes_documents_du_message(candidature, dsi, ars, referent, django_capture_on_commit_callbacks):
    m = envoyer(django_capture_on_commit_callbacks, candidature=candidature, acteur=dsi, corps="Voici l'organigramme.",
                fichiers=[donnees.pdf("organigramme.pdf"), donnees.pdf("tableau.xlsx", contenus.xlsx())])
    pieces = list(documents_selectors.documents_du_proprietaire(m))
    assert [(d.nom_original, d.categorie, d.depose_par) for d in pieces] == [
        ("organigramme.pdf", "piece_jointe", dsi), ("tableau.xlsx", "piece_jointe", dsi)]
    assert [p["nom"] for p in dernier(candidature, "candidatures.message.envoye").donnees["pieces_jointes"]] == [
        "organigramme.pdf", "tableau.xlsx"]
    assert "2 pièces jointes" in mail.outbox[0].body
    # seen by the dossier's people, not by another structure or region
    for user in (referent, ars, donnees.ans(Role.ADMIN_ANS)):
        assert documents_selectors.document_pour(user, pieces[0].pk) == pieces[0]
    for user in (donnees.referent(EntiteJuridiqueFactory()), donnees.ars("75")):
        with pytest.raises(Http404):
            documents_selectors.document_pour(user, pieces[0].pk)


def test_une_piece_jointe_refusee_refuse_tout_le_message(candidature, referent, stockage,
                                                         django_capture_on_commit_callbacks):
    avant = fichiers_stockes(stockage)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(WorkflowError) as exc:
        services.message_envoyer(candidature=candidature, acteur=referent, corps="Deux pièces.", fichiers=[
            donnees.pdf("bon.pdf"), donnees.pdf("facture.pdf", contenus.HTML_RENOMME)])
    assert exc.value.code == "type" and "page web (HTML)" in exc.value.message
    assert not Message.objects.exists()
    assert not Document.objects.filter(categorie="piece_jointe").exists()
    assert fichiers_stockes(stockage) == avant  # the good file's bytes were erased too
    assert "candidatures.message.envoye" not in codes_du_journal(candidature)
    assert not mail.outbox


@pytest.mark.parametrize("mauvais, code", [
    (lambda: donnees.pdf("outil.pdf", contenus.EXE_WINDOWS), "type"),
    (lambda: donnees.pdf("vide.pdf", b""), "vide"),
    (lambda: donnees.pdf("../../etc/\x00", contenus.pdf()), "nom"),
])
def test_pieces_jointes_mal_formees_refusees(candidature, referent, mauvais, code):
    with pytest.raises(WorkflowError) as exc:
        services.message_envoyer(candidature=candidature, acteur=referent, corps="Pièce.", fichiers=[mauvais()])
    assert exc.value.code == code
    assert not Message.objects.exists()


def test_l_auteur_ne_peut_plus_ajouter_de_piece_apres_l_envoi(candidature, referent,
                                                               django_capture_on_commit_callbacks):
    m = envoyer(django_capture_on_commit_callbacks, candidature=candidature, acteur=referent, corps="Sans pièce.")
    assert not acces.acces_pour(Message).proprietaires_deposables(referent).exists()
    with pytest.raises(WorkflowError) as exc:
        documents_services.document_deposer(fichier=donnees.pdf(), acteur=referent, proprietaire=m,
                                            categorie="piece_jointe")
    assert exc.value.code == "droit"
    assert not Document.objects.filter(categorie="piece_jointe").exists()
