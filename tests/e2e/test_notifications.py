"""The notification centre in a real browser: the header's unread count, the menu opened and used with
the keyboard, a notice opening its dossier and becoming read, "mark all as read"; then the dashboards
(ES stepper, ARS counts, ANS chart and tables, admin) — axe-core checks every page (conftest.Navigateur)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from candidatures import services as cs
from care_portal.comptes.roles import Role
from care_portal.notifications import services
from care_portal.notifications.models import Notification
from tests.comptes.helpers import code_totp, creer_appareil_totp, creer_utilisateur_avec_role
from tests.e2e.conftest import Navigateur
from tests.e2e.test_candidature import se_connecter
from tests.factories import AppelFactory, EntiteJuridiqueFactory, EtablissementGeographiqueFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_centre_de_notifications_au_clavier(navigateur: Navigateur, settings, tmp_path):
    from tests.candidatures.donnees import stockage_prive

    stockage_prive(settings, tmp_path)
    page = navigateur.page
    ej = EntiteJuridiqueFactory(raison_sociale="CH des Notifications")
    EtablissementGeographiqueFactory(entite_juridique=ej)
    referent = creer_utilisateur_avec_role(Role.REFERENT_ES, structure=ej, email="referent-notif@exemple.fr")
    c = cs.candidature_creer(structure=ej, appel=AppelFactory(), acteur=referent)
    services.envoyer_email([referent.email], "Complément demandé sur votre candidature", "candidature_complement",
                           {"candidature": c, "message": "Le RIB manque."})
    services.envoyer_email([referent.email], "Rappel : candidature à déposer", "rappel_brouillon",
                           {"candidature": c, "fin": c.appel.candidature_fin, "jours_restants": 3})

    se_connecter(navigateur, referent.email)
    assert navigateur.chemin() == reverse("comptes:espace_es")
    # the ES home: the stepper of the dossier
    assert page.locator(".fr-stepper .fr-stepper__state").first.inner_text().strip() == "Étape 1 sur 6"

    entete = page.locator("header .fr-header__tools-links")
    bouton = entete.get_by_role("button", name="Notifications 2 non lues")
    assert bouton.get_attribute("aria-expanded") == "false"
    # keyboard: focus the button, open the menu with Enter, reach the first notice with Tab — once the
    # DSFR script has made the button a collapse control (it marks it so; on a loaded machine this comes
    # after the page's load event)
    page.wait_for_selector("#bouton-centre-notifications[data-fr-js-collapse-button]", state="attached")
    bouton.focus()
    page.keyboard.press("Enter")
    expect(bouton).to_have_attribute("aria-expanded", "true")
    menu = entete.locator("#centre-notifications")
    expect(menu).to_be_visible()  # after the collapse's transition
    navigateur.verifier()  # the page with its menu open
    premiere = menu.get_by_role("button", name="Rappel : candidature à déposer")
    page.keyboard.press("Tab")
    expect(premiere).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    navigateur.verifier()
    assert navigateur.chemin() == reverse("candidatures:detail", args=[c.pk])
    assert Notification.objects.filter(destinataire=referent, lue_le__isnull=False).count() == 1
    assert entete.get_by_role("button", name="Notifications 1 non lue").count() == 1

    # the centre's page: both notices, their delivery status, mark all as read
    navigateur.aller(reverse("notifications:centre"))
    tableau = page.locator("main table")
    assert tableau.locator("tbody tr").count() == 2
    texte = tableau.inner_text()
    assert "Envoyé" in texte and "non lue" in texte.lower()  # DSFR badges are shown in capitals
    navigateur.soumettre(page.locator("main").get_by_role("button", name="Tout marquer comme lu (1)"))
    assert "1 notification marquée comme lue." in page.locator("main [role=status]").first.inner_text()
    assert entete.get_by_role("button", name="Notifications : aucune non lue").count() == 1
    assert not Notification.objects.filter(destinataire=referent, lue_le__isnull=True).exists()

    # the daily digest preference
    page.locator("label[for=resume-oui]").click()
    navigateur.soumettre(page.locator("main").get_by_role("button", name="Enregistrer ma préférence"))
    assert "résumé de vos notifications" in page.locator("main [role=status]").first.inner_text()


def _agent(navigateur: Navigateur, role: str, **champs):
    agent = creer_utilisateur_avec_role(role, **champs)
    appareil = creer_appareil_totp(agent)
    se_connecter(navigateur, agent.email)
    assert navigateur.chemin() == reverse("comptes:totp_verification")
    navigateur.page.get_by_label("Code de vérification").fill(code_totp(appareil))
    navigateur.soumettre(navigateur.page.get_by_role("button", name="Valider"))
    return agent


def test_tableaux_de_bord_accessibles(navigateur: Navigateur, settings, tmp_path):
    from tests.comptes.test_espace import _dossiers_en_masse

    _dossiers_en_masse(24)
    page = navigateur.page
    _agent(navigateur, Role.ADMIN_ANS, is_staff=True)
    navigateur.aller(reverse("comptes:espace_admin"))
    navigateur.aller(reverse("comptes:vue_nationale"))
    graphique = page.locator("main svg[role=img]")
    assert graphique.count() == 1
    assert graphique.locator("text").count() == 36  # 18 regions: a name and a total each
    assert graphique.locator("rect").count() >= 5  # the segments of the two regions with dossiers
    assert "Dossiers par étape et par état" in page.locator("main").inner_text()
    navigateur.se_deconnecter()

    _agent(navigateur, Role.REFERENT_ARS)
    navigateur.aller(reverse("comptes:file_ars"))
    assert "(12 au total)" in page.locator("main").inner_text()
