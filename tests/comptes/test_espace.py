"""The interface shell and the role homes (views/espace.py, base.html, the context processor, the
error pages): every home × every role, the content each role sees, the header and navigation."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.contrib.messages import constants as niveaux
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import HttpResponse
from django.template.loader import get_template
from django.test import RequestFactory
from django.urls import reverse

from care_portal.comptes import services
from care_portal.comptes.roles import Role
from care_portal.core.views import erreur_500
from care_portal.referentiel.models import StatutJuridique
from tests.comptes.helpers import agent_verifie, connecter, creer_utilisateur_avec_role, region_de_test
from tests.factories import (
    EntiteJuridiqueFactory,
    EtablissementGeographiqueFactory,
    GHTFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROLES_TOUS = [r.value for r in Role]
ES = {Role.REFERENT_ES, Role.DSI, Role.RSSI, Role.SIGNATAIRE_ES}
ANS = {Role.CONTROLEUR_ANS, Role.SECRETARIAT_ANS, Role.DG_ANS, Role.ADMIN_ANS}
# page (url name) → the roles it serves
PAGES = {
    "comptes:espace_es": ES,
    "comptes:file_ars": {Role.REFERENT_ARS},
    "comptes:vue_nationale": ANS,
    "comptes:espace_admin": {Role.ADMIN_ANS},
}
ACCUEIL_ATTENDU = {
    Role.REFERENT_ES: "comptes:espace_es", Role.DSI: "comptes:espace_es", Role.RSSI: "comptes:espace_es",
    Role.SIGNATAIRE_ES: "comptes:espace_es", Role.REFERENT_ARS: "comptes:file_ars",
    Role.CONTROLEUR_ANS: "comptes:vue_nationale", Role.SECRETARIAT_ANS: "comptes:vue_nationale",
    Role.DG_ANS: "comptes:vue_nationale", Role.ADMIN_ANS: "comptes:espace_admin",
}


def se_connecter(client, user) -> None:
    """Agents need an OTP-verified session; ES users a plain login."""
    from care_portal.comptes.selectors import habilitations

    if habilitations(user).est_agent:
        agent_verifie(client, user)
    else:
        connecter(client, user)


def utilisateur(role: str, **kwargs):
    return creer_utilisateur_avec_role(role, **kwargs)


def utilisateur_en_attente(etablissement=None):
    user = UserFactory(prenom="Paul", nom="Attente")
    eg = etablissement or EtablissementGeographiqueFactory()
    services.rattachement_demander(utilisateur=user, role=Role.DSI, etablissement=eg)
    return user


# --- every home × every role ------------------------------------------------------------------------

@pytest.mark.parametrize("nom_url", list(PAGES))
@pytest.mark.parametrize("role", ROLES_TOUS)
def test_page_par_role(client, nom_url, role):
    se_connecter(client, utilisateur(role))
    reponse = client.get(reverse(nom_url))
    attendu = 200 if role in PAGES[nom_url] else 403
    assert reponse.status_code == attendu
    if attendu == 403:
        assert "Accès refusé" in reponse.content.decode()


@pytest.mark.parametrize("nom_url", [*PAGES, "comptes:accueil_role", "comptes:en_attente"])
def test_anonyme_renvoye_a_la_connexion(client, nom_url):
    reponse = client.get(reverse(nom_url))
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("comptes:connexion") + "?next=")


@pytest.mark.parametrize("nom_url", list(PAGES))
def test_compte_en_attente_refuse(client, nom_url):
    connecter(client, utilisateur_en_attente())
    assert client.get(reverse(nom_url)).status_code == 403


@pytest.mark.parametrize("role", ROLES_TOUS)
def test_accueil_role_redirige_vers_l_espace_du_role(client, role):
    se_connecter(client, utilisateur(role))
    reponse = client.get(reverse("comptes:accueil_role"))
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse(ACCUEIL_ATTENDU[role])


def test_accueil_role_sans_rattachement_confirme(client):
    connecter(client, utilisateur_en_attente())
    reponse = client.get(reverse("comptes:accueil_role"))
    assert reponse["Location"] == reverse("comptes:en_attente")


def test_accueil_role_refuse_post(client):
    connecter(client, utilisateur(Role.DSI))
    assert client.post(reverse("comptes:accueil_role")).status_code == 405


@pytest.mark.parametrize("roles, attendu", [
    ([Role.REFERENT_ARS, Role.ADMIN_ANS], "comptes:espace_admin"),
    ([Role.REFERENT_ES, Role.REFERENT_ARS], "comptes:file_ars"),
    ([Role.DSI, Role.CONTROLEUR_ANS], "comptes:vue_nationale"),
    ([Role.RSSI, Role.DG_ANS, Role.REFERENT_ARS], "comptes:vue_nationale"),
])
def test_plusieurs_roles_priorite_et_liens_vers_les_autres(client, roles, attendu):
    user = utilisateur(roles[0])
    for role in roles[1:]:
        services.rattachement_creer_confirme(
            utilisateur=user, role=role, acteur=None,
            structure=EntiteJuridiqueFactory() if role in ES else None,
            region=region_de_test() if role == Role.REFERENT_ARS else None,
        )
    user.refresh_from_db()
    user = type(user).objects.get(pk=user.pk)
    agent_verifie(client, user)
    reponse = client.get(reverse("comptes:accueil_role"))
    assert reponse["Location"] == reverse(attendu)
    html = client.get(reponse["Location"]).content.decode()
    assert "Vos autres espaces" in html
    for role in roles:
        cible = reverse(ACCUEIL_ATTENDU[role])
        assert f'href="{cible}"' in html


# --- en_attente -------------------------------------------------------------------------------------------

def test_en_attente_montre_les_demandes_et_la_suite(client):
    eg = EtablissementGeographiqueFactory(raison_sociale="Clinique du Lac")
    user = utilisateur_en_attente(eg)
    connecter(client, user)
    reponse = client.get(reverse("comptes:en_attente"))
    html = reponse.content.decode()
    assert reponse.status_code == 200
    assert "Votre compte est en attente" in html
    assert "Clinique du Lac" in html and eg.finess in html
    assert "DSI de l&#x27;établissement" in html
    assert "Et maintenant ?" in html
    assert "Rattachement en attente de confirmation" in html  # header
    assert f'href="{reverse("comptes:en_attente")}" aria-current="page"' in html


def test_en_attente_montre_un_refus_avec_son_motif(client):
    user = utilisateur_en_attente()
    admin = utilisateur(Role.ADMIN_ANS)
    r = user.rattachements.get()
    services.rattachement_refuser(rattachement=r, acteur=admin, motif="Personne inconnue de l'établissement")
    connecter(client, user)
    html = client.get(reverse("comptes:en_attente")).content.decode()
    assert "aucune structure" in html
    assert "Personne inconnue de l&#x27;établissement" in html


def test_en_attente_redirige_un_compte_confirme(client):
    connecter(client, utilisateur(Role.DSI))
    reponse = client.get(reverse("comptes:en_attente"))
    assert reponse["Location"] == reverse("comptes:accueil_role")


# --- ES home ---------------------------------------------------------------------------------------------

@pytest.fixture
def deux_ght():
    ej_support = EntiteJuridiqueFactory(raison_sociale="CHU de Bordeaux")
    ej_membre = EntiteJuridiqueFactory(raison_sociale="CH de Libourne")
    EtablissementGeographiqueFactory(entite_juridique=ej_membre)
    ght = GHTFactory(code="NA-90", nom="GHT Alliance de Gironde", support=ej_support, membres=[ej_membre])
    autre = GHTFactory(code="NA-91", nom="GHT Autre", support=EntiteJuridiqueFactory(raison_sociale="CH Voisin"))
    return ght, autre


def test_espace_es_ght_montre_sa_structure_et_pas_une_autre(client, deux_ght):
    ght, autre = deux_ght
    referent = utilisateur(Role.REFERENT_ES, structure=ght, prenom="Alice", nom="Référente")
    dsi = utilisateur(Role.DSI, structure=ght, prenom="Bruno", nom="Dsi")
    utilisateur(Role.REFERENT_ES, structure=autre, prenom="Zoé", nom="Ailleurs")
    en_attente = UserFactory(prenom="Chloé", nom="Attente")
    services.rattachement_demander(utilisateur=en_attente, role=Role.RSSI, etablissement=ght.support)
    connecter(client, dsi)
    html = client.get(reverse("comptes:espace_es")).content.decode()
    assert "NA-90 – GHT Alliance de Gironde" in html
    assert "CHU de Bordeaux" in html and "CH de Libourne" in html
    assert ght.support.finess in html
    assert "Alice Référente" in html and "Bruno Dsi (vous)" in html and "Chloé Attente" in html
    assert "En attente" in html
    # another structure's data is absent
    assert "GHT Autre" not in html and "CH Voisin" not in html and "Zoé" not in html
    # empty state of the candidature
    assert "La candidature de votre structure apparaîtra ici à l'ouverture de l'appel" in html
    # a DSI is not a référent: no link to invitations nor to the queue
    assert reverse("comptes:invitations") not in html
    assert referent.pk  # the référent exists


def test_espace_es_referent_voit_ce_qu_il_reste_a_faire(client, deux_ght):
    ght, _ = deux_ght
    referent = utilisateur(Role.REFERENT_ES, structure=ght)
    services.rattachement_demander(utilisateur=UserFactory(), role=Role.RSSI, etablissement=ght.support)
    connecter(client, referent)
    html = client.get(reverse("comptes:espace_es")).content.decode()
    assert "1 demande de rattachement à votre structure attend votre confirmation" in html
    assert f'href="{reverse("comptes:rattachements")}"' in html
    assert f'href="{reverse("comptes:invitations")}"' in html
    assert "Contacts sans compte sur le portail" in html
    assert "DSI de l&#x27;établissement" in html


def test_espace_es_ej_liste_ses_etablissements(client):
    ej = EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_LUCRATIF, raison_sociale="Clinique Saint-Jean")
    eg1 = EtablissementGeographiqueFactory(entite_juridique=ej, raison_sociale="Clinique Saint-Jean Nord")
    eg2 = EtablissementGeographiqueFactory(entite_juridique=ej, raison_sociale="Clinique Saint-Jean Sud")
    autre_eg = EtablissementGeographiqueFactory(raison_sociale="Polyclinique Étrangère")
    connecter(client, utilisateur(Role.SIGNATAIRE_ES, structure=ej))
    html = client.get(reverse("comptes:espace_es")).content.decode()
    assert "Clinique Saint-Jean" in html and ej.finess in html
    assert eg1.finess in html and eg2.finess in html
    assert "Entité juridique privée à but lucratif" in html and "Entité juridique privé " not in html
    assert "Polyclinique Étrangère" not in html and autre_eg.finess not in html
    assert "Établissements de l'entité juridique (2)" in html


# --- ARS home ---------------------------------------------------------------------------------------------

def test_file_ars_ne_compte_que_sa_region(client):
    ej_na = EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_EBNL, raison_sociale="Clinique Aquitaine")
    ej_idf = EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_EBNL, raison_sociale="Clinique Francilienne",
                                    dep="75")
    for ej, nom in ((ej_na, "Aquitain"), (ej_idf, "Francilien")):
        services.rattachement_demander(utilisateur=UserFactory(prenom="Demandeur", nom=nom), role=Role.DSI,
                                       etablissement=ej)
    ars = utilisateur(Role.REFERENT_ARS, region=region_de_test("33"))
    agent_verifie(client, ars)
    html = client.get(reverse("comptes:file_ars")).content.decode()
    assert "ARS Nouvelle-Aquitaine" in html or "Nouvelle-Aquitaine" in html
    assert "<strong>1</strong> demande de rattachement" in html
    assert "Demandeur Aquitain" in html
    assert "Francilien" not in html and "Île-de-France" not in html
    assert "Les candidatures déposées par les établissements de votre région" in html


def test_file_ars_etat_vide(client):
    agent_verifie(client, utilisateur(Role.REFERENT_ARS, region=region_de_test("75")))
    html = client.get(reverse("comptes:file_ars")).content.decode()
    assert "Aucune demande de rattachement en attente" in html
    assert "Rien à instruire pour le moment" in html
    assert "Île-de-France" in html


# --- ANS homes --------------------------------------------------------------------------------------------

def test_vue_nationale_compte_tout(client):
    services.rattachement_demander(utilisateur=UserFactory(), role=Role.DSI,
                                   etablissement=EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_EBNL))
    services.rattachement_demander(utilisateur=UserFactory(), role=Role.DSI,
                                   etablissement=EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_EBNL, dep="75"))
    utilisateur(Role.REFERENT_ARS, region=region_de_test("75"))
    controleur = utilisateur(Role.CONTROLEUR_ANS)
    agent_verifie(client, controleur)
    reponse = client.get(reverse("comptes:vue_nationale"))
    html = reponse.content.decode()
    assert reponse.context["comptes"]["en_attente"] == 2
    assert reponse.context["comptes"]["ars"] == 1
    lignes = {ligne["region"].nom: ligne for ligne in reponse.context["lignes"]}
    assert len(lignes) == 18
    noms = [ligne["region"].nom for ligne in reponse.context["lignes"]]
    assert noms.index("Hauts-de-France") < noms.index("Île-de-France") < noms.index("La Réunion")
    assert lignes["Île-de-France"]["en_attente"] == 1 and lignes["Nouvelle-Aquitaine"]["en_attente"] == 1
    assert lignes["Île-de-France"]["referents_ars"] == 1 and lignes["Nouvelle-Aquitaine"]["nb_ej"] == 1
    assert "Aucun dossier pour le moment" in html


def test_espace_admin_liens_et_demandes(client):
    services.rattachement_demander(utilisateur=UserFactory(prenom="Nina", nom="Nouvelle"), role=Role.RSSI,
                                   etablissement=EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_EBNL))
    admin = utilisateur(Role.ADMIN_ANS, is_staff=True)
    utilisateur(Role.REFERENT_ARS)  # an agent without TOTP
    agent_verifie(client, admin)
    reponse = client.get(reverse("comptes:espace_admin"))
    html = reponse.content.decode()
    assert "Nina Nouvelle" in html
    assert reverse("admin:referentiel_entitejuridique_changelist") in html
    assert reverse("admin:comptes_user_changelist") in html
    assert reponse.context["comptes"]["agents_sans_2fa"] == 1


def test_espace_admin_sans_acces_a_l_admin_django(client):
    agent_verifie(client, utilisateur(Role.ADMIN_ANS, is_staff=False))
    html = client.get(reverse("comptes:espace_admin")).content.decode()
    assert reverse("admin:comptes_user_changelist") not in html
    assert "accès à l'administration" in html


# --- header, navigation, messages ---------------------------------------------------------------------------

# the stages' entries, then the support's (accompagnement, after the last stage), then the memberships
ES = ["Mes candidatures", "Mes déclarations", "Mes contrôles", "Mes paiements", "Mes demandes d'aide"]
NAVIGATION = {
    Role.REFERENT_ES: ["Mon établissement", *ES, "Invitations", "Rattachements à confirmer"],
    Role.DSI: ["Mon établissement", *ES],
    Role.REFERENT_ARS: ["File régionale", "Dossiers", "Candidatures à instruire", "Conventions", "Déclarations à vérifier", "Demandes d'aide",
                        "Rattachements"],
    Role.CONTROLEUR_ANS: ["Vue nationale", "Dossiers", "Candidatures", "Conventions", "Déclarations", "Planning des contrôles",
                          "Demandes d'aide"],
    Role.SECRETARIAT_ANS: ["Vue nationale", "Dossiers", "Candidatures", "Conventions", "Conventions à envoyer",
                           "Déclarations",
                           "Paiements", "Finances", "Demandes d'aide"],
    Role.ADMIN_ANS: ["Administration", "Vue nationale", "Dossiers", "Candidatures", "Conventions", "Conventions à envoyer",
                     "Déclarations", "Planning des contrôles", "Paiements", "Finances", "Montants plafonds",
                     "Demandes d'aide", "Rattachements"],
}


def liens_navigation(html: str) -> list[str]:
    """The labels of the main navigation's links, as read on screen (entities such as &#x27; decoded)."""
    nav = html.split('id="navigation-principale"', 1)[1].split("</nav>", 1)[0]
    return [unescape(libelle) for libelle in re.findall(r'class="fr-nav__link"[^>]*>([^<]+)</a>', nav)]


