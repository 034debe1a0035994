"""The convention through Yousign (SIGNATURE_FOURNISSEUR = "yousign") against the local fake that follows
Yousign's API v3: the sending (request, document, ordered signers, activation, expiration date), the
webhooks through the portal's view (signer.done, signature_request.done with the completed PDF fetched
and kept, signature_request.expired), a webhook delivered twice, a bad signature, an unknown request,
and Yousign unreachable (the convention shows the failure; the retry button sends it)."""

# ruff: noqa: F811
from __future__ import annotations

import hashlib

import pytest
from django.utils import timezone

from conventions import services as conventions
from conventions.models import Convention, RappelFournisseur
from tests.candidatures.donnees import codes_du_journal

from .conventions import admin_ans, certificat, commit, dg_ans, dossier_complet, envoyee, lire  # noqa: F401
from .faux_yousign import CHEMIN_RAPPEL, faux_yousign, yousign_configure  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def faux(yousign_configure, certificat):
    dg_ans(email="dg@esante.gouv.fr")
    return yousign_configure


def _poster(client, webhook):
    with commit():
        return client.post(CHEMIN_RAPPEL, data=webhook.corps, content_type="application/json",
                           headers={"X-Yousign-Signature-256": webhook.entetes["X-Yousign-Signature-256"]})


def test_envoi_par_yousign(faux):
    c, _, _ = dossier_complet()
    cv = envoyee(c)
    assert cv.etat == Convention.Etat.ENVOYEE and cv.fournisseur == "yousign"
    demande = faux.demandes[cv.reference_fournisseur]
    assert demande["status"] == "ongoing"
    [creation] = faux.requetes_vers("POST", r"/signature_requests$")
    assert creation.json["expiration_date"] == timezone.localtime(cv.echeance, conventions.PARIS).date().isoformat()
    assert creation.json["ordered_signers"] is True
    assert creation.json["external_id"] == f"convention-{cv.pk}-1"
    assert set(cv.signataires_fournisseur) == {"es", "ans"}
    emails = [faux.signers[cv.signataires_fournisseur[r]]["info"]["email"] for r in ("es", "ans")]
    assert emails == [c.signataire_email, "dg@esante.gouv.fr"]
    # the document uploaded is the generated convention
    genere = conventions.document_courant(cv, conventions.CATEGORIE_CONVENTION)
    assert faux.pdf_depose(cv.reference_fournisseur) == lire(genere)


def test_webhooks_jusqu_a_la_convention_signee(faux, client):
    c, _, _ = dossier_complet()
    cv = envoyee(c)
    ref, ids = cv.reference_fournisseur, cv.signataires_fournisseur
    [signe_es] = faux.signer(ref, ids["es"])
    reponse = _poster(client, signe_es)
    assert reponse.status_code == 200 and reponse.content == b"signee_es"
    assert Convention.objects.get(pk=cv.pk).etat == Convention.Etat.SIGNEE_ES
    # the same event delivered again has no second effect
    assert _poster(client, signe_es).content == b"doublon"
    assert codes_du_journal(cv).count("conventions.convention.signee_es") == 1

    signe_ans, termine = faux.signer(ref, ids["ans"])
    assert _poster(client, signe_ans).status_code == 200
    assert _poster(client, termine).content == b"terminee"  # the completed PDF fetched on commit
    cv.refresh_from_db()
    assert cv.etat == Convention.Etat.SIGNEE
    final = conventions.document_courant(cv, conventions.CATEGORIE_SIGNEE)
    octets = lire(final)
    assert octets == faux.pdf_signe(ref) and hashlib.sha256(octets).hexdigest() == final.sha256
    assert _poster(client, termine).content == b"doublon"
    assert conventions.recuperer_signee(cv.pk) == "rien"  # the task re-run does nothing


def test_webhook_mal_signe_refuse_sans_effet(faux, client):
    c, _, _ = dossier_complet()
    cv = envoyee(c)
    faux_webhook = faux.construire_webhook("signature_request.expired", cv.reference_fournisseur,
                                           secret="un-autre-secret")
    assert _poster(client, faux_webhook).status_code == 401
    sans_entete = client.post(CHEMIN_RAPPEL, data=faux_webhook.corps, content_type="application/json")
    assert sans_entete.status_code == 401
    assert Convention.objects.get(pk=cv.pk).etat == Convention.Etat.ENVOYEE
    assert not RappelFournisseur.objects.exists()


def test_webhook_pour_une_demande_inconnue(faux, client):
    webhook = faux.construire_webhook("signature_request.done", "inconnue-123")
    assert _poster(client, webhook).status_code == 404
    assert RappelFournisseur.objects.get().resultat == "inconnu"


def test_expiration_annoncee_par_yousign(faux, client):
    c, _, _ = dossier_complet()
    cv = envoyee(c)
    webhook = faux.expirer(cv.reference_fournisseur)
    assert _poster(client, webhook).content == b"expiree"
    assert Convention.objects.get(pk=cv.pk).etat == Convention.Etat.EXPIREE
    # and the beat job has nothing left to do
    assert conventions.conventions_expirer() == 0


def test_yousign_injoignable_puis_relance(faux, client):
    c, _, ars = dossier_complet()
    faux.pannes(10)  # every call answers 503
    cv = envoyee(c)
    assert cv.etat == Convention.Etat.A_GENERER and "Yousign est indisponible" in cv.erreur_envoi
    assert "conventions.convention.envoi_echoue" in codes_du_journal(cv)
    # the ES référent cannot retry; the ARS can
    from care_portal.workflow.services import WorkflowError

    with pytest.raises(WorkflowError):
        conventions.convention_relancer_envoi(convention=cv, acteur=_es(c))
    faux._pannes.clear()
    with commit():
        conventions.convention_relancer_envoi(convention=cv, acteur=ars)
    cv.refresh_from_db()
    assert cv.etat == Convention.Etat.ENVOYEE and cv.erreur_envoi == ""
    assert len(faux.requetes_vers("POST", r"/activate$")) == 1


def test_refus_definitif_de_yousign(faux, settings):
    c, _, _ = dossier_complet()
    settings.YOUSIGN_API_KEY = "mauvaise-cle"
    cv = envoyee(c)
    assert cv.etat == Convention.Etat.A_GENERER and "refusé" in cv.erreur_envoi


def _es(c):
    from tests.candidatures.donnees import membre

    return membre("referent_es", c.entite_juridique)


def test_admin_ans_peut_aussi_relancer(faux):
    c, _, _ = dossier_complet()
    faux.pannes(10)
    cv = envoyee(c)
    faux._pannes.clear()
    with commit():
        conventions.convention_relancer_envoi(convention=cv, acteur=admin_ans())
    assert Convention.objects.get(pk=cv.pk).etat == Convention.Etat.ENVOYEE
