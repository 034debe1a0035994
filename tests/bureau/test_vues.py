"""The desk's pages: the dossier list (views and their counts, filters, saved filters and their counts,
columns, pagination, exports, the bulk-action form), the labels page, and the panel's POST views. Wiring,
status codes and messages; the rules themselves are the services' tests."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from care_portal.bureau import liste, services
from care_portal.bureau.agences import ANS, agence_de_region
from care_portal.bureau.models import Affectation, Etiquette, EtiquetteDossier, FiltreEnregistre, Note, Suivi
from tests.candidatures.test_views import messages_de, se_connecter, texte
from tests.factories import EntiteJuridiqueFactory

from .donnees import Monde, deposee

pytestmark = pytest.mark.django_db

LISTE = reverse("bureau:dossiers")


@pytest.fixture
def m():
    return Monde.creer()


def _pks(r) -> list[int]:
    return [d.pk for d in r.context["page_obj"]]


def _vues(r) -> dict[str, int]:
    return {v["code"]: v["nombre"] for v in r.context["vues"]}


# --- the list ---------------------------------------------------------------------------------------------

def test_la_liste_est_dans_le_menu_des_agents_seulement(client, m):
    se_connecter(client, m.ars)
    r = client.get(reverse("comptes:file_ars"))
    assert any(lien.url == LISTE for lien in r.context["interface"].navigation)
    client.logout()
    se_connecter(client, m.es)
    r = client.get(reverse("candidatures:mes_candidatures"))
    assert not any(lien.url == LISTE for lien in r.context["interface"].navigation)


def test_vues_et_leurs_comptes(client, m):
    autre = deposee(EntiteJuridiqueFactory(dep="33"), m.appel)
    services.affectation_prendre(dossier=m.dossier, acteur=m.ars)
    services.suivi_ajouter(dossier=autre, acteur=m.ars)
    services.affectation_prendre(dossier=autre, acteur=m.ans)  # the ANS's assignee: not the ARS's
    se_connecter(client, m.ars)
    r = client.get(LISTE)
    assert r.status_code == 200
    assert _vues(r) == {"tous": 2, "miens": 1, "suivis": 1, "non_affectes": 1}
    assert set(_pks(r)) == {m.dossier.pk, autre.pk}
    assert _pks(client.get(LISTE + "?vue=miens")) == [m.dossier.pk]
    assert _pks(client.get(LISTE + "?vue=suivis")) == [autre.pk]
    assert _pks(client.get(LISTE + "?vue=non_affectes")) == [autre.pk]
    html = texte(r)
    for libelle in ("Tous (2)", "Mes dossiers (1)", "Suivis (1)", "Non affectés (1)"):
        assert libelle in html
    client.logout()
    se_connecter(client, m.ans)
    r = client.get(LISTE)
    assert _vues(r) == {"tous": 3, "miens": 1, "suivis": 0, "non_affectes": 2}  # both regions, ANS's own


def test_filtres_etape_etiquette_agent_region(client, m):
    from candidatures.models import Candidature

    complete = deposee(EntiteJuridiqueFactory(dep="33"), m.appel)
    Candidature.objects.filter(pk=complete.pk).update(etat=Candidature.Etat.COMPLETE)
    e = services.etiquette_creer(agence=agence_de_region(m.dossier.region_instructrice), libelle="À relancer",
                                 couleur="yellow-moutarde", acteur=m.ars)
    services.etiquette_poser(dossier=m.dossier, etiquette=e, acteur=m.ars)
    services.affectation_affecter(dossier=complete, agent=m.ars2, acteur=m.ars)
    se_connecter(client, m.ars)
    r = client.get(LISTE)
    options = {o.valeur: o.nombre for o in r.context["choix"].etapes}
    assert options["instruction"] == 1 and options["convention"] == 1
    assert options["instruction|Déposée"] == 1
    assert _pks(client.get(LISTE + "?etape=instruction")) == [m.dossier.pk]
    assert _pks(client.get(LISTE + "?etape=convention")) == [complete.pk]
    assert _pks(client.get(LISTE + "?etape=instruction|Rejetée")) == []
    assert _pks(client.get(LISTE + f"?etiquette={e.pk}")) == [m.dossier.pk]
    assert _pks(client.get(LISTE + f"?agent={m.ars2.pk}")) == [complete.pk]
    assert _pks(client.get(LISTE + "?agent=aucun")) == [m.dossier.pk]
    assert _pks(client.get(LISTE + "?agent=moi")) == []
    # the ANS filters by region
    client.logout()
    se_connecter(client, m.ans)
    idf = m.dossier_idf.region_instructrice_id
    assert _pks(client.get(LISTE + f"?region={idf}")) == [m.dossier_idf.pk]
    r = client.get(LISTE + "?q=saint-eloi&etape=instruction")
    assert _pks(r) == [m.dossier_idf.pk]


@pytest.mark.parametrize("requete", ["vue=nimporte", "etape=inconnue", "etiquette=abc", "etiquette=99999",
                                     "agent=123456789", "region=x", "tri=pirate", "page=zzz", "colonnes=pirate",
                                     "q=" + "%25" * 300])
def test_une_valeur_invalide_ne_casse_pas_la_liste(client, m, requete):
    se_connecter(client, m.ars)
    r = client.get(LISTE + "?" + requete)
    assert r.status_code == 200
    assert m.dossier.pk in _pks(r) or requete.startswith(("etape=", "q="))


def test_colonnes_choisies_et_ligne_du_dossier(client, m):
    services.affectation_prendre(dossier=m.dossier, acteur=m.ars)
    services.note_ajouter(dossier=m.dossier, texte="Une note", acteur=m.ars)
    e = services.etiquette_creer(agence=agence_de_region(m.dossier.region_instructrice), libelle="Prioritaire",
                                 couleur="green-menthe", acteur=m.ars)
    services.etiquette_poser(dossier=m.dossier, etiquette=e, acteur=m.ars)
    se_connecter(client, m.ars)
    r = client.get(LISTE + "?colonnes=affectation&colonnes=etiquettes&colonnes=notes&colonnes=region")
    assert [c for c, _ in r.context["colonnes"]] == ["affectation", "etiquettes", "notes", "region"]
    html = texte(r)
    assert "Agathe Arsène (vous)" in html and 'fr-tag--green-menthe">Prioritaire' in html
    assert "<th scope=\"col\">Notes</th>" in html and "Nouvelle-Aquitaine" in html
    assert "<th scope=\"col\">FINESS</th>" not in html  # not chosen
    ligne = next(d for d in r.context["page_obj"] if d.pk == m.dossier.pk)
    assert (ligne.bureau_agent, ligne.bureau_notes, ligne.bureau_etape, ligne.bureau_etat) == (
        m.ars, 1, "Instruction par l'ARS", "Déposée")


def test_le_formulaire_des_actions_groupees(client, m):
    se_connecter(client, m.ars)
    r = client.get(LISTE + "?vue=tous&q=sainte")
    html = r.content.decode()
    assert 'id="bureau-actions"' in html and 'method="post"' in html
    assert f'name="dossiers" value="{m.dossier.pk}"' in html
    assert 'name="retour" value="/bureau/dossiers/?vue=tous&amp;q=sainte"' in html
    try:
        url = reverse("bureau:actions_confirmer")
    except Exception:  # noqa: BLE001 — the bulk actions' view is another part of the issue
        url = None
    if url:
        assert f'action="{url}"' in html
        codes = [a.code for a in r.context["actions"]]
        if codes:
            assert 'name="action"' in html and all(f'value="{c}"' in html for c in codes)


def test_pagination_avec_les_comptes(client, m, settings):
    ej = [EntiteJuridiqueFactory(dep="33") for _ in range(liste.TAILLE_PAGE + 2)]
    for e in ej:
        deposee(e, m.appel)
    se_connecter(client, m.ars)
    r = client.get(LISTE + "?colonnes=finess")
    assert r.context["page_obj"].paginator.count == liste.TAILLE_PAGE + 3
    assert len(_pks(r)) == liste.TAILLE_PAGE
    html = texte(r)
    assert f"Dossiers 1 à {liste.TAILLE_PAGE} sur {liste.TAILLE_PAGE + 3}." in html
    assert "colonnes=finess&page=2" in html
    r = client.get(LISTE + "?colonnes=finess&page=2")
    assert len(_pks(r)) == 3


# --- saved filters ----------------------------------------------------------------------------------------

def test_enregistrer_un_filtre_et_son_compte(client, m):
    services.affectation_prendre(dossier=m.dossier, acteur=m.ars)
    se_connecter(client, m.ars)
    r = client.post(reverse("bureau:filtre_enregistrer"), {"nom": "Mes dossiers déposés",
                                                           "requete": "vue=miens&etape=instruction&page=4",
                                                           "colonnes": ["etat", "notes"]})
    f = FiltreEnregistre.objects.get(agent=m.ars)
    assert (f.requete, f.colonnes) == ("vue=miens&etape=instruction", ["etat", "notes"])
    assert r.status_code == 302 and r["Location"].endswith("?vue=miens&etape=instruction&colonnes=etat&colonnes=notes")
    r = client.get(r["Location"])
    (ligne,) = r.context["filtres"]
    assert ligne.nombre == 1 and ligne.actif
    assert "Mes dossiers déposés (1)" in texte(r)
    r = client.post(reverse("bureau:filtre_enregistrer"), {"nom": "", "requete": ""}, follow=True)
    assert "Donnez un nom au filtre." in messages_de(r)
    client.post(reverse("bureau:filtre_supprimer", args=[f.pk]))
    assert not FiltreEnregistre.objects.exists()


# --- exports ----------------------------------------------------------------------------------------------

def test_export_csv_du_filtre_avec_formules_neutralisees(client, m):
    from care_portal.referentiel.models import EntiteJuridique

    EntiteJuridique.objects.filter(pk=m.dossier.entite_juridique_id).update(raison_sociale='=HYPERLINK("x")')
    services.affectation_prendre(dossier=m.dossier, acteur=m.ars)
    se_connecter(client, m.ars)
    r = client.get(reverse("bureau:exporter") + "?format=csv&colonnes=finess&colonnes=affectation&colonnes=etape")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    lignes = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert lignes[0] == ["N° de dossier", "Structure", "FINESS", "Affecté à", "Étape"]
    assert lignes[1] == [str(m.dossier.pk), "'=HYPERLINK(\"x\")", m.dossier.entite_juridique.finess, "Agathe Arsène",
                         "Instruction par l'ARS"]
    assert len(lignes) == 2  # the ARS's region only


def test_export_xlsx_de_toute_la_liste_filtree(client, m):
    from openpyxl import load_workbook

    for _ in range(3):
        deposee(EntiteJuridiqueFactory(dep="75"), m.appel)
    se_connecter(client, m.ans)
    r = client.get(reverse("bureau:exporter") + f"?format=xlsx&region={m.dossier_idf.region_instructrice_id}")
    assert r.status_code == 200
    feuille = load_workbook(io.BytesIO(r.content)).active
    rangs = list(feuille.iter_rows(values_only=True))
    assert rangs[0][:2] == ("N° de dossier", "Structure") and len(rangs) == 1 + 4
    assert client.get(reverse("bureau:exporter") + "?format=pdf").status_code == 302


# --- the labels page --------------------------------------------------------------------------------------

def test_page_des_etiquettes(client, m):
    se_connecter(client, m.ars)
    r = client.post(reverse("bureau:etiquettes"), {"libelle": "Audit à revoir", "couleur": "purple-glycine"})
    assert r.status_code == 302
    e = Etiquette.objects.get()
    assert e.region_id == m.dossier.region_instructrice_id
    r = client.post(reverse("bureau:etiquettes"), {"libelle": "audit à revoir", "couleur": "purple-glycine"})
    assert r.status_code == 400 and "existe déjà" in texte(r)
    r = client.post(reverse("bureau:etiquettes"), {"libelle": "Autre", "couleur": "rouge-vif"})
    assert r.status_code == 400 and "Choisissez une couleur dans la liste." in texte(r)
    client.post(reverse("bureau:etiquette_modifier", args=[e.pk]), {"libelle": "Audit", "couleur": "blue-cumulus"})
    e.refresh_from_db()
    assert (e.libelle, e.couleur) == ("Audit", "blue-cumulus")
    r = client.get(reverse("bureau:etiquettes"))
    assert 'fr-tag--blue-cumulus">Audit' in texte(r)
    client.post(reverse("bureau:etiquette_supprimer", args=[e.pk]))
    assert not Etiquette.objects.exists()
    client.logout()
    se_connecter(client, m.ans)
    client.post(reverse("bureau:etiquettes"), {"libelle": "Contrôle sur site", "couleur": "green-bourgeon"})
    assert Etiquette.objects.get().region_id is None  # the ANS's


# --- the panel's views ------------------------------------------------------------------------------------

def test_panneau_prendre_affecter_suivre_noter_etiqueter(client, m, django_capture_on_commit_callbacks):
    e = services.etiquette_creer(agence=agence_de_region(m.dossier.region_instructrice), libelle="Complet ?",
                                 couleur="brown-caramel", acteur=m.ars)
    se_connecter(client, m.ars)
    detail = reverse("candidatures:detail", args=[m.dossier.pk])
    pk = m.dossier.pk
    r = client.post(reverse("bureau:prendre", args=[pk]), {"retour": detail + "#bureau"})
    assert r.status_code == 302 and r["Location"] == detail + "#bureau"
    assert Affectation.objects.get().agent == m.ars
    r = client.post(reverse("bureau:affecter", args=[pk]), {"agent": m.ars2.pk}, follow=True)
    assert "Dossier affecté à Bruno Bordes." in messages_de(r)
    r = client.post(reverse("bureau:affecter", args=[pk]), {"agent": m.ars_idf.pk}, follow=True)
    assert "On n'affecte un dossier qu'à un agent de votre agence." in messages_de(r)
    assert Affectation.objects.get().agent == m.ars2
    client.post(reverse("bureau:suivre", args=[pk]))
    assert Suivi.objects.filter(agent=m.ars, dossier=m.dossier).exists()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("bureau:note_ajouter", args=[pk]), {"texte": "À voir avec l'ANS",
                                                                    "mentions": [m.ans.pk]}, follow=True)
    assert "Note ajoutée. 1 collègue prévenu." in messages_de(r)
    assert list(Note.objects.get().mentions.all()) == [m.ans]
    r = client.post(reverse("bureau:note_ajouter", args=[pk]), {"texte": "Mention interdite",
                                                                "mentions": [m.es.pk]}, follow=True)
    assert "On ne mentionne que des agents qui voient ce dossier." in messages_de(r)
    r = client.post(reverse("bureau:note_ajouter", args=[pk]), {"texte": "   "}, follow=True)
    assert "Écrivez la note avant de l'enregistrer." in messages_de(r)
    assert Note.objects.count() == 1
    client.post(reverse("bureau:etiquette_poser", args=[pk]), {"etiquette": e.pk})
    assert EtiquetteDossier.objects.filter(dossier=m.dossier, etiquette=e).exists()
    r = client.post(reverse("bureau:etiquette_poser", args=[pk]), {"etiquette": "abc"}, follow=True)
    assert r.status_code == 200 and messages_de(r)
    client.post(reverse("bureau:etiquette_retirer", args=[pk]), {"etiquette": e.pk})
    assert not EtiquetteDossier.objects.exists()
    client.post(reverse("bureau:desaffecter", args=[pk]))
    assert Affectation.objects.get().agent is None
    client.post(reverse("bureau:ne_plus_suivre", args=[pk]))
    assert not Suivi.objects.exists()


def test_retour_vers_un_autre_site_refuse(client, m):
    se_connecter(client, m.ars)
    r = client.post(reverse("bureau:suivre", args=[m.dossier.pk]), {"retour": "https://pirate.example/"})
    assert r["Location"] == reverse("candidatures:detail", args=[m.dossier.pk]) + "#bureau"
    r = client.post(reverse("bureau:suivre", args=[m.dossier.pk]), {"retour": "//pirate.example/x"})
    assert r["Location"].startswith("/candidatures/")


def test_les_vues_du_panneau_n_acceptent_que_post(client, m):
    se_connecter(client, m.ars)
    assert client.get(reverse("bureau:prendre", args=[m.dossier.pk])).status_code == 405


def test_l_ans_agit_pour_l_ans(client, m):
    services.etiquette_creer(agence=ANS, libelle="Contrôle prioritaire", couleur="pink-macaron", acteur=m.ans)
    se_connecter(client, m.ans)
    client.post(reverse("bureau:affecter", args=[m.dossier_idf.pk]), {"agent": m.ans2.pk})
    a = Affectation.objects.get()
    assert (a.region_id, a.agent) == (None, m.ans2)
