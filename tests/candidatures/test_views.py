"""Candidature pages (views.py): wiring, status codes and permissions for every view × role, and the
bad inputs of the issue at the view level (French message, nothing half-saved). The business rules
themselves are tested on the services and the pure rules (test_regles.py)."""

from __future__ import annotations

import datetime
import html as html_lib

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from candidatures import services
from candidatures.models import Candidature, Message
from care_portal.comptes.roles import Role
from care_portal.documents.models import Document
from care_portal.referentiel.models import StatutJuridique
from care_portal.workflow.models import TransitionLog
from tests.comptes.helpers import agent_verifie, connecter, creer_utilisateur_avec_role, region_de_test
from tests.documents import contenus
from tests.factories import AppelFactory, EntiteJuridiqueFactory, EtablissementGeographiqueFactory, GHTFactory

from .donnees import (
    BIC_AUTRE_BANQUE,
    BIC_VALIDE,
    CHAMPS_COMPLETS,
    IBAN_CLE_FAUSSE,
    IBAN_VALIDE,
    completer,
    deposer,
)
from .donnees import pdf as fichier

pytestmark = pytest.mark.django_db


def se_connecter(client, user) -> None:
    """Agents need an OTP-verified session; ES users a plain login."""
    from care_portal.comptes.selectors import habilitations

    if habilitations(user).est_agent:
        agent_verifie(client, user)
    else:
        connecter(client, user)


def texte(reponse) -> str:
    """The page's HTML with entities decoded (Django escapes apostrophes)."""
    return html_lib.unescape(reponse.content.decode())


def messages_de(reponse) -> list[str]:
    return [str(m) for m in get_messages(reponse.wsgi_request)]


def journal(c: Candidature) -> int:
    return TransitionLog.objects.filter(object_id=str(c.pk), content_type__model="candidature").count()


@pytest.fixture
def ej():
    ej = EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC, raison_sociale="Centre hospitalier de Libourne")
    EtablissementGeographiqueFactory(entite_juridique=ej, raison_sociale="Hôpital Robert Boulin")
    return ej


@pytest.fixture
def referent(ej):
    return creer_utilisateur_avec_role(Role.REFERENT_ES, structure=ej, prenom="Rose", nom="Référente")


@pytest.fixture
def candidature(appel, ej, referent):
    return services.candidature_creer(structure=ej, appel=appel, acteur=referent)


@pytest.fixture
def ars():
    return creer_utilisateur_avec_role(Role.REFERENT_ARS, region=region_de_test("33"), prenom="Agathe",
                                       nom="Instructrice")


# The seven profiles of the permission matrix.
PROFILS = ["referent", "dsi", "autre_es", "ars", "autre_ars", "ans", "anonyme"]


@pytest.fixture
def profils(ej, referent, ars):
    return {
        "referent": referent,
        "dsi": creer_utilisateur_avec_role(Role.DSI, structure=ej),
        "autre_es": creer_utilisateur_avec_role(Role.REFERENT_ES, structure=EntiteJuridiqueFactory()),
        "ars": ars,
        "autre_ars": creer_utilisateur_avec_role(Role.REFERENT_ARS, region=region_de_test("75")),
        "ans": creer_utilisateur_avec_role(Role.CONTROLEUR_ANS),
        "anonyme": None,
    }


def en_tant_que(client, profils, profil: str):
    user = profils[profil]
    if user is not None:
        se_connecter(client, user)
    return user


def est_vers_connexion(reponse) -> bool:
    return reponse.status_code == 302 and reponse["Location"].startswith(reverse("comptes:connexion"))


# --- the permission matrix: every view × every profile ---------------------------------------------------

GET_ATTENDU = {
    # view: {profile: status}; 302 = the login page for the anonymous user
    "detail": dict(referent=200, dsi=200, autre_es=404, ars=200, autre_ars=404, ans=200, anonyme=302),
    "retirer": dict(referent=200, dsi=403, autre_es=404, ars=403, autre_ars=403, ans=403, anonyme=302),
}


@pytest.mark.parametrize("profil", PROFILS)
@pytest.mark.parametrize("vue", list(GET_ATTENDU))
def test_pages_du_dossier_par_profil(client, candidature, profils, vue, profil):
    en_tant_que(client, profils, profil)
    reponse = client.get(reverse(f"candidatures:{vue}", args=[candidature.pk]))
    attendu = GET_ATTENDU[vue][profil]
    if attendu == 302:
        assert est_vers_connexion(reponse)
    else:
        assert reponse.status_code == attendu


@pytest.mark.parametrize("profil", PROFILS)
def test_mes_candidatures_par_profil(client, appel, profils, profil):
    en_tant_que(client, profils, profil)
    reponse = client.get(reverse("candidatures:mes_candidatures"))
    attendu = dict(referent=200, dsi=200, autre_es=200, ars=403, autre_ars=403, ans=403, anonyme=302)[profil]
    assert est_vers_connexion(reponse) if attendu == 302 else reponse.status_code == attendu


@pytest.mark.parametrize("profil", PROFILS)
def test_file_par_profil(client, profils, profil):
    en_tant_que(client, profils, profil)
    reponse = client.get(reverse("candidatures:file"))
    attendu = dict(referent=403, dsi=403, autre_es=403, ars=200, autre_ars=200, ans=200, anonyme=302)[profil]
    assert est_vers_connexion(reponse) if attendu == 302 else reponse.status_code == attendu