@pytest.mark.parametrize("role", list(NAVIGATION))
def test_navigation_par_role(client, role):
    se_connecter(client, utilisateur(role))
    html = client.get(reverse(ACCUEIL_ATTENDU[role])).content.decode()
    assert liens_navigation(html) == NAVIGATION[role]
    # the current page is marked for assistive technologies
    assert f'href="{reverse(ACCUEIL_ATTENDU[role])}" aria-current="page"' in html
    assert html.count('aria-current="page"') == 1


def test_entete_nom_role_structure(client):
    ght = GHTFactory(code="NA-77", nom="GHT des Landes")
    connecter(client, utilisateur(Role.REFERENT_ES, structure=ght, prenom="Léa", nom="Durand"))
    html = client.get(reverse("comptes:espace_es")).content.decode()
    entete = html.split('<header role="banner"', 1)[1].split("</header>", 1)[0]
    assert "Léa Durand" in entete
    assert re.search(r"Référent CaRE de l&#x27;établissement<br>\s*NA-77 – GHT des Landes", entete)
    assert f'action="{reverse("comptes:deconnexion")}"' in entete and 'method="post"' in entete
    assert f'href="{reverse("comptes:totp_enrolement")}"' in entete
    assert "Se connecter" not in entete


def test_entete_agent_region(client):
    agent_verifie(client, utilisateur(Role.REFERENT_ARS, region=region_de_test("75"), prenom="Marc", nom="Petit"))
    html = client.get(reverse("comptes:file_ars")).content.decode()
    entete = html.split('<header role="banner"', 1)[1].split("</header>", 1)[0]
    assert "Marc Petit" in entete and re.search(r"Référent CaRE de l&#x27;ARS<br>\s*ARS Île-de-France", entete)
    # 2FA active: the account link goes to the backup codes
    assert f'href="{reverse("comptes:codes_secours")}"' in entete


