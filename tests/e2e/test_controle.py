"""A control from « à planifier » to the attestation, in two browsers: the controller ANS (TOTP login)
finds the complete declaration in the planning, plans a video call (the ES contacts get the invitation
with its ICS), starts the control, records the verdicts pre-filled from the rules engine, and validates
the attainment; the ES référent opens the control and downloads the sealed attestation, whose signature
validates. axe-core checks every page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from care_portal.comptes.roles import Role
from care_portal.signature import pades
from controle.models import Controle, PieceControle
from tests.comptes.helpers import code_totp, creer_utilisateur_avec_role
from tests.controle.donnees import LIEN_VISIO, declaration_complete
from tests.conventions.conventions import certificat  # noqa: F401 (fixture)
from tests.e2e.conftest import Navigateur
from tests.e2e.test_candidature import se_connecter, second_navigateur  # noqa: F401 (fixture)
from tests.e2e.test_declaration import dans_un_fil, message

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_controle_de_bout_en_bout(navigateur: Navigateur, second_navigateur: Navigateur,  # noqa: F811
                                  settings, tmp_path, certificat):  # noqa: F811
    from tests.candidatures.donnees import stockage_prive

    stockage_prive(settings, tmp_path)
    ans, es = navigateur, second_navigateur
    page = ans.page
    d, referente, _ = dans_un_fil(declaration_complete, raison_sociale="Centre hospitalier de Libourne")
    controleur = creer_utilisateur_avec_role(Role.CONTROLEUR_ANS, email="hugo.lambert@esante.gouv.fr",
                                             prenom="Hugo", nom="Lambert")
    appareil = TOTPDevice.objects.create(user=controleur, name="Téléphone", confirmed=True)

    # 1. the controller logs in with his second factor and opens the planning from the navigation
    se_connecter(ans, controleur.email)
    assert ans.chemin() == reverse("comptes:totp_verification")
    appareil.refresh_from_db()
    page.get_by_label("Code de vérification").fill(code_totp(appareil))
    ans.soumettre(page.get_by_role("button", name="Valider"))
    ans.suivre(page.get_by_role("link", name="Planning des contrôles").first)
    assert ans.chemin() == reverse("controle:planning")
    c = Controle.objects.get(declaration=d)
    assert c.etat == Controle.Etat.A_PLANIFIER
    ans.suivre(page.locator("#planning").get_by_role("link", name="Centre hospitalier de Libourne"))

    # 2. he plans a video call today (a control starts on its planned day, and is decided once held)
    jour = timezone.localdate()
    formulaire = page.locator("#form-planification")
    formulaire.get_by_role("radio", name="Visioconférence").check(force=True)
    formulaire.get_by_label("Date du contrôle").fill(jour.isoformat())
    formulaire.get_by_label("Heure (heure de Paris)").fill("10:30")
    formulaire.get_by_label("Lien de la visioconférence ou adresse du contrôle sur site").fill(LIEN_VISIO)
    assert formulaire.get_by_label("Hugo Lambert").is_checked()
    mail.outbox.clear()
    ans.soumettre(formulaire.get_by_role("button", name="Planifier et envoyer l'invitation"))
    assert "Contrôle planifié" in message(page)
    c.refresh_from_db()
    assert c.etat == Controle.Etat.PLANIFIE
    invitation, = [m for m in mail.outbox if "planifié" in m.subject]
    assert referente.email in invitation.to or d.candidature.referent_email in invitation.to
    (nom_ics, ics, _), = invitation.attachments
    assert nom_ics.endswith(".ics") and f"UID:controle-{c.uid}@" in ics.replace("\r\n ", "")

    # 3. he starts the control and records the verdicts (pre-filled from the rules engine)
    ans.soumettre(page.get_by_role("button", name="Commencer le contrôle"))
    assert "Contrôle commencé" in message(page)
    grille = page.locator("#form-grille")
    for v in c.verdicts.all():
        grille.locator(f"label[for=verdict-{v.pk}-conforme]").click()
        grille.get_by_label(f"Commentaire sur {v.code}").fill(f"{v.code} vérifié en séance.")
    ans.soumettre(grille.get_by_role("button", name="Enregistrer la grille"))
    assert "Grille enregistrée" in message(page)

    # 4. he validates: the sealed attestation and the report are generated and e-mailed
    mail.outbox.clear()
    ans.soumettre(page.get_by_role("button", name="Valider l'atteinte des objectifs"))
    assert "Objectifs atteints" in message(page)
    c.refresh_from_db()
    assert c.etat == Controle.Etat.OBJECTIFS_ATTEINTS
    attestation = PieceControle.objects.get(controle=c, genre="attestation").document
    assert any("Attestation" in m.subject and len(m.attachments) == 2 for m in mail.outbox)

    # 5. the ES référent opens her control and downloads the attestation; its seal validates
    se_connecter(es, referente.email)
    es.aller(reverse("controle:mes_controles"))
    es.suivre(es.page.get_by_role("link", name=re.compile("Ouvrir le contrôle")))
    assert es.page.get_by_role("heading", level=1).inner_text() == "Contrôle de Centre hospitalier de Libourne"
    with es.page.expect_download() as telechargement:
        es.page.get_by_role("link", name="Attestation d'atteinte des objectifs (signée)").click()
    fichier = telechargement.value
    assert fichier.failure() is None and fichier.suggested_filename == attestation.nom_original
    octets = Path(fichier.path()).read_bytes()
    resultat, = dans_un_fil(pades.valider, octets)
    assert resultat.conforme and resultat.champ == "cachet_ans" and resultat.nom == "Hugo Lambert"
