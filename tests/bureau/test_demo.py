"""The desk's demo step (demo.py): labels, assignments, a note, through the services; idempotent."""

from __future__ import annotations

import pytest

from care_portal.bureau.demo import DOSSIERS_PAR_AGENT, ETIQUETTES_ANS, ETIQUETTES_ARS, garnir_demo
from care_portal.bureau.models import Affectation, Etiquette, EtiquetteDossier, Note
from care_portal.comptes.demo import DOMAINE
from care_portal.comptes.roles import Role
from care_portal.referentiel import demo as referentiel_demo
from care_portal.workflow.models import TransitionLog
from tests.comptes.helpers import creer_utilisateur_avec_role
from tests.factories import AppelFactory, EntiteJuridiqueFactory

from .donnees import deposee

pytestmark = pytest.mark.django_db


def test_garnir_la_demo_puis_rien_la_seconde_fois():
    import care_portal.bureau.demo  # noqa: F401 — registers the seed_demo step

    assert "bureau" in [e.nom for e in referentiel_demo.etapes()]
    appel = AppelFactory()
    dossiers = [deposee(EntiteJuridiqueFactory(dep="33"), appel) for _ in range(DOSSIERS_PAR_AGENT + 1)]
    ars = creer_utilisateur_avec_role(Role.REFERENT_ARS, email=f"referent.ars@{DOMAINE}")
    creer_utilisateur_avec_role(Role.CONTROLEUR_ANS, email=f"controleur@{DOMAINE}")
    lignes = garnir_demo()
    assert len(lignes) == 2
    # no planned control in this set: the ANS's line agrees with zero (French: « 0 dossier affecté »)
    assert f"{len(ETIQUETTES_ANS)} étiquettes, 0 dossier affecté à " in lignes[1], lignes
    assert Etiquette.objects.count() == len(ETIQUETTES_ARS) + len(ETIQUETTES_ANS)
    assert Affectation.objects.filter(agent=ars).count() == DOSSIERS_PAR_AGENT
    assert EtiquetteDossier.objects.count() == DOSSIERS_PAR_AGENT
    assert Note.objects.get().dossier in dossiers
    assert TransitionLog.objects.filter(code__startswith="bureau.").exists()  # through the services
    avant = TransitionLog.objects.count()
    garnir_demo()
    assert TransitionLog.objects.count() == avant
