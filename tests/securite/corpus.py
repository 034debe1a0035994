"""A corpus of hostile files, built in memory: what a careless or malicious user could upload to an
import (issue 18 « Hostile files »). Each ``Fichier`` names its case, the name it is uploaded under,
its bytes, and the kind of import it targets (``xlsx``, ``csv`` or both).

Run ``python -m tests.securite.corpus DIR`` to write the files to a directory (to try them by hand
on a running portal or a management command).

The XLSX cases are built from a real workbook (openpyxl) whose parts are then altered: a sheet
swollen to millions of rows (the zip bomb), a DTD, an external entity, billion laughs, an undefined
entity, truncated XML, a lying ZIP directory, an « encrypted » flag… The CSV cases are built from a
valid header of each import (ceiling grid, bank confirmation, perimeter) with one hostile part.
"""

from __future__ import annotations

import io
import random
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from openpyxl import Workbook

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><head><title>Erreur</title></head><body><script>alert(1)</script></body></html>\n"
FEUILLE = "xl/worksheets/sheet1.xml"
TETE_FEUILLE = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
PIED_FEUILLE = b"</sheetData></worksheet>"


@dataclass(frozen=True)
class Fichier:
    cas: str
    nom: str
    contenu: bytes
    genre: str  # "xlsx", "csv" or "tous" (sent to every import whatever its format)


# --- XLSX builders ---------------------------------------------------------------------------------------------

