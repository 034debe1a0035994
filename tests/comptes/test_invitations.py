"""Invitations (views invitations and invitation/<jeton>): who may invite, the invitee's account
creation or acceptance, expired, used, invalid links and wrong accounts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from care_portal.comptes import services
from care_portal.comptes.models import Invitation, Rattachement
from care_portal.comptes.roles import Role
from care_portal.comptes.selectors import structures_pour
from care_portal.referentiel.models import StatutJuridique
from care_portal.workflow.models import TransitionLog
from tests.comptes.helpers import agent_verifie, connecter, creer_utilisateur_avec_role, region_de_test
from tests.factories import EntiteJuridiqueFactory, GHTFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
URL = reverse("comptes:invitations")
MOT_DE_PASSE = "Une phrase de passe solide 42"
AGENTS = ("ars_na", "ars_idf", "admin", "controleur")


@pytest.fixture
def monde(db):
    ej_a = EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_LUCRATIF, raison_sociale="Clinique A")
    ej_b = EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_LUCRATIF, raison_sociale="Clinique B")
    m = {
        "ej_a": ej_a, "ej_b": ej_b,
        "ref_a": creer_utilisateur_avec_role(Role.REFERENT_ES, structure=ej_a, prenom="Rita", nom="Référente"),
        "ref_b": creer_utilisateur_avec_role(Role.REFERENT_ES, structure=ej_b),
        "dsi_a": creer_utilisateur_avec_role(Role.DSI, structure=ej_a),
        "ars_na": creer_utilisateur_avec_role(Role.REFERENT_ARS, region=region_de_test("33")),
        "ars_idf": creer_utilisateur_avec_role(Role.REFERENT_ARS, region=region_de_test("75")),
        "admin": creer_utilisateur_avec_role(Role.ADMIN_ANS),
        "controleur": creer_utilisateur_avec_role(Role.CONTROLEUR_ANS),
        "en_attente": UserFactory(),
    }
    services.rattachement_demander(utilisateur=m["en_attente"], role=Role.REFERENT_ES, etablissement=ej_a)
    m["inv_b"], m["jeton_b"] = services.invitation_creer(acteur=m["ref_b"], email="rssi@clinique-b.fr",
                                                         role=Role.RSSI, structure=ej_b)
    mail.outbox.clear()
    return m


def connecte(client, monde, qui):
    if qui == "anonyme":
        return client
    if qui in AGENTS:
        agent_verifie(client, monde[qui])
    else:
        connecter(client, monde[qui])
    return client


def compter():
    return (User.objects.count(), Invitation.objects.count(), Rattachement.objects.count(),
            TransitionLog.objects.count())


def inviter(monde, email="dsi.nouveau@clinique-a.fr", role=Role.DSI):
    return services.invitation_creer(acteur=monde["ref_a"], email=email, role=role, structure=monde["ej_a"])


# --- the référent's page ---------------------------------------------------------------------------

def test_referent_liste_les_invitations_de_sa_structure(client, monde):
    inviter(monde, email="signataire@clinique-a.fr", role=Role.SIGNATAIRE_ES)
    reponse = connecte(client, monde, "ref_a").get(URL)
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert html.count("<h1") == 1
    assert "signataire@clinique-a.fr" in html and "Signataire de la convention" in html and "En attente" in html
    assert "rssi@clinique-b.fr" not in html  # another structure's invitation
    assert 'for="id_email"' in html and 'for="id_role"' in html
    options = set(re.findall(r'<option value="([a-z_]+)"', html))
    assert options == {Role.DSI, Role.RSSI, Role.SIGNATAIRE_ES, Role.REFERENT_ES}


def test_autre_referent_ne_voit_pas_les_invitations_de_a(client, monde):
    inviter(monde)
    html = connecte(client, monde, "ref_b").get(URL).content.decode()
    assert "dsi.nouveau@clinique-a.fr" not in html and "rssi@clinique-b.fr" in html


@pytest.mark.parametrize("qui", ["dsi_a", "en_attente", *AGENTS])
def test_page_refusee_aux_non_referents(client, monde, qui):
    connecte(client, monde, qui)
    avant = compter()
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"email": "x@clinique-a.fr", "role": Role.DSI,
                             "structure": f"ej:{monde['ej_a'].pk}"}).status_code == 403
    assert compter() == avant and mail.outbox == []


def test_page_anonyme_renvoye_a_la_connexion(client, monde):
    reponse = client.get(URL)
    assert reponse.status_code == 302 and reponse.url.startswith(reverse("comptes:connexion"))


def test_inviter(client, monde, django_capture_on_commit_callbacks, settings):
    connecte(client, monde, "ref_a")
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(URL, {"email": "DSI.Nouveau@Clinique-A.fr", "role": Role.DSI,
                                    "structure": f"ej:{monde['ej_a'].pk}"})
    assert reponse.status_code == 302 and reponse.url == URL
    inv = Invitation.objects.get(email="dsi.nouveau@clinique-a.fr")
    assert (inv.role, inv.entite_juridique, inv.invite_par) == (Role.DSI, monde["ej_a"], monde["ref_a"])
    assert inv.expire_le > timezone.now() + timedelta(days=settings.CARE_INVITATION_JOURS - 1)
    assert mail.outbox[0].to == ["dsi.nouveau@clinique-a.fr"]
    assert re.search(r"/comptes/invitation/[\w-]+/", mail.outbox[0].body)
    assert any("Invitation envoyée" in str(m) for m in get_messages(reponse.wsgi_request))


@pytest.mark.parametrize("champs, attendu", [
    ({"role": Role.REFERENT_ARS}, "Sélectionnez un choix valide"),
    ({"role": Role.ADMIN_ANS}, "Sélectionnez un choix valide"),
    ({"email": "pas-une-adresse"}, "Saisissez une adresse e-mail valide"),
    ({"structure": "ej:{ej_b}"}, "Sélectionnez un choix valide"),  # another structure
    ({"structure": "ej:999999"}, "Sélectionnez un choix valide"),
])
def test_inviter_saisie_invalide_rien_cree(client, monde, champs, attendu):
    donnees = {"email": "x@clinique-a.fr", "role": Role.DSI, "structure": f"ej:{monde['ej_a'].pk}", **champs}
    donnees["structure"] = donnees["structure"].format(ej_b=monde["ej_b"].pk)
    avant = compter()
    reponse = connecte(client, monde, "ref_a").post(URL, donnees)
    assert reponse.status_code == 200 and attendu in reponse.content.decode()
    assert compter() == avant and mail.outbox == []


def test_referent_de_deux_structures_choisit_la_structure(client, monde):
    ght = GHTFactory(code="NA-77")
    services.rattachement_creer_confirme(utilisateur=monde["ref_a"], role=Role.REFERENT_ES, acteur=None,
                                         structure=ght)
    connecte(client, monde, "ref_a")
    html = client.get(URL).content.decode()
    assert 'for="id_structure"' in html and "NA-77" in html
    client.post(URL, {"email": "dsi@ght.fr", "role": Role.DSI, "structure": f"ght:{ght.pk}"})
    assert Invitation.objects.get(email="dsi@ght.fr").ght == ght


# --- the invitation link ---------------------------------------------------------------------------

def url_invitation(jeton):
    return reverse("comptes:invitation", args=[jeton])


def identite(**extra):
    return {"prenom": "Denis", "nom": "Sysinfo", "telephone": "", "fonction": "DSI", "password1": MOT_DE_PASSE,
            "password2": MOT_DE_PASSE, **extra}


def test_lien_anonyme_montre_structure_et_role(client, monde):
    _inv, jeton = inviter(monde)
    reponse = client.get(url_invitation(jeton))
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert "Clinique A" in html and escape("DSI de l'établissement") in html and "Rita Référente" in html
    assert 'value="dsi.nouveau@clinique-a.fr"' in html and "readonly" in html
    assert 'name="email"' not in html  # the address is not a field
    assert 'for="id_password1"' in html


def test_lien_anonyme_cree_le_compte_rattache(client, monde):
    inv, jeton = inviter(monde)
    reponse = client.post(url_invitation(jeton), identite(email="pirate@ailleurs.fr"))
    assert reponse.status_code == 302 and reponse.url == reverse("comptes:connexion")
    assert any("Votre compte est créé" in str(m) for m in get_messages(reponse.wsgi_request))
    user = User.objects.get(email="dsi.nouveau@clinique-a.fr")
    assert not User.objects.filter(email="pirate@ailleurs.fr").exists()
    assert user.email_verifie_le is not None and user.check_password(MOT_DE_PASSE)
    r = user.rattachements.get()
    assert (r.etat, r.role, r.entite_juridique) == (Rattachement.Etat.CONFIRME, Role.DSI, monde["ej_a"])
    assert set(structures_pour(user)[0]) == {monde["ej_a"]}
    inv.refresh_from_db()
    assert inv.utilisee_par == user
    assert "_auth_user_id" not in client.session  # not logged in: they log in themselves


@pytest.mark.parametrize("champs, attendu", [
    ({"password1": "Court1!", "password2": "Court1!"}, "Ce mot de passe est trop court"),
    ({"password1": "qwerty123456", "password2": "qwerty123456"}, "Ce mot de passe est trop courant"),
    ({"password2": "autre chose encore 12"}, "Les deux mots de passe ne correspondent pas"),
    ({"nom": ""}, "Ce champ est obligatoire"),
])
def test_lien_anonyme_saisie_invalide_rien_cree(client, monde, champs, attendu):
    inv, jeton = inviter(monde)
    avant = compter()
    reponse = client.post(url_invitation(jeton), identite(**champs))
    assert reponse.status_code == 200 and attendu in reponse.content.decode()
    assert compter() == avant
    inv.refresh_from_db()
    assert inv.utilisee_le is None


def test_lien_anonyme_adresse_deja_connue(client, monde):
    inv, jeton = inviter(monde)
    UserFactory(email="dsi.nouveau@clinique-a.fr")
    avant = compter()
    html = client.post(url_invitation(jeton), identite()).content.decode()
    assert escape("Un compte existe déjà avec cette adresse e-mail : connectez-vous") in html
    assert compter() == avant


def test_lien_connecte_avec_la_bonne_adresse_accepte(client, monde):
    inv, jeton = inviter(monde, email=monde["ref_b"].email, role=Role.RSSI)
    connecte(client, monde, "ref_b")
    html = client.get(url_invitation(jeton)).content.decode()
    assert "Accepter l'invitation" in html and 'name="password1"' not in html
    reponse = client.post(url_invitation(jeton))
    assert reponse.status_code == 302 and reponse.url == reverse("comptes:accueil_role")
    assert Rattachement.objects.get(utilisateur=monde["ref_b"], role=Role.RSSI).entite_juridique == monde["ej_a"]
    assert set(structures_pour(User.objects.get(pk=monde["ref_b"].pk))[0]) == {monde["ej_a"], monde["ej_b"]}


@pytest.mark.parametrize("qui", ["ref_a", "dsi_a", "ars_na", "admin"])
def test_lien_connecte_avec_un_autre_compte(client, monde, qui):
    inv, jeton = inviter(monde)
    connecte(client, monde, qui)
    avant = compter()
    for reponse in (client.get(url_invitation(jeton)), client.post(url_invitation(jeton), identite())):
        assert reponse.status_code == 403
        assert "envoyée à une autre adresse e-mail" in reponse.content.decode()
    assert compter() == avant
    inv.refresh_from_db()
    assert inv.utilisee_le is None


def test_lien_expire(client, monde):
    inv, jeton = inviter(monde)
    Invitation.objects.filter(pk=inv.pk).update(expire_le=timezone.now() - timedelta(seconds=1))
    avant = compter()
    for reponse in (client.get(url_invitation(jeton)), client.post(url_invitation(jeton), identite())):
        assert reponse.status_code == 400
        assert escape("Cette invitation a expiré") in reponse.content.decode()
    assert compter() == avant


def test_lien_utilise(client, monde):
    inv, jeton = inviter(monde)
    client.post(url_invitation(jeton), identite())
    avant = compter()
    reponse = client.post(url_invitation(jeton), identite(nom="Second"))
    assert reponse.status_code == 400
    assert escape("Cette invitation a déjà été utilisée") in reponse.content.decode()
    assert compter() == avant


@pytest.mark.parametrize("jeton", ["n-importe-quoi", "a" * 43])
def test_lien_invalide(client, monde, jeton):
    avant = compter()
    for reponse in (client.get(url_invitation(jeton)), client.post(url_invitation(jeton), identite())):
        assert reponse.status_code == 400
        assert escape("Ce lien d'invitation n'est pas valide") in reponse.content.decode()
    assert compter() == avant


def test_le_jeton_n_est_pas_stocke_en_clair(monde):
    inv, jeton = inviter(monde)
    assert jeton not in Invitation.objects.filter(pk=inv.pk).values_list("jeton_hash", flat=True)[0]
