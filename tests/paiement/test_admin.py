"""The Django admin of the ceiling tables: rows edited inline, overlapping brackets refused with the
same French message as an import, rows written by the service (logged), versions numbered."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from care_portal.comptes.roles import Role
from care_portal.workflow.models import TransitionLog
from paiement.models import GrilleMontantsPlafonds
from tests.candidatures.test_views import se_connecter, texte
from tests.comptes.helpers import creer_utilisateur_avec_role
from tests.factories import AppelFactory

from .donnees import grille

pytestmark = pytest.mark.django_db


@pytest.fixture
def superadmin(client):
    user = creer_utilisateur_avec_role(Role.ADMIN_ANS, is_staff=True, is_superuser=True)
    se_connecter(client, user)
    return user


def formulaire(appel, lignes, **extra):
    data = {"appel": appel.pk, "en_vigueur_le": "2024-06-10", "source": "Admin", "commentaire": "",
            "lignes-TOTAL_FORMS": str(len(lignes)), "lignes-INITIAL_FORMS": "0",
            "lignes-MIN_NUM_FORMS": "0", "lignes-MAX_NUM_FORMS": "1000", **extra}
    for i, (t, a, b, m) in enumerate(lignes):
        data.update({f"lignes-{i}-type_structure": t, f"lignes-{i}-activite_min": a,
                     f"lignes-{i}-activite_max": b, f"lignes-{i}-montant": m})
    return data


def test_ajout_dans_l_admin(client, superadmin):
    appel = AppelFactory(candidature_debut=datetime.date(2024, 1, 10))  # 10/06/2024 is within its years
    grille(appel)  # version 1 exists
    url = reverse("admin:paiement_grillemontantsplafonds_add")
    reponse = client.post(url, formulaire(appel, [("ght", "0", "1000", "10"), ("ght", "500", "", "20")]))
    assert reponse.status_code == 200
    assert "Lignes 1 et 2 : les tranches « GHT » de 0 à 1 000 et à partir de 500 se chevauchent." in texte(reponse)
    assert GrilleMontantsPlafonds.objects.count() == 1
    reponse = client.post(url, formulaire(appel, [("ght", "0", "1000", "10"), ("ght", "1000", "", "20")]))
    assert reponse.status_code == 302
    g = GrilleMontantsPlafonds.objects.get(appel=appel, version=2)
    assert g.cree_par == superadmin and g.lignes.count() == 2
    assert g.lignes.get(activite_min=Decimal("1000")).activite_max is None
    assert TransitionLog.objects.filter(code="paiement.grille.modifiee", object_id=str(g.pk)).exists()
    reponse = client.post(url, formulaire(appel, [("ght", "0", "", "10")], en_vigueur_le="0001-01-01"))
    assert reponse.status_code == 200 and "hors des années de l" in texte(reponse)
    assert GrilleMontantsPlafonds.objects.filter(appel=appel).count() == 2
