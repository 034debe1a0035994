"""A declaration from draft to complete, in two browsers: the ES référent (convention signed) opens
the declaration, fills the bilan by importing an XLSX, certifies and submits; the ARS agent (TOTP
login) finds it in her queue with the verdicts and asks for a complement; the référent adds a cost and
submits again; the ARS declares it complete and the ANS is told. axe-core checks every page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from care_portal.comptes.roles import Role
from declarations.models import Declaration, Instantane
from tests.comptes.helpers import creer_utilisateur_avec_role
from tests.conventions.conventions import certificat  # noqa: F401 (fixture)
from tests.declarations.donnees import candidature_signee, jours, xlsx
from tests.e2e.conftest import Navigateur
from tests.e2e.test_candidature import se_connecter, second_navigateur  # noqa: F401 (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def dans_un_fil(fonction, *args, **kwargs):
    """Run ``fonction`` in another thread: pyHanko's signing runs its own event loop, which cannot start
    inside Playwright's (this thread's). The thread's database connection is closed after."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def appel():
        try:
            return fonction(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as executeur:
        return executeur.submit(appel).result()


def message(page) -> str:
    return page.locator("main .fr-alert").first.inner_text()


def test_declaration_de_bout_en_bout(navigateur: Navigateur, second_navigateur: Navigateur,  # noqa: F811
                                     settings, tmp_path, certificat):  # noqa: F811
    from tests.candidatures.donnees import stockage_prive

    stockage_prive(settings, tmp_path)
    es, ars_nav = navigateur, second_navigateur
    page = es.page
    c, referente, agent = dans_un_fil(candidature_signee, raison_sociale="Centre hospitalier de Libourne")
    appareil = TOTPDevice.objects.create(user=agent, name="Téléphone", confirmed=True)
    controleur = creer_utilisateur_avec_role(Role.CONTROLEUR_ANS, email="controle@esante.gouv.fr")

    # 1. the référent opens the declaration of her structure
    se_connecter(es, referente.email)
    # the menu leads to the declaration, opened (brouillon) when the ANS countersigned the convention
    es.suivre(page.locator("#navigation-principale").get_by_role("link", name="Mes déclarations"))
    assert "Centre hospitalier de Libourne" in page.locator("main").inner_text()
    es.suivre(page.get_by_role("link", name=re.compile("Ouvrir la déclaration")))
    d = Declaration.objects.get()
    assert es.chemin() == reverse("declarations:detail", args=[d.pk])
    assert page.get_by_role("heading", level=1).inner_text() == \
        "Déclaration d'atteinte des objectifs de Centre hospitalier de Libourne"

    # 2. she imports her bilan from a spreadsheet
    fichier = xlsx([
        ["D1.O1.A", "Coûts externes (prestations)", "Audit ORADAD de l'AD", "Cyber Conseil SAS", jours(-60),
         12500.5, 15000.6],
        ["D1.O3", "Coûts internes (RH)", "Préparation de l'exercice de crise", "Équipe DSI", jours(-30), 3200, 3200],
    ])
    formulaire = page.locator("#form-import")
    formulaire.get_by_label("Fichier du bilan (.xlsx)").set_input_files(
        {"name": "bilan-libourne.xlsx", "buffer": fichier,
         "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    es.soumettre(formulaire.get_by_role("button", name="Importer le fichier"))
    assert "2 dépenses importées depuis « bilan-libourne.xlsx »" in message(page)
    assert page.locator("#lignes tbody tr").count() == 2
    assert "15 700,50" in page.locator("#total-eligible").inner_text().replace("\u202f", " ").replace("\xa0", " ")

    # 3. she certifies and submits: the objectives not reached are a warning, not a refusal
    assert page.locator("#avertissements").count() == 1
    page.locator("label[for=id_depot-certifie]").click()
    es.soumettre(page.get_by_role("button", name="Déposer la déclaration"))
    assert "Votre déclaration est déposée" in message(page)
    d.refresh_from_db()
    assert d.etat == Declaration.Etat.DEPOSEE and d.avertissements
    assert Instantane.objects.get(declaration=d).totaux["general"]["eligible"] == "15700.50"
    assert any(agent.email in m.to and "Déclaration déposée" in m.subject for m in mail.outbox)
    es.aller(reverse("declarations:detail", args=[d.pk]))
    assert page.get_by_role("link", name=re.compile("Récépissé de la déclaration du")).count() == 1

    # 4. the ARS agent (second factor) finds it in her queue, the verdicts side by side; asks for a complement
    se_connecter(ars_nav, agent.email)
    assert ars_nav.chemin() == reverse("comptes:totp_verification")
    appareil.refresh_from_db()
    ars_nav.page.get_by_label("Code de vérification").fill(
        f"{totp(appareil.bin_key, step=appareil.step, t0=appareil.t0, digits=appareil.digits):06d}")
    ars_nav.soumettre(ars_nav.page.get_by_role("button", name="Valider"))
    ars_nav.aller(reverse("declarations:file"))
    file_ars = ars_nav.page.locator("#file-declarations").inner_text()
    assert "Centre hospitalier de Libourne" in file_ars and "D1.O1.A" in file_ars and "incomplet" in file_ars.lower()
    ars_nav.suivre(ars_nav.page.get_by_role("link", name="Centre hospitalier de Libourne"))
    verification = ars_nav.page.locator("#section-verification")
    verification.get_by_label("Ce que l'établissement doit compléter").fill(
        "Ajoutez la licence de l'outil d'audit, facturée à part.")
    ars_nav.soumettre(verification.get_by_role("button", name="Demander un complément"))
    assert "Complément demandé" in message(ars_nav.page)

    # 5. the référent reads the request, adds the cost and submits the complement
    es.aller(reverse("declarations:detail", args=[d.pk]))
    assert "licence de l'outil d'audit" in page.locator("#demande-complement").inner_text()
    formulaire = page.locator("#form-ligne")
    formulaire.get_by_label("Objectif").select_option("D1.O1.A")
    formulaire.get_by_label("Catégorie").select_option("indirect")
    formulaire.get_by_label("Libellé de la dépense").fill("Licence de l'outil d'audit AD")
    formulaire.get_by_label("Fournisseur ou personnel").fill("Éditeur Annuaire SA")
    formulaire.get_by_label("Date de la dépense").fill(jours(-10).isoformat())
    formulaire.get_by_label("Montant HT (€)").fill("1 000,00")
    formulaire.get_by_label("Montant TTC (€)").fill("1 200,00")
    es.soumettre(formulaire.get_by_role("button", name="Ajouter la dépense"))
    assert "Dépense « Licence de l'outil d'audit AD » ajoutée" in message(page)
    page.locator("label[for=id_depot-certifie]").click()
    es.soumettre(page.get_by_role("button", name="Déposer le complément"))
    assert "Votre complément est déposé" in message(page)
    d.refresh_from_db()
    assert d.etat == Declaration.Etat.DEPOSEE and d.instantanes.count() == 2

    # 6. the ARS declares it complete; the ANS is told to plan the control
    ars_nav.aller(reverse("declarations:detail", args=[d.pk]))
    assert "Licence de l'outil d'audit AD" in ars_nav.page.locator("#lignes").inner_text()
    ars_nav.soumettre(ars_nav.page.get_by_role("button", name="Confirmer que la déclaration est complète"))
    assert "Déclaration complète" in message(ars_nav.page)
    d.refresh_from_db()
    assert d.etat == Declaration.Etat.COMPLETE
    assert d.instantanes.get(numero=2).totaux["general"]["eligible"] == str(Decimal("16700.50"))
    assert any(controleur.email in m.to and "contrôle à planifier" in m.subject for m in mail.outbox)
    assert ars_nav.page.locator("#section-verification").count() == 0
