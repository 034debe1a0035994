"""The payment circuit in two browsers: the secretariat ANS (TOTP login) creates the payment of a
validated control and validates it; a second ANS agent (administration) cannot be the same person — she
orders it, builds the SEPA batch, downloads its pain.001 file and imports the bank's confirmation; the
ES référent sees her payment, paid, with its computation. axe-core checks every page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from care_portal.comptes.roles import Role
from paiement import sepa
from paiement.models import Paiement
from tests.comptes.helpers import creer_utilisateur_avec_role
from tests.conventions.conventions import certificat  # noqa: F401 (fixture)
from tests.e2e.conftest import Navigateur
from tests.e2e.test_candidature import se_connecter, second_navigateur  # noqa: F401 (fixture)
from tests.e2e.test_declaration import dans_un_fil

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def lire(locator) -> str:
    return locator.inner_text().replace("\u00a0", " ").replace("\u202f", " ")


def connecter_agent(nav: Navigateur, user) -> None:
    appareil = TOTPDevice.objects.create(user=user, name="Téléphone", confirmed=True)
    se_connecter(nav, user.email)
    assert nav.chemin() == reverse("comptes:totp_verification")
    nav.page.get_by_label("Code de vérification").fill(
        f"{totp(appareil.bin_key, step=appareil.step, t0=appareil.t0, digits=appareil.digits):06d}")
    nav.soumettre(nav.page.get_by_role("button", name="Valider"))


def ouvrir_sous_menu(nav: Navigateur, nom: str) -> None:
    """Open a DSFR sub-menu of the header, once the DSFR script has set its button up."""
    menu = nav.page.locator("#navigation-principale")
    bouton = menu.get_by_role("button", name=nom, exact=True)
    nav.page.wait_for_selector("#navigation-principale .fr-nav__btn[data-fr-js-collapse-button]", state="attached")
    bouton.click()
    menu.locator(f"#{bouton.get_attribute('aria-controls')}").wait_for(state="visible")


def test_paiement_de_bout_en_bout(navigateur: Navigateur, second_navigateur: Navigateur,  # noqa: F811
                                  settings, tmp_path, certificat):  # noqa: F811
    from tests.candidatures.donnees import stockage_prive
    from tests.paiement.paiements import controle_valide, jours

    stockage_prive(settings, tmp_path)
    ctl, referente, _ = dans_un_fil(controle_valide, raison_sociale="Centre hospitalier de Libourne")
    secretaire = creer_utilisateur_avec_role(Role.SECRETARIAT_ANS, email="emilie@esante.gouv.fr", prenom="Émilie",
                                             nom="Fontaine")
    admin = creer_utilisateur_avec_role(Role.ADMIN_ANS, email="paul@esante.gouv.fr", prenom="Paul", nom="Durand")
    s1, s2 = navigateur, second_navigateur

    # 1. the secretariat creates the payment of the validated control and validates it
    connecter_agent(s1, secretaire)
    ouvrir_sous_menu(s1, "Paiements")
    s1.suivre(s1.page.locator("#navigation-principale").get_by_role("link", name="Paiements", exact=True))
    assert "Centre hospitalier de Libourne" in s1.page.locator("#sans-paiement").inner_text()
    s1.soumettre(s1.page.get_by_role("button", name="Créer les paiements des contrôles validés"))
    p = Paiement.objects.get()
    s1.suivre(s1.page.get_by_role("link", name=p.reference))
    assert "1 000,00 €" in lire(s1.page.locator("#montant"))
    assert "inférieurs au montant de la convention" in s1.page.locator("#explications").inner_text()
    s1.soumettre(s1.page.get_by_role("button", name="Valider le paiement"))
    assert s1.page.get_by_role("button", name="Ordonnancer le paiement").count() == 0  # four-eyes
    assert "quatre yeux" in s1.page.locator("#quatre-yeux").inner_text()
    s1.se_deconnecter()

    # 2. a second agent orders it, builds the batch and downloads the SEPA file
    connecter_agent(s2, admin)
    s2.aller(reverse("paiement:detail", args=[p.pk]))
    s2.soumettre(s2.page.get_by_role("button", name="Ordonnancer le paiement"))
    assert Paiement.objects.get().etat == Paiement.Etat.ORDONNANCE
    s2.aller(reverse("paiement:liste"))
    s2.page.get_by_label("Date d'exécution demandée").fill(jours(0).isoformat())
    s2.soumettre(s2.page.get_by_role("button", name=re.compile("Créer le lot")))
    with s2.page.expect_download() as telechargement:
        s2.page.locator("#telecharger-xml").click()
    xml = open(telechargement.value.path(), "rb").read()
    assert sepa.valider_xml(xml) == [] and p.reference.encode() in xml and b"<CtrlSum>1000.00</CtrlSum>" in xml

    # 3. the bank's confirmation marks it paid
    s2.aller(reverse("paiement:liste"))
    confirmation = f"reference;date;reference_bancaire\n{p.reference};{jours(0).isoformat()};VIR-BDF-0001\n"
    s2.page.locator("#form-confirmation input[type=file]").set_input_files(
        {"name": "confirmation.csv", "buffer": confirmation.encode(), "mimeType": "text/csv"})
    s2.soumettre(s2.page.get_by_role("button", name="Importer la confirmation"))
    assert "1 paiement marqué payé" in s2.page.locator("main [role=status]").first.inner_text()
    p = Paiement.objects.get()
    assert (p.etat, p.reference_bancaire) == (Paiement.Etat.PAYE, "VIR-BDF-0001")
    s2.aller(reverse("paiement:finances"))

    # 4. the ES référent sees her payment
    se_connecter(s1, referente.email)
    s1.aller(reverse("paiement:pour_candidature", args=[p.convention.candidature_id]))
    verse = lire(s1.page.locator("#verse"))
    assert "Financement versé" in verse and "VIR-BDF-0001" in verse and "1 000,00 €" in verse
