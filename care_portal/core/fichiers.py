"""Reading an uploaded spreadsheet (XLSX or CSV) without trusting it: the one gate every import uses.

A hostile file must cost little and end in one French sentence, never in a 500 or a traceback:

- **before parsing** an XLSX, the ZIP's central directory is checked (file size, member count, total
  uncompressed size, compression ratio of each large member): a zip bomb disguised as ``.xlsx`` is
  refused without inflating it;
- then every XML part is streamed in bounded chunks (its declared size already checked; Python's
  ``zipfile`` never inflates past it): a part that is not plain UTF-8 XML, or that holds a DTD
  (``<!DOCTYPE``, ``<!ENTITY`` — entity expansion, billion laughs, external entities) is refused, and
  the cells and rows of the worksheets are counted so that one enormous row cannot blow the memory
  nor a million empty rows cost seconds;
- only then openpyxl opens it, ``read_only=True``, and the rows are streamed, stopping at the row
  limit + 1 (the whole sheet is never materialised). openpyxl also parses through ``defusedxml``
  when it is installed (it is a dependency) — a second lock;
- a CSV is decoded with a clear message for a wrong encoding, read with a bounded field size and a
  bounded number of rows.

Every failure becomes ``FichierRefuse`` carrying its French message. ``nombre_decimal`` turns a cell
into a finite, reasonable ``Decimal`` or a French reason (``1e400``, ``inf``, ``nan`` are refused).
"""

from __future__ import annotations

import csv
import io
import logging
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

logger = logging.getLogger(__name__)

MESSAGE_PAS_XLSX = "Le fichier n'est pas un classeur Excel (.xlsx) lisible."
MESSAGE_SUSPECT = ("Le fichier a été refusé : son contenu ne correspond pas à un classeur Excel ordinaire "
                   "(structure suspecte). Enregistrez-le de nouveau depuis votre tableur.")
#: the largest amount or count an import accepts: far above any CaRE figure, far below what breaks Decimal
NOMBRE_MAX = Decimal("1e15")

_TAILLE_BLOC = 64 * 1024
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)
_CELLULE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_RANGEE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_CHEVAUCHEMENT = 32  # bytes kept between two chunks so that a tag split across them is still seen
_EXTENSIONS_XML = (".xml", ".rels", ".vml")


class FichierRefuse(Exception):
    """An uploaded file refused as a whole; ``message`` is the French sentence to show."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Limites:
    """The ceilings of one import. The defaults fit a business spreadsheet of a few thousand rows."""

    taille_max: int = 5 * 1024 * 1024  # bytes of the uploaded file
    lignes_max: int = 2000  # data rows (the header excluded)
    colonnes_max: int = 64  # used to bound the cells of an XLSX: (lignes_max + 1) × colonnes_max
    membres_max: int = 200  # members of the ZIP
    decompresse_max: int = 20 * 1024 * 1024  # total uncompressed bytes of the ZIP
    ratio_max: int = 100  # uncompressed / compressed, for members above ``ratio_seuil``
    ratio_seuil: int = 1024 * 1024
    champ_max: int = 10_000  # characters of one CSV field

    @property
    def cellules_max(self) -> int:
        return (self.lignes_max + 1) * self.colonnes_max

    @property
    def rangees_max(self) -> int:
        """``<row>`` elements, empty ones included (a row formatted but left blank): openpyxl walks
        each of them, so a million empty rows would cost seconds while weighing a few MB."""
        return 10 * (self.lignes_max + 1)


def _mo(octets: int) -> str:
    return f"{octets / (1024 * 1024):.0f} Mo" if octets >= 1024 * 1024 else f"{octets // 1024} Ko"


def verifier_taille(contenu: bytes, limites: Limites) -> None:
    if not contenu or not contenu.strip():
        raise FichierRefuse("Le fichier est vide.")
    if len(contenu) > limites.taille_max:
        raise FichierRefuse(f"Le fichier est trop volumineux ({_mo(len(contenu))}) : {_mo(limites.taille_max)} au plus.")


# --- XLSX -----------------------------------------------------------------------------------------------------

def _membres(archive: zipfile.ZipFile, limites: Limites) -> list[zipfile.ZipInfo]:
    """The directory's checks: nothing is inflated here."""
    membres = archive.infolist()
    if len(membres) > limites.membres_max:
        raise FichierRefuse(f"{MESSAGE_SUSPECT} (il contient {len(membres)} éléments compressés).")
    total = 0
    for m in membres:
        if m.flag_bits & 0x1:
            raise FichierRefuse("Le fichier est protégé par un mot de passe : enregistrez-le sans mot de passe.")
        total += m.file_size
        if m.file_size > limites.ratio_seuil and m.file_size > limites.ratio_max * max(m.compress_size, 1):
            raise FichierRefuse(f"{MESSAGE_SUSPECT} (taux de compression anormal : "
                                f"{m.file_size // max(m.compress_size, 1)} pour 1).")
    if total > limites.decompresse_max:
        raise FichierRefuse(f"Le classeur décompressé est trop volumineux ({_mo(total)}) : "
                            f"{_mo(limites.decompresse_max)} au plus. Retirez les images, onglets ou mises en forme "
                            "inutiles.")
    return membres


