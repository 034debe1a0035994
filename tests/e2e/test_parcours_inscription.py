"""Account creation → e-mail verification → attachment confirmed by the ARS (TOTP) → login → ES home."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from care_portal.comptes.models import Rattachement
from care_portal.comptes.roles import Role
from care_portal.referentiel.models import StatutJuridique
from tests.comptes.helpers import MOT_DE_PASSE, creer_utilisateur_avec_role, region_de_test
from tests.e2e.conftest import lien_du_mail
from tests.factories import EntiteJuridiqueFactory, EtablissementGeographiqueFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

EMAIL = "marie.curie@clinique-des-pins.fr"
MOT_DE_PASSE_NOUVEAU = "Pins-Arcachon-2024!"


def code_du_moment(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def cocher(page, libelle: str) -> None:
    """Tick a DSFR radio button as a person does: on its label (the input itself is drawn over)."""
    page.locator("label.fr-label").filter(has_text=re.compile("^\\s*" + re.escape(libelle))).click()
    assert page.get_by_label(libelle).first.is_checked()


def se_connecter(nav, email: str, mot_de_passe: str) -> None:
    page = nav.page
    nav.aller(reverse("comptes:connexion"))
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(mot_de_passe)
    nav.soumettre(page.locator("main").get_by_role("button", name="Se connecter"))


def test_inscription_confirmee_par_l_ars_puis_accueil_etablissement(navigateur, live_server):
    nav, page = navigateur, navigateur.page
    ej = EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_EBNL, raison_sociale="Association des Pins")
    eg = EtablissementGeographiqueFactory(entite_juridique=ej, raison_sociale="Clinique des Pins", commune="Arcachon")
    ars = creer_utilisateur_avec_role(Role.REFERENT_ARS, region=region_de_test("33"), email="agathe@ars.sante.fr",
                                      prenom="Agathe", nom="Instructrice")
    appareil_ars = TOTPDevice.objects.create(user=ars, name="Téléphone", confirmed=True)

    # 1. the public home, then "Créer un compte" in the header
    nav.aller("/")
    nav.suivre(page.locator("header").get_by_role("link", name="Créer un compte"))
    assert nav.chemin() == reverse("comptes:inscription")

    # 2. step 1: the live search (JavaScript) lists the establishment; pick it
    page.get_by_label("Nom, commune ou numéro FINESS de votre établissement").fill("Clinique des Pins")
    cocher(page, "Clinique des Pins")
    nav.verifier()  # the list built by the script
    nav.soumettre(page.get_by_role("button", name="Continuer"))

    # 3. step 2: identity, role, password
    assert "Association des Pins" in page.locator("main").inner_text()
    page.get_by_label(re.compile(r"^\s*Prénom")).fill("Marie")
    page.get_by_label(re.compile(r"^\s*Nom\b")).fill("Curie")
    page.get_by_label("Adresse e-mail professionnelle").fill(EMAIL)
    page.get_by_label("Fonction").fill("Directrice des systèmes d'information")
    cocher(page, "Référent CaRE de l'établissement")
    page.get_by_label(re.compile(r"^\s*Mot de passe")).fill(MOT_DE_PASSE_NOUVEAU)
    page.get_by_label(re.compile(r"^\s*Confirmation du mot de passe")).fill(MOT_DE_PASSE_NOUVEAU)
    nav.soumettre(page.get_by_role("button", name="Créer mon compte"))
    assert nav.chemin() == reverse("comptes:inscription_envoyee")

    # 4. the verification link of the e-mail (sent on commit, by the live server's thread)
    verification = next(m for m in mail.outbox if EMAIL in m.to and "Confirmez" in m.subject)
    nav.aller(lien_du_mail(verification, live_server.url))
    nav.soumettre(page.get_by_role("button", name="Confirmer mon adresse e-mail"))
    assert nav.chemin() == reverse("comptes:connexion")
    assert page.locator("main [role=status]").filter(has_text="adresse e-mail est confirmée").count() == 1

    # 5. before confirmation: the account is waiting, no dossier
    se_connecter(nav, EMAIL, MOT_DE_PASSE_NOUVEAU)
    assert nav.chemin() == reverse("comptes:en_attente")
    assert page.get_by_role("heading", level=1).inner_text() == "Votre compte est en attente"
    assert "Association des Pins" in page.locator("main").inner_text()
    nav.se_deconnecter()

    # 6. the ARS of the region logs in with its second factor and confirms the attachment
    se_connecter(nav, ars.email, MOT_DE_PASSE)
    assert nav.chemin() == reverse("comptes:totp_verification")
    page.get_by_label("Code de vérification").fill(code_du_moment(appareil_ars))
    nav.soumettre(page.get_by_role("button", name="Valider"))
    assert nav.chemin() == reverse("comptes:file_ars")
    assert "1 demande de rattachement" in page.locator("main").inner_text()
    nav.suivre(page.get_by_role("link", name="Traiter les demandes de rattachement"))
    assert "Marie Curie" in page.locator("main").inner_text()
    nav.soumettre(page.get_by_role("button", name="Confirmer", exact=True))
    assert page.locator("main [role=status]").filter(has_text="Rattachement confirmé").count() == 1
    nav.se_deconnecter()
    r = Rattachement.objects.get(utilisateur__email=EMAIL)
    assert r.etat == Rattachement.Etat.CONFIRME and r.decide_par == ars and r.entite_juridique == ej
    assert any(EMAIL in m.to and "confirmé" in m.subject for m in mail.outbox)

    # 7. the user logs in and lands on their establishment's page
    se_connecter(nav, EMAIL, MOT_DE_PASSE_NOUVEAU)
    assert nav.chemin() == reverse("comptes:espace_es")
    main = page.locator("main").inner_text()
    assert "Association des Pins" in main and eg.finess in main
    entete = page.locator("header").inner_text()
    assert "Marie Curie" in entete and "Référent CaRE de l'établissement" in entete
    assert page.locator("#navigation-principale [aria-current=page]").inner_text() == "Mon établissement"
