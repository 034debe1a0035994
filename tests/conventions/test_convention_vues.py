"""Convention pages: wiring, status codes and who is refused (another structure's or region's convention
answers 404; a role without the action answers 403), the signatory's link (forged, used after signing),
the DG ANS's queue. Business rules are tested in test_convention.py."""

# ruff: noqa: F811
from __future__ import annotations

import html as html_lib

import pytest
from django.core import mail
from django.urls import reverse

from care_portal.comptes.roles import Role
from conventions import services as conventions
from conventions.models import Convention
from tests.candidatures import donnees
from tests.candidatures.test_views import se_connecter

from .conventions import (  # noqa: F401
    admin_ans,
    certificat,
    commit,
    dernier_code,
    dg_ans,
    dossier_complet,
    envoyee,
    signee_es,
)

pytestmark = pytest.mark.django_db


def texte(reponse) -> str:
    return html_lib.unescape(reponse.content.decode())


@pytest.fixture
def dossier(certificat):
    return dossier_complet()


def _url(c, nom="detail"):
    return reverse(f"conventions:{nom}", args=[c.pk])


def test_page_de_la_convention_selon_les_roles(dossier, client):
    c, referent, ars = dossier
    cv = envoyee(c)
    autre_ej = dossier_complet(raison_sociale="CH de Blaye")[1]
    autre_ars = donnees.ars("75")
    attendus = [(referent, 200), (ars, 200), (admin_ans(), 200), (donnees.ans(Role.CONTROLEUR_ANS), 200),
                (autre_ej, 404), (autre_ars, 404)]
    for user, statut in attendus:
        client.logout()
        se_connecter(client, user)
        reponse = client.get(_url(c))
        assert reponse.status_code == statut, user
        if statut == 200:
            page = texte(reponse)
            assert cv.numero in page and "À signer avant le" in page.replace("à signer", "À signer")
            assert "il reste" in page
    client.logout()
    assert client.get(_url(c)).status_code == 302  # anonymous: to the login page


def test_l_ans_envoie_au_montant_de_la_matrice(dossier, client):
    c, referent, ars = dossier
    se_connecter(client, referent)
    assert client.post(_url(c, "envoyer"), {"montant": "1000", "motif": "x"}).status_code == 403
    client.logout()
    se_connecter(client, ars)
    assert client.post(_url(c, "envoyer"), {"montant": "1000", "motif": "x"}).status_code == 403
    client.logout()
    admin = admin_ans()
    se_connecter(client, admin)
    page = texte(client.get(_url(c)))
    assert "Générer et envoyer la convention" in page
    assert "matrice des montants plafonds v1" in page and "180 000,00 €" in page.replace("\u202f", " ").replace("\xa0", " ")
    refus = client.post(_url(c, "envoyer"), {"montant": "beaucoup"})
    assert refus.status_code == 400 and "nombre d'euros" in texte(refus)
    with commit():
        reponse = client.post(_url(c, "envoyer"), {"montant": "180 000,00", "motif": ""})
    assert reponse.status_code == 302
    cv = Convention.objects.get(pk=c.convention.pk)
    assert cv.etat == Convention.Etat.ENVOYEE and cv.montant == cv.plafond


def test_montant_au_dessus_du_plafond_refuse_par_la_page(certificat, client):
    c, _, _ = dossier_complet(lignes_plafond=[("public_hors_ght", "0", None, "40000.00")])
    se_connecter(client, admin_ans())
    refus = client.post(_url(c, "envoyer"), {"montant": "150 000,00", "motif": "Erreur de saisie"})
    assert refus.status_code == 400
    page = texte(refus).replace("\u202f", " ").replace("\xa0", " ")
    assert "dépasse le plafond de la matrice pour cette structure (40 000,00 €, matrice v1)" in page
    assert 'id="montant-erreur"' in page
    cv = Convention.objects.get(pk=c.convention.pk)
    assert cv.montant.compare(cv.plafond) == 0 and cv.etat == Convention.Etat.A_GENERER and cv.envoi_demande_le is None