def _lire_partie(archive: zipfile.ZipFile, membre: zipfile.ZipInfo, compter: bool) -> tuple[int, int]:
    """Stream one XML part; raise on a DTD or a non UTF-8 part; return its count of cells and rows."""
    cellules = rangees = 0
    reste = b""
    debut = True
    with archive.open(membre) as flux:
        while bloc := flux.read(_TAILLE_BLOC):
            if debut:
                tete = bloc.lstrip(b"\xef\xbb\xbf").lstrip()
                if tete and not tete.startswith(b"<"):
                    # UTF-16, UTF-32, EBCDIC…: the DTD check below could not see through them.
                    raise FichierRefuse(f"{MESSAGE_SUSPECT} (encodage XML non pris en charge).")
                debut = False
            fenetre = reste + bloc
            if _DTD.search(fenetre):
                raise FichierRefuse("Le fichier a été refusé : il contient une déclaration de type de document (DTD) "
                                    "ou des entités XML, ce qu'un classeur Excel ordinaire ne contient jamais.")
            if compter:
                # a tag wholly inside the overlap was counted with the previous chunk
                cellules += len(_CELLULE.findall(fenetre)) - len(_CELLULE.findall(reste))
                rangees += len(_RANGEE.findall(fenetre)) - len(_RANGEE.findall(reste))
            reste = fenetre[-_CHEVAUCHEMENT:]
    return cellules, rangees


def verifier_xlsx(contenu: bytes, limites: Limites) -> None:
    """Refuse (``FichierRefuse``) a file that is not a safe, reasonably sized XLSX — before parsing it."""
    verifier_taille(contenu, limites)
    if not contenu.startswith(b"PK"):
        raise FichierRefuse(MESSAGE_PAS_XLSX)
    try:
        with zipfile.ZipFile(io.BytesIO(contenu)) as archive:
            membres = _membres(archive, limites)
            noms = {m.filename for m in membres}
            if "[Content_Types].xml" not in noms or not any(n.startswith("xl/") for n in noms):
                raise FichierRefuse(MESSAGE_PAS_XLSX)
            cellules = rangees = 0
            for m in membres:
                if m.is_dir() or not m.filename.lower().endswith(_EXTENSIONS_XML):
                    continue
                c, r = _lire_partie(archive, m, m.filename.startswith("xl/worksheets/"))
                cellules, rangees = cellules + c, rangees + r
                if cellules > limites.cellules_max:
                    raise FichierRefuse(f"Le classeur contient trop de cellules (plus de {limites.cellules_max}) : "
                                        f"{limites.lignes_max} lignes au plus.")
                if rangees > limites.rangees_max:
                    raise FichierRefuse(f"Le classeur contient trop de lignes, même vides (plus de "
                                        f"{limites.rangees_max}) : {limites.lignes_max} lignes au plus. Supprimez les "
                                        "lignes inutiles sous le tableau.")
    except FichierRefuse:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError,
            RuntimeError) as exc:  # truncated, bad CRC, unknown compression, encrypted…
        logger.debug("XLSX refusé à la vérification : %r", exc)
        raise FichierRefuse(MESSAGE_PAS_XLSX) from None