# POST actions on a draft (ES) or a submitted candidature (ARS): who gets through, who is refused and how.
# "ok" = the action ran (a redirect to the dossier and a new log row).
ACTIONS_ES = {
    "enregistrer": dict(referent="ok", dsi="ok", autre_es=404, ars=403, autre_ars=403, ans=403, anonyme=302),
    "deposer": dict(referent="ok", dsi=403, autre_es=404, ars=403, autre_ars=403, ans=403, anonyme=302),
    "retirer": dict(referent="ok", dsi=403, autre_es=404, ars=403, autre_ars=403, ans=403, anonyme=302),
    "perimetre_ajuster": dict(referent="ok", dsi=403, autre_es=404, ars=403, autre_ars=403, ans=403,
                              anonyme=302),
}
ACTIONS_MESSAGE = {
    "message_envoyer": dict(referent="ok", dsi="ok", autre_es=404, ars="ok", autre_ars=404, ans="ok", anonyme=302),
}
ACTIONS_ARS = {
    "demander_complement": dict(referent=403, dsi=403, autre_es=403, ars="ok", autre_ars=404, ans=403,
                                anonyme=302),
    "declarer_complete": dict(referent=403, dsi=403, autre_es=403, ars="ok", autre_ars=404, ans=403, anonyme=302),
    "rejeter": dict(referent=403, dsi=403, autre_es=403, ars="ok", autre_ars=404, ans=403, anonyme=302),
}
DONNEES_ACTION = {
    "enregistrer": {"brouillon": "1", "dsi_nom": "Denis Dsi"},
    "deposer": {},
    "retirer": {"retrait-motif": "Projet abandonné"},
    "perimetre_ajuster": {"activite": "1200,50", "inclus": "on", "motif": "Fusion de deux sites en 2024"},
    "demander_complement": {"complement-motif": "Le RIB n'est pas lisible."},
    "declarer_complete": {},
    "rejeter": {"rejet-motif": "Structure hors du champ du programme."},
    "message_envoyer": {"message-corps": "Bonjour, une question sur le périmètre."},
}


def _url_action(vue: str, c: Candidature) -> str:
    if vue == "perimetre_ajuster":
        return reverse("candidatures:perimetre_ajuster", args=[c.pk, c.perimetre.first().pk])
    return reverse(f"candidatures:{vue}", args=[c.pk])


def _donnees(vue: str, c: Candidature) -> dict:
    donnees = dict(DONNEES_ACTION[vue])
    if vue == "perimetre_ajuster":
        donnees = {f"ligne-{c.perimetre.first().pk}-{k}": v for k, v in donnees.items()}
    return donnees


@pytest.mark.parametrize("profil", PROFILS)
@pytest.mark.parametrize("vue", list(ACTIONS_ES) + list(ACTIONS_ARS) + list(ACTIONS_MESSAGE))
def test_actions_par_profil(client, candidature, referent, profils, vue, profil):
    if vue in ACTIONS_ARS or vue in ACTIONS_MESSAGE:
        candidature = deposer(candidature, referent)
    else:
        candidature = completer(candidature, referent)
    attendu = (ACTIONS_ES | ACTIONS_ARS | ACTIONS_MESSAGE)[vue][profil]
    etat, lignes = candidature.etat, journal(candidature)
    en_tant_que(client, profils, profil)
    reponse = client.post(_url_action(vue, candidature), _donnees(vue, candidature))
    apres = Candidature.objects.get(pk=candidature.pk)
    if attendu == "ok":
        assert reponse.status_code == 302, texte(reponse)[:2000]
        assert reponse["Location"].startswith(reverse("candidatures:detail", args=[candidature.pk]))
        assert journal(apres) > lignes
        return
    assert not Message.objects.exists()
    if attendu == 302:
        assert est_vers_connexion(reponse)
    else:
        assert reponse.status_code == attendu
    assert apres.etat == etat and journal(apres) == lignes  # nothing changed


@pytest.mark.parametrize("vue", list(ACTIONS_ES) + list(ACTIONS_ARS) + ["message_envoyer"])
def test_actions_refusent_get(client, candidature, referent, ars, vue):
    se_connecter(client, ars if vue in ACTIONS_ARS else referent)
    if vue == "retirer":
        return  # GET shows the confirmation page (test_pages_du_dossier_par_profil)
    assert client.get(_url_action(vue, candidature)).status_code == 405


def test_les_boutons_viennent_de_la_machine_a_etats(client, candidature, referent, profils):
    # draft: the ES saves and submits; the ARS has no instruction action
    se_connecter(client, referent)
    html = texte(client.get(reverse("candidatures:detail", args=[candidature.pk])))
    assert "Enregistrer le brouillon" in html and "Déposer la candidature" in html and "Retirer la candidature" in html
    assert "Demander un complément" not in html
    candidature = deposer(candidature, referent)
    html = texte(client.get(reverse("candidatures:detail", args=[candidature.pk])))
    assert "Enregistrer le brouillon" not in html and "Déposer la candidature" not in html
    assert "Retirer la candidature" in html
    # submitted: the region's ARS gets the three actions, the ANS none
    se_connecter(client, profils["ars"])
    html = texte(client.get(reverse("candidatures:detail", args=[candidature.pk])))
    assert all(b in html for b in ("Demander un complément", "Déclarer la candidature complète",
                                   "Rejeter la candidature"))
    se_connecter(client, profils["ans"])
    reponse = client.get(reverse("candidatures:detail", args=[candidature.pk]))
    html = texte(reponse)
    assert reponse.context["actions"] == {"message"}  # the ANS may join the thread, nothing else
    assert "lecture seule" in html and "Demander un complément" not in html and "Déclarer la candidature" not in html
    # the DSI edits a draft but does not submit it
    ej2 = EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC)
    c2 = services.candidature_creer(structure=ej2, appel=candidature.appel,
                                    acteur=creer_utilisateur_avec_role(Role.REFERENT_ES, structure=ej2))
    dsi = creer_utilisateur_avec_role(Role.DSI, structure=c2.entite_juridique)
    se_connecter(client, dsi)
    reponse = client.get(reverse("candidatures:detail", args=[c2.pk]))
    assert reponse.context["actions"] == {"enregistrer", "message"}


