"""A large upload shows its progress (issue 23): the ES adds an Active Directory with a 3 Mo description
over a link slowed down to about 1 Mo/s (Chromium's network emulation). While the file travels the page
shows a progress bar and the percentage sent; then the server's answer (its success message) takes the
place of the page, at the address it redirected to. axe-core and the Nu checker run on every page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from care_portal.documents.models import Document
from objectifs.models import ActiveDirectory
from tests.e2e.conftest import Navigateur
from tests.e2e.test_candidature import pdf, se_connecter
from tests.objectifs.donnees import appel_ancien, candidature_deposee

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TAILLE = 3 * 1024 * 1024


def gros_pdf(titre: str) -> bytes:
    """A real PDF of about 3 Mo: a comment before the final %%EOF (readers skip it)."""
    contenu = pdf(titre)
    fin = contenu.rindex(b"%%EOF")
    return contenu[:fin] + b"%" + b"0123456789abcdef" * (TAILLE // 16) + b"\n" + contenu[fin:]


def test_la_progression_d_un_gros_fichier_s_affiche(navigateur: Navigateur, settings, tmp_path):
    from tests.candidatures.donnees import stockage_prive

    stockage_prive(settings, tmp_path)
    page = navigateur.page
    c, referente = candidature_deposee(appel=appel_ancien(200), depose_il_y_a=100)
    se_connecter(navigateur, referente.email)
    navigateur.aller(reverse("objectifs:tableau", args=[c.pk]))

    formulaire = page.locator("#form-ad")
    formulaire.get_by_label("Nom de l'Active Directory").fill("hopital.local")
    formulaire.locator("label[for=id_ad-structures_0]").click()
    formulaire.get_by_label("Description de l'infrastructure AD et de ses interconnexions").set_input_files(
        {"name": "infrastructure-ad.pdf", "mimeType": "application/pdf", "buffer": gros_pdf("Description AD")})

    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 1024 * 1024})
    formulaire.get_by_role("button", name="Ajouter l'Active Directory").click()

    # during the upload: a progress bar named by a live status, the form busy, its button disabled
    barre = page.locator("#form-ad progress.ecare-progression")
    barre.wait_for(state="attached")
    page.wait_for_function("() => { const b = document.querySelector('#form-ad progress');"
                           " return b && b.value > 0 && b.value < 100; }")
    statut = page.locator("#form-ad .ecare-televersement [role=status]").inner_text()
    assert statut.startswith("Envoi en cours : ") and "sur 3" in statut and "Mo" in statut
    assert page.locator("#form-ad").get_attribute("aria-busy") == "true"
    assert page.locator("#form-ad").get_by_role("button", name="Ajouter l'Active Directory").is_disabled()

    # the answer replaces the page: the success message, focused, at the objectives page's address
    page.get_by_text("Active Directory « hopital.local » ajouté.").wait_for(timeout=30_000)
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    assert navigateur.chemin() == reverse("objectifs:tableau", args=[c.pk])
    assert page.evaluate("() => document.activeElement.matches('main .fr-alert')")
    navigateur.verifier()

    ad = ActiveDirectory.objects.get()
    description = Document.objects.du_proprietaire(ad, "description_infrastructure").get()
    assert description.nom_original == "infrastructure-ad.pdf" and description.taille > TAILLE
    # the page still works after the swap: DSFR and our script set up the new content
    assert page.locator("#form-ad").count() == 1
