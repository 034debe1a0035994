"""Plain helpers (not fixtures) shared by the candidature service tests: users of each side, a
complete dossier built through the services, real PDF files, and the storage of each test."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from candidatures import services
from candidatures.models import Candidature, StructureSunes
from care_portal.comptes.roles import Role
from care_portal.documents import services as documents_services
from care_portal.referentiel.models import Departement, Region
from care_portal.workflow.selectors import journal_de
from tests.comptes.helpers import creer_utilisateur_avec_role
from tests.documents import contenus

IBAN_VALIDE = "FR76 3000 6000 0112 3456 7890 189"
IBAN_CLE_FAUSSE = "FR76 3000 6000 0112 3456 7890 188"
BIC_VALIDE = "AGRIFRPP"  # Crédit agricole: the bank of IBAN_VALIDE (30006)
BIC_AUTRE_BANQUE = "BNPAFRPP"
CHAMPS_COMPLETS = {
    "referent_nom": "Rose Référente", "referent_email": "rose@ch-exemple.fr", "referent_telephone": "05 57 00 00 01",
    "dsi_nom": "Denis Dsi", "dsi_email": "dsi@ch-exemple.fr", "dsi_telephone": "05 57 00 00 02",
    "rssi_nom": "Rachida Rssi", "rssi_email": "rssi@ch-exemple.fr", "rssi_telephone": "05 57 00 00 03",
    "signataire_civilite": "madame", "signataire_nom": "Sylvie Directrice", "signataire_fonction": "Directrice générale",
    "signataire_email": "direction@ch-exemple.fr",
    "titulaire_compte": "Centre hospitalier d'exemple", "iban": IBAN_VALIDE, "bic": BIC_VALIDE,
}


def region(code_departement: str) -> Region:
    return Departement.objects.select_related("region").get(code=code_departement).region


def referent(structure, **champs):
    return creer_utilisateur_avec_role(Role.REFERENT_ES, structure=structure, **champs)


def membre(role: str, structure, **champs):
    return creer_utilisateur_avec_role(role, structure=structure, **champs)


def ars(code_departement: str = "33", **champs):
    return creer_utilisateur_avec_role(Role.REFERENT_ARS, region=region(code_departement), **champs)


def ans(role: str = Role.CONTROLEUR_ANS, **champs):
    return creer_utilisateur_avec_role(role, **champs)


def pdf(nom: str = "piece.pdf", contenu: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(nom, contenus.pdf() if contenu is None else contenu, content_type="application/pdf")


def rafraichir(c: Candidature) -> Candidature:
    return Candidature.objects.get(pk=c.pk)


def sunes(c: Candidature) -> None:
    """Every structure of the perimeter on the published SUN-ES list: no proof to give."""
    for ligne in c.perimetre.all():
        StructureSunes.objects.get_or_create(finess=ligne.finess)


def completer(c: Candidature, acteur, *, champs: dict | None = None, rib: bool = True, prerequis: bool = True):
    """Fill every section through the services: the fields, the RIB (and, for a GHT, the convention
    constitutive), and the prerequisites (the perimeter on the SUN-ES list)."""
    services.candidature_enregistrer(candidature=c, acteur=acteur, donnees=champs or CHAMPS_COMPLETS)
    if prerequis:
        sunes(c)
    if rib:
        documents_services.document_deposer(fichier=pdf("rib.pdf"), acteur=acteur, proprietaire=c, categorie="rib")
    if c.est_ght:
        documents_services.document_deposer(fichier=pdf("convention.pdf"), acteur=acteur, proprietaire=c,
                                            categorie="convention_constitutive")
    return rafraichir(c)


def deposer(c: Candidature, acteur) -> Candidature:
    completer(c, acteur)
    services.candidature_deposer(candidature=c, acteur=acteur)
    return rafraichir(c)


def codes_du_journal(obj) -> list[str]:
    return list(journal_de(obj).order_by("cree_le", "id").values_list("code", flat=True))


def dernier(obj, code: str):
    return journal_de(obj).filter(code=code).order_by("-cree_le", "-id").first()


def fichiers_stockes(media: Path) -> list[str]:
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


def stockage_prive(settings, tmp_path) -> Path:
    """A FileSystemStorage of the test's own, and no antivirus."""
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}},
    }
    settings.CLAMD_SOCKET = ""
    settings.CLAMD_HOST = ""
    return media


def instant_paris(annee: int, mois: int, jour: int, h: int, m: int, s: int = 0) -> datetime.datetime:
    from zoneinfo import ZoneInfo

    return datetime.datetime(annee, mois, jour, h, m, s, tzinfo=ZoneInfo("Europe/Paris"))