def test_entete_plusieurs_roles(client):
    user = utilisateur(Role.DSI, structure=EntiteJuridiqueFactory(raison_sociale="Clinique Une"))
    services.rattachement_creer_confirme(utilisateur=user, role=Role.CONTROLEUR_ANS, acteur=None)
    agent_verifie(client, type(user).objects.get(pk=user.pk))
    html = client.get(reverse("comptes:vue_nationale")).content.decode()
    entete = html.split('<header role="banner"', 1)[1].split("</header>", 1)[0]
    assert re.search(r"Contrôleur ANS<br>\s*Agence du Numérique en Santé", entete)
    assert "et aussi : DSI de l&#x27;établissement — Clinique Une" in entete
    assert liens_navigation(html) == ["Vue nationale", "Mon établissement", "Dossiers", "Mes candidatures",
                                      "Candidatures", "Conventions", "Mes déclarations", "Déclarations",
                                      "Mes contrôles", "Planning des contrôles", "Mes paiements",
                                      "Mes demandes d'aide", "Demandes d'aide"]


def test_entete_anonyme(client):
    html = client.get(reverse("core:accueil")).content.decode()
    entete = html.split('<header role="banner"', 1)[1].split("</header>", 1)[0]
    assert f'href="{reverse("comptes:connexion")}"' in entete and "Se connecter" in entete
    assert f'href="{reverse("comptes:inscription")}"' in entete and "Créer un compte" in entete
    assert "Se déconnecter" not in entete
    assert liens_navigation(html) == ["Accueil"]


