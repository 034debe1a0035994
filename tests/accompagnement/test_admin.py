"""The FAQ and the reference documents are edited in the admin by the ANS administrators only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accompagnement.models import DocumentReference, QuestionFAQ
from care_portal.comptes.roles import Role
from care_portal.documents.models import Document
from tests.accompagnement.helpers import pdf
from tests.comptes.helpers import agent_verifie, creer_utilisateur_avec_role

pytestmark = pytest.mark.django_db

URLS = ["admin:accompagnement_questionfaq_changelist", "admin:accompagnement_questionfaq_add",
        "admin:accompagnement_documentreference_changelist", "admin:accompagnement_documentreference_add"]


def _staff(role):
    user = creer_utilisateur_avec_role(role, is_staff=True)
    return user


@pytest.mark.parametrize("url", URLS)
def test_admin_ans_accede(client, url):
    agent_verifie(client, _staff(Role.ADMIN_ANS))
    assert client.get(reverse(url)).status_code == 200


@pytest.mark.parametrize("role", [Role.CONTROLEUR_ANS, Role.SECRETARIAT_ANS, Role.DG_ANS, Role.REFERENT_ARS])
@pytest.mark.parametrize("url", URLS)
def test_autres_agents_meme_staff_refuses(client, role, url):
    agent_verifie(client, _staff(role))
    assert client.get(reverse(url)).status_code == 403


def test_es_refuse(client):
    client.force_login(creer_utilisateur_avec_role(Role.REFERENT_ES))
    r = client.get(reverse("admin:accompagnement_questionfaq_add"))
    assert r.status_code == 302 and r["Location"].startswith("/admin/login/")  # not staff: sent to the login
    assert not QuestionFAQ.objects.exists()


def test_admin_ans_publie_une_question_et_un_document(client):
    agent_verifie(client, _staff(Role.ADMIN_ANS))
    r = client.post(reverse("admin:accompagnement_questionfaq_add"), {
        "question": "Puis-je candidater hors GHT ?", "reponse": "Oui, si vous êtes un ES public hors GHT.",
        "ordre": 0, "publiee_le_0": "01/01/2024", "publiee_le_1": "10:00:00"})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert QuestionFAQ.objects.get().publiee
    r = client.post(reverse("admin:accompagnement_documentreference_add"), {
        "titre": "Arrêté CaRE", "description": "", "ordre": 0, "publie_le_0": "01/01/2024", "publie_le_1": "10:00:00",
        "fichier": SimpleUploadedFile("arrete.pdf", pdf("Arrêté"), content_type="application/pdf")})
    assert r.status_code == 302, r.content.decode()[:2000]
    ref = DocumentReference.objects.get()
    doc = Document.objects.filter(object_id=str(ref.pk), categorie="reference").first()
    assert doc is not None
    assert doc.nom_original == "arrete.pdf"