# --- ES: open the candidature ----------------------------------------------------------------------------

def test_ouvrir_ma_candidature(client, appel, ej, referent):
    se_connecter(client, referent)
    reponse = client.post(reverse("candidatures:creer"), {"structure": f"ej:{ej.pk}", "appel": appel.pk})
    c = Candidature.objects.get()
    assert reponse.status_code == 302 and reponse["Location"] == reverse("candidatures:detail", args=[c.pk])
    assert (c.entite_juridique, c.appel, c.etat, c.cree_par) == (ej, appel, "brouillon", referent)
    html = texte(client.get(reverse("candidatures:mes_candidatures")))
    assert "Ouvrir ma candidature" not in html and reverse("candidatures:detail", args=[c.pk]) in html


def test_seconde_candidature_refusee(client, appel, ej, referent, candidature):
    se_connecter(client, referent)
    reponse = client.post(reverse("candidatures:creer"), {"structure": f"ej:{ej.pk}", "appel": appel.pk},
                          follow=True)
    assert "Une candidature existe déjà pour cette structure et cet appel à financement." in messages_de(reponse) \
        or "Une candidature existe déjà" in texte(reponse)
    assert Candidature.objects.count() == 1


def test_ouvrir_pour_une_autre_structure_refuse(client, appel, referent):
    autre = EntiteJuridiqueFactory()
    se_connecter(client, referent)
    reponse = client.post(reverse("candidatures:creer"), {"structure": f"ej:{autre.pk}", "appel": appel.pk})
    assert reponse.status_code == 302 and not Candidature.objects.exists()
    reponse = client.post(reverse("candidatures:creer"), {"structure": "ej:abc", "appel": "x"})
    assert reponse.status_code == 302 and not Candidature.objects.exists()


def test_ouvrir_apres_la_cloture_refuse(client, ej, referent):
    ferme = AppelFactory(ouvert_depuis=60, ferme_dans=-30)
    se_connecter(client, referent)
    reponse = client.post(reverse("candidatures:creer"), {"structure": f"ej:{ej.pk}", "appel": ferme.pk})
    assert reponse.status_code == 302 and not Candidature.objects.exists()
    assert any("closes" in m for m in messages_de(reponse))


def test_mes_candidatures_sans_appel_ouvert(client, referent):
    AppelFactory(ouvert_depuis=60, ferme_dans=-30)
    se_connecter(client, referent)
    html = texte(client.get(reverse("candidatures:mes_candidatures")))
    assert "Aucun appel à financement n'accepte de candidature" in html and "Ouvrir ma candidature" not in html


def test_dsi_ne_peut_pas_ouvrir_mais_voit_la_candidature(client, appel, ej, candidature):
    dsi = creer_utilisateur_avec_role(Role.DSI, structure=ej)
    se_connecter(client, dsi)
    assert client.post(reverse("candidatures:creer"), {"structure": f"ej:{ej.pk}", "appel": appel.pk}).status_code == 403
    html = texte(client.get(reverse("candidatures:mes_candidatures")))
    assert reverse("candidatures:detail", args=[candidature.pk]) in html


def test_ght_ouvert_par_le_referent_du_ght(client, appel):
    ght = GHTFactory(support=EntiteJuridiqueFactory(raison_sociale="CHU de Bordeaux"))
    referent = creer_utilisateur_avec_role(Role.REFERENT_ES, structure=ght)
    se_connecter(client, referent)
    client.post(reverse("candidatures:creer"), {"structure": f"ght:{ght.pk}", "appel": appel.pk})
    c = Candidature.objects.get()
    assert c.ght == ght and c.est_ght
    html = texte(client.get(reverse("candidatures:detail", args=[c.pk])))
    assert "Pièces du GHT" in html and "Convention constitutive du GHT" in html


# --- ES: the draft ---------------------------------------------------------------------------------------

def test_brouillon_enregistre_meme_incomplet(client, candidature, referent):
    se_connecter(client, referent)
    reponse = client.post(reverse("candidatures:enregistrer", args=[candidature.pk]),
                          {"brouillon": "1", "dsi_nom": "Denis Dsi", "dsi_email": "dsi@ch-libourne.fr"})
    assert reponse.status_code == 302
    assert "Brouillon enregistré." in messages_de(reponse)
    c = Candidature.objects.get(pk=candidature.pk)
    assert (c.dsi_nom, c.dsi_email, c.etat) == ("Denis Dsi", "dsi@ch-libourne.fr", "brouillon")
    html = texte(client.get(reverse("candidatures:detail", args=[c.pk])))
    assert "Section incomplète" in html and "Le téléphone du DSI est manquant." in html


def test_iban_a_la_cle_fausse_enregistre_et_signale_sur_le_champ(client, candidature, referent):
    se_connecter(client, referent)
    reponse = client.post(reverse("candidatures:enregistrer", args=[candidature.pk]), {
        "brouillon": "1", "titulaire_compte": "CH de Libourne", "iban": IBAN_CLE_FAUSSE, "bic": BIC_VALIDE,
        "rssi_nom": "Rachida Rssi",
    })
    assert reponse.status_code == 302
    assert any("clé de contrôle" in m for m in messages_de(reponse))
    c = Candidature.objects.get(pk=candidature.pk)
    assert c.iban == IBAN_CLE_FAUSSE.replace(" ", "") and c.rssi_nom == "Rachida Rssi"  # nothing typed is lost
    reponse = client.get(reverse("candidatures:detail", args=[c.pk]))
    form = reponse.context["form"]
    assert form.errors["iban"] == ["L'IBAN est invalide : sa clé de contrôle ne correspond pas."]
    html = texte(reponse)
    assert 'aria-invalid="true"' in html and 'id="id_iban-erreurs"' in html
    assert "L'IBAN est manquant ou invalide." in html


