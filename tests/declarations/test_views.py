"""Declaration pages: wiring, status codes and permissions (another structure's or region's
declaration → 404; a wrong role → 403), the import flow (errors → nothing imported until the valid
part is confirmed), the submission form, the ARS's queue with the verdicts, the ANS's national list."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from care_portal.comptes.roles import Role
from declarations import services
from declarations.models import Declaration, LigneBilan
from tests.candidatures import donnees as cdonnees
from tests.candidatures.test_views import se_connecter, texte
from tests.conventions.conventions import commit

from .donnees import BONNE_LIGNE, ajouter, jours, rafraichir, xlsx

pytestmark = pytest.mark.django_db


def url(nom: str, d: Declaration, *args) -> str:
    return reverse(f"declarations:{nom}", args=[d.pk, *args])


def importer(client, d, contenu: bytes, nom="bilan.xlsx", **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(url("importer", d), {"import-fichier": SimpleUploadedFile(nom, contenu), **extra})


def test_page_de_l_es_et_ajout_d_une_ligne(client, declaration):
    d, referent, _ = declaration
    se_connecter(client, referent)
    reponse = client.get(url("detail", d))
    assert reponse.status_code == 200
    page = texte(reponse)
    assert "Déclaration d'atteinte des objectifs de" in page and "Ajouter une dépense" in page
    assert "Déposer la déclaration" in page
    reponse = client.post(url("ligne_ajouter", d), {
        "ligne-objectif": "D1.O1.A", "ligne-categorie": "interne_rh", "ligne-libelle": "Temps RSSI",
        "ligne-fournisseur": "R. Benali", "ligne-date": jours(-20).isoformat(), "ligne-montant_ht": "1 500,25",
        "ligne-montant_ttc": "1500,25", "ligne-justificatif": cdonnees.pdf("bulletin.pdf")})
    assert reponse.status_code == 302
    ligne = LigneBilan.objects.get()
    assert ligne.montant_ht == Decimal("1500.25") and ligne.justificatif.nom_original == "bulletin.pdf"
    reponse = client.post(url("ligne_ajouter", d), {
        "ligne-objectif": "D1.O1.A", "ligne-categorie": "interne_rh", "ligne-libelle": "Temps RSSI",
        "ligne-fournisseur": "R. Benali", "ligne-date": jours(-20).isoformat(), "ligne-montant_ht": "-3",
        "ligne-montant_ttc": "12,345"})
    assert reponse.status_code == 400
    assert "ne peut pas être négatif" in texte(reponse) and "plus de 2 décimales" in texte(reponse)
    assert LigneBilan.objects.count() == 1


def test_import_avec_erreurs_puis_confirmation(client, declaration):
    d, referent, _ = declaration
    se_connecter(client, referent)
    mauvaise = [*BONNE_LIGNE[:5], "douze", 12]
    reponse = importer(client, d, xlsx([BONNE_LIGNE, mauvaise, BONNE_LIGNE]))
    assert reponse.status_code == 400
    page = texte(reponse)
    assert "1 ligne du fichier est en erreur : rien n'a été importé" in page
    assert "Ligne 3 : Montant HT (€) (F3) contient du texte" in page
    assert "Importer les 2 lignes valides" in page
    assert not LigneBilan.objects.exists()
    reponse = client.post(url("importer_confirmer", d))
    assert reponse.status_code == 302 and LigneBilan.objects.count() == 2
    # the confirmation is used once
    reponse = client.post(url("importer_confirmer", d))
    assert reponse.status_code == 302 and LigneBilan.objects.count() == 2


def test_import_abandonne(client, declaration):
    d, referent, _ = declaration
    se_connecter(client, referent)
    importer(client, d, xlsx([BONNE_LIGNE, ["D1.O6.B", *BONNE_LIGNE[1:]]]))
    client.post(url("importer_annuler", d))
    client.post(url("importer_confirmer", d))
    assert not LigneBilan.objects.exists()


def test_import_sans_erreur_et_fichier_refuse(client, declaration):
    d, referent, _ = declaration
    se_connecter(client, referent)
    reponse = importer(client, d, xlsx([BONNE_LIGNE, BONNE_LIGNE]))
    assert reponse.status_code == 302 and LigneBilan.objects.count() == 2
    reponse = importer(client, d, xlsx([BONNE_LIGNE], entete=["A", "B"]))
    assert reponse.status_code == 400 and "Les colonnes du fichier ne sont pas celles du modèle" in texte(reponse)
    assert LigneBilan.objects.count() == 2


def test_modele_et_export(client, declaration):
    d, referent, ars = declaration
    ajouter(d, referent)
    for user in (referent, ars):
        se_connecter(client, user)
        for nom in ("modele_xlsx", "exporter_xlsx"):
            reponse = client.get(url(nom, d))
            assert reponse.status_code == 200
            assert reponse["Content-Type"].startswith("application/vnd.openxmlformats")
            assert reponse.content[:2] == b"PK"


def test_depot_par_la_page(client, declaration):
    d, referent, _ = declaration
    ajouter(d, referent)
    se_connecter(client, referent)
    reponse = client.post(url("deposer", d), {})
    assert reponse.status_code == 400 and "Cochez la certification" in texte(reponse)
    with commit():
        reponse = client.post(url("deposer", d), {"depot-certifie": "on"})
    assert reponse.status_code == 302
    assert rafraichir(d).etat == Declaration.Etat.DEPOSEE
    page = texte(client.get(url("detail", d)))
    assert "Récépissé de la déclaration du" in page and re.search(r"\d+ objectifs? n.étai(?:en)?t pas atteints?", page)
    assert "Ajouter une dépense" not in page


def _deposee(d, referent):
    ajouter(d, referent)
    with commit():
        services.declaration_deposer(declaration=d, acteur=referent, certifie=True)
    return rafraichir(d)


def test_file_de_l_ars_et_decisions(client, declaration):
    d, referent, ars = declaration
    d = _deposee(d, referent)
    se_connecter(client, ars)
    reponse = client.get(reverse("declarations:file"))
    assert reponse.status_code == 200
    page = texte(reponse)
    assert d.candidature.structure_libelle in page and "D1.O1.A" in page and "Incomplet" in page
    reponse = client.post(url("demander_complement", d), {"complement-motif": ""})
    assert reponse.status_code == 400
    reponse = client.post(url("demander_complement", d), {"complement-motif": "La facture manque."})
    assert reponse.status_code == 302 and rafraichir(d).etat == Declaration.Etat.COMPLEMENT_DEMANDE


def test_vue_nationale_de_l_ans_en_lecture_seule(client, declaration):
    d, referent, _ = declaration
    d = _deposee(d, referent)
    ans = cdonnees.ans(Role.CONTROLEUR_ANS)
    se_connecter(client, ans)
    page = texte(client.get(reverse("declarations:file")))
    assert "Déclarations — vue nationale" in page and d.candidature.structure_libelle in page
    page = texte(client.get(url("detail", d)))
    assert "Confirmer que la déclaration est complète" not in page and "Déposer la déclaration" not in page
    assert client.post(url("declarer_complete", d)).status_code == 403


def test_autre_structure_ou_autre_region_404(client, declaration):
    d, _, _ = declaration
    autre_ars = cdonnees.ars("75")
    from tests.factories import EntiteJuridiqueFactory

    autre_es = cdonnees.referent(EntiteJuridiqueFactory())
    for user in (autre_ars, autre_es):
        se_connecter(client, user)
        assert client.get(url("detail", d)).status_code == 404
        assert client.get(url("exporter_xlsx", d)).status_code == 404
    se_connecter(client, autre_es)
    assert client.post(url("deposer", d), {"depot-certifie": "on"}).status_code == 404
    se_connecter(client, autre_ars)
    assert client.post(url("declarer_complete", d)).status_code == 404
    assert client.get(reverse("declarations:file")).status_code == 200
    assert d.candidature.structure_libelle not in texte(client.get(reverse("declarations:file")))


def test_mauvais_role_403(client, declaration):
    d, referent, ars = declaration
    se_connecter(client, referent)
    assert client.get(reverse("declarations:file")).status_code == 403
    assert client.post(url("declarer_complete", d)).status_code == 403
    se_connecter(client, ars)
    assert client.get(reverse("declarations:mes_declarations")).status_code == 403
    assert client.post(url("deposer", d), {"depot-certifie": "on"}).status_code == 403
    assert client.post(url("ligne_ajouter", d), {}).status_code == 403
    dsi = cdonnees.membre(Role.DSI, d.candidature.entite_juridique)
    se_connecter(client, dsi)
    assert client.post(url("deposer", d), {"depot-certifie": "on"}).status_code == 403


def test_mes_declarations_et_ouverture(client, signee):
    c, referent, _ = signee
    se_connecter(client, referent)
    # the countersigning opened the declaration (the stage hand-off): the list links to it
    d = Declaration.objects.get(candidature=c)
    page = texte(client.get(reverse("declarations:mes_declarations")))
    assert c.structure_libelle in page and "Ouvrir la déclaration" in page
    assert "Commencer la déclaration" not in page
    # opening it again (a form left open before the hand-off) is idempotent
    reponse = client.post(reverse("declarations:ouvrir", args=[c.pk]))
    assert Declaration.objects.filter(candidature=c).count() == 1
    assert reponse.status_code == 302 and reponse["Location"] == url("detail", d)
    assert client.get(reverse("declarations:pour_candidature", args=[c.pk]))["Location"] == url("detail", d)


def test_anonyme_vers_la_connexion(client, declaration):
    d, _, _ = declaration
    reponse = client.get(url("detail", d))
    assert reponse.status_code == 302 and reverse("comptes:connexion") in reponse["Location"]
