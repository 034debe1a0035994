"""seed_demo: the synthetic France (pure generator at scale 1, database writes at small scales)."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from care_portal.referentiel import demo
from care_portal.referentiel.categories import est_esms
from care_portal.referentiel.finess import departement_du_finess, est_valide
from care_portal.referentiel.models import (
    GHT,
    Departement,
    EntiteJuridique,
    EtablissementGeographique,
    Region,
    StatutJuridique,
)

PETITE = 0.05


@pytest.fixture(scope="module")
def pays() -> demo.PaysDemo:
    return demo.generer_pays()


def region_de(pays: demo.PaysDemo) -> dict[str, str]:
    return pays.region_des_departements()


# -- pure generator --------------------------------------------------------------------------------


def test_generation_deterministe():
    assert demo.generer_pays(2024, 0.2) == demo.generer_pays(2024, 0.2)
    autre = demo.generer_pays(7, 0.2)
    assert autre != demo.generer_pays(2024, 0.2)
    assert autre.entites[0].finess != demo.generer_pays(2024, 0.2).entites[0].finess


def test_generation_n_utilise_pas_le_generateur_global():
    import random

    random.seed(1)
    a = demo.generer_pays(2024, 0.1)
    random.seed(2)
    assert demo.generer_pays(2024, 0.1) == a


def test_generation_identique_d_un_processus_a_l_autre():
    """Nothing depends on hash randomisation (set order) nor on the process: two interpreters with
    different PYTHONHASHSEED draw the same country."""
    script = (
        "import django, hashlib; django.setup(); "
        "from care_portal.referentiel.demo import generer_pays; "
        "print(hashlib.sha256(repr(generer_pays(2024, 0.1)).encode()).hexdigest())"
    )
    racine = Path(__file__).resolve().parents[2]
    empreintes = set()
    for graine_hash in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": graine_hash,
               "DJANGO_SETTINGS_MODULE": "care_portal.settings.test"}
        sortie = subprocess.run([sys.executable, "-c", script], cwd=racine, env=env, capture_output=True,
                                text=True, check=True)
        empreintes.add(sortie.stdout.strip())
    attendue = hashlib.sha256(repr(demo.generer_pays(2024, 0.1)).encode()).hexdigest()
    assert empreintes == {attendue}


def test_echelle_1_dans_les_cibles(pays):
    assert 130 * 0.85 <= len(pays.ghts) <= 130 * 1.15
    assert 1500 * 0.85 <= len(pays.entites) <= 1500 * 1.15
    assert 3000 * 0.85 <= len(pays.etablissements) <= 3000 * 1.15


def test_repartition_des_statuts_proche_du_reel(pays):
    statuts = Counter(e.statut for e in pays.entites)
    n = len(pays.entites)
    assert 0.25 <= statuts[StatutJuridique.PUBLIC] / n <= 0.40
    assert 0.15 <= statuts[StatutJuridique.PRIVE_EBNL] / n <= 0.25
    assert 0.40 <= statuts[StatutJuridique.PRIVE_LUCRATIF] / n <= 0.55
    membres = {m for g in pays.ghts for m in g.membres}
    publics = [e for e in pays.entites if e.statut == StatutJuridique.PUBLIC]
    hors_ght = [e for e in publics if e.finess not in membres]
    assert 0 < len(hors_ght) <= 0.1 * len(publics)  # public EJ are mostly in a GHT (18 outside in 2024)
    # FINESS legal-status codes agree with the status (01–39 public, 40–69 EBNL, 70–99 lucratif)
    for e in pays.entites:
        code = int(e.statut_juridique_code)
        attendu = (StatutJuridique.PUBLIC if code < 40 else
                   StatutJuridique.PRIVE_EBNL if code < 70 else StatutJuridique.PRIVE_LUCRATIF)
        assert e.statut == attendu, e


def test_numeros_finess_valides_uniques_et_dans_leur_departement(pays):
    numeros = [e.finess for e in pays.entites] + [g.finess for g in pays.etablissements]
    assert len(numeros) == len(set(numeros))
    for e in pays.entites:
        assert est_valide(e.finess), e.finess
        assert departement_du_finess(e.finess) == e.departement, e
    for g in pays.etablissements:
        assert est_valide(g.finess), g.finess
        assert departement_du_finess(g.finess) == g.departement, g
    assert any(e.departement == "2A" for e in pays.entites)
    assert any(e.finess.startswith("9706") for e in pays.entites)  # Mayotte: 97 0 6


def test_siren_siret_valides(pays):
    sirens = [e.siren for e in pays.entites]
    assert len(sirens) == len(set(sirens))
    assert all(stdnum_siren.is_valid(s) for s in sirens)
    siren_de = {e.finess: e.siren for e in pays.entites}
    for g in pays.etablissements:
        assert stdnum_siret.is_valid(g.siret), g.siret
        assert g.siret[:9] == siren_de[g.finess_ej]


def test_etablissements_dans_les_departements_et_communes_de_leur_entite(pays):
    entites = {e.finess: e for e in pays.entites}
    for g in pays.etablissements:
        assert g.departement == entites[g.finess_ej].departement
        villes = dict(demo.COMMUNES[g.departement][1])
        assert g.commune in villes or g.code_postal[:2] in ("20", "97") or g.code_postal[:2] == g.departement
        assert len(g.code_postal) == 5


def test_chaque_region_a_des_ej_et_au_moins_un_ght(pays):
    petit = demo.generer_pays(2024, PETITE)
    for p in (pays, petit):
        regions = region_de(p)
        ej_par_region = Counter(regions[e.departement] for e in p.entites)
        ght_par_region = Counter(g.region for g in p.ghts)
        for code, _nom, _om, _deps in demo.REGIONS:
            assert ej_par_region[code] >= 4, code
            assert ght_par_region[code] >= 1, code


def test_ght_support_public_membre_et_le_plus_grand(pays):
    regions = region_de(pays)
    entites = {e.finess: e for e in pays.entites}
    transregionaux = 0
    codes = [g.code for g in pays.ghts]
    assert len(codes) == len(set(codes))
    for g in pays.ghts:
        assert g.code.split("-")[0] == demo.GHT_PAR_REGION[g.region][0]
        assert g.nom.startswith("GHT ")
        assert 3 <= len(g.membres) <= 15, g
        assert len(set(g.membres)) == len(g.membres)
        assert g.support in g.membres
        assert all(entites[m].statut == StatutJuridique.PUBLIC for m in g.membres)
        dans_region = [entites[m] for m in g.membres if regions[entites[m].departement] == g.region]
        assert entites[g.support] in dans_region
        assert entites[g.support].activite_combinee == max(e.activite_combinee for e in dans_region)
        transregionaux += len(g.membres) - len(dans_region)
    assert transregionaux == len(demo.MEMBRES_TRANSREGIONAUX)
    # an EJ belongs to one GHT at most
    tous = [m for g in pays.ghts for m in g.membres]
    assert len(tous) == len(set(tous))
    # CHU head their GHT
    chus = [e for e in pays.entites if e.statut_juridique_code == "15"]
    assert len(chus) >= 25
    supports = {g.support for g in pays.ghts}
    assert all(e.finess in supports for e in chus)


def test_activites_decimales_asymetriques(pays):
    for objet in (*pays.entites, *pays.etablissements):
        assert isinstance(objet.activite_combinee, Decimal)
        assert objet.activite_combinee.as_tuple().exponent == -2
        assert objet.activite_combinee >= 0
    par_ej: dict[str, Decimal] = {}
    for g in pays.etablissements:
        par_ej[g.finess_ej] = par_ej.get(g.finess_ej, Decimal("0")) + g.activite_combinee
    assert all(e.activite_combinee == par_ej[e.finess] for e in pays.entites)
    activites = sorted(e.activite_combinee for e in pays.entites)
    mediane = activites[len(activites) // 2]
    assert activites[-1] > 50 * mediane  # a CHU weighs far more than the typical EJ
    assert all(g.activite_combinee == 0 for g in pays.etablissements if g.categorie_code == "500")


def test_nombre_d_etablissements_par_entite(pays):
    par_ej = Counter(g.finess_ej for g in pays.etablissements)
    assert set(par_ej) == {e.finess for e in pays.entites}
    un_ou_deux = sum(1 for n in par_ej.values() if n <= 2)
    assert un_ou_deux >= 0.6 * len(pays.entites)
    for e in pays.entites:
        if e.statut_juridique_code == "15":  # CHU
            assert 5 <= par_ej[e.finess] <= 10


def test_categories_et_noms(pays):
    categories = Counter(g.categorie_code for g in pays.etablissements)
    assert {"101", "355", "106", "292", "365", "128", "109", "500"} <= set(categories)
    for g in pays.etablissements:
        libelle, agregee = demo.CATEGORIES[g.categorie_code]
        assert (g.categorie_libelle, g.categorie_agregee_code) == (libelle, agregee)
        assert est_esms(g.categorie_code, g.categorie_agregee_code) == (g.categorie_code == "500")
        if g.categorie_code == "500":
            assert g.raison_sociale.startswith("EHPAD ")
    noms = [e.raison_sociale for e in pays.entites]
    assert any(n.startswith("CHU de ") for n in noms)
    assert any(n.startswith("Centre hospitalier de ") or n.startswith("Centre hospitalier d'") for n in noms)
    noms_eg = [g.raison_sociale for g in pays.etablissements]
    for debut in ("Clinique ", "Polyclinique ", "Hôpital privé ", "Centre de soins de suite", "EHPAD "):
        assert any(n.startswith(debut) for n in noms_eg), debut
    # unique within a département
    assert len({(e.departement, e.raison_sociale) for e in pays.entites}) == len(pays.entites)
    assert len({(g.departement, g.raison_sociale) for g in pays.etablissements}) == len(pays.etablissements)


def test_echelle_proportionnelle():
    un = demo.generer_pays(2024, 1.0)
    demi = demo.generer_pays(2024, 0.5)
    double = demo.generer_pays(2024, 2.0)
    for attribut in ("entites", "etablissements", "ghts"):
        n = len(getattr(un, attribut))
        assert 0.4 * n <= len(getattr(demi, attribut)) <= 0.6 * n, attribut
        assert 1.8 * n <= len(getattr(double, attribut)) <= 2.2 * n, attribut
    petit = demo.generer_pays(2024, PETITE)
    assert len(petit.ghts) == 18  # one per region at least
    assert 55 <= len(petit.entites) <= 120  # ~75 asked, plus 3 public members per GHT at least


def test_echelle_invalide():
    with pytest.raises(ValueError):
        demo.generer_pays(2024, 0)


def test_donnees_des_communes():
    codes = {d for _c, _n, _om, deps in demo.REGIONS for d, _nom in deps}
    assert set(demo.COMMUNES) == codes
    assert len(codes) == 101
    for dep, (population, villes) in demo.COMMUNES.items():
        assert population > 0 and len(villes) >= 3, dep
        prefixe = "20" if dep in ("2A", "2B") else dep
        for commune, code_postal in villes:
            assert code_postal.startswith(prefixe) and len(code_postal) == 5, (dep, commune)
    for chus in demo.CHU_PAR_REGION.values():
        for dep, commune, _cp, _nom in chus:
            assert commune in {v for v, _ in demo.COMMUNES[dep][1]}, commune


def test_elisions():
    assert demo.de("Nevers") == "de Nevers"
    assert demo.de("Angers") == "d'Angers"
    assert demo.de("Le Mans") == "du Mans"
    assert demo.de("Les Sables-d'Olonne") == "des Sables-d'Olonne"
    assert demo.de("Hyères") == "d'Hyères"
    assert demo.de("Haguenau") == "de Haguenau"


def test_repartir():
    assert demo.repartir(5, {"a": 1, "b": 1, "c": 2}) == {"a": 1, "b": 1, "c": 3} or \
        sum(demo.repartir(5, {"a": 1, "b": 1, "c": 2}).values()) == 5
    assert demo.repartir(1, {"a": 10, "b": 1}, {"b": 1}) == {"a": 0, "b": 1}


# -- database --------------------------------------------------------------------------------------


def lignes_en_base() -> dict[str, list[tuple]]:
    """Every demo row without its id, keyed by business keys, comparable between two databases."""
    return {
        "ej": list(EntiteJuridique.objects.order_by("finess").values_list(
            "finess", "raison_sociale", "statut", "statut_juridique_code", "departement__code", "commune",
            "siren", "activite_combinee", "date_maj_finess")),
        "eg": list(EtablissementGeographique.objects.order_by("finess").values_list(
            "finess", "entite_juridique__finess", "raison_sociale", "raison_sociale_longue",
            "categorie_code", "categorie_libelle", "categorie_agregee_code", "departement__code", "commune",
            "code_postal", "siret", "activite_combinee", "date_maj_finess")),
        "ght": list(GHT.objects.order_by("code").values_list(
            "code", "nom", "region__code", "support__finess")),
        "membres": sorted(GHT.membres.through.objects.values_list("ght__code", "entitejuridique__finess")),
    }


def seed(**options) -> str:
    """Run seed_demo at a small scale; only the referentiel step unless told (other apps' steps
    have their own tests)."""
    options.setdefault("etapes", ["referentiel"])
    sortie = io.StringIO()
    call_command("seed_demo", scale=PETITE, stdout=sortie, **options)
    return sortie.getvalue()


@pytest.mark.django_db
def test_commande_ecrit_le_pays_et_resume_en_francais():
    sortie = seed()
    pays = demo.generer_pays(2024, PETITE)
    assert EntiteJuridique.objects.count() == len(pays.entites)
    assert EtablissementGeographique.objects.count() == len(pays.etablissements)
    assert GHT.objects.count() == len(pays.ghts)
    assert GHT.membres.through.objects.count() == sum(len(g.membres) for g in pays.ghts)
    assert "graine 2024, échelle 0.05" in sortie
    assert "Régions : 18 sur 18 pourvues" in sortie
    assert f"Entités juridiques : {len(pays.entites)} ({len(pays.entites)} créées, 0 mises à jour" in sortie
    assert "Établissements géographiques :" in sortie and "GHT :" in sortie


@pytest.mark.django_db
def test_commande_idempotente():
    seed()
    avant = lignes_en_base()
    sortie = seed()
    assert lignes_en_base() == avant
    n = len(avant["ej"])
    assert f"Entités juridiques : {n} (0 créées, 0 mises à jour, {n} inchangées)" in sortie
    assert "membres : 0 ajouté(s), 0 retiré(s)" in sortie


@pytest.mark.django_db
def test_deux_executions_donnent_les_memes_lignes():
    seed()
    premiere = lignes_en_base()
    GHT.membres.through.objects.all().delete()
    GHT.objects.all().delete()
    EtablissementGeographique.objects.all().delete()
    EntiteJuridique.objects.all().delete()
    seed()
    assert lignes_en_base() == premiere
    seed(seed=7)  # another seed adds another country beside it
    assert EntiteJuridique.objects.count() > len(premiere["ej"])


@pytest.mark.django_db
def test_relance_repare_les_ecarts():
    seed()
    avant = lignes_en_base()
    ej = EntiteJuridique.objects.order_by("finess").first()
    ej.raison_sociale = "Modifiée à la main"
    ej.save()
    ght = GHT.objects.order_by("code").first()
    intrus = EntiteJuridique.objects.exclude(ghts=ght).filter(statut=StatutJuridique.PRIVE_LUCRATIF).first()
    ght.membres.add(intrus)
    sortie = seed()
    assert lignes_en_base() == avant
    assert "1 mises à jour" in sortie
    assert "0 ajouté(s), 1 retiré(s)" in sortie


@pytest.mark.django_db
def test_coherence_en_base():
    seed()
    for eg in EtablissementGeographique.objects.select_related("departement", "entite_juridique"):
        assert est_valide(eg.finess)
        assert departement_du_finess(eg.finess) == eg.departement.code
        eg.full_clean()
    for ej in EntiteJuridique.objects.select_related("departement"):
        assert departement_du_finess(ej.finess) == ej.departement.code
    for region in Region.objects.all():
        assert EntiteJuridique.objects.filter(departement__region=region).count() >= 4, region
        assert region.ghts.exists(), region
    transregionaux = 0
    for ght in GHT.objects.select_related("support", "region").prefetch_related("membres__departement"):
        membres = list(ght.membres.all())
        assert ght.support in membres
        assert ght.support.statut == StatutJuridique.PUBLIC
        assert 3 <= len(membres) <= 15
        transregionaux += sum(1 for m in membres if m.departement.region_id != ght.region_id)
    assert transregionaux == 2
    assert Departement.objects.count() == 101  # untouched


@pytest.mark.django_db
def test_echelle_refusee():
    with pytest.raises(CommandError, match="échelle"):
        call_command("seed_demo", scale=0, stdout=io.StringIO())
    with pytest.raises(CommandError, match="Étape"):
        call_command("seed_demo", scale=PETITE, etapes=["inconnue"], stdout=io.StringIO())


@pytest.mark.django_db
def test_une_application_ajoute_son_etape():
    appels = []

    @demo.enregistrer_etape("essai", ordre=50)
    def etape_essai(contexte: demo.ContexteDemo) -> list[str]:
        appels.append((contexte.graine, len(contexte.pays.entites), contexte.rng("essai").random()))
        return ["Essai : fait."]

    try:
        sortie = seed(etapes=["referentiel", "essai"])
        sortie_bis = seed(etapes=["essai", "referentiel"])
        assert "[essai]" in sortie and "Essai : fait." in sortie
        assert sortie.index("[referentiel]") < sortie.index("[essai]")
        assert appels[0] == appels[1]  # same seed, same draws
        assert appels[0][1] == len(demo.generer_pays(2024, PETITE).entites)
        assert "Essai : fait." in sortie_bis
        appels.clear()
        seed(etapes=["referentiel"])
        assert appels == []
    finally:
        demo.ETAPES[:] = [e for e in demo.ETAPES if e.nom != "essai"]
