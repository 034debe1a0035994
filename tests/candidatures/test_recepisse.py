"""The récépissé de dépôt: generated once per submission (even when its task runs twice, or twice at
once), a real PDF kept as a locked document of the candidature, stating the submission date in
Paris time and the SHA-256 of each document as it stood at that submission."""

from __future__ import annotations

import datetime
import hashlib
import threading

import pytest
from django.core.files.storage import default_storage
from django.http import Http404

from candidatures import recepisse, selectors, services, tasks
from candidatures.models import Candidature, Recepisse
from care_portal.documents import selectors as documents_selectors
from care_portal.documents import services as documents_services
from care_portal.documents.models import Document
from care_portal.referentiel.models import StatutJuridique
from care_portal.workflow.services import WorkflowError
from tests.factories import AppelFactory, EntiteJuridiqueFactory, EtablissementGeographiqueFactory

from . import donnees
from .donnees import codes_du_journal, completer, fichiers_stockes, rafraichir

pytestmark = pytest.mark.django_db


def pdf_unique(texte: str, nom: str):
    """A real PDF of its own (its own SHA-256)."""
    import weasyprint

    return donnees.pdf(nom, weasyprint.HTML(string=f"<h1>{texte}</h1>").write_pdf())


@pytest.fixture
def ej():
    ej = EntiteJuridiqueFactory(statut=StatutJuridique.PRIVE_LUCRATIF, raison_sociale="Clinique des Cèdres")
    EtablissementGeographiqueFactory(entite_juridique=ej, raison_sociale="Clinique des Cèdres — site Nord")
    return ej


@pytest.fixture
def referent(ej):
    return donnees.referent(ej)


@pytest.fixture
def ars():
    return donnees.ars("33")


@pytest.fixture
def complete(ej, referent):
    """A complete draft whose perimeter line gives its five proofs, each a distinct PDF."""
    c = services.candidature_creer(structure=ej, appel=AppelFactory(), acteur=referent)
    services.candidature_enregistrer(candidature=c, acteur=referent, donnees=donnees.CHAMPS_COMPLETS)
    documents_services.document_deposer(fichier=pdf_unique("RIB", "rib.pdf"), acteur=referent, proprietaire=c,
                                        categorie="rib")
    ligne = c.perimetre.get()
    for categorie in ("pssi", "procedure_incidents", "organigramme_rssi", "attestation_rdv_rssi",
                      "attestation_audit_exposition"):
        documents_services.document_deposer(fichier=pdf_unique(categorie, f"{categorie}.pdf"), acteur=referent,
                                            proprietaire=ligne, categorie=categorie)
    services.perimetre_dater_audit(ligne=ligne, acteur=referent, date_audit=datetime.date.today() - datetime.timedelta(days=90))
    return rafraichir(c)


