"""The ARS's reminder of candidatures waiting for a decision names the agent each one is assigned to."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from candidatures import rappels as rappels_candidatures
from care_portal.bureau import services
from tests.candidatures import donnees as dc
from tests.notifications.test_rappels import jour_de
from tests.objectifs import donnees as do

pytestmark = pytest.mark.django_db


def test_le_rappel_de_l_ars_nomme_l_agent_affecte(settings):
    settings.CARE_RAPPEL_ARS_ATTENTE_JOURS = 15
    c1, _ = do.candidature_deposee()
    c2, _ = do.candidature_deposee()
    agent = dc.ars("33", email="ars-na@exemple.fr", prenom="Paul", nom="Instructeur")
    ans = dc.ans(email="ans@exemple.fr", prenom="Anne", nom="Nationale")
    services.affectation_prendre(dossier=c1, acteur=agent)
    services.affectation_prendre(dossier=c2, acteur=ans)  # the ANS's assignee is not the ARS's
    mail.outbox.clear()
    depot = timezone.localtime(c1.deposee_le).date()
    assert jour_de(rappels_candidatures.rappels_ars_attente, depot + datetime.timedelta(days=16)) == 2
    [message] = mail.outbox
    lignes = {ligne.split(" — ")[0].lstrip("- "): ligne for ligne in message.body.splitlines() if " — déposée" in ligne}
    assert lignes[c1.structure_libelle].endswith("affectée à Paul Instructeur")
    assert lignes[c2.structure_libelle].endswith("non affectée")
    assert "Paul Instructeur" not in message.subject and "Anne" not in message.body
