"""What a file *is*, read from its bytes (never from its name), and a safe name to keep.

Accepted: PDF, ODT/ODS, DOCX/XLSX, PNG, JPEG, and ZIP archives (ORADAD exports). Refused with a
French message: executables and scripts, HTML (also disguised as a PDF), macro-enabled Office
files, password-protected archives (the antivirus cannot read them), anything else.

Pure functions over a seekable binary stream; only the head, the tail and a ZIP's central
directory are read, so a 200 MB file costs a few kilobytes of memory.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO


@dataclass(frozen=True)
class TypeFichier:
    mime: str
    extension: str
    libelle: str


PDF = TypeFichier("application/pdf", "pdf", "PDF")
ODT = TypeFichier("application/vnd.oasis.opendocument.text", "odt", "texte OpenDocument (ODT)")
ODS = TypeFichier("application/vnd.oasis.opendocument.spreadsheet", "ods", "tableur OpenDocument (ODS)")
DOCX = TypeFichier(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "document Word (DOCX)"
)
XLSX = TypeFichier("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "classeur Excel (XLSX)")
PNG = TypeFichier("image/png", "png", "image PNG")
JPEG = TypeFichier("image/jpeg", "jpg", "image JPEG")
ZIP = TypeFichier("application/zip", "zip", "archive ZIP")

TYPES_ACCEPTES: tuple[TypeFichier, ...] = (PDF, ODT, ODS, DOCX, XLSX, PNG, JPEG, ZIP)
EXTENSIONS_PAR_MIME = {t.mime: t.extension for t in TYPES_ACCEPTES}
# Other spellings of the same type, so "photo.jpeg" keeps its name.
EXTENSIONS_EQUIVALENTES = {"jpg": {"jpg", "jpeg"}}
# For <input accept="…">: a hint for the browser's file picker, not a check.
ACCEPT_HTML = ",".join(sorted({f".{t.extension}" for t in TYPES_ACCEPTES} | {".jpeg"}))
FORMATS_ACCEPTES = "PDF, ODT, ODS, DOCX, XLSX, PNG, JPEG ou ZIP"

MESSAGE_TYPE_REFUSE = f"Ce type de fichier n'est pas accepté : déposez un fichier {FORMATS_ACCEPTES}."
MESSAGE_EXECUTABLE = "Les programmes et les scripts sont refusés : déposez un document " + f"({FORMATS_ACCEPTES})."
MESSAGE_HTML = f"Ce fichier est une page web (HTML), quel que soit son nom : déposez un fichier {FORMATS_ACCEPTES}."
MESSAGE_VIDE = "Le fichier est vide."
MESSAGE_PDF_ACTIF = (
    "Ce PDF contient du JavaScript ou une action de lancement de programme : ces contenus actifs sont "
    "refusés. Imprimez-le de nouveau en PDF (« Microsoft Print to PDF », « Enregistrer au format PDF ») "
    "puis déposez ce nouveau fichier."
)

TAILLE_TETE = 8192
# Browsers that sniff content look at the first bytes (512 in the WHATWG algorithm, 1024 here).
FENETRE_HTML = 1024
FIN_PDF = 1024


class TypeRefuse(Exception):
    """The content is not an accepted type; ``message`` says why, in French."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- content -------------------------------------------------------------------

_EXECUTABLES = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"#!",  # script with an interpreter line
    b"\x00asm",  # WebAssembly
)
_BALISES_HTML = re.compile(
    rb"<\s*(!doctype\s+html|html|head|body|script|iframe|frameset|object|embed|svg|meta\s|a\s+href|img\s)",
    re.IGNORECASE,
)
_DEBUT_HTML = re.compile(rb"^(\xef\xbb\xbf)?[\s\x00]*<\s*(!doctype|html|head|body|script|!--|\?xml|svg)", re.I)
_SCRIPTS = re.compile(
    rb"^(\xef\xbb\xbf)?\s*(@echo\s+off|<\?php|#!|function\s|var\s|let\s|const\s|import\s|powershell|"
    rb"set-executionpolicy|on\s+error\s+resume|wscript\.|createobject\()",
    re.IGNORECASE,
)
_MIMETYPES_ODF = {ODT.mime.encode(): ODT, ODS.mime.encode(): ODS}


