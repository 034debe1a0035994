"""A candidature from draft to complete, in two browsers: the ES référent fills the sections and
uploads its documents (real PDFs made by WeasyPrint), submits; the ARS agent (TOTP login) asks for a
complement; the référent answers with a new version of a proof and submits again; the ARS declares
the candidature complete. axe-core checks every page both people see (conftest.Navigateur)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from candidatures.models import Candidature
from care_portal.comptes.roles import Role
from care_portal.documents.models import Document
from care_portal.referentiel.models import AppelAFinancement, StatutJuridique
from tests.comptes.helpers import MOT_DE_PASSE, creer_utilisateur_avec_role, region_de_test
from tests.e2e.conftest import Navigateur
from tests.factories import EntiteJuridiqueFactory, EtablissementGeographiqueFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PREUVES = {
    "pssi": "Politique de sécurité des systèmes d'information",
    "procedure_incidents": "Procédure de remontée des incidents de sécurité",
    "organigramme_rssi": "Organigramme de la direction des systèmes d'information",
    "attestation_rdv_rssi": "Attestation des rendez-vous RSSI et direction",
    "attestation_audit_exposition": "Attestation d'audit d'exposition sur internet",
}


def pdf(titre: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=f"<h1>{titre}</h1><p>Centre hospitalier de Libourne — {titre}.</p>").write_pdf()


def fichier_pdf(nom: str, titre: str) -> dict:
    return {"name": nom, "mimeType": "application/pdf", "buffer": pdf(titre)}


def appel_ouvert() -> AppelAFinancement:
    aujourd_hui = timezone.localdate()
    jour = datetime.timedelta(days=1)
    return AppelAFinancement.objects.create(
        code="care-d1-e2e", domaine="D1", nom="CaRE Domaine 1 — appel 2026", candidature_debut=aujourd_hui - 5 * jour,
        candidature_fin=aujourd_hui + 25 * jour, instruction_fin=aujourd_hui + 60 * jour,
        convention_debut=aujourd_hui + 60 * jour, convention_fin=aujourd_hui + 70 * jour,
        declaration_debut=aujourd_hui + 60 * jour, declaration_fin=aujourd_hui + 300 * jour,
        controle_fin=aujourd_hui + 400 * jour, paiement_debut=aujourd_hui + 80 * jour,
        paiement_fin=aujourd_hui + 500 * jour, couts_eligibles_depuis=aujourd_hui - 700 * jour,
    )


def se_connecter(nav: Navigateur, email: str, mot_de_passe: str = MOT_DE_PASSE) -> None:
    page = nav.page
    nav.aller(reverse("comptes:connexion"))
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(mot_de_passe)
    nav.soumettre(page.locator("main").get_by_role("button", name="Se connecter"))


def alerte_succes(page) -> str:
    return page.locator("main [role=status]").first.inner_text()


@pytest.fixture
def second_navigateur(browser, browser_context_args, live_server):
    """Another person, in another browser (their own session)."""
    contexte = browser.new_context(**browser_context_args)
    nav = Navigateur(page=contexte.new_page(), base_url=live_server.url)
    yield nav
    oubliees = nav.non_verifiees()
    contexte.close()
    assert not oubliees, "Pages visitées sans contrôle d'accessibilité : " + ", ".join(oubliees)
    assert not nav.erreurs_csp, "Violations de la Content-Security-Policy :\n" + "\n".join(nav.erreurs_csp)


def test_candidature_de_bout_en_bout(navigateur, second_navigateur, live_server):
    es, ars_nav = navigateur, second_navigateur
    page = es.page
    appel = appel_ouvert()
    ej = EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC, raison_sociale="Centre hospitalier de Libourne")
    EtablissementGeographiqueFactory(entite_juridique=ej, raison_sociale="Hôpital Robert Boulin")
    referente = creer_utilisateur_avec_role(Role.REFERENT_ES, structure=ej, email="rose@ch-libourne.fr",
                                            prenom="Rose", nom="Référente")
    agent = creer_utilisateur_avec_role(Role.REFERENT_ARS, region=region_de_test("33"),
                                        email="agathe@ars.sante.fr", prenom="Agathe", nom="Instructrice")
    appareil = TOTPDevice.objects.create(user=agent, name="Téléphone", confirmed=True)

    # 1. the référent opens the candidature of her structure
    se_connecter(es, referente.email)
    es.aller(reverse("candidatures:mes_candidatures"))
    assert "Centre hospitalier de Libourne" in page.locator("main").inner_text()
    assert appel.nom in page.locator("main").inner_text()
    es.soumettre(page.get_by_role("button", name=re.compile("Ouvrir ma candidature")))
    candidature = Candidature.objects.get()
    assert es.chemin() == reverse("candidatures:detail", args=[candidature.pk])
    assert page.get_by_role("heading", level=1).inner_text() == "Candidature de Centre hospitalier de Libourne"
    assert page.locator("#section-contacts").get_by_text("Section incomplète").count() == 1

    # 2. she fills the sections, with a wrong IBAN key first: saved, and flagged on the field
    page.get_by_label("Téléphone du référent CaRE").fill("05 57 55 34 34")
    page.get_by_label("Nom du DSI").fill("Denis Martin")
    page.get_by_label("E-mail du DSI").fill("dsi@ch-libourne.fr")
    page.get_by_label("Téléphone du DSI").fill("05 57 55 34 35")
    page.get_by_label("Nom du RSSI").fill("Rachida Benali")
    page.get_by_label("E-mail du RSSI").fill("rssi@ch-libourne.fr")
    page.get_by_label("Téléphone du RSSI").fill("05 57 55 34 36")
    page.get_by_label("Nom du signataire").fill("Sylvie Durand")
    page.get_by_label("Fonction du signataire").fill("Directrice générale")
    page.get_by_label("E-mail du signataire").fill("direction@ch-libourne.fr")
    page.get_by_label("Titulaire du compte").fill("Centre hospitalier de Libourne")
    page.get_by_label("IBAN").fill("FR76 3000 6000 0112 3456 7890 188")
    page.get_by_label("BIC").fill("AGRIFRPP")
    page.locator('input[name="piece-rib"]').set_input_files(fichier_pdf("RIB CH Libourne.pdf", "Relevé d'identité bancaire"))
    es.soumettre(page.locator("#section-contacts").get_by_role("button", name="Enregistrer le brouillon"))
    assert "clé de contrôle" in page.locator("main").inner_text()
    assert page.get_by_label("IBAN").get_attribute("aria-invalid") == "true"
    candidature.refresh_from_db()
    assert candidature.dsi_nom == "Denis Martin" and candidature.iban == "FR7630006000011234567890188"

    # 3. the right IBAN, the five prerequisite proofs of the EJ (not on the SUN-ES list), then submit
    page.get_by_label("IBAN").fill("FR76 3000 6000 0112 3456 7890 189")
    ligne = candidature.perimetre.get(etablissement__isnull=True)  # the EJ; its EG carries no prerequisite
    for categorie, titre in PREUVES.items():
        page.locator(f'input[name="piece-{ligne.pk}-{categorie}"]').set_input_files(fichier_pdf(f"{categorie}.pdf", titre))
    # the date of the cyber-surveillance audit the attestation certifies: less than 2 years (issue 17)
    page.locator(f"#preuves-{ligne.pk}").get_by_label(re.compile("Date de l'audit de cybersurveillance")).fill(
        (timezone.localdate() - datetime.timedelta(days=200)).isoformat())
    es.soumettre(page.get_by_role("button", name="Déposer la candidature"))
    assert "Votre candidature est déposée" in alerte_succes(page)
    assert any(agent.email in m.to for m in mail.outbox)  # the ARS is told
    candidature.refresh_from_db()
    assert candidature.etat == Candidature.Etat.DEPOSEE
    pieces = Document.objects.exclude(categorie="recepisse")
    assert pieces.count() == 6 and all(d.verrouille for d in pieces)
    es.aller(reverse("candidatures:detail", args=[candidature.pk]))  # the receipt, generated on commit
    assert page.get_by_role("link", name=re.compile("Récépissé de dépôt du")).count() == 1
    assert "Candidature déposée, en cours d'instruction" in page.locator("main").inner_text()

    # 4. the ARS agent logs in with her second factor, finds the dossier in her queue, asks for a complement
    se_connecter(ars_nav, agent.email)
    assert ars_nav.chemin() == reverse("comptes:totp_verification")
    appareil.refresh_from_db()
    ars_nav.page.get_by_label("Code de vérification").fill(
        f"{totp(appareil.bin_key, step=appareil.step, t0=appareil.t0, digits=appareil.digits):06d}")
    ars_nav.soumettre(ars_nav.page.get_by_role("button", name="Valider"))
    ars_nav.aller(reverse("candidatures:file"))
    assert "Déposée : 1" in ars_nav.page.locator("main").inner_text()
    ars_nav.suivre(ars_nav.page.get_by_role("link", name="Centre hospitalier de Libourne"))
    instruction = ars_nav.page.locator("#section-instruction")
    assert "Entité juridique candidate — pièces fournies" in ars_nav.page.locator("#section-prerequis").inner_text()
    assert ars_nav.page.locator("#section-documents tbody tr").count() >= 6
    instruction.get_by_label("Ce que l'établissement doit compléter").fill(
        "La PSSI jointe date de 2019 : merci de déposer la version en vigueur.")
    ars_nav.soumettre(instruction.get_by_role("button", name="Demander un complément"))
    assert "Complément demandé" in alerte_succes(ars_nav.page)
    assert any("rose@ch-libourne.fr" in m.to and "Complément" in m.subject for m in mail.outbox)

    # 5. the référent reads the request, adds a new version of the PSSI and submits the complement
    es.aller(reverse("candidatures:detail", args=[candidature.pk]))
    demande = page.locator("#demande-complement").inner_text()
    assert "L'ARS demande un complément" in demande and "version en vigueur" in demande
    messagerie = page.locator("#section-messages")
    messagerie.get_by_label("Votre message").fill("Nous déposons la PSSI adoptée en conseil de surveillance.")
    messagerie.get_by_label("Pièces jointes").set_input_files(fichier_pdf("Délibération PSSI.pdf", "Délibération"))
    es.soumettre(messagerie.get_by_role("button", name="Envoyer le message"))
    assert "Message envoyé." in alerte_succes(page)
    assert "Délibération PSSI.pdf" in page.locator("#section-messages").inner_text()
    page.locator(f'input[name="piece-{ligne.pk}-pssi"]').set_input_files(fichier_pdf("PSSI 2026.pdf", "PSSI 2026"))
    es.soumettre(page.get_by_role("button", name="Déposer le complément"))
    assert "Votre complément est déposé" in alerte_succes(page)
    pssi = Document.objects.filter(categorie="pssi").order_by("version")
    assert [d.version for d in pssi] == [1, 2] and pssi[1].nom_original == "PSSI 2026.pdf"
    historique = page.locator("#section-chronologie").inner_text()
    assert "Complément déposé : candidature de nouveau déposée" in historique
    assert "Complément demandé par l'ARS" in historique

    # 6. the ARS declares it complete
    ars_nav.aller(reverse("candidatures:detail", args=[candidature.pk]))
    assert "PSSI 2026.pdf" in ars_nav.page.locator("#section-documents").inner_text()
    assert "conseil de surveillance" in ars_nav.page.locator("#section-messages").inner_text()
    assert any(agent.email in m.to and "Nouveau message" in m.subject for m in mail.outbox)
    ars_nav.soumettre(ars_nav.page.get_by_role("button", name="Déclarer la candidature complète"))
    assert "Candidature déclarée complète" in alerte_succes(ars_nav.page)
    candidature.refresh_from_db()
    assert candidature.etat == Candidature.Etat.COMPLETE
    assert ars_nav.page.locator("#section-instruction").count() == 0  # no action left

    # the référent sees it
    es.aller(reverse("candidatures:detail", args=[candidature.pk]))
    assert "Candidature complète" in page.locator("main").inner_text()