def test_bic_d_une_autre_banque_signale(client, candidature, referent):
    se_connecter(client, referent)
    client.post(reverse("candidatures:enregistrer", args=[candidature.pk]),
                {"brouillon": "1", "iban": IBAN_VALIDE, "bic": BIC_AUTRE_BANQUE})
    c = Candidature.objects.get(pk=candidature.pk)
    assert c.bic == BIC_AUTRE_BANQUE
    reponse = client.get(reverse("candidatures:detail", args=[c.pk]))
    assert "ne correspond pas à la banque de l'IBAN" in reponse.context["form"].errors["bic"][0]
    assert "iban" not in reponse.context["form"].errors


def test_champ_invalide_les_autres_sont_enregistres(client, candidature, referent):
    se_connecter(client, referent)
    reponse = client.post(reverse("candidatures:enregistrer", args=[candidature.pk]), {
        "brouillon": "1", "dsi_nom": "Denis Dsi", "dsi_email": "pas-une-adresse", "iban": "X" * 40,
    })
    assert reponse.status_code == 200
    html = texte(reponse)
    assert "Brouillon enregistré, sauf les champs en erreur" in html
    assert 'value="pas-une-adresse"' in html  # what was typed is still in the form
    c = Candidature.objects.get(pk=candidature.pk)
    assert c.dsi_nom == "Denis Dsi" and c.dsi_email == "" and c.iban == ""


def test_piece_deposee_avec_le_brouillon(client, candidature, referent):
    se_connecter(client, referent)
    reponse = client.post(reverse("candidatures:enregistrer", args=[candidature.pk]),
                          {"brouillon": "1", "piece-rib": fichier(nom="RIB CH Libourne.pdf")})
    assert reponse.status_code == 302
    doc = Document.objects.get()
    assert (doc.categorie, doc.proprietaire, doc.nom_original) == ("rib", candidature, "RIB CH Libourne.pdf")
    html = texte(client.get(reverse("candidatures:detail", args=[candidature.pk])))
    assert reverse("documents:telecharger", args=[doc.pk]) in html and doc.sha256[:12] in html
    # a second file for the draft's piece replaces the first in place (not yet locked)
    client.post(reverse("candidatures:enregistrer", args=[candidature.pk]),
                {"brouillon": "1", "piece-rib": fichier("RIB corrigé.docx", contenus.docx())})
    assert Document.objects.get().nom_original == "RIB corrigé.docx"


def test_preuve_de_prerequis_deposee_pour_une_ligne(client, candidature, referent):
    ligne = candidature.perimetre.get(etablissement__isnull=True)  # the public EJ's own line
    site = candidature.perimetre.get(etablissement__isnull=False)
    se_connecter(client, referent)
    html = texte(client.get(reverse("candidatures:detail", args=[candidature.pk])))
    assert f'name="piece-{ligne.pk}-pssi"' in html
    assert f'name="piece-{site.pk}-pssi"' not in html  # a public EJ's prerequisites are the EJ's alone
    client.post(reverse("candidatures:enregistrer", args=[candidature.pk]),
                {"brouillon": "1", f"piece-{ligne.pk}-pssi": fichier(nom="PSSI.pdf")})
    doc = Document.objects.get()
    assert (doc.proprietaire, doc.categorie) == (ligne, "pssi")


@pytest.mark.parametrize("contenu, nom, message", [
    (b"<!DOCTYPE html><html><body>faux</body></html>", "rib.pdf", "type"),
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "rib.exe", "type"),
    (b"", "rib.pdf", "vide"),
])
def test_fichier_refuse_message_francais_et_rien_de_stocke(client, candidature, referent, contenu, nom, message):
    se_connecter(client, referent)
    reponse = client.post(reverse("candidatures:enregistrer", args=[candidature.pk]),
                          {"brouillon": "1", "dsi_nom": "Denis Dsi", "piece-rib": fichier(nom, contenu)})
    assert reponse.status_code == 200
    html = texte(reponse)
    assert 'id="piece-rib-erreur"' in html and "fr-message--error" in html
    assert reponse.context["pieces"][0].erreur  # the service's French message, on the input
    assert not Document.objects.exists()
    assert Candidature.objects.get(pk=candidature.pk).dsi_nom == "Denis Dsi"


def test_fichier_trop_volumineux(client, settings, candidature, referent):
    settings.CARE_DOCUMENTS_TAILLE_MAX = 1024
    se_connecter(client, referent)
    reponse = client.post(reverse("candidatures:enregistrer", args=[candidature.pk]),
                          {"brouillon": "1", "piece-rib": fichier("rib.pdf", b"%PDF-1.7\n" + b"0" * 5000)})
    assert reponse.status_code == 200
    assert "trop volumineux" in reponse.context["pieces"][0].erreur
    assert not Document.objects.exists()


def test_piece_inattendue_refusee(client, candidature, referent):
    se_connecter(client, referent)
    reponse = client.post(reverse("candidatures:enregistrer", args=[candidature.pk]),
                          {"brouillon": "1", "piece-999999-pssi": fichier(), "piece-virus": fichier()})
    assert reponse.status_code == 200 and not Document.objects.exists()


def test_brouillon_d_une_candidature_deposee_refuse(client, candidature, referent):
    c = deposer(candidature, referent)
    lignes = journal(c)
    se_connecter(client, referent)
    reponse = client.post(reverse("candidatures:enregistrer", args=[c.pk]), {"brouillon": "1", "dsi_nom": "Autre"})
    assert reponse.status_code == 400
    assert "plus modifiable" in texte(reponse)
    assert Candidature.objects.get(pk=c.pk).dsi_nom == "Denis Dsi" and journal(c) == lignes


# --- ES: the perimeter ---------------------------------------------------------------------------------