def lignes_xlsx(contenu: bytes, limites: Limites, *, feuille: str | None = None,
                valeurs_calculees: bool = True) -> list[tuple]:
    """The rows of the sheet ``feuille`` (default: the first one) as tuples of values, header included,
    after ``verifier_xlsx``. Streams with openpyxl ``read_only`` and stops at ``lignes_max`` + 1 data
    rows (``FichierRefuse``). With ``valeurs_calculees=False`` a formula reads as its text « =… ».
    Trailing empty rows are dropped."""
    from openpyxl import load_workbook

    verifier_xlsx(contenu, limites)
    lignes: list[tuple] = []
    try:
        wb = load_workbook(io.BytesIO(contenu), read_only=True, data_only=valeurs_calculees)
        try:
            ws = wb[feuille] if feuille and feuille in wb.sheetnames else wb.worksheets[0]
            ws.reset_dimensions()  # a forged <dimension> would make openpyxl pad millions of empty rows
            vides = 0
            for valeurs in ws.iter_rows(values_only=True, max_col=limites.colonnes_max):
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in valeurs):
                    vides += 1
                    continue
                fin = len(valeurs)
                while fin and valeurs[fin - 1] is None:  # openpyxl pads each row to max_col
                    fin -= 1
                lignes.extend([()] * vides)
                vides = 0
                lignes.append(tuple(valeurs[:fin]))
                if len(lignes) > limites.lignes_max + 1:
                    raise FichierRefuse(f"Le fichier compte plus de {limites.lignes_max} lignes : "
                                        f"{limites.lignes_max} au plus.")
        finally:
            wb.close()
    except FichierRefuse:
        raise
    except Exception as exc:  # noqa: BLE001 — openpyxl raises anything on a malformed part; never a 500
        logger.debug("XLSX refusé à la lecture : %r", exc)
        raise FichierRefuse(MESSAGE_PAS_XLSX) from None
    return lignes


# --- CSV ------------------------------------------------------------------------------------------------------

