"""Shared builders for the convention tests: a complete candidature (through the real services), the
platform certificate in the test's directory, the codes read from the test mailbox."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail

from candidatures import services
from care_portal.comptes.roles import Role
from care_portal.referentiel.models import StatutJuridique
from care_portal.signature import pades
from conventions import services as conventions
from conventions.models import Convention
from tests.candidatures import donnees
from tests.factories import EntiteJuridiqueFactory, EtablissementGeographiqueFactory

CODE = re.compile(r"code de signature eCaRE est : (\d{6})")


@pytest.fixture
def certificat(settings, tmp_path) -> Path:
    """The platform certificate (self-signed, as the demo makes it) in the test's directory."""
    dossier = tmp_path / "signature"
    dossier.mkdir()
    settings.SIGNATURE_CERTIFICAT = dossier / "plateforme.crt"
    settings.SIGNATURE_CLE = dossier / "plateforme.key"
    pades.generer_certificat_auto_signe(settings.SIGNATURE_CERTIFICAT, settings.SIGNATURE_CLE)
    return dossier


def commit():
    """Run the on-commit effects (tasks, e-mails) of what the block does, as a real commit would: the
    test's own transaction never commits."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


# The ceiling grid the test conventions read (public EJ outside a GHT: 180 000 €).
LIGNES_PLAFOND = [
    ("ght", "0", None, "450000.00"),
    ("public_hors_ght", "0", None, "180000.00"),
    ("prive_ebnl", "0", None, "100000.00"),
    ("prive_lucratif", "0", None, "40000.00"),
]


def grille_plafonds(appel, lignes=LIGNES_PLAFOND, **champs):
    """A version of ``appel``'s ceiling grid in force since the call opened (through paiement's service)."""
    from decimal import Decimal as D

    from paiement import services as paiement
    from paiement.regles import LignePlafondData

    champs.setdefault("en_vigueur_le", appel.candidature_debut)
    return paiement.grille_creer(
        appel=appel, acteur=None,
        lignes=[LignePlafondData(t, D(a), D(b) if b is not None else None, D(m), numero=i)
                for i, (t, a, b, m) in enumerate(lignes, start=2)], **champs)


def dossier_complet(*, raison_sociale: str = "Centre hospitalier de Libourne", ars=None, lignes_plafond=LIGNES_PLAFOND,
                    appel=None):
    """A public EJ's candidature (Gironde) declared complete by its ARS: (candidature, référent, ARS). The
    call gets a ceiling grid first (``lignes_plafond``; None: no grid), so that the convention has its amount."""
    from paiement.models import GrilleMontantsPlafonds

    ej = EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC, raison_sociale=raison_sociale)
    EtablissementGeographiqueFactory(entite_juridique=ej, raison_sociale=f"Site principal — {raison_sociale}")
    referent = donnees.referent(ej)
    appel = appel or _appel()
    if lignes_plafond is not None and not GrilleMontantsPlafonds.objects.filter(appel=appel).exists():
        grille_plafonds(appel, lignes_plafond)
    c = services.candidature_creer(structure=ej, appel=appel, acteur=referent)
    c = donnees.deposer(c, referent)
    ars = ars or donnees.ars("33")
    with commit():
        services.candidature_declarer_complete(candidature=c, acteur=ars)
    return donnees.rafraichir(c), referent, ars


def _appel():
    from tests.factories import AppelFactory

    return AppelFactory()


def admin_ans():
    return donnees.ans(Role.ADMIN_ANS)


def dg_ans(**champs):
    return donnees.ans(Role.DG_ANS, prenom="Hela", nom="Ghariani", **champs)


def envoyee(c, admin=None, montant=None, motif="") -> Convention:
    """Send the candidature's convention (the task runs eagerly on commit), at the grid's amount unless
    ``montant`` (lower, with ``motif``)."""
    with commit():
        conventions.convention_envoyer(convention=c.convention, acteur=admin or admin_ans(), montant=montant,
                                       motif=motif)
    return Convention.objects.get(pk=c.convention.pk)


def dernier_code(destinataire: str) -> str:
    for message in reversed(mail.outbox):
        if destinataire in message.to:
            trouve = CODE.search(message.body)
            if trouve:
                return trouve.group(1)
    raise AssertionError(f"aucun code envoyé à {destinataire}")


def signee_es(cv: Convention, ip: str = "203.0.113.7") -> Convention:
    with commit():
        conventions.code_envoyer_signataire(convention=cv)
    code = dernier_code(cv.candidature.signataire_email)
    with commit():
        conventions.convention_signer_es(convention=cv, code=code, consentement=True, ip=ip)
    return Convention.objects.get(pk=cv.pk)


def lire(document) -> bytes:
    from django.core.files.storage import default_storage

    with default_storage.open(document.cle_stockage, "rb") as f:
        return f.read()