def test_ajuster_le_perimetre(client, candidature, referent):
    ligne = candidature.perimetre.get(etablissement__isnull=True)
    se_connecter(client, referent)
    reponse = client.post(reverse("candidatures:perimetre_ajuster", args=[candidature.pk, ligne.pk]), {
        f"ligne-{ligne.pk}-activite": "1 234,50", f"ligne-{ligne.pk}-inclus": "on",
        f"ligne-{ligne.pk}-motif": "Activité 2023 consolidée",
    })
    assert reponse.status_code == 302
    ligne.refresh_from_db()
    assert (str(ligne.activite_combinee), ligne.motif_ajustement) == ("1234.50", "Activité 2023 consolidée")


def test_site_d_une_ej_publique_au_perimetre_sans_prerequis_propres(client, candidature, referent):
    """A public EJ's EG (issue 17) is listed in the perimeter and may be adjusted; the prerequisites table
    lists it only once excluded, never as « Exclue du périmètre » while it is in."""
    site = candidature.perimetre.get(etablissement__isnull=False)
    se_connecter(client, referent)
    html = texte(client.get(reverse("candidatures:detail", args=[candidature.pk])))
    assert reverse("candidatures:perimetre_ajuster", args=[candidature.pk, site.pk]) in html
    assert "Exclue du périmètre" not in html
    reponse = client.post(reverse("candidatures:perimetre_ajuster", args=[candidature.pk, site.pk]), {
        f"ligne-{site.pk}-activite": "500", f"ligne-{site.pk}-motif": "Site fermé en 2024",
    })
    assert reponse.status_code == 302
    site.refresh_from_db()
    assert (site.inclus, site.motif_ajustement) == (False, "Site fermé en 2024")
    assert "Exclue du périmètre" in texte(client.get(reverse("candidatures:detail", args=[candidature.pk])))


@pytest.mark.parametrize("activite, motif, attendu", [
    ("1200", "", "Indiquez le motif de l'ajustement du périmètre."),
    ("beaucoup", "Fusion", "L'activité combinée doit être un nombre."),
    ("-5", "Fusion", "L'activité combinée doit être positive, avec au plus 2 décimales."),
])
def test_ajustement_refuse(client, candidature, referent, activite, motif, attendu):
    ligne = candidature.perimetre.get(etablissement__isnull=True)
    avant = (ligne.activite_combinee, ligne.motif_ajustement, journal(candidature))
    se_connecter(client, referent)
    reponse = client.post(reverse("candidatures:perimetre_ajuster", args=[candidature.pk, ligne.pk]), {
        f"ligne-{ligne.pk}-activite": activite, f"ligne-{ligne.pk}-motif": motif,
    })
    assert reponse.status_code == 400
    assert attendu in texte(reponse)
    ligne.refresh_from_db()
    assert (ligne.activite_combinee, ligne.motif_ajustement, journal(candidature)) == avant


def test_ligne_d_une_autre_candidature_404(client, appel, candidature, referent):
    ej2 = EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC)
    autre = services.candidature_creer(structure=ej2, appel=appel,
                                       acteur=creer_utilisateur_avec_role(Role.REFERENT_ES, structure=ej2))
    se_connecter(client, referent)
    url = reverse("candidatures:perimetre_ajuster", args=[candidature.pk, autre.perimetre.get().pk])
    assert client.post(url, {}).status_code == 404


# --- ES: submit, answer, withdraw ------------------------------------------------------------------------

def test_deposer_une_candidature_complete(client, candidature, referent, django_capture_on_commit_callbacks):
    completer(candidature, referent)
    se_connecter(client, referent)
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(reverse("candidatures:deposer", args=[candidature.pk]))
    assert reponse.status_code == 302
    c = Candidature.objects.get(pk=candidature.pk)
    assert c.etat == "deposee" and c.deposee_le
    assert Document.objects.get(categorie="rib").verrouille


def test_deposer_avec_le_brouillon_enregistre_d_abord(client, candidature, referent):
    completer(candidature, referent)
    se_connecter(client, referent)
    reponse = client.post(reverse("candidatures:deposer", args=[candidature.pk]),
                          {**CHAMPS_COMPLETS, "brouillon": "1", "dsi_telephone": "05 57 99 99 99"})
    assert reponse.status_code == 302
    c = Candidature.objects.get(pk=candidature.pk)
    assert c.etat == "deposee" and c.dsi_telephone == "05 57 99 99 99"


def test_deposer_incomplet_liste_ce_qui_manque(client, candidature, referent):
    completer(candidature, referent, rib=False)
    lignes = journal(candidature)
    se_connecter(client, referent)
    reponse = client.post(reverse("candidatures:deposer", args=[candidature.pk]))
    assert reponse.status_code == 400
    alerte = reponse.context["alerte"]
    assert alerte["titre"] == "La candidature n'a pas été déposée"
    assert alerte["liste"] == ["Le RIB (relevé d'identité bancaire) n'est pas déposé."]
    assert 'role="alert"' in texte(reponse)
    c = Candidature.objects.get(pk=candidature.pk)
    assert c.etat == "brouillon" and journal(c) == lignes


def test_deposer_avec_un_iban_faux_refuse(client, candidature, referent):
    completer(candidature, referent)
    services.candidature_enregistrer(candidature=candidature, acteur=referent, donnees={"iban": IBAN_CLE_FAUSSE})
    se_connecter(client, referent)
    reponse = client.post(reverse("candidatures:deposer", args=[candidature.pk]))
    assert reponse.status_code == 400
    assert "L'IBAN est manquant ou invalide." in reponse.context["alerte"]["liste"]
    assert Candidature.objects.get(pk=candidature.pk).etat == "brouillon"


