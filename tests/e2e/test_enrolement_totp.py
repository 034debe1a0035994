"""An ARS agent's first login: an ANS admin allows the enrolment → the e-mailed link → password →
TOTP enrolment (QR code) → backup codes → region queue. Without the link the agent cannot enrol."""

from __future__ import annotations

import base64
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from care_portal.comptes import totp as comptes_totp
from care_portal.comptes.roles import Role
from tests.comptes.helpers import MOT_DE_PASSE, creer_utilisateur_avec_role, region_de_test

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def code_depuis_le_secret(secret_affiche: str) -> str:
    """What an authenticator application computes from the key typed by hand."""
    secret = secret_affiche.replace(" ", "").upper()
    cle = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(cle):06d}"


def test_premiere_connexion_d_un_agent_ars_avec_enrolement_totp(navigateur):
    nav, page = navigateur, navigateur.page
    agent = creer_utilisateur_avec_role(Role.REFERENT_ARS, region=region_de_test("75"), email="nouvel.agent@ars.sante.fr",
                                        prenom="Noé", nom="Nouveau")
    assert not TOTPDevice.objects.filter(user=agent).exists()
    admin = creer_utilisateur_avec_role(Role.ADMIN_ANS, email="admin@ans.sante.fr")

    # the password alone does not open the enrolment (no trust on first use)
    nav.aller("/")
    nav.suivre(page.locator("header").get_by_role("link", name="Se connecter"))
    page.get_by_label("Adresse e-mail").fill(agent.email)
    page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
    nav.soumettre(page.locator("main").get_by_role("button", name="Se connecter"))
    assert nav.chemin() == reverse("comptes:totp_enrolement")
    assert "seulement depuis le lien d'activation" in page.locator("main").inner_text()
    assert page.get_by_role("img", name="QR code", exact=False).count() == 0
    nav.soumettre(page.locator("main").get_by_role("button", name="Se déconnecter"))

    # an ANS admin allows it: the agent receives a link, opens it, then logs in
    comptes_totp.enrolement_autoriser(utilisateur=agent, acteur=admin)
    [message] = [m for m in mail.outbox if m.to == [agent.email]]
    lien = re.search(r"https?://\S+/comptes/2fa/activation/\S+/", message.body).group(0)
    nav.aller(urlsplit(lien).path)
    assert nav.chemin() == reverse("comptes:connexion")
    page.get_by_label("Adresse e-mail").fill(agent.email)
    page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
    nav.soumettre(page.locator("main").get_by_role("button", name="Se connecter"))

    # enrolment: the QR code and the key to type by hand
    assert nav.chemin() == reverse("comptes:totp_enrolement")
    qr = page.get_by_role("img", name="QR code", exact=False)
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert page.locator("#navigation-principale").count() == 0  # nothing else until the second factor
    secret = page.locator("#secret-totp").inner_text()
    page.get_by_label("Code de vérification").fill(code_depuis_le_secret(secret))
    nav.soumettre(page.get_by_role("button", name="Activer"))

    # backup codes, shown once
    assert nav.chemin() == reverse("comptes:codes_secours")
    codes = page.get_by_role("list", name="codes de secours").locator("li")
    assert codes.count() == 10
    nav.suivre(page.get_by_role("link", name="Continuer"))

    # the region's queue
    assert nav.chemin() == reverse("comptes:file_ars")
    assert page.get_by_role("heading", level=1).inner_text().startswith("File régionale")
    assert "Île-de-France" in page.locator("header").inner_text()
    assert TOTPDevice.objects.get(user=agent).confirmed
