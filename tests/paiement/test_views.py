"""Payment pages: the public simulator (no login, FINESS search, invalid FINESS, unknown structure,
illustrative marker) and the ANS administration's ceiling tables (admin_ans only; other roles 403;
anonymous → login; an import with errors imports nothing)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from care_portal.comptes.roles import Role
from care_portal.referentiel.models import AppelAFinancement, StatutJuridique
from paiement.models import GrilleMontantsPlafonds
from tests.candidatures.test_views import se_connecter, texte
from tests.comptes.helpers import creer_utilisateur_avec_role
from tests.factories import AppelFactory, EntiteJuridiqueFactory, EtablissementGeographiqueFactory, GHTFactory

from .donnees import csv_de, grille, xlsx_de

pytestmark = pytest.mark.django_db
D = Decimal
SIMULATEUR = reverse("paiement:simulateur")
PLAFONDS = reverse("paiement:plafonds")


@pytest.fixture
def appel():
    """The current call (its calendar contains today) with a table in force, illustrative."""
    AppelAFinancement.objects.all().delete()
    a = AppelFactory(nom="CaRE D1 — appel courant")
    grille(a, en_vigueur_le=a.candidature_debut, illustrative=True, source="Matrice de test")
    return a


def sans_espaces(page: str) -> str:
    return re.sub(r"\s+", " ", page.replace("\u00a0", " ").replace("\u202f", " "))


def test_page_publique_sans_connexion(client, appel):
    reponse = client.get(SIMULATEUR)
    assert reponse.status_code == 200
    page = texte(reponse)
    assert "<h1>Simulateur du montant plafond</h1>" in page and "CaRE D1 — appel courant" in page
    assert '<label class="fr-label" for="id_q">' in page
    assert "<script>" not in page and " style=" not in page  # strict CSP: nothing inline


def test_recherche_par_finess_puis_plafond(client, appel):
    clinique = EntiteJuridiqueFactory(raison_sociale="Clinique des Pins", statut=StatutJuridique.PRIVE_LUCRATIF,
                                      activite_combinee=D("12345"))
    reponse = client.get(SIMULATEUR, {"q": clinique.finess})
    assert reponse.status_code == 200
    page = texte(reponse)
    assert "1 établissement trouvé" in page and "Clinique des Pins" in page
    lien = f"?etablissement=ej%3A{clinique.pk}&q={clinique.finess}"
    assert lien in page
    reponse = client.get(SIMULATEUR, {"etablissement": f"ej:{clinique.pk}", "q": clinique.finess})
    assert reponse.status_code == 200
    page = sans_espaces(texte(reponse))
    assert "Montant plafond (montants indicatifs) : 40 000,00 €" in page
    assert ("ES privé à but lucratif dont l'activité combinée est de 12 345 : tranche de 1 000 à 50 000, "
            "plafond 40 000,00 €") in page
    assert 'id="montants-indicatifs"' in page and "Montants indicatifs" in page
    assert "tranche appliquée" in page and "version 1" in page and "source : Matrice de test" in page


def test_recherche_par_nom_et_etablissement_d_un_ght(client, appel):
    support = EntiteJuridiqueFactory(raison_sociale="CHU de Nulle-Part", activite_combinee=D("3000000"))
    membre = EntiteJuridiqueFactory(raison_sociale="CH de Quelque-Part", activite_combinee=D("2500000"))
    ght = GHTFactory(code="NA-99", nom="GHT de l'Estuaire", support=support, membres=[membre])
    eg = EtablissementGeographiqueFactory(entite_juridique=membre, raison_sociale="Hôpital de Quelque-Part")
    reponse = client.get(SIMULATEUR, {"q": "Quelque-Part"})
    assert "Hôpital de Quelque-Part" in texte(reponse) and "CH de Quelque-Part" in texte(reponse)
    reponse = client.get(SIMULATEUR, {"etablissement": f"eg:{eg.pk}"})
    page = sans_espaces(texte(reponse))
    assert f"{membre.raison_sociale} est membre du GHT NA-99" not in page  # it is the EG that was picked
    assert "Hôpital de Quelque-Part est membre du GHT NA-99 : sa candidature est portée par l'établissement support" in page
    assert "NA-99 – GHT de l'Estuaire" in page
    assert "GHT dont l'activité combinée est de 5 500 000 : tranche à partir de 5 000 000, plafond 700 000,00 €" in page
    assert "somme de l'activité de ses 2 entités juridiques membres, soit 5 500 000" in page
    assert "Entités juridiques membres du GHT NA-99" in page and "CHU de Nulle-Part (support)" in page
    assert ght.pk


def test_finess_invalide(client, appel):
    reponse = client.get(SIMULATEUR, {"q": "330781197"})
    assert reponse.status_code == 200
    page = texte(reponse)
    assert "Le numéro FINESS « 330781197 » est invalide : sa clé de contrôle ne correspond pas." in page
    assert 'aria-invalid="true"' in page and 'id="id_q_erreur"' in page
    reponse = client.get(SIMULATEUR, {"q": "33 078 119 61"})
    assert "doit compter 9 caractères (il en a 10)" in texte(reponse)


def test_structure_inconnue(client, appel):
    reponse = client.get(SIMULATEUR, {"q": "330781196"})  # a valid FINESS number, not in the referential
    assert reponse.status_code == 200
    assert "Le numéro FINESS « 330781196 » est valide, mais aucune structure du référentiel" in texte(reponse)
    reponse = client.get(SIMULATEUR, {"q": "Établissement imaginaire"})
    assert "Aucun établissement ne correspond à « Établissement imaginaire »" in texte(reponse)
    for valeur in ("ej:999999", "eg:abc", "ght:1", ""):
        reponse = client.get(SIMULATEUR, {"etablissement": valeur})
        assert reponse.status_code == 404
        assert "La structure demandée n'existe pas dans le référentiel FINESS du portail" in texte(reponse)


def test_sans_tranche_sans_grille_et_montants_officiels(client, appel):
    petite = EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_LUCRATIF, activite_combinee=D("10"))
    page = sans_espaces(texte(client.get(SIMULATEUR, {"etablissement": f"ej:{petite.pk}"})))
    assert "Aucun plafond pour cette structure" in page and "aucune tranche de la matrice ne couvre" in page
    grille(appel, en_vigueur_le=appel.candidature_debut, illustrative=False)  # v2: official amounts
    public = EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC)
    page = sans_espaces(texte(client.get(SIMULATEUR, {"etablissement": f"ej:{public.pk}"})))
    assert "Montant plafond : 180 000,00 €" in page and "montants-indicatifs" not in page and "version 2" in page
    GrilleMontantsPlafonds.objects.all().delete()
    page = texte(client.get(SIMULATEUR, {"etablissement": f"ej:{public.pk}"}))
    assert "Aucune matrice des montants plafonds n'est en vigueur" in page


# --- the ANS administration ---------------------------------------------------------------------------

@pytest.fixture
def admin_ans(client):
    user = creer_utilisateur_avec_role(Role.ADMIN_ANS)
    se_connecter(client, user)
    return user


def test_anonyme_vers_la_connexion(client):
    for url in (PLAFONDS, reverse("paiement:plafonds_modele")):
        reponse = client.get(url)
        assert reponse.status_code == 302 and reverse("comptes:connexion") in reponse["Location"]


@pytest.mark.parametrize("role", [Role.SECRETARIAT_ANS, Role.CONTROLEUR_ANS, Role.REFERENT_ARS, Role.REFERENT_ES])
def test_autres_roles_403(client, role):
    se_connecter(client, creer_utilisateur_avec_role(role))
    assert client.get(PLAFONDS).status_code == 403
    assert client.post(PLAFONDS, {}).status_code == 403


def test_admin_importe_une_matrice(client, admin_ans):
    appel = AppelFactory(nom="Appel à importer", candidature_debut=datetime.date(2024, 1, 10))
    reponse = client.get(PLAFONDS)
    assert reponse.status_code == 200 and "Importer une nouvelle version" in texte(reponse)
    assert client.get(reverse("paiement:plafonds_modele")).content.startswith(
        "\ufefftype_structure;activite_min;activite_max;montant".encode())
    fichier = SimpleUploadedFile("matrice.xlsx", xlsx_de([("ght", 0, None, 250000), ("prive_ebnl", 0, None, 1000)]))
    reponse = client.post(PLAFONDS, {"appel": appel.pk, "fichier": fichier, "illustrative": "on",
                                     "en_vigueur_le": "2024-06-10", "commentaire": "Première version"})
    g = GrilleMontantsPlafonds.objects.get(appel=appel)
    assert reponse.status_code == 302 and reponse["Location"] == reverse("paiement:plafonds_detail", args=[g.pk])
    assert g.illustrative and g.cree_par == admin_ans and g.en_vigueur_le == datetime.date(2024, 6, 10)
    assert g.commentaire == "Première version" and g.lignes.count() == 2
    page = texte(client.get(reponse["Location"]))
    assert "Matrice des montants plafonds — version 1" in page and "version en vigueur" in page
    assert "indicatifs" in page
    assert "Version 1" in texte(client.get(PLAFONDS))


def test_admin_import_en_erreur_rien_n_est_importe(client, admin_ans):
    appel = AppelFactory()
    fichier = SimpleUploadedFile("matrice.csv", csv_de([("ght", "0", "", "250000"), ("ght", "10", "20", "abc"),
                                                        ("clinique", "0", "", "-1")]))
    reponse = client.post(PLAFONDS, {"appel": appel.pk, "fichier": fichier})
    assert reponse.status_code == 400
    page = texte(reponse)
    assert "Le fichier « matrice.csv » comporte 3 erreurs : rien n'a été importé." in page
    assert "Ligne 3 : le montant plafond « abc » n'est pas un nombre." in page
    assert "Ligne 4 : type de structure « clinique » inconnu" in page
    assert "Ligne 4 : le montant plafond ne peut pas être négatif (-1)." in page
    assert not GrilleMontantsPlafonds.objects.exists()
    reponse = client.post(PLAFONDS, {"appel": "", "fichier": SimpleUploadedFile("m.pdf", b"x")})
    assert reponse.status_code == 400
    page = texte(reponse)
    assert "Choisissez l'appel à financement." in page and "Importez un fichier .csv ou .xlsx." in page


def test_detail_inconnu_404(client, admin_ans):
    assert client.get(reverse("paiement:plafonds_detail", args=[999999])).status_code == 404


def test_lien_depuis_l_accueil(client):
    assert f'href="{SIMULATEUR}"' in texte(client.get(reverse("core:accueil")))