def test_deposer_hors_fenetre_refuse(client, candidature, referent):
    completer(candidature, referent)
    appel = candidature.appel
    appel.candidature_debut = timezone.localdate() - datetime.timedelta(days=60)
    appel.candidature_fin = timezone.localdate() - datetime.timedelta(days=1)
    appel.save()
    lignes = journal(candidature)
    se_connecter(client, referent)
    reponse = client.post(reverse("candidatures:deposer", args=[candidature.pk]))
    assert reponse.status_code == 400
    assert "la fenêtre de candidature est fermée" in reponse.context["alerte"]["message"]
    c = Candidature.objects.get(pk=candidature.pk)
    assert c.etat == "brouillon" and journal(c) == lignes and not Document.objects.get().verrouille


def test_repondre_a_un_complement(client, candidature, referent, ars):
    c = deposer(candidature, referent)
    services.candidature_demander_complement(candidature=c, acteur=ars, message="Le RIB est illisible.")
    se_connecter(client, referent)
    reponse = client.get(reverse("candidatures:detail", args=[c.pk]))
    html = texte(reponse)
    assert "L'ARS demande un complément" in html and "Le RIB est illisible." in html
    assert "Déposer le complément" in html and reponse.context["editable"]
    # a new version of the locked RIB, then submit again
    reponse = client.post(reverse("candidatures:deposer", args=[c.pk]),
                          {"brouillon": "1", **CHAMPS_COMPLETS, "piece-rib": fichier(nom="RIB lisible.pdf")})
    assert reponse.status_code == 302
    assert Candidature.objects.get(pk=c.pk).etat == "deposee"
    ancien, nouveau = Document.objects.order_by("version")
    assert (ancien.version, nouveau.version, nouveau.remplace) == (1, 2, ancien)


def test_retirer_avec_confirmation(client, candidature, referent):
    se_connecter(client, referent)
    html = texte(client.get(reverse("candidatures:retirer", args=[candidature.pk])))
    assert "Confirmer le retrait" in html
    reponse = client.post(reverse("candidatures:retirer", args=[candidature.pk]), {"retrait-motif": "Abandon"})
    assert reponse.status_code == 302
    c = Candidature.objects.get(pk=candidature.pk)
    assert (c.etat, c.motif) == ("retiree", "Abandon")


def test_retirer_une_candidature_complete_refuse(client, candidature, referent, ars):
    c = deposer(candidature, referent)
    services.candidature_declarer_complete(candidature=c, acteur=ars)
    lignes = journal(c)
    se_connecter(client, referent)
    html = texte(client.get(reverse("candidatures:retirer", args=[c.pk])))
    assert "Retrait impossible" in html and "Confirmer le retrait" not in html
    reponse = client.post(reverse("candidatures:retirer", args=[c.pk]), {})
    assert reponse.status_code == 400
    assert "ne peut plus être retirée" in texte(reponse)
    assert Candidature.objects.get(pk=c.pk).etat == "complete" and journal(c) == lignes


# --- ARS: instruction --------------------------------------------------------------------------------------

def test_ars_voit_prerequis_documents_et_historique(client, candidature, referent, ars):
    c = deposer(candidature, referent)
    se_connecter(client, ars)
    reponse = client.get(reverse("candidatures:detail", args=[c.pk]))
    html = texte(reponse)
    assert "Résultat du contrôle des prérequis par structure" in html
    assert "Entité juridique candidate — prérequis validés dans SUN-ES" in html
    doc = Document.objects.get(categorie="rib")
    assert reverse("documents:telecharger", args=[doc.pk]) in html and doc.sha256[:12] in html
    etats = [e for e in reponse.context["chronologie"] if e.genre == "etat"]
    assert [e.titre for e in etats] == ["Candidature déposée", "Candidature ouverte"]
    assert etats[0].acteur == "Rose Référente" and etats[0].etat_cible == "Déposée"


def test_demander_un_complement(client, candidature, referent, ars):
    c = deposer(candidature, referent)
    se_connecter(client, ars)
    reponse = client.post(reverse("candidatures:demander_complement", args=[c.pk]),
                          {"complement-motif": "Joindre la PSSI signée."})
    assert reponse.status_code == 302
    c = Candidature.objects.get(pk=c.pk)
    assert (c.etat, c.motif) == ("complement_demande", "Joindre la PSSI signée.")
    html = texte(client.get(reverse("candidatures:detail", args=[c.pk])))
    assert "Complément demandé par l'ARS" in html and "Joindre la PSSI signée." in html


@pytest.mark.parametrize("vue, donnees, message", [
    ("demander_complement", {"complement-motif": "  "}, "Précisez ce que l'établissement doit compléter."),
    ("rejeter", {"rejet-motif": ""}, "Le motif du rejet est obligatoire"),
])
def test_motif_obligatoire(client, candidature, referent, ars, vue, donnees, message):
    c = deposer(candidature, referent)
    lignes = journal(c)
    se_connecter(client, ars)
    reponse = client.post(reverse(f"candidatures:{vue}", args=[c.pk]), donnees)
    assert reponse.status_code == 400
    assert message in texte(reponse)
    assert Candidature.objects.get(pk=c.pk).etat == "deposee" and journal(c) == lignes


@pytest.mark.parametrize("vue, donnees", [
    ("declarer_complete", {}), ("rejeter", {"rejet-motif": "Hors champ"}),
    ("demander_complement", {"complement-motif": "PSSI"}),
])
def test_action_ars_dans_le_mauvais_etat_alerte_sans_changement(client, candidature, ars, vue, donnees):
    lignes = journal(candidature)
    se_connecter(client, ars)
    reponse = client.post(reverse(f"candidatures:{vue}", args=[candidature.pk]), donnees)
    assert reponse.status_code == 400
    assert reponse.context["alerte"]["niveau"] == "error" and "état actuel" in reponse.context["alerte"]["message"]
    assert Candidature.objects.get(pk=candidature.pk).etat == "brouillon" and journal(candidature) == lignes


