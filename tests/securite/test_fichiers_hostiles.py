"""Issue 18 « Hostile files »: the corpus of ``corpus.py`` pushed through every upload/import view
with the Django test client, as the role that may import — and through the import commands.

For every file: never a 500 (nor a traceback for a command), the refusal shown in French (the alert's
title and the parser's own sentence are on the page), nothing saved (rows counted before and after).
One test per import walks the whole corpus (the set-up is costly) and lists every file that failed.
"""

from __future__ import annotations

import datetime
import io
import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from care_portal.comptes.roles import Role
from care_portal.core import fichiers
from care_portal.workflow.models import TransitionLog
from declarations import bilan, bilan_xlsx, selectors
from declarations.models import LigneBilan
from paiement.confirmation import lire_confirmation
from paiement.imports import lire_plafonds
from paiement.models import GrilleMontantsPlafonds, LignePlafond, Paiement
from tests.candidatures.test_views import se_connecter, texte
from tests.comptes.helpers import creer_utilisateur_avec_role
from tests.factories import AppelFactory

from . import corpus

pytestmark = pytest.mark.django_db

XLSX = corpus.xlsx_hostiles()
CSV_PLAFONDS = corpus.csv_hostiles("plafonds")
CSV_CONFIRMATION = corpus.csv_hostiles("confirmation")


def test_le_corpus_compte_au_moins_cinquante_fichiers():
    tous = corpus.tous()
    assert len(tous) >= 50
    assert len({f.cas for f in tous}) == len(tous)


def _envoyer(client, url: str, champ: str, f: corpus.Fichier, **donnees):
    debut = time.monotonic()
    reponse = client.post(url, {champ: SimpleUploadedFile(f.nom, f.contenu), **donnees})
    return reponse, time.monotonic() - debut


def _verifier(echecs: list[str], f: corpus.Fichier, reponse, duree: float, attendus: list[str],
              avant: tuple, apres: tuple) -> None:
    page = texte(reponse)
    if not f.contenu:  # the form refuses an empty upload before the parser: « Le fichier soumis est vide. »
        attendus = ["vide"]
    if reponse.status_code != 400:
        echecs.append(f"{f.cas} : statut {reponse.status_code}")
    manquants = [a for a in attendus if a not in page]
    if manquants:
        echecs.append(f"{f.cas} : la page ne dit pas « {manquants[0][:120]} »")
    if avant != apres:
        echecs.append(f"{f.cas} : des lignes ont été enregistrées ({avant} → {apres})")
    if duree > 5:
        echecs.append(f"{f.cas} : {duree:.1f} s pour refuser le fichier")


# --- the bilan XLSX (declarations « importer », ES) -----------------------------------------------------------

@pytest.fixture
def declaration():
    from declarations import services
    from tests.declarations.donnees import candidature_signee

    c, referent, ars = candidature_signee()
    return services.declaration_creer(candidature=c, acteur=referent), referent


def test_import_du_bilan(client, declaration):
    d, referent = declaration
    se_connecter(client, referent)
    url = reverse("declarations:importer", args=[d.pk])
    contexte = selectors.contexte_bilan(d)
    echecs: list[str] = []
    for f in XLSX + [g for g in CSV_PLAFONDS if g.cas.endswith(("_nomme_csv", "_vide", "utf16_avec_bom"))]:
        avant = (LigneBilan.objects.count(), TransitionLog.objects.count())
        reponse, duree = _envoyer(client, url, "import-fichier", f)
        resultat = bilan_xlsx.lire(f.contenu, contexte)
        titre = "Le bilan n'a pas été importé" if resultat.fichier_refuse or not resultat.lignes else \
            "rien n'a été importé"
        _verifier(echecs, f, reponse, duree, [titre, resultat.erreurs[0]], avant,
                  (LigneBilan.objects.count(), TransitionLog.objects.count()))
        client.post(reverse("declarations:importer_annuler", args=[d.pk]))  # forget a pending partial import
    assert not echecs, "\n".join(echecs)


# --- the ceiling grid (paiement « plafonds », ANS administration) ---------------------------------------------

