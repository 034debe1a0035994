"""A convention from its sending to the signed PDF, in two browsers: the convention of a complete
candidature is sent (native signature); the establishment's signatory (her signataire account) logs in,
opens the link of her e-mail, asks for the one-time code, types the code of the second e-mail, consents and signs; the DG ANS (TOTP
login) opens the link of his e-mail, the queue « Conventions à contresigner », and countersigns with
the code he receives; the ES référent downloads the signed PDF, whose two PAdES signatures validate
and whose SHA-256 is the one the portal stored. axe-core checks every page (conftest.Navigateur)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from care_portal.comptes.roles import Role
from care_portal.signature import pades
from conventions import services as conventions
from conventions.models import Convention
from tests.comptes.helpers import code_totp, creer_utilisateur_avec_role
from tests.conventions.conventions import certificat, dernier_code, dg_ans, dossier_complet, envoyee  # noqa: F401
from tests.e2e.conftest import Navigateur, lien_du_mail
from tests.e2e.test_candidature import se_connecter, second_navigateur  # noqa: F401 (fixture)
from tests.e2e.test_declaration import dans_un_fil

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def convention_envoyee():
    """A complete candidature (Gironde) whose convention the ANS sent: (convention, référent)."""
    c, referent, _ = dossier_complet(raison_sociale="Centre hospitalier de Libourne")
    return envoyee(c), referent


def texte(page) -> str:
    return page.locator("main").inner_text()


def jeton_de(url: str) -> str:
    """The token of a signing link (…/convention/signer/<jeton>/)."""
    return re.search(r"/convention/signer/([^/]+)/$", url).group(1)


def mail_a(destinataire: str, sujet: str):
    trouves = [m for m in mail.outbox if destinataire in m.to and sujet in m.subject]
    assert trouves, f"aucun e-mail « {sujet} » pour {destinataire} : {[(m.to, m.subject) for m in mail.outbox]}"
    return trouves[-1]


def test_convention_signee_contresignee_et_telechargee(navigateur: Navigateur, second_navigateur: Navigateur,  # noqa: F811
                                                      settings, tmp_path, certificat):  # noqa: F811
    from tests.candidatures.donnees import stockage_prive

    stockage_prive(settings, tmp_path)
    es, dg_nav = navigateur, second_navigateur
    page = es.page
    dg = dg_ans()  # before the signature: the DG ANS is told when a convention waits for him
    appareil = TOTPDevice.objects.create(user=dg, name="Téléphone", confirmed=True)
    cv, referente = dans_un_fil(convention_envoyee)  # generation + sealing fields, outside Playwright's loop
    c = cv.candidature
    assert cv.etat == Convention.Etat.ENVOYEE and cv.fournisseur == "native"
    signataire = creer_utilisateur_avec_role(Role.SIGNATAIRE_ES, structure=c.entite_juridique,
                                             email=c.signataire_email, prenom="Sylvie", nom="Directrice")

    # 1. the signatory logs in and opens the personal link of her e-mail
    invitation = mail_a(c.signataire_email, f"Convention CaRE {cv.numero} à signer avant le")
    lien = lien_du_mail(invitation, es.base_url)
    se_connecter(es, signataire.email)
    es.aller(reverse("conventions:detail", args=[c.pk]))
    assert "En attente de la signature de l'établissement" in texte(page)
    bouton = page.get_by_role("link", name="Lire et signer la convention")
    # the page offers a link of its own (signed again, with its own timestamp) to the same sending
    assert [conventions.convention_par_jeton(jeton_de(url)).pk for url in (bouton.get_attribute("href"), lien)] \
        == [cv.pk, cv.pk]
    es.aller(lien)
    assert page.get_by_role("heading", level=1).inner_text() == f"Signer la convention n° {cv.numero}"
    assert "Centre hospitalier de Libourne" in texte(page)
    # (reading the PDF of the link: test_le_signataire_lit_le_pdf_de_son_lien below)

    # 2. she asks for the one-time code and signs with it, having ticked her consent
    mail.outbox.clear()
    es.soumettre(page.get_by_role("button", name="Recevoir un code par e-mail"))
    assert f"Un code à 6 chiffres vient d'être envoyé à {c.signataire_email}" in texte(page)
    code = dernier_code(c.signataire_email)
    page.get_by_label("Code reçu par e-mail").fill(code)
    page.locator("label[for=consentement]").click()
    assert page.locator("#consentement").is_checked()
    es.soumettre(page.get_by_role("button", name="Signer la convention"))
    assert page.get_by_role("heading", level=1).inner_text() == "Convention signée"
    assert "Merci, votre signature est enregistrée" in texte(page)
    cv.refresh_from_db()
    assert cv.etat == Convention.Etat.SIGNEE_ES and cv.signataire_es.startswith(c.signataire_nom)
    assert conventions.document_courant(cv, conventions.CATEGORIE_SIGNEE_ES) is not None
    a_contresigner = mail_a(dg.email, f"Convention {cv.numero} à contresigner")
    es.se_deconnecter()

    # 3. the DG ANS logs in with his second factor, opens the link of his e-mail: the queue
    se_connecter(dg_nav, dg.email)
    assert dg_nav.chemin() == reverse("comptes:totp_verification")
    appareil.refresh_from_db()
    dg_nav.page.get_by_label("Code de vérification").fill(code_totp(appareil))
    dg_nav.soumettre(dg_nav.page.get_by_role("button", name="Valider"))
    dg_nav.aller(lien_du_mail(a_contresigner, dg_nav.base_url))
    assert dg_nav.chemin() == reverse("conventions:contresigner")
    assert dg_nav.page.get_by_role("heading", level=1).inner_text() == "Conventions à contresigner"
    case = dg_nav.page.get_by_label(re.compile(re.escape(cv.numero)))
    assert case.is_checked()
    assert "Centre hospitalier de Libourne" in texte(dg_nav.page)

    # 4. one code for the conventions ticked, then he countersigns
    mail.outbox.clear()
    dg_nav.soumettre(dg_nav.page.get_by_role("button", name="Recevoir un code pour les conventions cochées"))
    assert f"Un code à 6 chiffres vient d'être envoyé à {dg.email}" in texte(dg_nav.page)
    dg_nav.page.get_by_label("Code reçu par e-mail").fill(dernier_code(dg.email))
    dg_nav.soumettre(dg_nav.page.get_by_role("button", name="Contresigner", exact=True))
    assert dg_nav.chemin() == reverse("conventions:contresigner")
    assert f"1 convention contresignée : {cv.numero}." in texte(dg_nav.page)
    assert "Aucune convention n'attend votre contre-signature." in texte(dg_nav.page)
    cv.refresh_from_db()
    assert cv.etat == Convention.Etat.SIGNEE and cv.contresignataire_id == dg.pk
    final = conventions.document_courant(cv, conventions.CATEGORIE_SIGNEE)
    assert final is not None and final.verrouille
    assert mail_a(c.signataire_email, f"Convention CaRE {cv.numero} signée").attachments

    # 5. the ES référent finds the signed convention on her dossier and downloads it
    se_connecter(es, referente.email)
    es.aller(reverse("candidatures:detail", args=[c.pk]))
    es.suivre(page.locator("#lien-convention"))
    assert es.chemin() == reverse("conventions:detail", args=[c.pk])
    assert "Convention signée et contresignée" in texte(page)
    with page.expect_download() as telechargement:
        page.get_by_role("link", name="Convention signée et contresignée").click()
    fichier = telechargement.value
    assert fichier.failure() is None
    assert fichier.suggested_filename == final.nom_original == f"convention-care-{cv.numero}-signee.pdf"
    octets = Path(fichier.path()).read_bytes()

    # the downloaded bytes: the document the portal stored, with two valid signatures
    assert hashlib.sha256(octets).hexdigest() == final.sha256
    assert len(octets) == final.taille
    resultats = dans_un_fil(pades.valider, octets)  # pyHanko runs its own event loop
    assert [r.champ for r in resultats] == ["signature_es", "signature_ans"]
    assert all(r.conforme for r in resultats), resultats
    assert [r.raison for r in resultats] == [pades.RAISON_ES, pades.RAISON_ANS]
    assert resultats[0].nom == c.signataire_nom and resultats[1].nom == dg.get_full_name()
    assert resultats[-1].couvre_tout_le_document


def test_le_signataire_lit_le_pdf_de_son_lien(navigateur: Navigateur, settings, tmp_path, certificat):  # noqa: F811
    from tests.candidatures.donnees import stockage_prive

    stockage_prive(settings, tmp_path)
    page = navigateur.page
    cv, _ = dans_un_fil(convention_envoyee)
    a_signer = conventions.document_courant(cv, conventions.CATEGORIE_CONVENTION)
    invitation = mail_a(cv.candidature.signataire_email, f"Convention CaRE {cv.numero} à signer avant le")
    navigateur.aller(lien_du_mail(invitation, navigateur.base_url))  # the link works without an account
    lien_pdf = page.get_by_role("link", name=re.compile("Ouvrir la convention")).get_attribute("href")
    # it opens in a new window: fetched here, with the page's cookies
    lecture = page.request.get(navigateur.url(lien_pdf))
    assert lecture.status == 200, f"{lien_pdf} : {lecture.status}"
    assert lecture.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(lecture.body()).hexdigest() == a_signer.sha256
    # the reading is on the dossier's log, with the document read
    from care_portal.workflow.models import TransitionLog

    lecture_journal = TransitionLog.objects.get(code="conventions.convention.consultee")
    assert lecture_journal.donnees["document"] == str(a_signer.pk) and lecture_journal.acteur is None