def decoder_texte(contenu: bytes, *, latin1: bool = True) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 / Latin-1 (a spreadsheet saved as CSV on Windows).
    UTF-16/32 and binary files (PDF, images…) are refused in French."""
    if contenu.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in contenu[:4096]:
        raise FichierRefuse("Le fichier n'est pas un texte CSV lisible (encodage UTF-16 ou fichier binaire) : "
                            "enregistrez-le au format « CSV UTF-8 ».")
    if contenu.startswith((b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff")):
        raise FichierRefuse("Le fichier n'est pas un fichier texte CSV (PDF, image ou classeur Excel) : "
                            "enregistrez-le au format « CSV UTF-8 ».")
    try:
        return contenu.decode("utf-8-sig")
    except UnicodeDecodeError:
        if not latin1:
            raise FichierRefuse("Le fichier n'est pas encodé en UTF-8 : enregistrez-le au format "
                                "« CSV UTF-8 ».") from None
    try:
        return contenu.decode("cp1252")
    except UnicodeDecodeError:
        return contenu.decode("latin-1")


def separateur(texte: str, candidats: str = ";,") -> str:
    """The candidate separator most frequent on the first line."""
    premiere = texte.split("\n", 1)[0]
    return max(candidats, key=premiere.count)


def lignes_csv(contenu: bytes, limites: Limites, *, delimiteur: str | None = None,
               latin1: bool = True) -> list[list[str]]:
    """The rows of a CSV (header included), each a list of strings, after the size, encoding, field
    size and row count checks (``FichierRefuse``)."""
    verifier_taille(contenu, limites)
    if _DTD.search(contenu[:1024]) or contenu.lstrip()[:14].lower().startswith((b"<!doctype html", b"<html")):
        raise FichierRefuse("Le fichier est une page web (HTML), pas un fichier CSV.")
    texte = decoder_texte(contenu, latin1=latin1)
    delimiteur = delimiteur or separateur(texte)
    lignes: list[list[str]] = []
    lecteur = csv.reader(io.StringIO(texte, newline=""), delimiter=delimiteur)
    # csv.field_size_limit() is process-wide (threads share it): keep its default (131 072) as the
    # parser's own guard and check our smaller limit on each row.
    try:
        for rangee in lecteur:
            if any(len(champ) > limites.champ_max for champ in rangee):
                raise FichierRefuse(f"Ligne {lecteur.line_num} : une valeur dépasse {limites.champ_max} caractères "
                                    "(guillemet non fermé ?).")
            if len(rangee) > limites.colonnes_max:
                raise FichierRefuse(f"Ligne {lecteur.line_num} : {len(rangee)} colonnes, {limites.colonnes_max} "
                                    "au plus.")
            lignes.append(rangee)
            if len(lignes) > limites.lignes_max + 1:
                raise FichierRefuse(f"Le fichier compte plus de {limites.lignes_max} lignes : "
                                    f"{limites.lignes_max} au plus.")
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise FichierRefuse(f"Ligne {lecteur.line_num} : une valeur dépasse {limites.champ_max} caractères "
                                "(guillemet non fermé ?).") from None
        raise FichierRefuse(f"Ligne {lecteur.line_num} : le fichier CSV est mal formé.") from None
    return lignes


# --- numbers --------------------------------------------------------------------------------------------------

def nombre_decimal(valeur, *, decimales: int | None = 2,
                   maximum: Decimal = NOMBRE_MAX) -> tuple[Decimal | None, str]:
    """A cell (number or text « 1 000,50 ») → (a finite Decimal with at most ``decimales`` decimals, "")
    or (None, the French reason: not a number, infinite, absurd, too many decimals). Empty → (None, "").
    ``decimales=None``: no check of the decimals."""
    if valeur is None or (isinstance(valeur, str) and not valeur.strip()):
        return None, ""
    if isinstance(valeur, bool):
        return None, f"« {valeur} » n'est pas un nombre"
    if isinstance(valeur, float):
        texte = repr(valeur)
    elif isinstance(valeur, int | Decimal):
        texte = str(valeur)
    else:
        texte = re.sub(r"[\s\u00a0\u202f€]", "", str(valeur)).replace(",", ".")
    montre = str(valeur).strip()[:40]
    try:
        nombre = Decimal(texte)
    except (InvalidOperation, ValueError):
        return None, f"« {montre} » n'est pas un nombre"
    if not nombre.is_finite():
        return None, f"« {montre} » n'est pas un nombre fini"
    if abs(nombre) > maximum:
        plafond = f"{maximum:,.2f}".replace(",", "\u202f").replace(".", ",").removesuffix(",00")
        return None, f"« {montre} » est un nombre démesuré (au plus {plafond})"
    if decimales is None:  # the caller checks the decimals with its own words
        return nombre, ""
    quantum = Decimal(1).scaleb(-decimales)
    try:
        arrondi = nombre.quantize(quantum)
    except InvalidOperation:
        return None, f"« {montre} » n'est pas un nombre utilisable"
    if arrondi != nombre:
        return None, f"« {montre} » a plus de {decimales} décimales"
    return arrondi, ""