def test_import_de_la_matrice_des_plafonds(client):
    appel = AppelFactory()
    se_connecter(client, creer_utilisateur_avec_role(Role.ADMIN_ANS))
    url = reverse("paiement:plafonds")
    echecs: list[str] = []
    for f in XLSX + CSV_PLAFONDS:
        avant = (GrilleMontantsPlafonds.objects.count(), LignePlafond.objects.count())
        reponse, duree = _envoyer(client, url, "fichier", f, appel=appel.pk)
        erreurs = lire_plafonds(f.contenu, f.nom).erreurs
        # the form refuses a file over 2 MB before the parser (« Le fichier dépasse 2 Mo. »)
        attendus = ["Le fichier dépasse 2 Mo"] if len(f.contenu) > 2 * 1024 * 1024 else \
            ["rien n'a été importé", erreurs[0]]
        _verifier(echecs, f, reponse, duree, attendus, avant,
                  (GrilleMontantsPlafonds.objects.count(), LignePlafond.objects.count()))
    assert not echecs, "\n".join(echecs)


# --- the bank's confirmation (paiement « confirmation », ANS secretariat) -------------------------------------

@pytest.fixture
def ordonnance():
    """An ordered payment: a confirmation file naming it would pay it."""
    from tests.paiement.paiements import agent, controle_valide, ordonnance, paiement_de

    ctl, _, _ = controle_valide()
    return ordonnance(paiement_de(ctl), agent(), agent())


def test_import_de_la_confirmation_bancaire(client, ordonnance):
    from tests.paiement.paiements import agent

    se_connecter(client, agent())
    url = reverse("paiement:confirmation")
    echecs: list[str] = []
    for f in CSV_CONFIRMATION + [g for g in XLSX if "nomme" in g.cas or g.cas.startswith("bombe")]:
        avant = (Paiement.objects.filter(etat=Paiement.Etat.PAYE).count(), TransitionLog.objects.count())
        reponse, duree = _envoyer(client, url, "fichier", f)
        lecture = lire_confirmation(f.contenu, aujourd_hui=datetime.date.today()) if len(f.contenu) <= 2 * 1024 ** 2 \
            else None
        attendus = ["La confirmation n'a pas été importée"]
        attendus += [lecture.erreurs[0]] if lecture and lecture.erreurs else ["aucun paiement n'a été modifié"]
        _verifier(echecs, f, reponse, duree, attendus, avant,
                  (Paiement.objects.filter(etat=Paiement.Etat.PAYE).count(), TransitionLog.objects.count()))
    ordonnance.refresh_from_db()
    assert ordonnance.etat == Paiement.Etat.ORDONNANCE and not ordonnance.reference_bancaire
    assert not echecs, "\n".join(echecs)


# --- the perimeter of an exposure audit (objectifs « perimetre_importer », ES) ---------------------------------

def test_import_du_perimetre_d_exposition(client):
    from objectifs import imports, services
    from objectifs.models import ElementExpose
    from tests.objectifs.donnees import candidature_deposee, jours, lignes, pdf

    c, ref = candidature_deposee()
    audit = services.audit_exposition_ajouter(candidature=c, date=jours(-5), outil="silene", structures=lignes(c),
                                              vulnerabilites={}, rapport=pdf("expo.pdf"), acteur=ref)
    se_connecter(client, ref)
    url = reverse("objectifs:perimetre_importer", args=[c.pk, audit.pk])
    echecs: list[str] = []
    for f in CSV_PLAFONDS + [g for g in XLSX if "nomme" in g.cas or g.cas.startswith("bombe")]:
        avant = (ElementExpose.objects.count(),)
        reponse, duree = _envoyer(client, url, f"perimetre-{audit.pk}-fichier_csv", f)
        lecture = imports.lire_fichier(io.BytesIO(f.contenu))
        _verifier(echecs, f, reponse, duree, ["Le périmètre n'a pas été importé",
                                              lecture.erreurs[0] if lecture.erreurs else "Le périmètre est vide"],
                  avant, (ElementExpose.objects.count(),))
    assert not echecs, "\n".join(echecs)


# --- the commands -----------------------------------------------------------------------------------------