@pytest.fixture
def deposee(complete, referent, ars, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.candidature_deposer(candidature=complete, acteur=referent)
    return rafraichir(complete)


def octets(document: Document) -> bytes:
    with default_storage.open(document.cle_stockage, "rb") as flux:
        return flux.read()


def texte_du_pdf(contenu: bytes, c: Candidature, depot: datetime.datetime) -> tuple[str, int]:
    """The receipt's text and page count: read from the PDF with pypdf when it is installed; else
    from WeasyPrint's layout of the same receipt (the boxes that become the PDF's text)."""
    try:
        import pypdf
    except ImportError:
        pypdf = None
    if pypdf is not None:
        import io

        lecteur = pypdf.PdfReader(io.BytesIO(contenu))
        return "".join(page.extract_text() for page in lecteur.pages), len(lecteur.pages)

    def textes(boite):
        if getattr(boite, "text", None):
            yield boite.text
        for enfant in getattr(boite, "children", None) or []:
            yield from textes(enfant)

    document = recepisse.rendre(c, depot)
    return " ".join(t for page in document.pages for t in textes(page._page_box)), len(document.pages)


def sans_blancs(texte: str) -> str:
    return "".join(texte.split())


# --- once per submission ---------------------------------------------------------------------------------

def test_genere_au_depot_une_seule_fois_meme_si_la_tache_tourne_deux_fois(deposee, stockage):
    premier = Recepisse.objects.get(candidature=deposee)
    fichiers = fichiers_stockes(stockage)
    assert premier.depot == deposee.deposee_le
    # the task again (a redelivery), then with the same instant written in Paris time
    assert tasks.generer_recepisse_task.delay(deposee.pk, deposee.deposee_le.isoformat()).get() == \
        str(premier.document_id)
    heure_paris = deposee.deposee_le.astimezone(recepisse.PARIS).isoformat()
    assert recepisse.generer_recepisse(candidature_id=deposee.pk, depot_iso=heure_paris) == str(premier.document_id)
    assert Recepisse.objects.filter(candidature=deposee).count() == 1
    assert Document.objects.filter(categorie="recepisse").count() == 1
    assert codes_du_journal(deposee).count("candidatures.candidature.recepisse_genere") == 1
    assert fichiers_stockes(stockage) == fichiers  # nothing stored by the second runs


def test_le_second_passage_concurrent_efface_son_fichier_et_rend_le_premier(deposee, stockage, monkeypatch):
    """The race the lock and the unique constraint close: both runs passed the first lookup."""
    premier = Recepisse.objects.get(candidature=deposee)
    avant = fichiers_stockes(stockage)
    monkeypatch.setattr(recepisse, "_recepisse_existant", lambda *args: None)  # as if not yet there, twice
    assert recepisse.generer_recepisse(candidature_id=deposee.pk, depot_iso=deposee.deposee_le.isoformat()) == \
        str(premier.document_id)
    assert Recepisse.objects.count() == 1 and Document.objects.filter(categorie="recepisse").count() == 1
    assert fichiers_stockes(stockage) == avant


def test_candidature_inconnue(stockage):
    assert recepisse.generer_recepisse(candidature_id=999_999, depot_iso="2027-01-10T10:00:00+00:00") is None
    assert not fichiers_stockes(stockage)


# --- a real PDF with the SHA-256 of each document --------------------------------------------------------

def test_un_vrai_pdf_verrouille_depose_par_le_portail_avec_chaque_empreinte(deposee, ej):
    r = Recepisse.objects.select_related("document").get(candidature=deposee)
    doc = r.document
    contenu = octets(doc)
    assert contenu.startswith(b"%PDF-") and contenu.rstrip().endswith(b"%%EOF")
    assert hashlib.sha256(contenu).hexdigest() == doc.sha256 and len(contenu) == doc.taille
    assert (doc.type_mime, doc.categorie, doc.depose_par, doc.verrouille) == ("application/pdf", "recepisse", None,
                                                                              True)
    assert doc.proprietaire == deposee
    assert doc.nom_original.startswith(f"recepisse-depot-{ej.finess}-") and doc.nom_original.endswith(".pdf")

    texte, pages = texte_du_pdf(contenu, deposee, r.depot)
    assert pages >= 1
    compact = sans_blancs(texte)
    pieces = [d for d in selectors.documents_de(deposee) if d.categorie != "recepisse"]
    assert len(pieces) == 6 and len({d.sha256 for d in pieces}) == 6
    for d in pieces:
        assert d.sha256 in compact, d.nom_original
        assert sans_blancs(d.nom_original) in compact
    depot = r.depot.astimezone(recepisse.PARIS)
    for attendu in ("Récépissé de dépôt de candidature", ej.finess, "Clinique des Cèdres — site Nord",
                    "ES privé à but lucratif", "ARS Nouvelle-Aquitaine", f"{depot:%H:%M:%S}", "Rachida Rssi",
                    f"Page 1 sur {pages}"):
        assert sans_blancs(attendu) in compact, attendu
    assert "FR7630006000011234567890189" not in compact  # the IBAN is masked


def test_la_date_est_celle_de_paris(complete, referent, monkeypatch):
    # 10 January 2027, 23:30 UTC = 11 January, 00:30 in Paris
    instant = datetime.datetime(2027, 1, 10, 23, 30, tzinfo=datetime.UTC)
    appel = complete.appel
    appel.candidature_debut, appel.candidature_fin = datetime.date(2027, 1, 1), datetime.date(2027, 1, 31)
    appel.save()
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: instant)
    services.candidature_deposer(candidature=complete, acteur=referent)
    c = rafraichir(complete)
    assert c.deposee_le == instant
    contexte = recepisse.contexte_recepisse(c, instant)
    assert (contexte["depot"].date(), contexte["depot"].hour) == (datetime.date(2027, 1, 11), 0)
    assert recepisse.nom_du_fichier(c, instant).endswith("-20270111-003000.pdf")
    html = recepisse.html_du_recepisse(c, instant)
    assert "lundi 11 janvier 2027" in html and "00:30:00" in html


def test_second_depot_apres_complement_son_propre_recepisse_avec_la_nouvelle_version(
        deposee, referent, ars, django_capture_on_commit_callbacks):
    services.candidature_demander_complement(candidature=deposee, acteur=ars, message="RIB illisible.")
    rib = next(d for d in selectors.documents_de(deposee) if d.categorie == "rib")
    v2 = documents_services.document_deposer(fichier=pdf_unique("RIB v2", "rib-lisible.pdf"), acteur=referent,
                                             proprietaire=deposee, categorie="rib", remplace=rib)
    with django_capture_on_commit_callbacks(execute=True):
        services.candidature_deposer(candidature=deposee, acteur=referent)
    c = rafraichir(deposee)
    premier, second = Recepisse.objects.filter(candidature=c).order_by("depot")
    assert second.depot == c.deposee_le > premier.depot == c.premiere_depose_le
    html_second = recepisse.html_du_recepisse(c, second.depot)
    assert v2.sha256 in html_second and rib.sha256 not in html_second
    assert "de nouveau déposée" in html_second
    html_premier = recepisse.html_du_recepisse(c, premier.depot)
    assert rib.sha256 in html_premier and v2.sha256 not in html_premier  # as it stood then
    assert premier.document.sha256 != second.document.sha256