def test_montant_abaisse_par_la_page_exige_un_motif(dossier, client):
    c, _, _ = dossier
    se_connecter(client, admin_ans())
    refus = client.post(_url(c, "envoyer"), {"montant": "100000", "motif": ""})
    assert refus.status_code == 400 and 'id="motif-erreur"' in texte(refus)
    with commit():
        reponse = client.post(_url(c, "envoyer"), {"montant": "100000", "motif": "Un site est retiré."})
    assert reponse.status_code == 302
    cv = Convention.objects.get(pk=c.convention.pk)
    assert str(cv.montant) == "100000.00" and cv.motif_montant == "Un site est retiré."
    page = texte(client.get(_url(c)))
    assert "Un site est retiré." in page and 'id="motif-montant"' in page


def test_sans_matrice_la_page_le_dit(certificat, client):
    c, _, _ = dossier_complet(lignes_plafond=None)
    se_connecter(client, admin_ans())
    page = texte(client.get(_url(c)))
    assert 'id="sans-plafond"' in page and "Aucune matrice des montants plafonds n'est en vigueur" in page
    refus = client.post(_url(c, "envoyer"), {"montant": "", "motif": ""})
    assert refus.status_code == 400 and "ne peut pas être envoyée sans montant" in texte(refus)


def test_renvoyer_reserve_a_l_ars_et_a_l_ans(dossier, client):
    c, referent, ars = dossier
    cv = envoyee(c)
    Convention.objects.filter(pk=cv.pk).update(etat=Convention.Etat.EXPIREE)
    se_connecter(client, referent)
    assert client.post(_url(c, "renvoyer")).status_code == 403
    client.logout()
    se_connecter(client, ars)
    assert "Renvoyer la convention" in texte(client.get(_url(c)))
    with commit():
        assert client.post(_url(c, "renvoyer")).status_code == 302
    assert Convention.objects.get(pk=cv.pk).etat == Convention.Etat.ENVOYEE
    # sending again a convention that is waiting for its signature is refused, with a message
    reponse = client.post(_url(c, "renvoyer"))
    assert reponse.status_code == 400 and "expirée" in texte(reponse)


