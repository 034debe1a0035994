"""The objectives page (views.py): wiring, status codes and permissions for each role, an entry that
passes (redirect + message) and entries refused (400, French errors, nothing stored)."""

from __future__ import annotations

import html as html_lib

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from care_portal.comptes.roles import Role
from objectifs.models import ActiveDirectory, AuditADS, AuditExposition, Budget
from tests.candidatures.test_views import se_connecter

from .donnees import ad, ans, ars, audit, candidature_deposee, ght_depose, jours, lignes, membre, pdf

pytestmark = pytest.mark.django_db


def texte(reponse) -> str:
    return html_lib.unescape(reponse.content.decode())


def url(c, nom: str = "tableau", *args) -> str:
    return reverse(f"objectifs:{nom}", args=[c.pk, *args])


@pytest.fixture
def dossier():
    return candidature_deposee(depose_il_y_a=100)


def test_anonyme_redirige_vers_la_connexion(client, dossier):
    c, _ = dossier
    reponse = client.get(url(c))
    assert reponse.status_code == 302 and reverse("comptes:connexion") in reponse["Location"]


def test_es_voit_les_cartes_et_les_formulaires(client, dossier):
    c, ref = dossier
    se_connecter(client, ref)
    reponse = client.get(url(c))
    assert reponse.status_code == 200
    page = texte(reponse)
    for code in ("D1.O1.A", "D1.O1.B", "D1.O2.A", "D1.O2.B", "D1.O3", "D1.O4", "D1.O5"):
        assert code in page
    assert "Incomplet" in page and "Déclarer un Active Directory" in page
    assert "Consultation seule" not in page


@pytest.mark.parametrize("qui", ["autre_es", "ars_autre_region", "signataire"])
def test_autres_profils(client, dossier, qui):
    c, _ = dossier
    user = {"autre_es": lambda: candidature_deposee()[1],
            "ars_autre_region": lambda: ars("75"),
            "signataire": lambda: membre(Role.SIGNATAIRE_ES, c.entite_juridique)}[qui]()
    se_connecter(client, user)
    reponse = client.get(url(c))
    if qui == "signataire":  # sees the dossier of its structure, read-only; may not post
        assert reponse.status_code == 200 and "Consultation seule" in texte(reponse)
        assert client.post(url(c, "ad_ajouter"), {"ad-nom": "x.local"}).status_code == 403
    else:
        assert reponse.status_code == 404


@pytest.mark.parametrize("qui", ["ars", "ans"])
def test_ars_de_la_region_et_ans_en_lecture_seule(client, dossier, qui):
    c, ref = dossier
    audit(ad(c, ref), ref, jours(-10))
    user = ars("33") if qui == "ars" else ans()
    se_connecter(client, user)
    reponse = client.get(url(c))
    assert reponse.status_code == 200
    page = texte(reponse)
    assert "Consultation seule" in page and "hopital.local" in page
    assert "Déclarer un Active Directory" not in page
    assert client.post(url(c, "ad_ajouter"), {"ad-nom": "x.local"}).status_code == 403
    assert ActiveDirectory.objects.count() == 1


def test_brouillon_404(client, dossier):
    c, ref = dossier
    type(c).objects.filter(pk=c.pk).update(etat="brouillon")
    se_connecter(client, ref)
    assert client.get(url(c)).status_code == 404


def test_ajouter_un_ad_puis_un_audit(client, dossier):
    c, ref = dossier
    se_connecter(client, ref)
    reponse = client.post(url(c, "ad_ajouter"), {"ad-nom": "hopital.local",
                                                 "ad-structures": [str(ligne.pk) for ligne in lignes(c)],
                                                 "ad-description": pdf("description.pdf")})
    assert reponse.status_code == 302 and reponse["Location"].endswith("#objectif-d1-o1-a")
    annuaire = ActiveDirectory.objects.get()
    reponse = client.post(url(c, "ads_ajouter"), {
        "ads-active_directory": annuaire.pk, "ads-date": jours(-50).isoformat(), "ads-score": "3",
        "ads-rapport": pdf("ads.pdf")})
    assert reponse.status_code == 302
    assert [str(m) for m in get_messages(reponse.wsgi_request)][-1].startswith("Audit ADS de « hopital.local »")
    page = texte(client.get(url(c)))
    assert "Atteint" in page and "Corriger l'audit ADS de" in page