def test_ajustement_et_motif_au_recepisse(ej, referent):
    c = services.candidature_creer(structure=ej, appel=AppelFactory(), acteur=referent)
    services.perimetre_ajuster(ligne=c.perimetre.get(), acteur=referent, activite="1234.5", inclus=True,
                               motif="Activité 2023 après ouverture du bloc.")
    completer(c, referent)
    services.candidature_deposer(candidature=c, acteur=referent)
    c = rafraichir(c)
    html = recepisse.html_du_recepisse(c, c.deposee_le)
    assert "ajustée — motif : Activité 2023 après ouverture du bloc." in html
    assert "1 234,50" in html.replace("\xa0", " ").replace("\u202f", " ")


# --- who may see it; nobody may forge it ---------------------------------------------------------------

def test_visible_par_l_etablissement_l_ars_et_l_ans_seulement(deposee, referent, ars, ej):
    doc = Recepisse.objects.get(candidature=deposee).document
    from care_portal.comptes.roles import Role

    for user in (referent, donnees.membre(Role.SIGNATAIRE_ES, ej), ars, donnees.ans()):
        assert documents_selectors.document_pour(user, doc.pk) == doc
    for user in (donnees.referent(EntiteJuridiqueFactory()), donnees.ars("75")):
        with pytest.raises(Http404):
            documents_selectors.document_pour(user, doc.pk)


def test_un_utilisateur_ne_peut_pas_deposer_un_recepisse(complete, referent):
    with pytest.raises(WorkflowError) as exc:
        documents_services.document_deposer(fichier=donnees.pdf("faux-recepisse.pdf"), acteur=referent,
                                            proprietaire=complete, categorie="recepisse")
    assert exc.value.code == "categorie"
    assert not Document.objects.filter(categorie="recepisse").exists()


def test_le_recepisse_ne_peut_etre_ni_remplace_ni_supprime(deposee, referent):
    doc = Recepisse.objects.get(candidature=deposee).document
    for action in (lambda: documents_services.document_supprimer(document=doc, acteur=referent),
                   lambda: documents_services.document_remplacer(document=doc, fichier=donnees.pdf(),
                                                                 acteur=referent)):
        with pytest.raises(WorkflowError) as exc:
            action()
        assert exc.value.code == "verrouille"


# --- PostgreSQL: two runs at the same moment --------------------------------------------------------------

@pytest.fixture(scope="module")
def donnees_des_migrations_rechargees(django_db_setup, django_db_blocker):
    """The transactional test below ends with a flush that also removes the rows of the data
    migrations (regions, départements, groups…); the transactional tests of other apps that run after
    it (Celery worker tests) expect them: put them back once this module is done."""
    yield
    from django.db import connection

    contenu = getattr(connection, "_test_serialized_contents", None)
    if contenu:
        with django_db_blocker.unblock():
            connection.creation.deserialize_db_from_string(contenu)


@pytest.mark.services("PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_deux_taches_simultanees_un_seul_recepisse(donnees_des_migrations_rechargees, stockage, monkeypatch):
    from django.db import connection

    ej = EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC)
    ref = donnees.referent(ej)
    c = services.candidature_creer(structure=ej, appel=AppelFactory(), acteur=ref)
    completer(c, ref)
    monkeypatch.setattr(tasks.generer_recepisse_task, "delay", lambda *args, **kwargs: None)  # not at commit
    services.candidature_deposer(candidature=c, acteur=ref)
    depot_iso = rafraichir(c).deposee_le.isoformat()

    depart = threading.Barrier(2)
    resultats, erreurs = [], []

    def generer():
        try:
            depart.wait(timeout=10)
            resultats.append(recepisse.generer_recepisse(candidature_id=c.pk, depot_iso=depot_iso))
        except Exception as exc:  # noqa: BLE001 — reported below
            erreurs.append(exc)
        finally:
            connection.close()

    fils = [threading.Thread(target=generer) for _ in range(2)]
    for f in fils:
        f.start()
    for f in fils:
        f.join(timeout=60)
    assert not erreurs
    assert len(resultats) == 2 and resultats[0] == resultats[1]
    assert Recepisse.objects.filter(candidature=c).count() == 1
    recepisses = Document.objects.filter(categorie="recepisse")
    assert recepisses.count() == 1
    assert len(fichiers_stockes(stockage)) == Document.objects.count()  # the loser's bytes were erased