def test_agent_non_verifie_ne_voit_que_la_deconnexion(client):
    user = utilisateur(Role.REFERENT_ARS)
    connecter(client, user)  # password only, no second factor yet
    html = client.get(reverse("comptes:totp_enrolement")).content.decode()
    entete = html.split('<header role="banner"', 1)[1].split("</header>", 1)[0]
    assert "Se déconnecter" in entete
    assert 'id="navigation-principale"' not in html
    assert reverse("comptes:file_ars") not in entete


def test_liens_d_evitement_et_pied_de_page(client):
    connecter(client, utilisateur(Role.DSI))
    html = client.get(reverse("comptes:espace_es")).content.decode()
    for cible in ("#content", "#navigation-principale", "#footer"):
        assert f'href="{cible}"' in html
    assert 'id="content"' in html and 'id="footer"' in html and 'id="navigation-principale"' in html
    assert html.count("<h1") == 1


@pytest.mark.parametrize("niveau, classe, role_aria", [
    (niveaux.SUCCESS, "fr-alert--success", "status"),
    (niveaux.INFO, "fr-alert--info", "status"),
    (niveaux.WARNING, "fr-alert--warning", "alert"),
    (niveaux.ERROR, "fr-alert--error", "alert"),
])
def test_messages_en_alertes_dsfr(niveau, classe, role_aria):
    from django.template import engines

    requete = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    requete.user = AnonymousUser()
    requete.session = {}
    stockage = FallbackStorage(requete)
    requete._messages = stockage
    stockage.add(niveau, "Message de test « accentué »")
    html = engines["django"].from_string('{% extends "base.html" %}').render({}, requete)
    assert f'class="fr-alert {classe} fr-alert--sm fr-mb-2w" role="{role_aria}"' in html
    assert "Message de test « accentué »" in html
    main = html.split('<main id="content"', 1)[1]
    assert main.index("Message de test") < main.index("</main>")  # inside the main landmark