def detecter_type(flux: BinaryIO) -> TypeFichier:
    """The accepted type of the content of ``flux`` (seekable), or ``TypeRefuse``."""
    flux.seek(0)
    tete = flux.read(TAILLE_TETE)
    if not tete:
        raise TypeRefuse(MESSAGE_VIDE)
    if tete.startswith(_EXECUTABLES) or _SCRIPTS.match(tete):
        raise TypeRefuse(MESSAGE_EXECUTABLE)
    if _DEBUT_HTML.match(tete):
        raise TypeRefuse(MESSAGE_HTML)
    if tete.startswith(b"%PDF-"):
        return _verifier_pdf(flux, tete)
    if tete.startswith(b"\x89PNG\r\n\x1a\n") and tete[12:16] == b"IHDR":
        return _verifier_image(tete, PNG)
    if tete.startswith(b"\xff\xd8\xff"):
        return _verifier_image(tete, JPEG)
    if tete.startswith(b"PK\x03\x04"):
        return _detecter_zip(flux)
    if _BALISES_HTML.search(tete[:FENETRE_HTML]):
        raise TypeRefuse(MESSAGE_HTML)
    raise TypeRefuse(MESSAGE_TYPE_REFUSE)


def _verifier_pdf(flux: BinaryIO, tete: bytes) -> TypeFichier:
    if _BALISES_HTML.search(tete[:FENETRE_HTML]):
        # A "PDF" whose first bytes carry markup: a browser sniffing it could run it as a page.
        raise TypeRefuse(MESSAGE_HTML)
    flux.seek(0, 2)
    taille = flux.tell()
    flux.seek(max(0, taille - FIN_PDF))
    if b"%%EOF" not in flux.read(FIN_PDF):
        raise TypeRefuse("Ce fichier PDF est incomplet ou endommagé : exportez-le de nouveau puis déposez-le.")
    if _pdf_actif(flux):
        raise TypeRefuse(MESSAGE_PDF_ACTIF)
    return PDF


def _verifier_image(tete: bytes, type_fichier: TypeFichier) -> TypeFichier:
    # Image magic bytes followed by markup: a polyglot that a sniffing browser could render as a page.
    if _BALISES_HTML.search(tete[:FENETRE_HTML]):
        raise TypeRefuse(MESSAGE_HTML)
    return type_fichier


# PDF names that run something when the file is opened or clicked: scripts and launch actions.
# A script action is ``/S /JavaScript /JS …`` and document scripts sit under ``/JavaScript``: the
# name JavaScript finds both (an /OpenAction or /AA running a script included). ``/JS`` alone is
# not searched: three bytes that compressed page content holds by chance every few megabytes.
# /EmbeddedFile is not refused: Factur-X invoices (PDF/A-3) carry their XML that way; clamd
# unpacks and scans the embedded files.
_NOMS_PDF_ACTIFS = {b"JavaScript", b"Launch"}
_NOM_PDF = re.compile(rb"/([A-Za-z0-9#]{2,40})")
_ECHAPPEMENT_NOM = re.compile(rb"#([0-9A-Fa-f]{2})")
_FLUX_OBJETS = re.compile(rb"/Type\s*/ObjStm")
_DEBUT_FLUX = re.compile(rb"stream\r?\n")
TAILLE_BLOC_PDF = 1024 * 1024
CHEVAUCHEMENT_PDF = 128
# Object streams (/ObjStm, PDF 1.5) hide objects, scripts included, in compressed data: inflated
# up to this many bytes each, this many in all (a bomb costs at most that).
INFLATION_MAX_PAR_FLUX = 4 * 1024 * 1024
INFLATION_MAX_TOTALE = 32 * 1024 * 1024


def _noms_actifs(donnees: bytes) -> bool:
    for m in _NOM_PDF.finditer(donnees):
        nom = m.group(1)
        if b"#" in nom:  # /J#61vaScript is /JavaScript
            nom = _ECHAPPEMENT_NOM.sub(lambda e: bytes([int(e.group(1), 16)]), nom)
        if nom in _NOMS_PDF_ACTIFS:
            return True
    return False


def _inflater(flux: BinaryIO, debut: int, maximum: int) -> bytes:
    import zlib

    flux.seek(debut)
    d = zlib.decompressobj()
    sortie = bytearray()
    try:
        while len(sortie) < maximum and (bloc := flux.read(64 * 1024)):
            sortie += d.decompress(bloc, maximum - len(sortie))
            if d.eof:
                break
    except zlib.error:
        pass  # not Flate-encoded, or damaged: what was inflated so far is still read
    return bytes(sortie)