def test_le_signataire_signe_par_son_lien(dossier, client):
    c, _, _ = dossier
    cv = envoyee(c)
    url = reverse("conventions:signer", args=[conventions.jeton_signature(cv)])
    page = client.get(url)
    assert page.status_code == 200 and "Recevoir un code par e-mail" in texte(page)
    pdf = client.get(reverse("conventions:pdf", args=[conventions.jeton_signature(cv)]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    mail.outbox.clear()
    with commit():
        assert client.post(url, {"action": "code"}).status_code == 302
    code = dernier_code(c.signataire_email)
    faux = f"{(int(code) + 1) % 1_000_000:06d}"
    refus = client.post(url, {"action": "signer", "code": faux, "consentement": "oui"})
    assert refus.status_code == 400 and "Code erroné" in texte(refus)
    sans_accord = client.post(url, {"action": "signer", "code": code})
    assert sans_accord.status_code == 400 and "Cochez la case" in texte(sans_accord)
    with commit():
        reponse = client.post(url, {"action": "signer", "code": code, "consentement": "oui"})
    assert reponse.status_code == 200 and "votre signature est enregistrée" in texte(reponse)
    assert Convention.objects.get(pk=cv.pk).etat == Convention.Etat.SIGNEE_ES
    # the link after the signature
    apres = client.get(url)
    assert apres.status_code == 410 and "déjà été signée" in texte(apres)
    assert client.get(reverse("conventions:pdf", args=[conventions.jeton_signature(cv)])).status_code == 404


def test_lien_falsifie(client):
    reponse = client.get(reverse("conventions:signer", args=["pas-un-jeton"]))
    assert reponse.status_code == 404 and "n'est pas valide" in texte(reponse)


def test_file_du_dg_et_contresignature_groupee(dossier, client):
    c, referent, _ = dossier
    a = signee_es(envoyee(c))
    b = signee_es(envoyee(dossier_complet(raison_sociale="CH de Blaye")[0]))
    url = reverse("conventions:contresigner")
    for refuse in (referent, admin_ans()):
        se_connecter(client, refuse)
        assert client.get(url).status_code == 403
        client.logout()
    dg = dg_ans()
    se_connecter(client, dg)
    page = texte(client.get(url))
    assert a.numero in page and b.numero in page
    with commit():
        reponse = client.post(url, {"action": "code", "conventions": [a.pk, b.pk]})
    assert reponse.status_code == 200 and "Code reçu par e-mail" in texte(reponse)
    erreur = client.post(url, {"action": "contresigner", "code": "12345"})
    assert erreur.status_code == 400 and "Aucune convention n'a été contresignée" in texte(erreur)
    with commit():  # the request opens the lot; its tasks run after the commit
        reponse = client.post(url, {"action": "contresigner", "code": dernier_code(dg.email)}, follow=True)
    assert "2 conventions en cours de contresignature" in texte(reponse)
    page = texte(client.get(reponse.redirect_chain[-1][0]))
    assert "Lot terminé." in page and 'id="nb-faites">2<' in page
    assert set(Convention.objects.values_list("etat", flat=True)) == {Convention.Etat.SIGNEE}
    # the ES sees the signed document on its convention page, and downloads it
    client.logout()
    se_connecter(client, referent)
    page = texte(client.get(_url(c)))
    assert "Convention signée et contresignée" in page
    final = conventions.document_courant(a, conventions.CATEGORIE_SIGNEE)
    telechargement = client.get(reverse("documents:telecharger", args=[final.pk]))
    assert telechargement.status_code == 200
    assert b"".join(telechargement.streaming_content) == conventions._lire(final)


def test_documents_de_la_convention_invisibles_a_une_autre_structure(dossier, client):
    c, _, _ = dossier
    cv = envoyee(c)
    document = conventions.document_courant(cv, conventions.CATEGORIE_CONVENTION)
    autre = dossier_complet(raison_sociale="CH de Blaye")[1]
    se_connecter(client, autre)
    assert client.get(reverse("documents:telecharger", args=[document.pk])).status_code == 404


def test_rappel_yousign_inactif_en_mode_natif(client):
    assert client.post(reverse("conventions:rappel_yousign"), data=b"{}",
                       content_type="application/json").status_code == 404


# --- a sending lost by the broker (issue 24): « en attente de traitement », relaunched once ----------

def test_envoi_en_attente_de_traitement_relance_par_l_ans_sans_double_envoi(dossier, client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from care_portal.core.models import Travail

    c, referent, ars = dossier
    # the ANS sent it; the broker lost the work (its on-commit publication never ran)
    conventions.convention_envoyer(convention=c.convention, acteur=admin_ans())
    travail = Travail.objects.get(objet=f"conventions.convention:{c.convention.pk}")
    assert travail.etat == Travail.Etat.A_ENVOYER
    se_connecter(client, admin_ans())
    assert "En attente de traitement" not in texte(client.get(_url(c)))  # not yet past the threshold
    Travail.objects.filter(pk=travail.pk).update(
        cree_le=timezone.now() - timedelta(seconds=settings.CARE_TRAVAUX_SEUIL_ATTENTE_SECONDES + 1))
    page = texte(client.get(_url(c)))
    assert "En attente de traitement" in page and "Relancer l'envoi" in page

    # the establishment neither sees the button nor may relaunch
    client.logout()
    se_connecter(client, referent)
    assert "Relancer l'envoi" not in texte(client.get(_url(c)))
    assert client.post(_url(c, "relancer")).status_code == 403
    assert Travail.objects.get(pk=travail.pk).envois == 0

    client.logout()
    se_connecter(client, admin_ans())
    with commit():
        reponse = client.post(_url(c, "relancer"))
    assert reponse.status_code == 302
    cv = Convention.objects.get(pk=c.convention.pk)
    assert cv.etat == Convention.Etat.ENVOYEE and cv.envoi == 1
    assert Travail.objects.get(pk=travail.pk).etat == Travail.Etat.FAIT
    assert sum("à signer avant" in m.subject for m in mail.outbox) == 1
    # relaunching again: nothing left to relaunch, no second sending
    with commit():
        reponse = client.post(_url(c, "relancer"))
    assert reponse.status_code == 400
    assert Convention.objects.get(pk=c.convention.pk).envoi == 1
    assert sum("à signer avant" in m.subject for m in mail.outbox) == 1