def test_deconnexion_affiche_un_message_de_succes(client):
    connecter(client, utilisateur(Role.DSI))
    reponse = client.post(reverse("comptes:deconnexion"), follow=True)
    html = reponse.content.decode()
    assert 'class="fr-alert fr-alert--success fr-alert--sm fr-mb-2w" role="status"' in html
    assert "Vous êtes déconnecté." in html


# An inline script (no src) without the CSP nonce would be blocked: there must be none.
SCRIPT_EN_LIGNE_SANS_NONCE = re.compile(r"<script(?![^>]*\b(?:nonce|src)=)[^>]*>", re.I)


@pytest.mark.parametrize("role", [Role.REFERENT_ES, Role.REFERENT_ARS, Role.CONTROLEUR_ANS, Role.ADMIN_ANS])
def test_pages_sans_script_ni_style_en_ligne(client, role):
    se_connecter(client, utilisateur(role, is_staff=True))
    reponse = client.get(reverse(ACCUEIL_ATTENDU[role]))
    html = reponse.content.decode()
    assert not SCRIPT_EN_LIGNE_SANS_NONCE.search(html)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handler
    assert "'unsafe-inline'" not in reponse.headers.get("Content-Security-Policy", "")


# --- error pages ---------------------------------------------------------------------------------------------

@pytest.fixture
def production(settings):
    settings.DEBUG = False
    return settings


