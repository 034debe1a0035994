"""An ES référent enters an Active Directory and an ADS audit with its report on the objectives page,
sees D1.O1.A go from « Incomplet » to « Atteint », then corrects the audit's date so that the gap
since the start of the operational phase is too long and reads the failing reason. axe-core checks
every page (conftest.Navigateur)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from care_portal.documents.models import Document
from objectifs.models import AuditADS
from tests.e2e.conftest import Navigateur
from tests.e2e.test_candidature import fichier_pdf, se_connecter
from tests.objectifs.donnees import appel_ancien, candidature_deposee, jours

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def badge(page, ancre: str) -> str:
    return page.locator(f"#{ancre} .fr-card__start").text_content().strip()


def test_audit_ads_de_incomplet_a_atteint_puis_non_atteint(navigateur: Navigateur, settings, tmp_path):
    from tests.candidatures.donnees import stockage_prive

    stockage_prive(settings, tmp_path)
    page = navigateur.page
    c, referente = candidature_deposee(appel=appel_ancien(200), depose_il_y_a=100)

    se_connecter(navigateur, referente.email)
    navigateur.aller(reverse("objectifs:tableau", args=[c.pk]))
    assert page.get_by_role("heading", level=1).inner_text() == f"Objectifs de {c.structure_libelle}"
    assert badge(page, "objectif-d1-o1-a") == "Incomplet"

    # 1. the AD, the establishment it serves and the description of its infrastructure (a required proof)
    formulaire = page.locator("#form-ad")
    formulaire.get_by_label("Nom de l'Active Directory").fill("hopital.local")
    formulaire.locator("label[for=id_ad-structures_0]").click()  # DSFR: the label covers the box
    formulaire.get_by_label("Description de l'infrastructure AD et de ses interconnexions").set_input_files(
        fichier_pdf("infrastructure-ad.pdf", "Description de l'infrastructure AD"))
    navigateur.soumettre(formulaire.get_by_role("button", name="Ajouter l'Active Directory"))
    assert "Active Directory « hopital.local » ajouté." in page.locator("main [role=status]").first.inner_text()

    # 2. an ADS audit 50 days ago, with its report: the cadence holds. The objective now has a proof: its
    #    entry forms are folded (DSFR accordions) and open on demand.
    assert page.get_by_role("button", name="Saisir un audit ADS").get_attribute("aria-expanded") == "false"
    page.get_by_role("button", name="Saisir un audit ADS").click()
    formulaire = page.locator("#form-ads")
    formulaire.get_by_label("Active Directory audité").select_option(label="hopital.local")
    formulaire.get_by_label("Date de l'audit").fill(jours(-50).isoformat())
    formulaire.get_by_label("Score ADS").fill("3")
    formulaire.get_by_label("Rapport ORADAD / ADS").set_input_files(fichier_pdf("oradad.pdf", "Rapport ADS"))
    navigateur.soumettre(formulaire.get_by_role("button", name="Enregistrer l'audit ADS"))
    assert re.search(r"Audit ADS de « hopital\.local » du .* enregistré \(score 3\)",
                     page.locator("main [role=status]").first.inner_text())
    assert badge(page, "objectif-d1-o1-a") == "Atteint"
    audit = AuditADS.objects.get()
    assert audit.rapport.nom_original == "oradad.pdf"
    assert Document.objects.du_proprietaire(audit.active_directory, "description_infrastructure").get(
    ).nom_original == "infrastructure-ad.pdf"

    # 3. the audit was in fact 5 days ago: 95 days without an audit since the phase started
    page.get_by_role("button", name=re.compile(r"Corriger l'audit ADS de « hopital\.local »")).click()
    formulaire = page.locator(f"#form-audit-{audit.pk}")
    formulaire.get_by_label("Date de l'audit").fill(jours(-5).isoformat())
    navigateur.soumettre(formulaire.get_by_role("button", name="Modifier cet audit"))
    assert badge(page, "objectif-d1-o1-a") == "Non atteint"
    constats = page.locator("#objectif-d1-o1-a ul.constats").inner_text()
    assert "hopital.local" in constats and "95\u00a0jours" in constats