def _pdf_actif(flux: BinaryIO) -> bool:
    """Whether the PDF names JavaScript or a launch action, in clear or in an object stream. Read in
    blocks (memory does not grow with the file's size)."""
    flux.seek(0)
    position, reste, objets = 0, b"", []
    while bloc := flux.read(TAILLE_BLOC_PDF):
        donnees = reste + bloc
        if _noms_actifs(donnees):
            return True
        origine = position - len(reste)
        objets.extend(origine + m.end() for m in _FLUX_OBJETS.finditer(donnees))
        position += len(bloc)
        reste = donnees[-CHEVAUCHEMENT_PDF:]
    budget = INFLATION_MAX_TOTALE
    for apres_type in dict.fromkeys(objets):  # a match in the overlap is found twice
        if budget <= 0:
            break
        flux.seek(apres_type)
        debut = _DEBUT_FLUX.search(flux.read(2048))
        if debut is None:
            continue
        contenu = _inflater(flux, apres_type + debut.end(), min(INFLATION_MAX_PAR_FLUX, budget))
        budget -= len(contenu)
        if _noms_actifs(contenu):
            return True
    return False


def _detecter_zip(flux: BinaryIO) -> TypeFichier:
    flux.seek(0)
    try:
        with zipfile.ZipFile(flux) as archive:
            infos = archive.infolist()
            noms = {i.filename for i in infos}
            if not infos:
                raise TypeRefuse("L'archive ZIP est vide.")
            if any(i.flag_bits & 0x1 for i in infos):
                raise TypeRefuse(
                    "Les archives protégées par un mot de passe sont refusées : l'antivirus ne peut pas les lire. "
                    "Déposez l'archive sans mot de passe."
                )
            if "mimetype" in noms:
                info = archive.getinfo("mimetype")
                declare = archive.read(info).strip() if info.file_size <= 200 else b""
                if declare in _MIMETYPES_ODF:
                    return _MIMETYPES_ODF[declare]
                if declare.startswith(b"application/vnd.oasis.opendocument"):
                    raise TypeRefuse(f"Ce type de document OpenDocument n'est pas accepté : déposez un fichier {FORMATS_ACCEPTES}.")
            if "[Content_Types].xml" in noms:
                return _detecter_office(archive, noms)
    except TypeRefuse:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError) as exc:
        raise TypeRefuse("L'archive ZIP est endommagée ou illisible.") from exc
    return ZIP


def _detecter_office(archive: zipfile.ZipFile, noms: set[str]) -> TypeFichier:
    info = archive.getinfo("[Content_Types].xml")
    types = archive.read(info).lower() if info.file_size <= 1_000_000 else b""
    if any(n.lower().endswith("vbaproject.bin") for n in noms) or b"macroenabled" in types:
        raise TypeRefuse(
            "Les documents Office contenant des macros sont refusés : enregistrez-le en DOCX ou XLSX sans macro."
        )
    if any(n.startswith("word/") for n in noms) and b"wordprocessingml" in types:
        return DOCX
    if any(n.startswith("xl/") for n in noms) and b"spreadsheetml" in types:
        return XLSX
    raise TypeRefuse(f"Ce type de document Office n'est pas accepté : déposez un fichier {FORMATS_ACCEPTES}.")


# --- names ---------------------------------------------------------------------

_RESERVES = re.compile(r'[<>:"|?*]')
LONGUEUR_NOM = 200


def nettoyer_nom(nom: str | None) -> str:
    """The user's file name made safe to keep and to offer back: no directory part, no control or
    invisible characters (e.g. U+202E that fakes an extension), no leading dots; "" when nothing is left."""
    nom = unicodedata.normalize("NFC", nom or "")
    nom = re.split(r"[\\/]", nom)[-1]
    nom = nom.replace("\t", " ")
    nom = "".join(
        c for c in nom if unicodedata.category(c) not in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
    )
    nom = _RESERVES.sub("_", nom)
    nom = re.sub(r"\s+", " ", nom).strip(" .")
    if not nom.strip("_- "):
        return ""
    if len(nom) > LONGUEUR_NOM:
        base, point, extension = nom.rpartition(".")
        if point and 0 < len(extension) <= 10:
            nom = base[: LONGUEUR_NOM - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            nom = nom[:LONGUEUR_NOM].rstrip(" .")
    return nom


def nom_de_telechargement(nom: str, mime: str) -> str:
    """``nom`` with the extension of its real type, so a PDF named "x.html" is saved as "x.html.pdf"."""
    extension = EXTENSIONS_PAR_MIME.get(mime)
    if not extension:
        return nom
    actuelle = nom.rpartition(".")[2].lower() if "." in nom else ""
    if actuelle in EXTENSIONS_EQUIVALENTES.get(extension, {extension}):
        return nom
    return f"{nom}.{extension}"
