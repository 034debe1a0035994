"""The agents' desk in a browser (issue 21): an ARS agent (TOTP login) opens « Dossiers » from the menu,
creates a label for her agency, finds a dossier by its FINESS typed with spaces, takes it then assigns it
to a colleague, writes a private note mentioning him and labels the dossier from the dossier's panel,
filters the list on the label, saves that filter and exports it. The establishment's référent opens the
same dossier and sees none of it. axe-core and the HTML checker check every page."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from care_portal.bureau.models import Affectation, EtiquetteDossier, FiltreEnregistre, Note
from care_portal.comptes.roles import Role
from tests.bureau.donnees import deposee
from tests.comptes.helpers import code_totp, creer_utilisateur_avec_role
from tests.e2e.conftest import Navigateur
from tests.e2e.test_candidature import se_connecter, second_navigateur  # noqa: F401 (fixture)
from tests.factories import AppelFactory, EntiteJuridiqueFactory, finess_pour

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NOTE = "Appel au DSI : l'audit arrive lundi."


def _connecter_agent(nav: Navigateur, agent) -> None:
    appareil = TOTPDevice.objects.create(user=agent, name="Téléphone", confirmed=True)
    se_connecter(nav, agent.email)
    assert nav.chemin() == reverse("comptes:totp_verification")
    nav.page.get_by_label("Code de vérification").fill(code_totp(appareil))
    nav.soumettre(nav.page.get_by_role("button", name="Valider"))


def _lignes(page):
    return page.locator("#bureau-actions tbody tr")


def test_rechercher_affecter_noter_etiqueter_filtrer(navigateur: Navigateur,
                                                     second_navigateur: Navigateur):  # noqa: F811
    nav, page = navigateur, navigateur.page
    appel = AppelFactory()
    # FINESS numbers set here, not by the factory's sequence (which depends on the tests run before in the
    # same process): the three pieces typed for the target must not all appear in another's number by chance
    dossiers = [deposee(EntiteJuridiqueFactory(dep="33", raison_sociale=f"Clinique des Pins {i}",
                                               finess=finess_pour("33", n)), appel)
                for i, n in enumerate((111111, 765432, 222222))]
    cible = dossiers[1]
    finess = cible.entite_juridique.finess
    agent = creer_utilisateur_avec_role(Role.REFERENT_ARS, email="agathe.arsene@ars.sante.fr", prenom="Agathe",
                                        nom="Arsène")
    collegue = creer_utilisateur_avec_role(Role.REFERENT_ARS, email="bruno.bordes@ars.sante.fr", prenom="Bruno",
                                           nom="Bordes")
    referent = creer_utilisateur_avec_role(Role.REFERENT_ES, structure=cible.entite_juridique,
                                           email="referente@clinique-des-pins.fr")

    # 1. the agent logs in and opens « Dossiers » from the menu: three dossiers of her region
    _connecter_agent(nav, agent)
    nav.suivre(page.locator("#navigation-principale").get_by_role("link", name="Dossiers", exact=True))
    assert nav.chemin() == reverse("bureau:dossiers")
    assert _lignes(page).count() == 3

    # 2. she creates her agency's label
    nav.suivre(page.get_by_role("link", name="Étiquettes de l'agence").first)
    page.get_by_label("Libellé", exact=True).fill("À relancer")
    page.get_by_label("Couleur", exact=True).select_option(label="Tuile")
    nav.soumettre(page.get_by_role("button", name="Créer l'étiquette"))
    assert page.locator("main .fr-tag--pink-tuile", has_text="À relancer").count() == 1

    # 3. she finds the dossier by its FINESS, typed with spaces
    nav.aller(reverse("bureau:dossiers"))
    page.get_by_label("Rechercher un dossier").fill(f"{finess[:3]} {finess[3:6]} {finess[6:]}")
    nav.soumettre(page.get_by_role("button", name="Rechercher"))
    assert _lignes(page).count() == 1
    nav.suivre(_lignes(page).get_by_role("link", name=cible.structure_libelle))
    assert nav.chemin() == reverse("candidatures:detail", args=[cible.pk])

    # 4. on the dossier's panel: she takes it, then assigns it to her colleague
    panneau = page.locator("#bureau")
    nav.soumettre(panneau.get_by_role("button", name="Prendre le dossier"))
    assert "Affecté à Agathe Arsène (vous)" in page.locator("#bureau-affectation").inner_text()
    panneau = page.locator("#bureau")
    panneau.get_by_label("Affecter à un agent de").select_option(label="Bruno Bordes")
    mail.outbox.clear()
    nav.soumettre(panneau.get_by_role("button", name="Affecter", exact=True))
    assert "Affecté à Bruno Bordes" in page.locator("#bureau-affectation").inner_text()
    assert Affectation.objects.get(dossier=cible).agent == collegue
    assert [m.to for m in mail.outbox] == [[collegue.email]]

    # 5. a private note mentioning him, and the label
    panneau = page.locator("#bureau")
    panneau.get_by_label("Note privée").fill(NOTE)
    panneau.locator("summary", has_text="Mentionner des collègues").click()
    panneau.locator(f"label[for=bureau-mention-{cible.pk}-{collegue.pk}]").click()
    nav.soumettre(panneau.get_by_role("button", name="Ajouter la note"))
    assert page.locator("#bureau").get_by_text(NOTE).count() == 1
    assert list(Note.objects.get(dossier=cible).mentions.all()) == [collegue]
    panneau = page.locator("#bureau")
    panneau.get_by_label("Ajouter une étiquette").select_option(label="À relancer")
    nav.soumettre(panneau.get_by_role("button", name="Ajouter l'étiquette"))
    assert EtiquetteDossier.objects.filter(dossier=cible, etiquette__libelle="À relancer").exists()

    # 6. the list filtered on the label: that dossier only, with its assignee; saved as a filter
    nav.aller(reverse("bureau:dossiers"))
    page.get_by_label("Étiquette", exact=True).select_option(label="À relancer")
    nav.soumettre(page.get_by_role("button", name="Filtrer"))
    assert _lignes(page).count() == 1
    assert "Bruno Bordes" in _lignes(page).first.inner_text()
    page.get_by_label("Enregistrer ces filtres et colonnes sous le nom").fill("À relancer")
    nav.soumettre(page.get_by_role("button", name="Enregistrer le filtre"))
    assert FiltreEnregistre.objects.get(agent=agent).nom == "À relancer"
    assert page.locator(".fr-sidemenu").get_by_role("link", name="À relancer (1)").count() == 1
    with page.expect_download() as telechargement:
        page.get_by_role("link", name="Exporter en CSV (1)").click()
    contenu = open(telechargement.value.path(), encoding="utf-8-sig").read()
    assert cible.structure_libelle in contenu and "Bruno Bordes" in contenu

    # 7. the establishment's référent opens the same dossier: nothing of the desk
    es = second_navigateur
    se_connecter(es, referent.email)
    es.aller(reverse("candidatures:detail", args=[cible.pk]))
    texte = es.page.locator("main").inner_text()
    for secret in (NOTE, "À relancer", "Bruno Bordes", "Agathe Arsène", "Espace des agents"):
        assert secret not in texte