def test_page_404_dsfr(client, production):
    reponse = client.get("/cette-page-n-existe-pas/")
    html = reponse.content.decode()
    assert reponse.status_code == 404
    assert "<h1>Page introuvable</h1>" in html and "Erreur 404" in html
    assert 'lang="fr"' in html and "dsfr.min.css" in html
    assert f'href="{reverse("core:accueil")}"' in html


def test_page_403_dsfr_avec_le_motif(client, production):
    connecter(client, utilisateur(Role.DSI))
    reponse = client.get(reverse("comptes:file_ars"))
    html = reponse.content.decode()
    assert reponse.status_code == 403
    assert "<h1>Accès refusé</h1>" in html
    assert "Cette page est réservée à d&#x27;autres profils." in html
    assert f'href="{reverse("comptes:accueil_role")}"' in html
    assert "Mon établissement" in html  # the shell (navigation) is there


def test_page_404_pour_un_utilisateur_connecte(client, production):
    connecter(client, utilisateur(Role.DSI))
    html = client.get("/comptes/rien/").content.decode()
    assert "Revenir à mon espace" in html


def test_page_500_statique(django_assert_num_queries):
    requete = RequestFactory().get("/")
    with django_assert_num_queries(0):
        reponse = erreur_500(requete)
    html = reponse.content.decode()
    assert reponse.status_code == 500
    assert "<h1>Erreur du service</h1>" in html and 'lang="fr"' in html and "dsfr.min.css" in html
    assert 'href="/"' in html
    assert not SCRIPT_EN_LIGNE_SANS_NONCE.search(html) and " style=" not in html


def test_gabarit_500_rendu_sans_contexte():
    html = get_template("500.html").render()
    assert "Erreur du service" in html


def test_handler500_branche(client, production, settings):
    """A view that fails answers the DSFR 500 page (through Django's handler500)."""
    from django.urls import path

    def en_panne(request):
        raise RuntimeError("panne de test")

    urls = type("urls", (), {
        "urlpatterns": [path("panne/", en_panne)],
        "handler500": "care_portal.core.views.erreur_500",
    })
    settings.ROOT_URLCONF = urls
    client.raise_request_exception = False
    reponse = client.get("/panne/")
    assert reponse.status_code == 500
    assert "Erreur du service" in reponse.content.decode()


def test_erreur_csrf_en_francais(client, production):
    from care_portal.core.views import erreur_csrf

    requete = RequestFactory().post("/")
    from django.contrib.auth.models import AnonymousUser

    requete.user = AnonymousUser()
    reponse = erreur_csrf(requete, reason="CSRF token missing")
    assert reponse.status_code == 403
    assert "Formulaire expiré" in reponse.content.decode()
    assert isinstance(reponse, HttpResponse)


# --- dashboards (issue 10): ES stepper, ARS and ANS counts, overdue items, exports, query counts ---------

