"""The ``conventions`` step of seed_demo: the conventions of the demo call's complete candidatures in
several states, through the services; idempotent."""

from __future__ import annotations

import pytest

from candidatures import demo as candidatures_demo
from conventions import demo
from tests.candidatures.test_demo import seed

pytestmark = pytest.mark.django_db


def test_etape_conventions(django_capture_on_commit_callbacks, settings, tmp_path):
    """The conventions of the complete demo candidatures reach several states through the services; the
    platform certificate is generated when missing; a second run changes nothing."""
    from care_portal.signature import pades
    from conventions import services as services_convention
    from conventions.models import Convention

    settings.SIGNATURE_CERTIFICAT = tmp_path / "signature" / "plateforme.crt"
    settings.SIGNATURE_CLE = tmp_path / "signature" / "plateforme.key"
    with django_capture_on_commit_callbacks(execute=True):
        sortie = seed("referentiel", "comptes", "plafonds", "candidatures", "conventions")
    assert "auto-signé, généré pour la démonstration" in sortie
    conventions = Convention.objects.filter(candidature__appel__code=candidatures_demo.CODE_APPEL)
    # every amount comes from the demo grid (loaded before the candidatures), some lowered with a motive
    assert conventions.exists() and not conventions.filter(montant__isnull=True).exists()
    assert not conventions.filter(grille_version__isnull=True).exists()
    for cv in conventions:
        assert cv.montant <= cv.plafond and (cv.montant == cv.plafond or cv.motif_montant == demo.MOTIF_BAISSE_DEMO)
    etats = set(conventions.values_list("etat", flat=True))
    assert {Convention.Etat.ENVOYEE, Convention.Etat.SIGNEE_ES} <= etats
    signee = conventions.filter(etat__in=[Convention.Etat.SIGNEE_ES, Convention.Etat.SIGNEE]).first()
    document = (services_convention.document_courant(signee, services_convention.CATEGORIE_SIGNEE)
                or services_convention.document_courant(signee, services_convention.CATEGORIE_SIGNEE_ES))
    assert all(r.conforme for r in pades.valider(services_convention._lire(document)))
    avant = list(conventions.order_by("pk").values_list("pk", "etat", "envoi"))
    with django_capture_on_commit_callbacks(execute=True):
        sortie = seed("conventions")
    assert "(existant)" in sortie
    assert list(conventions.order_by("pk").values_list("pk", "etat", "envoi")) == avant
