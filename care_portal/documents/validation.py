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
        return PNG
    if tete.startswith(b"\xff\xd8\xff"):
        return JPEG
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
    return PDF


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
