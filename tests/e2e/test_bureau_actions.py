"""Bulk actions in the browser (issue 21, part B). An ARS agent (TOTP login) ticks three dossiers of her
region in the desk's dossier list, chooses « Relancer l'établissement », reads the confirmation, confirms and
reads the report (two establishments reminded, one refused with its reason), which she can reload. Then the
ZIP archive's page follows its preparation by itself (the page polls; no reload by hand) and offers the ZIP,
whose files are read back. axe-core, the Nu checker and the CSP check every page (conftest.Navigateur)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from care_portal.bureau.archives import services
from care_portal.bureau.archives.models import Archive, Execution
from care_portal.documents.models import Document
from tests.comptes.helpers import creer_utilisateur_avec_role, region_de_test
from tests.e2e.conftest import Navigateur
from tests.e2e.test_candidature import se_connecter
from tests.e2e.test_declaration import dans_un_fil

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def trois_dossiers(agent):
    """Libourne and Blaye awaiting a complement the agent asked for, Arcachon submitted (nothing awaited)."""
    from tests.bureau.test_actions import en_complement, nouveau_dossier
    from tests.factories import AppelFactory

    appel = AppelFactory()
    return [en_complement(nouveau_dossier("CH de Libourne", appel=appel), agent),
            en_complement(nouveau_dossier("CH de Blaye", appel=appel), agent),
            nouveau_dossier("CH d'Arcachon", appel=appel)]


def connecter_agent(nav: Navigateur, agent, appareil: TOTPDevice) -> None:
    se_connecter(nav, agent.email)
    assert nav.chemin() == reverse("comptes:totp_verification")
    appareil.refresh_from_db()
    nav.page.get_by_label("Code de vérification").fill(
        f"{totp(appareil.bin_key, step=appareil.step, t0=appareil.t0, digits=appareil.digits):06d}")
    nav.soumettre(nav.page.get_by_role("button", name="Valider"))


def texte(page) -> str:
    return page.locator("main").inner_text().replace("\u00a0", " ")


def test_relance_groupee_depuis_la_liste_puis_archive(navigateur: Navigateur, settings, tmp_path):
    from tests.candidatures.donnees import stockage_prive

    stockage_prive(settings, tmp_path)
    nav, page = navigateur, navigateur.page
    agent = creer_utilisateur_avec_role("referent_ars", region=region_de_test("33"), email="agathe@ars.sante.fr",
                                        prenom="Agathe", nom="Instructrice")
    appareil = TOTPDevice.objects.create(user=agent, name="Téléphone", confirmed=True)
    dossiers = dans_un_fil(trois_dossiers, agent)  # receipts sealed on commit, outside Playwright's loop
    mail.outbox = []

    # 1. the list of the dossiers of her region; she ticks the three and chooses the action
    connecter_agent(nav, agent, appareil)
    nav.aller(reverse("bureau:dossiers"))
    for d in dossiers:  # the DSFR box is drawn by the label over the input: the click lands on it, as a person's
        case = page.get_by_label(f"Sélectionner {d.structure_libelle}")
        case.check(force=True)
        assert case.is_checked()
    page.get_by_label("Action sur les dossiers cochés").select_option(label="Relancer l'établissement")
    nav.soumettre(page.get_by_role("button", name="Continuer"))

    # 2. the confirmation lists them; nothing is sent yet
    assert page.get_by_role("heading", level=1).inner_text() == "Relancer l'établissement : confirmation"
    assert "sur 3 dossiers" in texte(page)
    tableau = page.get_by_role("table", name="Dossiers concernés (3)")
    for d in dossiers:
        assert tableau.get_by_role("link", name=re.compile(re.escape(d.structure_libelle))).count() == 1
    assert mail.outbox == []
    nav.soumettre(page.get_by_role("button", name="Confirmer : relancer l'établissement (3 dossiers)"))

    # 3. the report: two reminded, one refused with its reason
    execution = Execution.objects.get()
    assert nav.chemin() == reverse("bureau:actions_rapport", args=[execution.pk])
    assert page.get_by_role("heading", level=1).inner_text() == "Rapport : Relancer l'établissement"
    assert page.locator("#nb-faits").inner_text() == "2" and page.locator("#nb-refuses").inner_text() == "1"
    faits = page.get_by_role("table", name="Dossiers traités (2)").inner_text()
    assert "CH de Libourne" in faits and "CH de Blaye" in faits
    assert faits.count("Relancé : compléter la candidature puis la déposer de nouveau") == 2
    refuses = page.get_by_role("table", name=re.compile(r"^Dossiers refusés \(1\)")).inner_text()
    assert "CH d'Arcachon" in refuses
    assert "Rien n'est attendu de l'établissement en ce moment (Instruction par l'ARS : déposée)" in refuses
    assert len(mail.outbox) == 2 and all(m.subject == "[eCaRE] Rappel : compléter la candidature puis la déposer "
                                                          "de nouveau" for m in mail.outbox)
    # reloading the report sends nothing again
    nav.aller(page.url)
    assert page.locator("#nb-faits").inner_text() == "2" and len(mail.outbox) == 2

    # 4. « Mes actions groupées » keeps it
    nav.suivre(page.get_by_role("link", name="Mes actions groupées"))
    assert page.get_by_role("link", name="Relancer l'établissement").count() == 1

    # 5. an archive being prepared: its page follows the worker by itself, then offers the ZIP
    archive = Archive.objects.create(demandeur=agent, dossiers=[d.pk for d in dossiers[:2]],
                                     etat=Archive.Etat.EN_COURS, total=2, traites=1)
    nav.aller(reverse("bureau:actions_archive", args=[archive.pk]))
    assert page.locator("#archive-statut").inner_text() == "En préparation"
    assert page.locator("#archive-barre").get_attribute("value") == "50"
    assert dans_un_fil(services.archive_construire, archive_id=archive.pk) == Archive.Etat.PRETE
    page.get_by_role("link", name=re.compile(r"^Télécharger l'archive")).wait_for()  # the page reloaded itself
    nav.verifier()
    assert page.locator("#archive-statut").inner_text() == "Prête"
    with page.expect_download() as telechargement:
        page.get_by_role("link", name=re.compile(r"^Télécharger l'archive")).click()
    with open(telechargement.value.path(), "rb") as f:
        zf = zipfile.ZipFile(io.BytesIO(f.read()))
    ribs = [n for n in zf.namelist() if n.endswith("/Candidature/rib - rib.pdf")]
    assert len(ribs) == 2
    attendus = {d.pk: Document.objects.get(object_id=str(d.pk), categorie="rib") for d in dossiers[:2]}
    from django.core.files.storage import default_storage

    for nom in ribs:
        pk = int(nom.split(" - ", 1)[0])
        with default_storage.open(attendus[pk].cle_stockage, "rb") as f:
            assert zf.read(nom) == f.read()