def test_ars_d_une_autre_region_ne_peut_pas_agir(client, candidature, referent, django_capture_on_commit_callbacks):
    c = deposer(candidature, referent)
    lignes = journal(c)
    mail.outbox.clear()
    autre = creer_utilisateur_avec_role(Role.REFERENT_ARS, region=region_de_test("75"))
    se_connecter(client, autre)
    for vue, donnees in (("declarer_complete", {}), ("rejeter", {"rejet-motif": "x"}),
                         ("demander_complement", {"complement-motif": "x"})):
        with django_capture_on_commit_callbacks(execute=True):
            reponse = client.post(reverse(f"candidatures:{vue}", args=[c.pk]), donnees)
        assert reponse.status_code == 404
        assert "Page introuvable" in texte(reponse) or "introuvable" in texte(reponse)
    assert Candidature.objects.get(pk=c.pk).etat == "deposee" and journal(c) == lignes and not mail.outbox


def test_declarer_complete_puis_rejeter_impossible(client, candidature, referent, ars):
    c = deposer(candidature, referent)
    se_connecter(client, ars)
    assert client.post(reverse("candidatures:declarer_complete", args=[c.pk])).status_code == 302
    assert Candidature.objects.get(pk=c.pk).etat == "complete"
    reponse = client.get(reverse("candidatures:detail", args=[c.pk]))
    assert not reponse.context["instructeur"] and "Candidature complète" in texte(reponse)
    assert client.post(reverse("candidatures:rejeter", args=[c.pk]), {"rejet-motif": "x"}).status_code == 400
    assert Candidature.objects.get(pk=c.pk).etat == "complete"


def test_rejeter(client, candidature, referent, ars):
    c = deposer(candidature, referent)
    se_connecter(client, ars)
    client.post(reverse("candidatures:rejeter", args=[c.pk]), {"rejet-motif": "Structure hors du champ."})
    se_connecter(client, referent)
    html = texte(client.get(reverse("candidatures:detail", args=[c.pk])))
    assert "Candidature rejetée par l'ARS" in html and "Structure hors du champ." in html


# --- timeline ---------------------------------------------------------------------------------------------

def test_historique_en_francais_le_plus_recent_d_abord(client, candidature, referent, ars):
    c = deposer(candidature, referent)
    services.candidature_demander_complement(candidature=c, acteur=ars, message="PSSI manquante")
    services.candidature_enregistrer(candidature=c, acteur=referent, donnees={"dsi_nom": "A"})
    services.candidature_enregistrer(candidature=c, acteur=referent, donnees={"dsi_nom": "B"})
    services.candidature_deposer(candidature=c, acteur=referent)
    services.candidature_declarer_complete(candidature=c, acteur=ars)
    se_connecter(client, ars)
    evenements = client.get(reverse("candidatures:detail", args=[c.pk])).context["chronologie"]
    titres = [e.titre for e in evenements if e.genre == "etat"]
    assert titres == [
        "Candidature déclarée complète par l'ARS", "Complément déposé : candidature de nouveau déposée",
        "Complément demandé par l'ARS", "Candidature déposée", "Candidature ouverte",
    ]
    complement = next(e for e in evenements if e.titre == "Complément demandé par l'ARS")
    assert (complement.motif, complement.acteur, complement.etat_cible) == (
        "PSSI manquante", "Agathe Instructrice", "Complément demandé")
    brouillons = [e for e in evenements if e.code == "candidatures.candidature.enregistree"]
    assert brouillons[0].repetitions == 2  # two successive saves, one line
    assert all(a.le >= b.le for a, b in zip(evenements, evenements[1:], strict=False))
    assert any(e.titre.startswith("Document déposé : rib.pdf") for e in evenements)



# --- messages -------------------------------------------------------------------------------------------

def test_message_avec_piece_jointe_et_e_mail_a_l_ars(client, candidature, referent, ars,
                                                     django_capture_on_commit_callbacks):
    c = deposer(candidature, referent)
    mail.outbox.clear()
    se_connecter(client, referent)
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(reverse("candidatures:message_envoyer", args=[c.pk]), {
            "message-corps": "Voici l'organigramme à jour.",
            "message-pieces_jointes": [fichier("organigramme.pdf"), fichier("annexe.pdf", contenus.docx())],
        })
    assert reponse.status_code == 302 and reponse["Location"].endswith("#messages")
    m = Message.objects.get()
    assert (m.auteur, m.cote, m.corps) == (referent, "es", "Voici l'organigramme à jour.")
    pieces = Document.objects.filter(categorie="piece_jointe")
    assert {d.nom_original for d in pieces} == {"organigramme.pdf", "annexe.pdf"}
    assert any(ars.email in e.to for e in mail.outbox)
    se_connecter(client, ars)
    reponse = client.get(reverse("candidatures:detail", args=[c.pk]))
    html = texte(reponse)
    assert "Voici l'organigramme à jour." in html
    assert all(reverse("documents:telecharger", args=[d.pk]) in html for d in pieces)
    assert reponse.context["fil"][0].auteur_libelle == "Centre hospitalier de Libourne"
    assert any(e.titre == "Message de l'établissement" for e in reponse.context["chronologie"])


def test_message_vide_refuse(client, candidature, referent):
    se_connecter(client, referent)
    reponse = client.post(reverse("candidatures:message_envoyer", args=[candidature.pk]), {"message-corps": " "})
    assert reponse.status_code == 400 and "Écrivez votre message." in texte(reponse)
    assert not Message.objects.exists()


def test_piece_jointe_refusee_rien_n_est_garde(client, candidature, referent):
    se_connecter(client, referent)
    reponse = client.post(reverse("candidatures:message_envoyer", args=[candidature.pk]), {
        "message-corps": "Le fichier", "message-pieces_jointes": [fichier("page.pdf", b"<html><body>x</body></html>")],
    })
    assert reponse.status_code == 400
    assert reponse.context["alerte"]["titre"] == "Le message n'a pas été envoyé"
    assert 'value="Le fichier"' in texte(reponse) or "Le fichier</textarea>" in texte(reponse)
    assert not Message.objects.exists() and not Document.objects.exists()


