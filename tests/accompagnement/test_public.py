"""The public pages: readable without an account, FAQ by publication date, reference documents served
through the documents app, the footer's accessibility link."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from accompagnement import services
from accompagnement.models import DocumentReference, QuestionFAQ
from care_portal.comptes.roles import Role
from care_portal.documents.models import Document
from care_portal.workflow.services import WorkflowError
from objectifs.models import Objectif
from tests.accompagnement.helpers import pdf
from tests.comptes.helpers import creer_utilisateur_avec_role
from tests.factories import AppelFactory

pytestmark = pytest.mark.django_db

PAGES = ["programme", "calendrier", "objectifs", "faq", "documents", "eligibilite", "statistiques", "mentions_legales",
         "donnees_personnelles", "accessibilite", "plan_du_site"]


@pytest.mark.parametrize("nom", PAGES)
def test_page_publique_sans_compte(client, nom):
    r = client.get(reverse(f"accompagnement:{nom}"))
    assert r.status_code == 200
    assert "<h1>" in r.content.decode()


def test_pied_de_page_lie_la_declaration_d_accessibilite(client):
    html = client.get(reverse("core:accueil")).content.decode()
    assert f'href="{reverse("accompagnement:accessibilite")}">Accessibilité : partiellement conforme</a>' in html
    assert reverse("accompagnement:plan_du_site") in html


def test_page_d_objectif_regle_preuves_et_faq_publiee_seulement(client):
    o = Objectif.objects.get(code="D1.O1.B")
    maintenant = timezone.now()
    QuestionFAQ.objects.create(objectif=o, question="Quel score ADS viser ?", reponse="Au moins 2.",
                               publiee_le=maintenant - datetime.timedelta(days=1))
    QuestionFAQ.objects.create(objectif=o, question="Question brouillon", reponse="…")
    QuestionFAQ.objects.create(objectif=o, question="Question de demain", reponse="…",
                               publiee_le=maintenant + datetime.timedelta(days=1))
    r = client.get(reverse("accompagnement:objectif", args=[o.code]))
    html = r.content.decode()
    assert r.status_code == 200
    assert "Score ADS ≥ 2" in html and "Rapports des audits ADS." in html
    assert "Quel score ADS viser ?" in html
    assert "Question brouillon" not in html and "Question de demain" not in html
    assert client.get(reverse("accompagnement:objectif", args=["D9.X"])).status_code == 404


def test_calendrier_lu_dans_les_dates_de_l_appel(client):
    appel = AppelFactory()
    html = client.get(reverse("accompagnement:calendrier")).content.decode()
    assert appel.nom in html
    assert f"{appel.paiement_fin.day} " in html and str(appel.paiement_fin.year) in html
    assert "en cours" in html  # candidatures open today


def _document_publie(admin, titre="Arrêté du 14 mars 2024", publie=True) -> DocumentReference:
    ref = DocumentReference.objects.create(titre=titre, publie_le=timezone.now() if publie else None)
    services.document_reference_deposer(reference=ref, fichier=ContentFile(pdf(titre), name="arrete.pdf"),
                                        acteur=admin)
    return ref


def test_document_de_reference_publie_telechargeable_sans_compte(client):
    admin = creer_utilisateur_avec_role(Role.ADMIN_ANS)
    ref = _document_publie(admin)
    brouillon = _document_publie(admin, titre="Guide à venir", publie=False)
    assert Document.objects.filter(object_id=str(ref.pk), categorie="reference").count() == 1
    html = client.get(reverse("accompagnement:documents")).content.decode()
    assert "Arrêté du 14 mars 2024" in html and "Guide à venir" not in html
    r = client.get(reverse("accompagnement:document_telecharger", args=[ref.pk]))
    assert r.status_code == 200
    assert b"".join(r.streaming_content).startswith(b"%PDF")
    assert client.get(reverse("accompagnement:document_telecharger", args=[brouillon.pk])).status_code == 404


def test_seul_l_admin_ans_depose_un_document_de_reference():
    ref = DocumentReference.objects.create(titre="Guide")
    controleur = creer_utilisateur_avec_role(Role.CONTROLEUR_ANS)
    with pytest.raises(WorkflowError):
        services.document_reference_deposer(reference=ref, fichier=ContentFile(b"%PDF-1.4\n", name="g.pdf"),
                                            acteur=controleur)
    assert not Document.objects.filter(object_id=str(ref.pk)).exists()
