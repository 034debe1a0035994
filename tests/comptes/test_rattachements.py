"""The queue of memberships to confirm (views rattachements, rattachement_confirmer,
rattachement_refuser): every role, the queue of each kind of confirmer, 404 for the others."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from care_portal.comptes import services
from care_portal.comptes.models import Rattachement
from care_portal.comptes.roles import Role
from care_portal.referentiel.models import StatutJuridique
from care_portal.workflow.models import TransitionLog
from tests.comptes.helpers import agent_verifie, connecter, creer_utilisateur_avec_role, region_de_test
from tests.factories import EntiteJuridiqueFactory, EtablissementGeographiqueFactory, GHTFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
URL = reverse("comptes:rattachements")

# who may decide the pending membership of structure A (Gironde, Nouvelle-Aquitaine)
DECIDEURS_A = ["ref_a", "ars_na", "admin"]
SANS_DROIT_A = ["ref_b", "dsi_a", "ars_idf", "controleur", "en_attente"]


def demander(user, role, etablissement) -> Rattachement:
    return services.rattachement_demander(utilisateur=user, role=role, etablissement=etablissement)


@pytest.fixture
def monde(db):
    ej_a = EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_LUCRATIF, raison_sociale="Clinique A")
    ej_b = EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_LUCRATIF, raison_sociale="Clinique B")
    ej_idf = EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_EBNL, raison_sociale="Hôpital francilien", dep="75")
    eg_a = EtablissementGeographiqueFactory(entite_juridique=ej_a, raison_sociale="Clinique A — site Sud")
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
    m["demande_a"] = demander(UserFactory(email="rssi@clinique-a.fr", prenom="Rémi", nom="Sécu"), Role.RSSI, eg_a)
    m["demande_b"] = demander(UserFactory(email="dsi@clinique-b.fr"), Role.DSI, ej_b)
    m["demande_idf"] = demander(UserFactory(email="dsi@francilien.fr"), Role.DSI, ej_idf)
    m["en_attente"] = m["demande_a"].utilisateur  # an unconfirmed user
    mail.outbox.clear()
    return m


def connecte(client, monde, qui):
    """A client logged in as ``qui`` (agents with a verified OTP session)."""
    if qui == "anonyme":
        return client
    user = monde[qui]
    if qui in ("ars_na", "ars_idf", "admin", "controleur"):
        agent_verifie(client, user)
    else:
        connecter(client, user)
    return client


def etat(r: Rattachement) -> str:
    r.refresh_from_db()
    return r.etat


def compter():
    return (Rattachement.objects.filter(etat="en_attente").count(), TransitionLog.objects.count(),
            User.objects.filter(groups__isnull=False).count())


# --- the queue page -----------------------------------------------------------------------------------

@pytest.mark.parametrize("qui, visibles", [
    ("ref_a", {"demande_a"}),
    ("ref_b", {"demande_b"}),
    ("ars_na", {"demande_a", "demande_b"}),
    ("ars_idf", {"demande_idf"}),
    ("admin", {"demande_a", "demande_b", "demande_idf"}),
])
def test_file_de_chaque_decideur(client, monde, qui, visibles):
    reponse = connecte(client, monde, qui).get(URL)
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert html.count("<h1") == 1
    for cle in ("demande_a", "demande_b", "demande_idf"):
        r = monde[cle]
        present = reverse("comptes:rattachement_confirmer", args=[r.pk]) in html
        assert present == (cle in visibles), cle
        assert (r.utilisateur.email in html) == (cle in visibles)


@pytest.mark.parametrize("qui", ["dsi_a", "controleur", "en_attente"])
def test_file_refusee_aux_autres_roles(client, monde, qui):
    assert connecte(client, monde, qui).get(URL).status_code == 403


def test_file_anonyme_renvoye_a_la_connexion(client, monde):
    reponse = client.get(URL)
    assert reponse.status_code == 302 and reponse.url.startswith(reverse("comptes:connexion"))


def test_file_agent_sans_second_facteur_renvoye_vers_la_2fa(client, monde):
    client.force_login(monde["ars_na"])
    reponse = client.get(URL)
    assert reponse.status_code == 302 and "/comptes/2fa/" in reponse.url


def test_contenu_d_une_ligne(client, monde):
    html = connecte(client, monde, "ref_a").get(URL).content.decode()
    r = monde["demande_a"]
    assert "Rémi Sécu" in html and "rssi@clinique-a.fr" in html
    assert escape("RSSI de l'établissement") in html
    assert "Clinique A — site Sud" in html and f"FINESS {monde['eg_a'].finess}" in html
    assert "Clinique A" in html and "Nouvelle-Aquitaine" in html
    assert "Confirmer" in html and "Refuser" in html
    assert f'for="id_refus-{r.pk}-motif"' in html and "<textarea" in html
    assert "pas encore vérifiée" in html


def test_file_vide_dit_ce_qui_apparaitra(client, monde):
    Rattachement.objects.filter(etat="en_attente").delete()
    html = connecte(client, monde, "ref_a").get(URL).content.decode()
    assert "Aucune demande en attente" in html


def test_file_d_un_referent_de_ght(client, monde):
    ght = GHTFactory()
    membre = EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC)
    ght.membres.add(membre)
    ref_ght = creer_utilisateur_avec_role(Role.REFERENT_ES, structure=ght)
    r = demander(UserFactory(), Role.SIGNATAIRE_ES, EtablissementGeographiqueFactory(entite_juridique=membre))
    connecter(client, ref_ght)
    html = client.get(URL).content.decode()
    assert reverse("comptes:rattachement_confirmer", args=[r.pk]) in html
    assert reverse("comptes:rattachement_confirmer", args=[monde["demande_a"].pk]) not in html
    assert client.post(reverse("comptes:rattachement_confirmer", args=[r.pk])).status_code == 302
    assert etat(r) == Rattachement.Etat.CONFIRME


# --- confirm -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("qui", DECIDEURS_A)
def test_confirmer(client, monde, qui, django_capture_on_commit_callbacks):
    r = monde["demande_a"]
    with django_capture_on_commit_callbacks(execute=True):
        reponse = connecte(client, monde, qui).post(reverse("comptes:rattachement_confirmer", args=[r.pk]))
    assert reponse.status_code == 302 and reponse.url == URL
    assert etat(r) == Rattachement.Etat.CONFIRME and r.decide_par == monde[qui]
    assert [m.to for m in mail.outbox] == [["rssi@clinique-a.fr"]]
    assert any("Rattachement confirmé" in str(m) for m in get_messages(reponse.wsgi_request))


@pytest.mark.parametrize("qui", SANS_DROIT_A)
def test_confirmer_sans_le_droit_404_et_rien_change(client, monde, qui, django_capture_on_commit_callbacks):
    r = monde["demande_a"]
    avant = compter()
    with django_capture_on_commit_callbacks(execute=True):
        reponse = connecte(client, monde, qui).post(reverse("comptes:rattachement_confirmer", args=[r.pk]))
    assert reponse.status_code == 404
    assert etat(r) == Rattachement.Etat.EN_ATTENTE and compter() == avant and mail.outbox == []


def test_confirmer_anonyme_ou_en_get(client, monde):
    r = monde["demande_a"]
    url = reverse("comptes:rattachement_confirmer", args=[r.pk])
    reponse = client.post(url)
    assert reponse.status_code == 302 and reponse.url.startswith(reverse("comptes:connexion"))
    assert connecte(client, monde, "ref_a").get(url).status_code == 405
    assert etat(r) == Rattachement.Etat.EN_ATTENTE


def test_confirmer_deja_traite_ou_inexistant_404(client, monde):
    r = monde["demande_a"]
    services.rattachement_refuser(rattachement=r, acteur=monde["admin"], motif="Doublon")
    connecte(client, monde, "ref_a")
    assert client.post(reverse("comptes:rattachement_confirmer", args=[r.pk])).status_code == 404
    assert client.post(reverse("comptes:rattachement_confirmer", args=[999999])).status_code == 404
    assert etat(r) == Rattachement.Etat.REFUSE


def test_confirmer_refus_du_service_message_en_francais_rien_change(client, monde):
    """A WorkflowError (here: decided meanwhile by someone else) → DSFR error message, nothing changed."""
    r = monde["demande_a"]
    services.rattachement_confirmer(rattachement=r, acteur=monde["admin"])
    avant = compter()
    with mock.patch("care_portal.comptes.views.inscription.rattachements_a_decider",
                    return_value=Rattachement.objects.all()):
        reponse = connecte(client, monde, "ref_a").post(reverse("comptes:rattachement_confirmer", args=[r.pk]))
    assert reponse.status_code == 302
    assert [str(m) for m in get_messages(reponse.wsgi_request)] == ["Ce rattachement a déjà été traité."]
    r.refresh_from_db()
    assert compter() == avant and r.decide_par == monde["admin"]


# --- refuse --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("qui", DECIDEURS_A)
def test_refuser_avec_motif(client, monde, qui, django_capture_on_commit_callbacks):
    r = monde["demande_a"]
    with django_capture_on_commit_callbacks(execute=True):
        reponse = connecte(client, monde, qui).post(reverse("comptes:rattachement_refuser", args=[r.pk]),
                                                    {f"refus-{r.pk}-motif": "Personne inconnue du service."})
    assert reponse.status_code == 302 and reponse.url == URL
    assert etat(r) == Rattachement.Etat.REFUSE and r.motif == "Personne inconnue du service."
    assert [m.to for m in mail.outbox] == [["rssi@clinique-a.fr"]]
    assert "Personne inconnue du service." in mail.outbox[0].body


def test_refuser_sans_motif_erreur_en_francais_rien_change(client, monde):
    r = monde["demande_a"]
    avant = compter()
    reponse = connecte(client, monde, "ref_a").post(reverse("comptes:rattachement_refuser", args=[r.pk]),
                                                    {f"refus-{r.pk}-motif": "  "})
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert "Indiquez le motif du refus : il est transmis au demandeur." in html
    assert "Le refus n'a pas été enregistré" in html
    assert f'aria-describedby="id_refus-{r.pk}-motif-desc-error"' in html
    assert etat(r) == Rattachement.Etat.EN_ATTENTE and compter() == avant and mail.outbox == []


@pytest.mark.parametrize("qui", SANS_DROIT_A)
def test_refuser_sans_le_droit_404_et_rien_change(client, monde, qui):
    r = monde["demande_a"]
    avant = compter()
    reponse = connecte(client, monde, qui).post(reverse("comptes:rattachement_refuser", args=[r.pk]),
                                                {f"refus-{r.pk}-motif": "Non"})
    assert reponse.status_code == 404
    assert etat(r) == Rattachement.Etat.EN_ATTENTE and compter() == avant


def test_refuser_anonyme_ou_en_get(client, monde):
    r = monde["demande_a"]
    url = reverse("comptes:rattachement_refuser", args=[r.pk])
    assert client.post(url, {f"refus-{r.pk}-motif": "Non"}).url.startswith(reverse("comptes:connexion"))
    assert connecte(client, monde, "ars_na").get(url).status_code == 405
    assert etat(r) == Rattachement.Etat.EN_ATTENTE


def test_une_region_ne_decide_pas_pour_une_autre(client, monde):
    connecte(client, monde, "ars_idf")
    for vue in ("comptes:rattachement_confirmer", "comptes:rattachement_refuser"):
        assert client.post(reverse(vue, args=[monde["demande_b"].pk]), {}).status_code == 404
    assert client.post(reverse("comptes:rattachement_confirmer", args=[monde["demande_idf"].pk])).status_code == 302
    assert etat(monde["demande_idf"]) == Rattachement.Etat.CONFIRME
    assert etat(monde["demande_b"]) == Rattachement.Etat.EN_ATTENTE


def test_pagination(client, monde):
    for n in range(25):
        demander(UserFactory(email=f"personne{n}@clinique-a.fr"), Role.DSI, monde["ej_a"])
    connecte(client, monde, "ref_a")
    html = client.get(URL).content.decode()
    assert "26 demandes en attente" in html and "Page suivante" in html
    assert html.count("rattachements/") >= 40
    assert "rssi@clinique-a.fr" in html  # the oldest first
    assert "personne24@clinique-a.fr" in client.get(URL, {"page": 2}).content.decode()


def test_nombre_de_requetes_independant_du_nombre_de_lignes(client, monde):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connecte(client, monde, "admin")
    client.get(URL)  # warm the session and caches
    with CaptureQueriesContext(connection) as peu:
        client.get(URL)
    for _ in range(10):
        demander(UserFactory(), Role.DSI, EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_EBNL))
    with CaptureQueriesContext(connection) as beaucoup:
        client.get(URL)
    assert len(beaucoup) == len(peu)
