"""The public side and the support, in the browser (axe-core on every page, conftest.Navigateur): an
anonymous visitor reads an objective's page, checks a GHT member's eligibility and opens the accessibility
statement from the footer; an ES référent asks for help from its dossier, the ARS answers from its queue,
and the référent reads the answer in the dossier's history."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.accompagnement.helpers import dossier_et_personnes
from tests.comptes.helpers import creer_appareil_totp
from tests.e2e.conftest import Navigateur
from tests.e2e.test_candidature import se_connecter, second_navigateur  # noqa: F401 — fixture
from tests.factories import AppelFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_visiteur_anonyme(navigateur: Navigateur):
    AppelFactory()
    c, es, ars = dossier_et_personnes()
    page = navigateur.page
    navigateur.aller(reverse("accompagnement:objectifs"))
    navigateur.suivre(page.get_by_role("link", name="D1.O2.B — Aucune vulnérabilité critique exposée"))
    assert "Rapports d'audit." in page.locator("main").inner_text()
    navigateur.aller(reverse("accompagnement:eligibilite"))
    page.get_by_label("Nom, commune ou numéro FINESS de l'établissement").fill("CH membre 2")
    navigateur.soumettre(page.get_by_role("button", name="Rechercher"))
    navigateur.suivre(page.locator("#resultats-structures").get_by_role("link", name="CH membre 2", exact=True))
    verdict = page.locator("#verdict-eligibilite").inner_text()
    assert "Structure éligible au Domaine 1" in verdict and "CHU de Libourne" in verdict
    assert page.locator("#tableau-prerequis tbody tr").count() == 4
    navigateur.suivre(page.locator("footer").get_by_role("link", name="Accessibilité : partiellement conforme"))
    assert navigateur.chemin() == reverse("accompagnement:accessibilite")
    assert "partiellement conforme" in page.locator("main").inner_text()


def test_demande_d_aide_de_bout_en_bout(navigateur: Navigateur, second_navigateur: Navigateur):  # noqa: F811
    from django_otp.oath import totp

    c, es, ars = dossier_et_personnes()
    appareil = creer_appareil_totp(ars)
    page = navigateur.page
    se_connecter(navigateur, es.email)
    navigateur.aller(reverse("candidatures:detail", args=[c.pk]))
    navigateur.suivre(page.get_by_role("link", name="Demander de l'aide sur ce dossier"))
    page.get_by_label("Sujet").select_option("candidature")
    page.get_by_label("Objet").fill("Périmètre du GHT")
    page.get_by_label("Votre question").fill("Notre EHPAD doit-il figurer dans le périmètre ?")
    navigateur.soumettre(page.get_by_role("button", name="Envoyer ma demande"))
    assert "Ouverte" in page.locator("#etat-demande").text_content()

    ars_nav, p2 = second_navigateur, second_navigateur.page
    se_connecter(ars_nav, ars.email)
    p2.get_by_label("Code de vérification").fill(
        f"{totp(appareil.bin_key, step=appareil.step, t0=appareil.t0, digits=appareil.digits):06d}")
    ars_nav.soumettre(p2.get_by_role("button", name="Valider"))
    ars_nav.aller(reverse("accompagnement:file"))
    ars_nav.suivre(p2.locator("#liste-demandes").get_by_role("link", name="Périmètre du GHT"))
    p2.get_by_label("Votre message").fill("Non : les ESMS membres d'un GHT ne comptent pas pour le Domaine 1.")
    ars_nav.soumettre(p2.get_by_role("button", name="Envoyer la réponse"))
    assert "En cours" in p2.locator("#etat-demande").text_content()

    navigateur.aller(reverse("candidatures:detail", args=[c.pk]))
    historique = page.locator("#section-chronologie").inner_text()
    assert "les ESMS membres d'un GHT ne comptent pas" in historique
