"""One dossier taken from brouillon to payé through the services (the stage registry's end-to-end test).
At each stage: the ES stepper (step number, title, sentence, link to the stage's page, which opens), the
national and regional dashboard counts (through their pages), each role's menu entries, the hand-off that
opened the next stage's record, and the timeline entries of the stage."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from candidatures import services as candidatures
from candidatures.models import Candidature
from care_portal.comptes.roles import Role
from care_portal.comptes.views.espace import suivi_du_dossier
from care_portal.core import etapes
from care_portal.referentiel.models import StatutJuridique
from care_portal.workflow.chronologie import chronologie
from controle import services as controles
from controle.models import Controle
from conventions import services as conventions
from conventions.models import Convention
from declarations import services as declarations
from declarations.models import Declaration
from paiement import services as paiements
from paiement.models import Paiement
from tests.candidatures import donnees
from tests.comptes.helpers import agent_verifie, connecter, creer_utilisateur_avec_role
from tests.conventions.conventions import (
    certificat,  # noqa: F401 (fixture)
    commit,
    dernier_code,
    dg_ans,
    envoyee,
    grille_plafonds,
    signee_es,
)
from tests.declarations.donnees import ajouter, ouvrir_fenetre
from tests.factories import AppelFactory, EntiteJuridiqueFactory, EtablissementGeographiqueFactory
from tests.paiement.paiements import ouvrir_paiements

pytestmark = pytest.mark.django_db

MENUS = {
    "es": ["Mes candidatures", "Mes déclarations", "Mes contrôles", "Mes paiements"],
    "ars": ["Candidatures à instruire", "Conventions", "Déclarations à vérifier"],
    "ans": ["Candidatures", "Conventions", "Déclarations", "Planning des contrôles", "Paiements", "Finances"],
}


def _menu_de(html: str) -> list[str]:
    import re

    nav = html.split('id="navigation-principale"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'class="fr-nav__link"[^>]*>([^<]+)</a>', nav)


def _menu(client, url) -> list[str]:
    return _menu_de(client.get(url).content.decode())


class Acteurs:
    def __init__(self, client_es, client_ars, client_ans, referent):
        self.es, self.ars, self.ans, self.referent = client_es, client_ars, client_ans, referent


def _codes(obj) -> set[str]:
    """The codes of the object's timeline entries (the one timeline service), each with its French
    sentence registered by its stage (never the fallback « Action enregistrée »)."""
    evenements = chronologie([obj])
    assert evenements and all(e.titre != "Action enregistrée" for e in evenements), \
        [(e.code, e.titre) for e in evenements]
    return {e.code for e in evenements}


def verifier(a: Acteurs, c: Candidature, *, etape: str, numero: int, fragment: str, fini: bool = False) -> None:
    c = Candidature.objects.get(pk=c.pk)
    suivi = suivi_du_dossier(c)
    assert (suivi["numero"], suivi["total"]) == (numero, 6), suivi
    assert suivi["titre"] == etapes.etape(etape).libelle
    assert fragment in suivi["etat"], suivi["etat"]
    assert suivi["fini"] is fini and suivi["clos"] is False
    # the stepper links to the stage's page, which the ES may open
    assert suivi["lien"] and a.es.get(suivi["lien"]).status_code == 200
    html = a.es.get(reverse("comptes:espace_es")).content.decode()
    assert f"Étape {numero} sur 6" in html
    # the dashboards count the dossier at its stage, nationally and in its region
    page_ans = a.ans.get(reverse("comptes:vue_nationale"))
    page_ars = a.ars.get(reverse("comptes:file_ars"))
    national, regional = page_ans.context["dossiers"].par_etape, page_ars.context["comptes"].par_etape
    attendu = {code: int(code == etape) for code in etapes.codes()}
    assert national == attendu and regional == attendu
    # each role's menu still reaches the work of every stage
    assert _menu_de(html)[1:5] == MENUS["es"]
    assert set(MENUS["ars"]) <= set(_menu_de(page_ars.content.decode()))
    assert set(MENUS["ans"]) <= set(_menu_de(page_ans.content.decode()))


def test_un_dossier_de_brouillon_a_paye(client, certificat):  # noqa: F811
    aujourd_hui = timezone.localdate()
    appel = AppelFactory(candidature_debut=aujourd_hui - datetime.timedelta(days=5),
                         candidature_fin=aujourd_hui + datetime.timedelta(days=30))
    grille_plafonds(appel)
    ej = EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC, raison_sociale="Centre hospitalier de Libourne")
    EtablissementGeographiqueFactory(entite_juridique=ej)
    referent = donnees.referent(ej)
    ars = donnees.ars("33")
    ans = creer_utilisateur_avec_role(Role.ADMIN_ANS)
    a = Acteurs(client, Client(), Client(), referent)
    connecter(a.es, referent)
    agent_verifie(a.ars, ars)
    agent_verifie(a.ans, ans)

    # each role's menu reaches the work of every stage
    assert _menu(a.es, reverse("comptes:espace_es"))[1:5] == MENUS["es"]
    assert all(e in _menu(a.ars, reverse("comptes:file_ars")) for e in MENUS["ars"])
    assert all(e in _menu(a.ans, reverse("comptes:vue_nationale")) for e in MENUS["ans"])

    # 1. candidature
    c = candidatures.candidature_creer(structure=ej, appel=appel, acteur=referent)
    verifier(a, c, etape="candidature", numero=1, fragment="Brouillon : à compléter et déposer avant le")
    # 2. instruction by the ARS
    c = donnees.deposer(c, referent)
    verifier(a, c, etape="instruction", numero=2, fragment="l'ARS vérifie qu'elle est complète")
    assert "candidatures.candidature.deposee" in _codes(c)
    # 3. convention: opened by the hand-off when the ARS declares the candidature complete
    with commit():
        candidatures.candidature_declarer_complete(candidature=c, acteur=ars)
    c = Candidature.objects.get(pk=c.pk)
    assert Convention.objects.filter(candidature=c, etat=Convention.Etat.A_GENERER).exists()
    verifier(a, c, etape="convention", numero=3, fragment="l'ANS prépare la convention")
    cv = envoyee(c)
    verifier(a, c, etape="convention", numero=3, fragment="Convention envoyée : à signer avant le")
    cv = signee_es(cv)
    verifier(a, c, etape="convention", numero=3, fragment="en attente de la contre-signature de l'ANS")
    dg = dg_ans()
    with commit():
        conventions.code_envoyer_dg(acteur=dg, conventions=[cv])
    with commit():
        conventions.conventions_contresigner(acteur=dg, code=dernier_code(dg.email), ip="198.51.100.2")
    # 4. declaration: opened by the hand-off when the ANS countersigns
    d = Declaration.objects.get(candidature=c)
    assert d.etat == Declaration.Etat.BROUILLON and "declarations.declaration.creee" in _codes(d)
    verifier(a, c, etape="declaration", numero=4, fragment="Déclaration d'atteinte des objectifs à déposer")
    ouvrir_fenetre(c)
    ajouter(d, referent)
    with commit():
        declarations.declaration_deposer(declaration=d, acteur=referent, certifie=True)
    verifier(a, c, etape="declaration", numero=4, fragment="Déclaration déposée le")
    # the notices of the deposit open the declaration, not the candidature
    from care_portal.notifications.models import Notification

    notices = Notification.objects.filter(gabarit__startswith="declaration_deposee")
    assert notices.exists() and {n.lien for n in notices} == {reverse("declarations:detail", args=[d.pk])}
    # 5. control: opened by the hand-off when the ARS finds the declaration complete
    with commit():
        declarations.declaration_declarer_complete(declaration=Declaration.objects.get(pk=d.pk), acteur=ars)
    ctl = Controle.objects.get(declaration=d)
    assert "controle.controle.cree" in _codes(ctl)
    verifier(a, c, etape="controle", numero=5, fragment="l'ANS va planifier le contrôle")
    controleur = creer_utilisateur_avec_role(Role.CONTROLEUR_ANS)
    quand = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(0, 5)))
    with commit():
        controles.controle_planifier(controle=ctl, acteur=controleur, modalite="visio", date_prevue=quand,
                                     lieu="https://webconf.numerique.gouv.fr/care", controleurs=[controleur])
    verifier(a, c, etape="controle", numero=5, fragment="Contrôle planifié le")
    controles.controle_commencer(controle=Controle.objects.get(pk=ctl.pk), acteur=controleur)
    verifier(a, c, etape="controle", numero=5, fragment="Contrôle en cours")
    ctl = Controle.objects.get(pk=ctl.pk)
    controles.controle_enregistrer_grille(controle=ctl, acteur=controleur,
                                          saisies={v.code: ("conforme", "") for v in ctl.verdicts.all()})
    # 6. payment: opened by the hand-off when the control validates the objectives (window open)
    ouvrir_paiements(appel)
    with commit():
        controles.controle_valider_atteinte(controle=ctl, acteur=controleur)
    p = Paiement.objects.get(controle=ctl)
    assert p.etat == Paiement.Etat.A_VALIDER and "paiement.paiement.cree" in _codes(p)
    verifier(a, c, etape="paiement", numero=6, fragment="préparé : l'ANS le valide")
    secretariat = creer_utilisateur_avec_role(Role.SECRETARIAT_ANS)
    paiements.paiement_valider(paiement=p, acteur=secretariat)
    paiements.paiement_ordonnancer(paiement=Paiement.objects.get(pk=p.pk), acteur=ans)
    verifier(a, c, etape="paiement", numero=6, fragment="ordonnancé : le virement est en cours")
    with commit():
        paiements.paiement_marquer_paye(paiement=Paiement.objects.get(pk=p.pk), acteur=secretariat,
                                        le=timezone.localdate(), reference_bancaire="VIR-2026-0001")
    verifier(a, c, etape="paiement", numero=6, fragment="Financement versé le", fini=True)
    html = a.es.get(reverse("comptes:espace_es")).content.decode()
    assert "Financement versé" in html and "Étape suivante" not in html
    assert {"paiement.paiement.valide", "paiement.paiement.ordonnance", "paiement.paiement.paye"} <= _codes(p)


def test_conventions_a_envoyer_depuis_le_menu_de_l_ans(client, certificat):  # noqa: F811
    """The ANS's menu entry « Conventions à envoyer » (registered by the convention stage) lists the
    complete candidatures whose convention is still to send, and only those; the ES and the ARS do not
    have it."""
    from tests.conventions.conventions import dossier_complet

    a_envoyer, _, ars = dossier_complet(raison_sociale="Centre hospitalier de Blaye")
    envoyee_c, _, _ = dossier_complet(raison_sociale="Centre hospitalier d'Arcachon", ars=ars)
    envoyee(envoyee_c)
    admin = creer_utilisateur_avec_role(Role.ADMIN_ANS)
    agent_verifie(client, admin)
    html = client.get(reverse("comptes:vue_nationale")).content.decode()
    url = reverse("conventions:liste") + "?etat=a_generer"
    assert f'href="{url}"' in html  # menu and home shortcut
    page = client.get(url)
    noms = {cv.candidature.structure_libelle for cv in page.context["page_obj"]}
    assert noms == {"Centre hospitalier de Blaye"}
    assert 'aria-current="page">Conventions à envoyer' in page.content.decode()
    autre = Client()
    agent_verifie(autre, ars)
    assert f'href="{url}"' not in autre.get(reverse("comptes:file_ars")).content.decode()