def test_signataire_lit_le_fil_sans_pouvoir_ecrire(client, candidature, ej):
    signataire = creer_utilisateur_avec_role(Role.SIGNATAIRE_ES, structure=ej)
    se_connecter(client, signataire)
    reponse = client.get(reverse("candidatures:detail", args=[candidature.pk]))
    assert reponse.status_code == 200 and reponse.context["actions"] == set()
    assert "Envoyer le message" not in texte(reponse)
    reponse = client.post(reverse("candidatures:message_envoyer", args=[candidature.pk]), {"message-corps": "x"})
    assert reponse.status_code == 400 and not Message.objects.exists()


def test_l_ans_rejoint_le_fil(client, candidature, referent):
    c = deposer(candidature, referent)
    ans = creer_utilisateur_avec_role(Role.CONTROLEUR_ANS)
    se_connecter(client, ans)
    assert "Envoyer le message" in texte(client.get(reverse("candidatures:detail", args=[c.pk])))
    client.post(reverse("candidatures:message_envoyer", args=[c.pk]), {"message-corps": "Question de l'ANS"})
    assert Message.objects.get().cote == "ans"


# --- the page itself ----------------------------------------------------------------------------------------

def test_un_envoi_partiel_ne_vide_pas_les_autres_champs(client, candidature, referent):
    completer(candidature, referent)
    se_connecter(client, referent)
    client.post(reverse("candidatures:enregistrer", args=[candidature.pk]), {"brouillon": "1", "dsi_nom": "Autre"})
    c = Candidature.objects.get(pk=candidature.pk)
    assert (c.dsi_nom, c.rssi_nom, c.iban) == ("Autre", "Rachida Rssi", IBAN_VALIDE.replace(" ", ""))


def test_recepisse_propose_apres_le_depot(client, candidature, referent, django_capture_on_commit_callbacks):
    completer(candidature, referent)
    se_connecter(client, referent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("candidatures:deposer", args=[candidature.pk]))
    recepisse = Document.objects.get(categorie="recepisse")
    reponse = client.get(reverse("candidatures:detail", args=[candidature.pk]))
    assert reponse.context["recepisses"] == [recepisse]
    assert "Récépissé de dépôt du" in texte(reponse)
    assert reverse("documents:telecharger", args=[recepisse.pk]) in texte(reponse)


def _requetes_detail(client, c) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(reverse("candidatures:detail", args=[c.pk]))
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(reverse("candidatures:detail", args=[c.pk])).status_code == 200
    return len(requetes)


@pytest.mark.parametrize("profil", ["referent", "ars"])
def test_page_du_dossier_sans_requete_par_ligne_ni_par_document(client, appel, profils, profil):
    """A private EJ with 3 then 40 establishments, each with a proof: the same number of queries."""
    comptes = []
    for i, n in enumerate((3, 40)):
        ej = EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_LUCRATIF, dep="33")
        for _ in range(n):
            EtablissementGeographiqueFactory(entite_juridique=ej, dep="33")
        ref = creer_utilisateur_avec_role(Role.REFERENT_ES, structure=ej)
        c = services.candidature_creer(structure=ej, appel=appel, acteur=ref)
        completer(c, ref, prerequis=False)
        for ligne in c.perimetre.all():
            from care_portal.documents import services as documents_services

            documents_services.document_deposer(fichier=fichier("pssi.pdf"), acteur=ref, proprietaire=ligne,
                                                categorie="pssi")
        services.candidature_enregistrer(candidature=c, acteur=ref, donnees={"dsi_nom": f"DSI {i}"})
        se_connecter(client, ref if profil == "referent" else profils["ars"])
        comptes.append(_requetes_detail(client, c))
    assert comptes[0] == comptes[1], comptes


def test_toutes_les_pages_sur_les_donnees_de_demonstration(client, django_capture_on_commit_callbacks):
    """Every dossier of the demo (every state, GHT and EJ, messages, receipts) renders for the ANS,
    for its region's ARS, and for its référent while the ES may edit it."""
    import io

    from django.core.management import call_command

    from care_portal.comptes.models import Rattachement

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", scale=0.05, etapes=["referentiel", "comptes", "candidatures"], stdout=io.StringIO())
    ans = creer_utilisateur_avec_role(Role.CONTROLEUR_ANS)
    candidatures = list(Candidature.objects.select_related("region_instructrice"))
    assert {c.etat for c in candidatures} == set(Candidature.Etat.values)
    se_connecter(client, ans)
    assert client.get(reverse("candidatures:file")).status_code == 200
    for c in candidatures:
        reponse = client.get(reverse("candidatures:detail", args=[c.pk]))
        assert reponse.status_code == 200, c
        assert reponse.context["actions"] <= {"message"}
    for c in candidatures:
        if c.modifiable_par_es:
            portee = {"ght": c.ght} if c.ght_id else {"entite_juridique": c.entite_juridique, "ght": None}
            r = Rattachement.objects.filter(role=Role.REFERENT_ES, etat="confirme", **portee).first()
            se_connecter(client, r.utilisateur)
            reponse = client.get(reverse("candidatures:detail", args=[c.pk]))
            assert reponse.status_code == 200 and reponse.context["editable"], c
        elif c.etat == Candidature.Etat.DEPOSEE:
            r = Rattachement.objects.filter(role=Role.REFERENT_ARS, etat="confirme", region=c.region_instructrice).first()
            se_connecter(client, r.utilisateur)
            reponse = client.get(reverse("candidatures:detail", args=[c.pk]))
            assert reponse.status_code == 200 and reponse.context["instructeur"], c
            assert client.get(reverse("candidatures:file")).status_code == 200
