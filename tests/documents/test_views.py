"""Download (permission, log, headers) and the generic upload / delete views: wiring and permissions."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from guardian.shortcuts import assign_perm

from care_portal.documents import acces, services
from care_portal.documents.models import Document, Telechargement
from care_portal.documents.selectors import url_depot
from care_portal.referentiel.models import EntiteJuridique
from tests.factories import UserFactory

from . import contenus
from .conftest import fichier, fichiers_stockes

pytestmark = pytest.mark.django_db


def deposer(structure, acteur, contenu=None, nom="pssi.pdf", categorie="pssi") -> Document:
    return services.document_deposer(
        fichier=fichier(contenus.pdf() if contenu is None else contenu, nom), acteur=acteur,
        proprietaire=structure, categorie=categorie,
    )


def messages_de(reponse) -> list[str]:
    return [str(m) for m in get_messages(reponse.wsgi_request)]


# --- download ------------------------------------------------------------------------------


def test_telechargement_par_un_membre_journalise(client, structure, membre, pdf):
    doc = deposer(structure, membre, pdf, nom="PSSI 2024.pdf")
    client.force_login(membre)
    reponse = client.get(reverse("documents:telecharger", args=[doc.pk]), HTTP_USER_AGENT="Firefox/128",
                         REMOTE_ADDR="192.0.2.10")

    assert reponse.status_code == 200
    assert b"".join(reponse.streaming_content) == pdf
    assert reponse["Content-Type"] == "application/pdf"
    assert reponse["Content-Disposition"] == 'attachment; filename="PSSI 2024.pdf"'
    assert reponse["Content-Length"] == str(len(pdf))
    assert reponse["X-Content-Type-Options"] == "nosniff"
    assert reponse["Cache-Control"] == "private, no-store"
    [ligne] = Telechargement.objects.all()
    assert (ligne.document, ligne.utilisateur, ligne.adresse_ip, ligne.agent_utilisateur, ligne.sha256) == (
        doc, membre, "192.0.2.10", "Firefox/128", doc.sha256,
    )


def test_telechargement_autre_structure_404_sans_journal(client, structure, membre, autre_membre):
    doc = deposer(structure, membre)
    client.force_login(autre_membre)
    assert client.get(reverse("documents:telecharger", args=[doc.pk])).status_code == 404
    assert not Telechargement.objects.exists()


def test_telechargement_anonyme_renvoye_a_la_connexion(client, structure, membre):
    doc = deposer(structure, membre)
    url = reverse("documents:telecharger", args=[doc.pk])
    reponse = client.get(url)
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("comptes:connexion"))
    assert "next=" in reponse["Location"]
    assert not Telechargement.objects.exists()


def test_telechargement_document_inexistant_ou_supprime_404(client, structure, membre):
    doc = deposer(structure, membre)
    services.document_supprimer(document=doc, acteur=membre)
    client.force_login(membre)
    assert client.get(reverse("documents:telecharger", args=[doc.pk])).status_code == 404
    assert client.get(reverse("documents:telecharger", args=[uuid.uuid4()])).status_code == 404


def test_proprietaire_inconnu_du_registre_404(client, structure, membre):
    doc = deposer(structure, membre)
    acces.desenregistrer(EntiteJuridique)
    client.force_login(membre)
    assert client.get(reverse("documents:telecharger", args=[doc.pk])).status_code == 404


def test_ancienne_version_reste_telechargeable(client, structure, membre, pdf):
    v1 = deposer(structure, membre, pdf)
    services.document_verrouiller(documents=[v1], acteur=None)
    services.document_deposer(fichier=fichier(contenus.odt(), "pssi.odt"), acteur=membre, proprietaire=structure,
                              categorie="pssi", remplace=v1)
    client.force_login(membre)
    reponse = client.get(reverse("documents:telecharger", args=[v1.pk]))
    assert reponse.status_code == 200 and b"".join(reponse.streaming_content) == pdf


@pytest.mark.parametrize(
    ("nom", "attendu"),
    [
        ('rapport "final".pdf', 'attachment; filename="rapport _final_.pdf"'),
        ("a\r\nSet-Cookie: x=1.pdf", 'attachment; filename="aSet-Cookie_ x=1.pdf"'),
        ("Procédure été.pdf", "attachment; filename*=utf-8''Proc%C3%A9dure%20%C3%A9t%C3%A9.pdf"),
        ("page.html", 'attachment; filename="page.html.pdf"'),
        ("..\\..\\boot.ini", 'attachment; filename="boot.ini.pdf"'),
    ],
)
def test_content_disposition_sure(client, structure, membre, nom, attendu):
    doc = deposer(structure, membre, nom=nom)
    client.force_login(membre)
    reponse = client.get(reverse("documents:telecharger", args=[doc.pk]))
    assert reponse["Content-Disposition"] == attendu
    assert "\r" not in reponse["Content-Disposition"] and "\n" not in reponse["Content-Disposition"]


def test_document_infecte_bloque(client, structure, membre):
    doc = deposer(structure, membre)
    Document.objects.filter(pk=doc.pk).update(etat_analyse=Document.EtatAnalyse.INFECTE, signature_virale="Eicar")
    client.force_login(membre)
    reponse = client.get(reverse("documents:telecharger", args=[doc.pk]))
    assert reponse.status_code == 403
    assert "y a détecté un code malveillant" in reponse.content.decode()
    assert not Telechargement.objects.exists()


def test_document_en_attente_bloque_seulement_si_l_antivirus_est_configure(client, settings, structure, membre):
    doc = deposer(structure, membre)
    Document.objects.filter(pk=doc.pk).update(etat_analyse=Document.EtatAnalyse.EN_ATTENTE)
    collegue = UserFactory()
    assign_perm("referentiel.acceder_structure", collegue, structure)
    client.force_login(collegue)
    url = reverse("documents:telecharger", args=[doc.pk])
    settings.CLAMD_SOCKET = "/nonexistent/clamd.sock"
    reponse = client.get(url)
    assert reponse.status_code == 403 and "analyse antivirale de ce fichier est en cours" in reponse.content.decode()
    assert "seule la personne qui l&#x27;a déposé" in reponse.content.decode()
    settings.CLAMD_SOCKET = ""
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("etat", [Document.EtatAnalyse.EN_ATTENTE, Document.EtatAnalyse.NON_ANALYSE])
def test_document_non_analyse_telechargeable_par_son_deposant_seulement(client, settings, structure, membre, etat):
    doc = deposer(structure, membre)
    Document.objects.filter(pk=doc.pk).update(etat_analyse=etat)
    settings.CLAMD_SOCKET = "/nonexistent/clamd.sock"
    url = reverse("documents:telecharger", args=[doc.pk])
    client.force_login(membre)
    assert client.get(url).status_code == 200  # the person who deposited it
    collegue = UserFactory()
    assign_perm("referentiel.acceder_structure", collegue, structure)
    client.force_login(collegue)
    reponse = client.get(url)
    assert reponse.status_code == 403
    page = reponse.content.decode()
    assert "Téléchargement impossible" in page and "analyse antivirale de ce fichier est en cours" in page
    assert Telechargement.objects.filter(utilisateur=collegue).count() == 0


def test_document_du_portail_en_attente_servi_a_personne(client, settings, structure, membre):
    doc = services.document_deposer(fichier=fichier(contenus.pdf(), "recu.pdf"), acteur=None,
                                    proprietaire=structure, categorie="recu")
    Document.objects.filter(pk=doc.pk).update(etat_analyse=Document.EtatAnalyse.EN_ATTENTE)
    settings.CLAMD_SOCKET = "/nonexistent/clamd.sock"
    client.force_login(membre)
    assert client.get(reverse("documents:telecharger", args=[doc.pk])).status_code == 403


# --- upload and delete views ----------------------------------------------------------------


def test_deposer_par_la_vue(client, structure, membre, stockage):
    client.force_login(membre)
    suivant = "/comptes/accueil/?onglet=pieces"
    reponse = client.post(url_depot(structure, "pssi"), {"fichier": fichier(contenus.pdf(), "PSSI.pdf"),
                                                        "suivant": suivant})
    assert reponse.status_code == 302 and reponse["Location"] == suivant
    doc = Document.objects.get()
    assert (doc.nom_original, doc.categorie, doc.proprietaire, doc.depose_par) == ("PSSI.pdf", "pssi", structure, membre)
    assert messages_de(reponse) == ["Le fichier « PSSI.pdf » a été déposé."]


def test_deposer_une_nouvelle_version_par_la_vue(client, structure, membre):
    v1 = deposer(structure, membre)
    services.document_verrouiller(documents=[v1], acteur=None)
    client.force_login(membre)
    client.post(url_depot(structure, "pssi"), {"fichier": fichier(contenus.docx(), "PSSI.docx"), "remplace": v1.pk})
    v2 = Document.objects.get(remplace=v1)
    assert v2.version == 2


def test_deposer_par_la_vue_refus_en_francais(client, structure, membre, stockage):
    client.force_login(membre)
    reponse = client.post(url_depot(structure, "pssi"), {"fichier": fichier(contenus.HTML_RENOMME, "facture.pdf")})
    assert reponse.status_code == 302
    assert "page web (HTML)" in messages_de(reponse)[0]
    assert not Document.tous.exists() and fichiers_stockes(stockage) == []


def test_deposer_trop_volumineux_coupe_par_le_gestionnaire_d_envoi(client, settings, structure, membre, stockage,
                                                                 monkeypatch):
    """The handler cuts the file while the body streams in: the service never sees it, the user is told."""
    settings.CARE_DOCUMENTS_TAILLE_MAX = 64 * 1024
    appels = []
    monkeypatch.setattr(services, "document_deposer", lambda **kw: appels.append(kw))
    client.force_login(membre)
    gros = contenus.pdf() + b"%" + b"0" * (300 * 1024) + b"\n%%EOF\n"
    reponse = client.post(url_depot(structure, "pssi"), {"fichier": fichier(gros, "gros.pdf")})
    assert reponse.status_code == 302
    assert messages_de(reponse) == ["Le fichier est trop volumineux (max 1 Mo)."]
    assert appels == []
    assert fichiers_stockes(stockage) == []
    assert list((stockage.parent / "upload-tmp").iterdir()) == []  # the partial temporary file is gone


def test_deposer_sans_droit_404(client, structure, autre_membre):
    client.force_login(autre_membre)
    reponse = client.post(url_depot(structure, "pssi"), {"fichier": fichier(contenus.pdf())})
    assert reponse.status_code == 404
    assert not Document.tous.exists()


def test_deposer_proprietaire_non_declare_404(client, membre):
    client.force_login(membre)
    url = reverse("documents:deposer", args=["comptes.user", str(membre.pk), "pssi"])
    assert client.post(url, {"fichier": fichier(contenus.pdf())}).status_code == 404
    url = reverse("documents:deposer", args=["inconnu.modele", "1", "pssi"])
    assert client.post(url, {"fichier": fichier(contenus.pdf())}).status_code == 404


def test_deposer_anonyme_et_get_refuses(client, structure):
    url = url_depot(structure, "pssi")
    assert client.post(url, {"fichier": fichier(contenus.pdf())}).status_code == 302
    assert client.get(url).status_code == 405
    assert not Document.tous.exists()


def test_suivant_externe_ignore(client, structure, membre):
    client.force_login(membre)
    reponse = client.post(url_depot(structure, "pssi"), {"fichier": fichier(contenus.pdf()),
                                                        "suivant": "https://exemple.invalid/piege"})
    assert reponse["Location"] == reverse("core:accueil")


def test_supprimer_par_la_vue(client, structure, membre):
    libre = deposer(structure, membre, categorie="rib")
    verrouille = deposer(structure, membre)
    services.document_verrouiller(documents=[verrouille], acteur=None)
    client.force_login(membre)

    reponse = client.post(reverse("documents:supprimer", args=[verrouille.pk]))
    assert "ne peut plus être supprimé" in messages_de(reponse)[0]
    reponse = client.post(reverse("documents:supprimer", args=[libre.pk]))
    assert messages_de(reponse)[-1] == "Le document « pssi.pdf » a été supprimé."
    assert list(Document.objects.all()) == [verrouille]


def test_supprimer_autre_structure_404(client, structure, membre, autre_membre):
    doc = deposer(structure, membre)
    client.force_login(autre_membre)
    assert client.post(reverse("documents:supprimer", args=[doc.pk])).status_code == 404
    assert Document.objects.filter(pk=doc.pk).exists()


def test_gabarits_de_depot_et_de_liste(rf, structure, membre):
    from django.template.loader import render_to_string

    doc = deposer(structure, membre, nom="RIB <banque>.pdf", categorie="rib")
    services.document_verrouiller(documents=[doc], acteur=None)
    doc.refresh_from_db()
    requete = rf.get("/")
    requete.user = membre
    formulaire = render_to_string("documents/_depot.html", {
        "action": url_depot(structure, "rib"), "champ_id": "depot-rib", "libelle": "RIB", "suivant": "/dossier/",
        "remplace": doc,
    }, request=requete)
    assert 'enctype="multipart/form-data"' in formulaire and 'name="remplace"' in formulaire
    assert formulaire.index("csrfmiddlewaretoken") < formulaire.index('type="file"')
    assert "Taille maximale : 200 Mo" in formulaire and 'accept=".docx,' in formulaire
    liste = render_to_string("documents/_liste.html", {
        "documents": [doc], "suivant": "/dossier/", "supprimable": True,
    }, request=requete)
    assert reverse("documents:telecharger", args=[doc.pk]) in liste
    assert "RIB _banque_.pdf" in liste and "verrouillé" in liste
    assert reverse("documents:supprimer", args=[doc.pk]) not in liste  # locked: no delete button
