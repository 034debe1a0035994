"""The objectives page made navigable (issue 23): a summary on top (how many objectives are reached, the next
thing to do for each other one, linked to its card), a side menu to every card, and entry forms folded in
DSFR accordions: open where the objective has no proof yet or the form came back with errors, folded
elsewhere; the correction forms of past audits are always folded."""

from __future__ import annotations

import lxml.html
import pytest

from tests.candidatures.test_views import se_connecter

from .donnees import ad, audit, candidature_deposee, jours
from .test_views import texte, url

pytestmark = pytest.mark.django_db


def _soupe(reponse):
    return lxml.html.fromstring(reponse.content.decode())


def _ouvert(soupe, id_form: str) -> bool:
    boutons = soupe.xpath(f'//button[@aria-controls="{id_form}-volet"]')
    assert len(boutons) == 1, id_form
    return boutons[0].get("aria-expanded") == "true"


def _texte(element) -> str:
    return " ".join(element.text_content().split())


def test_resume_menu_et_volets(client):
    c, ref = candidature_deposee(depose_il_y_a=100)
    se_connecter(client, ref)
    soupe = _soupe(client.get(url(c)))

    resume = soupe.get_element_by_id("resume-objectifs")
    assert "0 objectif atteint sur 7, 5 incomplets, 2 non atteints." in _texte(resume)
    liens = [a.get("href") for a in resume.xpath(".//li/a")]
    assert "#objectif-d1-o1-a" in liens and len(liens) == 7
    menu = soupe.xpath('//nav[contains(@class, "fr-sidemenu")]//a[contains(@class, "fr-sidemenu__link")]')
    assert [a.get("href") for a in menu][:2] == ["#synthese", "#objectif-d1-o1-a"]
    assert "incomplet" in _texte(menu[1])
    for href in [*liens, *(a.get("href") for a in menu)]:  # every link leads to a section of the page
        assert soupe.get_element_by_id(href[1:], None) is not None, href
    # no proof yet: the form to enter one is open
    assert _ouvert(soupe, "form-ad") and _ouvert(soupe, "form-expo")


def test_les_formulaires_se_replient_une_fois_la_preuve_saisie(client):
    c, ref = candidature_deposee(depose_il_y_a=100)
    audit(ad(c, ref), ref, jours(-10))
    se_connecter(client, ref)
    soupe = _soupe(client.get(url(c)))
    assert not _ouvert(soupe, "form-ad") and not _ouvert(soupe, "form-ads")
    corrections = soupe.xpath('//button[starts-with(@aria-controls, "form-audit-")]')
    assert len(corrections) == 1 and corrections[0].get("aria-expanded") == "false"
    assert "Corriger l'audit ADS de « hopital.local »" in _texte(corrections[0])


def test_un_formulaire_refuse_revient_ouvert(client):
    c, ref = candidature_deposee(depose_il_y_a=100)
    a = ad(c, ref)
    audit(a, ref, jours(-10))
    se_connecter(client, ref)
    reponse = client.post(url(c, "ads_ajouter"), {"ads-active_directory": a.pk, "ads-date": "pas une date",
                                                   "ads-score": "9"})
    assert reponse.status_code == 400
    soupe = _soupe(reponse)
    assert _ouvert(soupe, "form-ads") and not _ouvert(soupe, "form-ad")
    assert "Saisissez une date valide" in texte(reponse)
