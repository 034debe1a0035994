"""The documents a declaration's snapshot refers to are locked at submission: the establishment can
neither delete them nor replace them in place (their bytes stay in storage, the controller can open
them), even after the ARS asks for a complement; a new version remains possible."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from care_portal.documents import services as documents
from care_portal.documents.models import Document
from care_portal.workflow.services import WorkflowError
from declarations import services
from declarations.models import Instantane
from objectifs import services as objectifs
from tests.candidatures.test_views import se_connecter
from tests.conventions.conventions import commit
from tests.objectifs.donnees import jours, lignes, pdf

from .donnees import ajouter

pytestmark = pytest.mark.django_db


def test_documents_de_l_instantane_jamais_effaces(client, signee):
    c, referent, ars = signee
    annuaire = objectifs.active_directory_ajouter(candidature=c, nom="hopital.local", structures=lignes(c),
                                                  acteur=referent, description=pdf("infra.pdf"))
    objectifs.audit_ads_ajouter(active_directory=annuaire, date=jours(-5), score=3, rapport=pdf("ads.pdf"),
                                acteur=referent)
    d = services.declaration_creer(candidature=c, acteur=referent)
    ajouter(d, referent)
    with commit():
        services.declaration_deposer(declaration=d, acteur=referent, certifie=True)
    instantane = Instantane.objects.get(declaration=d)
    ids = [ref["id"] for ref in instantane.documents["preuves"]]
    assert len(ids) == 2
    preuves = list(Document.objects.filter(pk__in=ids))
    assert all(doc.verrouille for doc in preuves)
    for doc in preuves:
        with pytest.raises(WorkflowError) as refus:
            documents.document_supprimer(document=doc, acteur=referent)
        assert refus.value.code == "verrouille"
        with pytest.raises(WorkflowError):
            documents.document_remplacer(document=doc, fichier=pdf("autre.pdf"), acteur=referent)
    se_connecter(client, referent)
    reponse = client.post(reverse("documents:supprimer", args=[preuves[0].pk]))
    assert reponse.status_code in (302, 400) and Document.objects.get(pk=preuves[0].pk).supprime_le is None
    services.declaration_demander_complement(declaration=d, acteur=ars, message="Précisez l'audit.")
    with commit():  # reopened: still locked, the snapshot keeps its bytes
        with pytest.raises(WorkflowError):
            documents.document_supprimer(document=preuves[0], acteur=referent)
    for doc in preuves:
        assert Document.objects.get(pk=doc.pk).supprime_le is None and default_storage.exists(doc.cle_stockage)