def test_audit_refuse_est_reaffiche_avec_les_erreurs(client, dossier):
    c, ref = dossier
    annuaire = ad(c, ref)
    audit(annuaire, ref, jours(-20))
    se_connecter(client, ref)
    donnees = {"ads-active_directory": annuaire.pk, "ads-date": jours(-20).isoformat(), "ads-score": "4",
               "ads-rapport": pdf()}
    reponse = client.post(url(c, "ads_ajouter"), donnees)
    assert reponse.status_code == 400
    page = texte(reponse)
    assert "L'audit ADS n'a pas été enregistré" in page and "déjà enregistré au" in page
    assert 'value="4"' in page  # what was typed is kept
    reponse = client.post(url(c, "ads_ajouter"), {**donnees, "ads-date": jours(-2).isoformat(), "ads-score": "7",
                                                  "ads-rapport": pdf()})
    assert reponse.status_code == 400 and "de 1 à 5" in texte(reponse)
    reponse = client.post(url(c, "ads_ajouter"), {**donnees, "ads-date": "31/02/2025", "ads-rapport": pdf()})
    assert reponse.status_code == 400 and "Saisissez une date valide" in texte(reponse)
    assert AuditADS.objects.count() == 1


def test_modifier_un_audit(client, dossier):
    c, ref = dossier
    a = audit(ad(c, ref), ref, jours(-50))
    se_connecter(client, ref)
    reponse = client.post(url(c, "ads_modifier", a.pk), {f"audit-{a.pk}-date": jours(-3).isoformat(),
                                                         f"audit-{a.pk}-score": "2"})
    assert reponse.status_code == 302
    a.refresh_from_db()
    assert (a.date, a.score) == (jours(-3), 2)
    assert "Non atteint" in texte(client.get(url(c)))
    autre, _ = candidature_deposee()
    assert client.post(url(autre, "ads_modifier", a.pk), {}).status_code == 404


def test_audit_d_exposition_csv_en_erreur(client, dossier):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c, ref = dossier
    se_connecter(client, ref)
    reponse = client.post(url(c, "exposition_ajouter"), {
        "expo-date": jours(-2).isoformat(), "expo-outil": "silene", "expo-structures": [lignes(c)[0].pk],
        "expo-critiques": "0", "expo-rapport": pdf(),
        "expo-fichier_csv": SimpleUploadedFile("p.csv", b"www.ch-exemple.fr\n999.1.1.1\n")})
    assert reponse.status_code == 400
    page = texte(reponse)
    assert "Ligne 2 : « 999.1.1.1 » n'est pas une adresse IP valide" in page
    assert not AuditExposition.objects.exists()


def test_budget_au_dela_de_100_pour_cent(client, dossier):
    c, ref = dossier
    se_connecter(client, ref)
    donnees = {"budget-structure": lignes(c)[0].pk, "budget-budget_general": "1000",
               "budget-budget_numerique": "2000", "budget-etp_securite": "1"}
    reponse = client.post(url(c, "budget_enregistrer"), donnees)
    assert reponse.status_code == 400 and "au-delà de 100\u00a0%" in texte(reponse)
    assert not Budget.objects.exists()
    reponse = client.post(url(c, "budget_enregistrer"), {**donnees, "budget-budget_numerique": "20"})
    assert reponse.status_code == 302 and Budget.objects.get().part_numerique == 2


def test_page_d_un_ght_avec_gouvernance(client):
    c, ref = ght_depose()
    se_connecter(client, ref)
    page = texte(client.get(url(c)))
    assert "D1.O6.A" in page and "Gouvernance du GHT" in page
    reponse = client.post(url(c, "gouvernance_enregistrer"), {
        "gouvernance-referent_projet": "Paul Projet", "gouvernance-equipe_ad_unique": "oui",
        "gouvernance-referent_nomme_par_directeur": "oui", "gouvernance-sdsi_volet_organisationnel": "oui",
        "gouvernance-sdsi_volet_technique": "non", "gouvernance-schema_gouvernance": pdf("schema.pdf")})
    assert reponse.status_code == 302
    page = texte(client.get(url(c)))
    assert "Paul Projet" in page
    # the new facts are shown, and the one declared « non » is a failure naming its rule
    assert "volet organisationnel oui, volet technique non" in page
    assert "Le volet technique des sujets AD n'est pas intégré au schéma directeur de convergence des SI du GHT" in page