def test_commande_import_plafonds(tmp_path, capsys):
    appel = AppelFactory()
    echecs: list[str] = []
    for f in XLSX + CSV_PLAFONDS:
        chemin = tmp_path / f"{f.cas}{'.xlsx' if f.genre == 'xlsx' else '.csv'}"
        chemin.write_bytes(f.contenu)
        try:
            call_command("import_plafonds", str(chemin), "--appel", appel.code)
            echecs.append(f"{f.cas} : importé")
        except CommandError as exc:
            if "importé" not in str(exc) and "Mo" not in str(exc):
                echecs.append(f"{f.cas} : {exc}")
        except Exception as exc:  # noqa: BLE001 — any other exception is a traceback for the user
            echecs.append(f"{f.cas} : {type(exc).__name__} {exc}")
        sortie = capsys.readouterr()
        if "Traceback" in sortie.out + sortie.err:
            echecs.append(f"{f.cas} : trace Python affichée")
    assert not GrilleMontantsPlafonds.objects.exists()
    assert not echecs, "\n".join(echecs)


def test_commande_import_sunes(tmp_path, capsys):
    from candidatures.models import StructureSunes

    echecs: list[str] = []
    for f in CSV_PLAFONDS + [g for g in XLSX if "nomme" in g.cas]:
        chemin = tmp_path / f"{f.cas}.csv"
        chemin.write_bytes(f.contenu)
        try:
            call_command("import_sunes", str(chemin))
        except CommandError:
            pass
        except Exception as exc:  # noqa: BLE001
            echecs.append(f"{f.cas} : {type(exc).__name__} {exc}")
        capsys.readouterr()
    assert not StructureSunes.objects.exists()
    assert not echecs, "\n".join(echecs)


def test_commandes_finess_et_ght(tmp_path, capsys):
    from care_portal.referentiel.models import GHT, EtablissementGeographique

    echecs: list[str] = []
    for f in XLSX + [g for g in CSV_PLAFONDS if "nomme" in g.cas or "utf16" in g.cas or "champ" in g.cas]:
        chemin = tmp_path / f"{f.cas}{'.xlsx' if f.genre == 'xlsx' else '.csv'}"
        chemin.write_bytes(f.contenu)
        for commande in ("import_ght", "import_finess"):
            try:
                call_command(commande, str(chemin))
            except CommandError:
                pass
            except Exception as exc:  # noqa: BLE001
                echecs.append(f"{commande} {f.cas} : {type(exc).__name__} {exc}")
            capsys.readouterr()
    assert not GHT.objects.exists() and not EtablissementGeographique.objects.exists()
    assert not echecs, "\n".join(echecs)


# --- the shared gate, directly -----------------------------------------------------------------------------------

def test_la_bombe_est_refusee_sans_etre_decompressee():
    bombe = corpus.bombe_xlsx(3_000_000)
    debut = time.monotonic()
    with pytest.raises(fichiers.FichierRefuse) as refus:
        fichiers.lignes_xlsx(bombe, bilan_xlsx.LIMITES)
    assert time.monotonic() - debut < 2
    assert "taux de compression anormal" in refus.value.message or "trop volumineux" in refus.value.message


@pytest.mark.parametrize(("valeur", "motif"), [
    ("1e400", "démesuré"), ("-1e400", "démesuré"), ("inf", "fini"), ("-Infinity", "fini"), ("nan", "fini"),
    ("sNaN", "fini"), (float("inf"), "fini"), (float("nan"), "fini"), ("1,005", "plus de 2 décimales"),
    ("=1+1", "n'est pas un nombre"), (True, "n'est pas un nombre"),
])
def test_nombres_refuses(valeur, motif):
    nombre, raison = fichiers.nombre_decimal(valeur)
    assert nombre is None and motif in raison


def test_nombres_acceptes():
    assert fichiers.nombre_decimal("1 000 000,50 €") == (Decimal("1000000.50"), "")
    assert fichiers.nombre_decimal(12.5) == (Decimal("12.50"), "")
    assert fichiers.nombre_decimal("") == (None, "")


def test_un_classeur_normal_passe_la_porte():
    contexte = bilan.Contexte(debut=datetime.date(2023, 1, 1), fin=datetime.date(2025, 3, 28),
                              objectifs={"D1.O1.A": "Audits AD"})
    modele = bilan_xlsx.modele(contexte)
    assert fichiers.lignes_xlsx(modele, bilan_xlsx.LIMITES)[0][0] == "Objectif"
    assert fichiers.lignes_csv("a;b\n1;é\n".encode("cp1252"), fichiers.Limites()) == [["a", "b"], ["1", "é"]]