@cache
def _classeur_de_base() -> bytes:
    """A small valid workbook: sheet « Bilan » with a header and one row (the parts are then altered)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Bilan"
    ws.append(["Objectif", "Catégorie", "Libellé", "Fournisseur ou personnel", "Date", "Montant HT (€)",
               "Montant TTC (€)"])
    ws.append(["D1.O1.A", "Coûts externes (prestations)", "Audit", "Cyber Conseil", "02/05/2024", 1000, 1200])
    sortie = io.BytesIO()
    wb.save(sortie)
    return sortie.getvalue()


def _parties() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(_classeur_de_base())) as z:
        return {nom: z.read(nom) for nom in z.namelist()}


def _zip(parties: dict[str, bytes | Callable[[], Iterator[bytes]]], *, apres: Callable | None = None) -> bytes:
    """A ZIP of ``parties`` (bytes, or a generator function streamed into the member: a huge part is
    never held in memory). ``apres(zf)`` may alter the directory before it is written."""
    sortie = io.BytesIO()
    with zipfile.ZipFile(sortie, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for nom, contenu in parties.items():
            if callable(contenu):
                info = zipfile.ZipInfo(nom)
                info.compress_type = zipfile.ZIP_DEFLATED
                with zf.open(info, "w", force_zip64=True) as membre:
                    for bloc in contenu():
                        membre.write(bloc)
            else:
                zf.writestr(zipfile.ZipInfo(nom), contenu, compress_type=zipfile.ZIP_DEFLATED)
        if apres:
            apres(zf)
    return sortie.getvalue()


def xlsx_modifie(remplacements: dict[str, bytes]) -> bytes:
    """The base workbook with some parts (by their name in the ZIP) replaced."""
    return _zip(_parties() | remplacements)


def _prefixer(partie: str, dtd: bytes) -> bytes:
    """A part of the base workbook preceded by ``dtd`` (openpyxl writes no XML declaration there)."""
    return xlsx_modifie({partie: dtd + _parties()[partie]})


def feuille(lignes_xml: bytes, *, prologue: bytes = b"") -> bytes:
    return TETE_FEUILLE.replace(b"\n", b"\n" + prologue, 1) + lignes_xml + PIED_FEUILLE


def _rangee(n: int, *valeurs: str) -> bytes:
    cellules = b"".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>'.encode() for v in valeurs)
    return f'<row r="{n}">'.encode() + cellules + b"</row>"


def bombe_xlsx(lignes: int = 3_000_000) -> bytes:
    """The zip bomb disguised as .xlsx: the bilan's header, then ``lignes`` rows of seven cells; the
    sheet (hundreds of MB of XML) deflates to a few MB."""
    entete = _rangee(1, "Objectif", "Catégorie", "Libellé", "Fournisseur ou personnel", "Date",
                     "Montant HT (€)", "Montant TTC (€)")
    ligne = (b'<row><c t="inlineStr"><is><t>D1.O1.A</t></is></c><c t="inlineStr"><is><t>Interne</t></is></c>'
             b'<c t="inlineStr"><is><t>x</t></is></c><c t="inlineStr"><is><t>y</t></is></c><c><v>45000</v></c>'
             b"<c><v>1</v></c><c><v>1</v></c></row>")

    def flux() -> Iterator[bytes]:
        yield TETE_FEUILLE + entete
        paquet = ligne * 10_000
        for _ in range(lignes // 10_000):
            yield paquet
        yield ligne * (lignes % 10_000)
        yield PIED_FEUILLE

    parties: dict = _parties()
    parties[FEUILLE] = flux
    return _zip(parties)


def lignes_vides_xlsx(lignes: int = 1_000_000) -> bytes:
    """A header, a million empty ``<row/>`` (light once compressed, seconds for openpyxl to walk), one row."""
    def flux() -> Iterator[bytes]:
        yield TETE_FEUILLE + ENTETE_BILAN
        for debut in range(2, lignes + 2, 100_000):
            yield b"".join(b'<row r="%d"/>' % n for n in range(debut, min(debut + 100_000, lignes + 2)))
        yield _rangee(lignes + 2, "D1.O1.A", "Interne", "x", "y", "02/05/2024", "1", "1") + PIED_FEUILLE

    return _zip(_parties() | {FEUILLE: flux})


def _repertoire_menteur(zf: zipfile.ZipFile) -> None:
    for info in zf.filelist:
        if info.filename == FEUILLE:
            info.file_size = 100  # the directory claims 100 bytes; the member inflates to far more


def _chiffre(zf: zipfile.ZipFile) -> None:
    for info in zf.filelist:
        info.flag_bits |= 0x1  # « encrypted »


LIGNE_VALIDE = _rangee(2, "D1.O1.A", "Coûts externes (prestations)", "Audit", "Cyber", "02/05/2024", "1", "1")
ENTETE_BILAN = _rangee(1, "Objectif", "Catégorie", "Libellé", "Fournisseur ou personnel", "Date",
                       "Montant HT (€)", "Montant TTC (€)")


def _montant_brut(valeur: str) -> bytes:
    """A bilan row whose amounts are raw numeric cells holding ``valeur`` (1e400, NaN, INF…)."""
    ligne = (b'<row r="2"><c t="inlineStr"><is><t>D1.O1.A</t></is></c><c t="inlineStr"><is><t>Co\xc3\xbbts externes '
             b'(prestations)</t></is></c><c t="inlineStr"><is><t>Audit</t></is></c><c t="inlineStr"><is><t>Cyber'
             b'</t></is></c><c t="inlineStr"><is><t>02/05/2024</t></is></c>'
             + f"<c><v>{valeur}</v></c><c><v>{valeur}</v></c></row>".encode())
    return xlsx_modifie({FEUILLE: feuille(ENTETE_BILAN + ligne)})


def _formules() -> bytes:
    ligne = (b'<row r="2"><c t="inlineStr"><is><t>D1.O1.A</t></is></c><c t="inlineStr"><is><t>Co\xc3\xbbts externes '
             b'(prestations)</t></is></c><c t="inlineStr"><is><t>Audit</t></is></c><c t="inlineStr"><is><t>Cyber'
             b'</t></is></c><c t="inlineStr"><is><t>02/05/2024</t></is></c>'
             b"<c><f>cmd|' /C calc'!A0</f></c><c><f>SUM(F2:F2)*2</f></c></row>")
    return xlsx_modifie({FEUILLE: feuille(ENTETE_BILAN + ligne)})


def _trop_de_lignes(n: int = 5000) -> bytes:
    rangees = b"".join(_rangee(i, "D1.O1.A", "Interne", "x", "y", "02/05/2024", "1", "1") for i in range(2, n + 2))
    return xlsx_modifie({FEUILLE: feuille(ENTETE_BILAN + rangees)})


def _rangee_immense(cellules: int = 200_000) -> bytes:
    return xlsx_modifie({FEUILLE: feuille(ENTETE_BILAN + b'<row r="2">' + b"<c><v>1</v></c>" * cellules
                                          + b"</row>")})


def _dimension_menteuse() -> bytes:
    return xlsx_modifie({FEUILLE: TETE_FEUILLE.replace(
        b"<sheetData>", b'<dimension ref="A1:G1048576"/><sheetData>') + ENTETE_BILAN + PIED_FEUILLE})


DTD_SIMPLE = b'<!DOCTYPE worksheet [<!ENTITY nom "Audit">]>\n'
DTD_EXTERNE = b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
DTD_PARAMETRE = b'<!DOCTYPE worksheet [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>\n'
RIRES = (b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
         + b"".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
                    for i in range(1, 10))
         + b"]>\n")


def _avec_entite(prologue: bytes, entite: str) -> bytes:
    return xlsx_modifie({FEUILLE: feuille(
        ENTETE_BILAN + _rangee(2, "D1.O1.A", "Interne", entite, "y", "02/05/2024", "1", "1"), prologue=prologue)})


def _utf16_avec_dtd() -> bytes:
    xml = feuille(ENTETE_BILAN + LIGNE_VALIDE, prologue=DTD_EXTERNE).decode().replace('encoding="UTF-8"',
                                                                                      'encoding="UTF-16"')
    return xlsx_modifie({FEUILLE: xml.encode("utf-16")})


def _xlsx() -> list[Fichier]:
    base = _classeur_de_base()
    tronquee = feuille(ENTETE_BILAN + LIGNE_VALIDE)
    cas = [
        ("bombe_zip_1m_lignes", bombe_xlsx(1_000_000)),
        ("repertoire_zip_menteur", _zip(_parties() | {FEUILLE: feuille(ENTETE_BILAN + LIGNE_VALIDE * 50_000)},
                                        apres=_repertoire_menteur)),
        # each member under the ratio check's threshold, together far over the uncompressed ceiling
        ("bombe_en_morceaux", _zip(_parties() | {f"xl/media/image{i}.png": b"\0" * 1_000_000 for i in range(40)})),
        ("zip_marque_chiffre", _zip(_parties(), apres=_chiffre)),
        ("zip_mille_membres", _zip(_parties() | {f"xl/media/image{i}.png": b"x" for i in range(1000)})),
        ("zip_sans_classeur", _zip({"lisezmoi.txt": b"Bonjour"})),
        ("xlsx_tronque", base[: len(base) // 2]),
        ("xlsx_sans_repertoire", base[:-22]),
        ("dtd_entite_interne", _avec_entite(DTD_SIMPLE, "&nom;")),
        ("dtd_entite_externe_xxe", _avec_entite(DTD_EXTERNE, "&xxe;")),
        ("dtd_entite_parametre", _avec_entite(DTD_PARAMETRE, "x")),
        ("milliard_de_rires", _avec_entite(RIRES, "&lol9;")),
        ("doctype_minuscules", _avec_entite(b"<!doctype worksheet>\n", "x")),
        ("entite_non_definie", _avec_entite(b"", "&inconnue;")),
        ("dtd_dans_content_types", _prefixer("[Content_Types].xml", DTD_EXTERNE)),
        ("dtd_dans_workbook", _prefixer("xl/workbook.xml", RIRES)),
        ("dtd_dans_rels", _prefixer("_rels/.rels", DTD_SIMPLE)),
        ("dtd_dans_styles", _prefixer("xl/styles.xml", DTD_PARAMETRE)),
        ("xml_utf16_avec_dtd", _utf16_avec_dtd()),
        ("xml_tronque", xlsx_modifie({FEUILLE: tronquee[: len(tronquee) // 2]})),
        ("xml_pas_du_xml", xlsx_modifie({FEUILLE: b"ceci n'est pas du XML <<<>>>"})),
        ("workbook_vide", xlsx_modifie({"xl/workbook.xml": b""})),
        ("content_types_absent", _zip({k: v for k, v in _parties().items() if k != "[Content_Types].xml"})),
        ("trop_de_lignes_5000", _trop_de_lignes()),
        ("million_de_lignes_vides", lignes_vides_xlsx()),
        ("rangee_de_200000_cellules", _rangee_immense()),
        ("dimension_menteuse", _dimension_menteuse()),
        ("formules", _formules()),
        ("montant_1e400", _montant_brut("1e400")),
        ("montant_nan", _montant_brut("NaN")),
        ("montant_inf", _montant_brut("INF")),
        ("montant_texte_1e400", xlsx_modifie({FEUILLE: feuille(ENTETE_BILAN + _rangee(
            2, "D1.O1.A", "Coûts externes (prestations)", "Audit", "Cyber", "02/05/2024", "1e400", "inf"))})),
    ]
    fichiers = [Fichier(nom, f"{nom}.xlsx", contenu, "xlsx") for nom, contenu in cas]
    fichiers += [
        Fichier("pdf_nomme_xlsx", "facture.xlsx", PDF, "xlsx"),
        Fichier("html_nomme_xlsx", "bilan.xlsx", HTML, "xlsx"),
        Fichier("csv_nomme_xlsx", "bilan.xlsx", "Objectif;Catégorie\nD1.O1.A;Interne\n".encode(), "xlsx"),
        Fichier("eicar_nomme_xlsx", "eicar.xlsx", EICAR, "xlsx"),
        Fichier("octets_aleatoires_xlsx", "bruit.xlsx", random.Random(18).randbytes(4096), "xlsx"),
    ]
    return fichiers


# --- CSV builders ---------------------------------------------------------------------------------------------

ENTETES_CSV = {
    "plafonds": "type_structure;activite_min;activite_max;montant",
    "confirmation": "reference;date;reference_bancaire",
}
LIGNES_CSV = {
    "plafonds": "ght;0;;{}",
    "confirmation": "ECARE-P0000001;2025-01-01;{}",
}


def csv_hostiles(cible: str) -> list[Fichier]:
    """The CSV cases for one import (``plafonds`` or ``confirmation``): its header and one hostile part."""
    entete, ligne = ENTETES_CSV[cible], LIGNES_CSV[cible]

    def avec(valeur: str) -> bytes:
        return f"{entete}\n{ligne.format(valeur)}\n".encode()

    cas = [
        ("champ_200000_caracteres", avec("A" * 200_000)),
        ("champ_entre_guillemets_200000", f'{entete}\n{ligne.format(chr(34) + "B" * 200_000 + chr(34))}\n'.encode()),
        ("guillemet_jamais_ferme", f'{entete}\n{ligne.format(chr(34) + "C" * 50_000)}\n'.encode() * 3),
        ("utf16_avec_bom", f"{entete}\n{ligne.format('12')}\n".encode("utf-16")),
        ("utf16_sans_bom", f"{entete}\n{ligne.format('12')}\n".encode("utf-16-le")),
        ("latin1_accents_invalide", f"{entete}\n{ligne.format('deux cents €é')}\n".encode("latin-1", "replace")),
        ("nombre_1e400", avec("1e400")),
        ("nombre_moins_1e400", avec("-1e400")),
        ("nombre_inf", avec("inf")),
        ("nombre_infinity", avec("Infinity")),
        ("nombre_nan", avec("nan")),
        ("nombre_snan", avec("sNaN")),
        ("nombre_1e_moins_400", avec("1e-400")),
        ("nombre_immense", avec("9" * 5000)),
        ("nombre_trop_grand_pour_la_base", avec("100000000000")),
        ("formule_injection", avec("=cmd|' /C calc'!A0")),
        ("formule_hyperlien", avec('=HYPERLINK("http://exemple.invalid","clic")')),
        ("octets_nuls", f"{entete}\n".encode() + b"\x00" * 100),
        ("cent_colonnes", (entete + ";x" * 100 + "\n" + ligne.format("1") + ";1" * 100 + "\n").encode()),
        ("cinquante_mille_lignes", (entete + "\n" + (ligne.format("1") + "\n") * 50_000).encode()),
        ("fichier_vide", b""),
        ("espaces_seulement", b"   \n\n  \r\n"),
        ("entete_seule", f"{entete}\n".encode()),
    ]
    fichiers = [Fichier(f"{cible}_{nom}", f"{nom}.csv", contenu, "csv") for nom, contenu in cas]
    fichiers += [
        Fichier(f"{cible}_html_nomme_csv", "export.csv", HTML, "csv"),
        Fichier(f"{cible}_pdf_nomme_csv", "export.csv", PDF, "csv"),
        Fichier(f"{cible}_xlsx_nomme_csv", "export.csv", _classeur_de_base(), "csv"),
        Fichier(f"{cible}_eicar_nomme_csv", "eicar.csv", EICAR, "csv"),
    ]
    return fichiers


def xlsx_hostiles() -> list[Fichier]:
    return _xlsx()


def tous() -> list[Fichier]:
    return xlsx_hostiles() + csv_hostiles("plafonds") + csv_hostiles("confirmation")


if __name__ == "__main__":  # python -m tests.securite.corpus DIR
    dossier = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus-hostile")
    dossier.mkdir(parents=True, exist_ok=True)
    for fichier in tous():
        (dossier / f"{fichier.cas}{Path(fichier.nom).suffix}").write_bytes(fichier.contenu)
    print(f"{len(tous())} fichiers écrits dans {dossier}/")