def _dossiers_en_masse(n: int, *, debut: int = 0, deps=("33", "75")) -> None:
    """``n`` dossiers in various stages, created in bulk (the dashboards only count them)."""
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from candidatures.models import Candidature
    from candidatures.regles import TypeCandidature
    from care_portal.referentiel.models import Departement, EntiteJuridique
    from conventions.models import Convention
    from tests.factories import AppelFactory, finess_pour

    appel = AppelFactory(code="care-d1-masse")
    departements = {d: Departement.objects.select_related("region").get(code=d) for d in deps}
    etats = ["brouillon", "deposee", "complement_demande", "complete", "rejetee", "complete"]

    def dep(i: int) -> str:  # every state in each département, six dossiers after six
        return deps[(i // len(etats)) % len(deps)]

    ejs = EntiteJuridique.objects.bulk_create([
        EntiteJuridique(finess=finess_pour(dep(i), 700000 + i), raison_sociale=f"Clinique en masse {i}",
                        statut=StatutJuridique.PRIVE_LUCRATIF, departement=departements[dep(i)],
                        activite_combinee=Decimal("10"))
        for i in range(debut, debut + n)
    ])
    il_y_a_longtemps = timezone.now() - datetime.timedelta(days=40)
    candidatures = Candidature.objects.bulk_create([
        Candidature(appel=appel, entite_juridique=ej, type_candidature=TypeCandidature.PRIVE_LUCRATIF,
                    region_instructrice=ej.departement.region, etat=etats[i % len(etats)],
                    deposee_le=None if i % len(etats) == 0 else il_y_a_longtemps)
        for i, ej in enumerate(ejs)
    ])
    etats_cv = ["envoyee", "signee_es", "signee", "expiree"]
    Convention.objects.bulk_create([
        Convention(candidature=c, numero=f"CARE-MASSE-{c.pk}", etat=etats_cv[i % len(etats_cv)],
                   echeance=timezone.now() + datetime.timedelta(days=2), expiree_le=il_y_a_longtemps,
                   signee_es_le=il_y_a_longtemps)
        for i, c in enumerate(c for c in candidatures if c.etat == "complete")
    ])


def _requetes(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm the caches (content types, session)
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(url).status_code == 200
    return len(requetes)


@pytest.mark.parametrize("role, nom_url", [(Role.REFERENT_ARS, "comptes:file_ars"),
                                           (Role.CONTROLEUR_ANS, "comptes:vue_nationale"),
                                           (Role.ADMIN_ANS, "comptes:espace_admin")])
def test_tableaux_meme_nombre_de_requetes_de_10_a_1000_dossiers(client, role, nom_url):
    agent_verifie(client, utilisateur(role))
    _dossiers_en_masse(10)
    avec_10 = _requetes(client, reverse(nom_url))
    _dossiers_en_masse(990, debut=10)
    from candidatures.models import Candidature

    assert Candidature.objects.count() == 1000
    avec_1000 = _requetes(client, reverse(nom_url))
    assert avec_10 == avec_1000, f"{avec_10} requêtes pour 10 dossiers, {avec_1000} pour 1 000"


def test_vue_nationale_compte_par_etape_region_type_avec_graphique(client):
    _dossiers_en_masse(12)
    agent_verifie(client, utilisateur(Role.CONTROLEUR_ANS))
    reponse = client.get(reverse("comptes:vue_nationale"))
    html = reponse.content.decode()
    dossiers = reponse.context["dossiers"]
    assert dossiers.total == 12
    # 12 dossiers: 2 drafts, 2 submitted, 2 complement, 2 rejected (instruction), 4 complete with conventions
    assert dossiers.par_etape == {"candidature": 2, "instruction": 6, "convention": 3, "declaration": 1,
                                  "controle": 0, "paiement": 0}
    etats = {(ligne["etape"], ligne["etat"]): ligne["nombre"] for ligne in dossiers.par_etape_etat}
    assert etats[("Instruction par l'ARS", "Rejetée")] == 2
    assert etats[("Convention", "Expirée")] == 1
    lignes = {ligne["region"].nom: ligne for ligne in reponse.context["lignes"]}
    assert lignes["Nouvelle-Aquitaine"]["dossiers"] == 6 and lignes["Île-de-France"]["dossiers"] == 6
    assert dossiers.par_type[0]["total"] == 12
    # the chart: one bar per region, with its accessible name and the data table beside it
    assert '<svg role="img" aria-labelledby="graphique-titre graphique-description"' in html
    assert html.count('<g transform="translate(0 ') == 18
    assert "Nouvelle-Aquitaine — Instruction par l&#x27;ARS : 3" in html
    assert "Aucun dossier pour le moment" not in html
    assert reverse("notifications:export_dossiers", args=["national", "xlsx"]) in html
    retards = {r["code"]: r for r in reponse.context["retards"]}
    assert retards["attente"]["nombre"] == 2  # submitted 40 days ago, still waiting


def test_file_ars_compte_sa_region_et_ses_retards(client):
    _dossiers_en_masse(12)
    agent_verifie(client, utilisateur(Role.REFERENT_ARS, region=region_de_test("33")))
    reponse = client.get(reverse("comptes:file_ars"))
    html = reponse.content.decode()
    assert reponse.context["comptes"].total == 6
    assert "Dossiers de votre région par étape et par état (6 au total)" in html
    assert "Dossiers en attente" in html and "Clinique en masse" in html
    assert "Rien à instruire pour le moment" not in html
    assert reverse("notifications:export_dossiers", args=["region", "csv"]) in html


def test_export_csv_et_xlsx_de_la_region(client):
    import io

    from openpyxl import load_workbook

    _dossiers_en_masse(12)
    agent_verifie(client, utilisateur(Role.REFERENT_ARS, region=region_de_test("33")))
    reponse = client.get(reverse("notifications:export_dossiers", args=["region", "csv"]))
    assert reponse.status_code == 200 and reponse["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="ecare-dossiers-region-' in reponse["Content-Disposition"]
    lignes = b"".join(reponse.streaming_content).decode("utf-8").lstrip("\ufeff").strip().splitlines()
    assert lignes[0].startswith("Région;Structure;FINESS;Type;Appel;Étape;État")
    assert len(lignes) == 7 and all(ligne.startswith("Nouvelle-Aquitaine;") for ligne in lignes[1:])
    reponse = client.get(reverse("notifications:export_dossiers", args=["region", "xlsx"]))
    feuille = load_workbook(io.BytesIO(reponse.content)).active
    rangees = list(feuille.iter_rows(values_only=True))
    assert rangees[0][0] == "Région" and len(rangees) == 7
    # the national export is the ANS's
    assert client.get(reverse("notifications:export_dossiers", args=["national", "csv"])).status_code == 403
    assert client.get(reverse("notifications:export_dossiers", args=["region", "pdf"])).status_code == 404


def test_export_national_pour_l_ans_et_refuse_a_l_es(client):
    _dossiers_en_masse(4)
    agent_verifie(client, utilisateur(Role.CONTROLEUR_ANS))
    reponse = client.get(reverse("notifications:export_dossiers", args=["national", "csv"]))
    assert len(b"".join(reponse.streaming_content).decode().strip().splitlines()) == 5
    client.logout()
    connecter(client, utilisateur(Role.REFERENT_ES))
    assert client.get(reverse("notifications:export_dossiers", args=["national", "csv"])).status_code == 403


def test_espace_es_stepper_du_dossier(client):
    from candidatures import services as candidatures_services
    from tests.factories import AppelFactory

    ej = EntiteJuridiqueFactory(raison_sociale="CH du Stepper")
    EtablissementGeographiqueFactory(entite_juridique=ej)
    referent = utilisateur(Role.REFERENT_ES, structure=ej)
    appel = AppelFactory(nom="CaRE D1 — appel du stepper")
    candidatures_services.candidature_creer(structure=ej, appel=appel, acteur=referent)
    connecter(client, referent)
    html = client.get(reverse("comptes:espace_es")).content.decode()
    assert 'class="fr-stepper"' in html
    assert "CaRE D1 — appel du stepper — Candidature" in html and "Étape 1 sur 6" in html
    assert re.search(r'data-fr-current-step="1"\s+data-fr-steps="6"', html)
    assert "Étape suivante\u00a0:</span> Instruction par l&#x27;ARS" in html
    assert f"à compléter et déposer avant le {appel.candidature_fin:%d/%m/%Y}" in html
    assert "Aucune candidature pour le moment" not in html


def test_espace_admin_montre_les_envois_en_echec(client):
    from care_portal.notifications.models import Envoi

    Envoi.objects.create(gabarit="candidature_complete", sujet="Votre candidature est complète",
                         destinataires=["perdu@exemple.fr"], statut=Envoi.Statut.ECHEC, tentatives=6,
                         derniere_erreur="ConnectionRefusedError : [Errno 111] Connection refused")
    Envoi.objects.create(gabarit="g", sujet="Bien parti", destinataires=["ok@exemple.fr"], statut=Envoi.Statut.ENVOYE)
    agent_verifie(client, utilisateur(Role.ADMIN_ANS, is_staff=True))
    reponse = client.get(reverse("comptes:espace_admin"))
    html = reponse.content.decode()
    assert reponse.context["envois_en_echec"]["nombre"] == 1
    assert "perdu@exemple.fr" in html and "Échec définitif" in html and "Bien parti" not in html
    assert reverse("admin:notifications_envoi_changelist") in html


# --- texts that follow the real state (stage registry) ----------------------------------------------------

def test_espace_es_appel_ouvert_sans_candidature(client):
    import datetime

    from django.utils import timezone

    from tests.factories import AppelFactory

    aujourd_hui = timezone.localdate()
    AppelFactory(nom="Appel ouvert", candidature_debut=aujourd_hui - datetime.timedelta(days=3),
                 candidature_fin=aujourd_hui + datetime.timedelta(days=20),
                 paiement_fin=aujourd_hui + datetime.timedelta(days=400))
    connecter(client, utilisateur(Role.REFERENT_ES, structure=EntiteJuridiqueFactory()))
    html = client.get(reverse("comptes:espace_es")).content.decode()
    assert "est ouvert jusqu'au" in html and "ouvrez la candidature de votre structure" in html
    assert "à l'ouverture de l'appel" not in html


def test_espace_es_contacts_nommes_dans_la_candidature_ne_sont_plus_absents(client):
    from candidatures import services as candidatures
    from tests.factories import AppelFactory

    ej = EntiteJuridiqueFactory()
    referent = utilisateur(Role.REFERENT_ES, structure=ej)
    connecter(client, referent)
    html = client.get(reverse("comptes:espace_es")).content.decode()
    assert "Contacts sans compte sur le portail" in html and "RSSI de l&#x27;établissement" in html
    c = candidatures.candidature_creer(structure=ej, appel=AppelFactory(), acteur=referent)
    type(c).objects.filter(pk=c.pk).update(dsi_email="dsi@ch.fr", rssi_email="rssi@ch.fr",
                                           signataire_email="dg@ch.fr", referent_email=referent.email)
    html = client.get(reverse("comptes:espace_es")).content.decode()
    assert "Contacts sans compte sur le portail" not in html
