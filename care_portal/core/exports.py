"""The one export helper (STYLE.md rule 14): every CSV and XLSX the portal produces goes through it.

A spreadsheet opening an export runs any cell that *looks* like a formula: a structure name, a bilan
line or a label typed as ``=HYPERLINK("http://…"&C3,"Justificatif")`` would reach the ARS as a live
formula (CSV/formula injection). ``neutraliser`` prefixes such text with an apostrophe (OWASP CSV
injection guidance) so the spreadsheet shows it as text; numbers, dates and Decimals are left as
they are so that amounts stay numbers. Forms keep what the user typed: only exports neutralise.

    reponse_csv(entete, lignes, nom="ecare-dossiers.csv")     # streamed, UTF-8 with BOM, « ; »
    reponse_xlsx(entete, lignes, nom="finances.xlsx", feuille="Finances")
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.functional import Promise

TYPE_CSV = "text/csv; charset=utf-8"
TYPE_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: first characters that make a spreadsheet read a cell as a formula (OWASP)
DEBUTS_DE_FORMULE = ("=", "+", "-", "@", "\t", "\r")


def neutraliser(valeur):
    """``valeur`` safe to put in a spreadsheet cell: text that could start a formula gets a leading
    apostrophe; anything else (numbers, Decimals, dates, None) is returned unchanged."""
    if isinstance(valeur, Promise):  # a lazy translation (choices labels)
        valeur = str(valeur)
    if isinstance(valeur, str) and valeur.startswith(DEBUTS_DE_FORMULE):
        return "'" + valeur
    return valeur


def neutraliser_ligne(ligne: Iterable) -> list:
    return [neutraliser(v) for v in ligne]


class _Tampon:
    """A file-like object whose ``write`` returns what it is given (csv.writer → streamed response)."""

    def write(self, valeur: str) -> str:
        return valeur


def lignes_csv(entete: Sequence, lignes: Iterable[Iterable]) -> Iterator[str]:
    """The CSV text, one row at a time: BOM (so a French Excel reads the accents), ``;`` separator."""
    ecrivain = csv.writer(_Tampon(), delimiter=";")
    yield "\ufeff" + ecrivain.writerow(neutraliser_ligne(entete))
    for ligne in lignes:
        yield ecrivain.writerow(neutraliser_ligne(ligne))


def _piece_jointe(reponse: HttpResponse, nom: str) -> HttpResponse:
    reponse["Content-Disposition"] = f'attachment; filename="{nom}"'
    return reponse


def reponse_csv(entete: Sequence, lignes: Iterable[Iterable], *, nom: str, en_flux: bool = True) -> HttpResponse:
    """A CSV download: streamed (``lignes`` may be a generator over a large queryset), or in one piece
    (``en_flux=False``) for a small file."""
    if en_flux:
        reponse = StreamingHttpResponse(lignes_csv(entete, lignes), content_type=TYPE_CSV)
    else:
        reponse = HttpResponse("".join(lignes_csv(entete, lignes)), content_type=TYPE_CSV)
    return _piece_jointe(reponse, nom)


def _texte_xlsx(valeur):
    valeur = neutraliser(valeur)
    if isinstance(valeur, str):
        # control characters XML 1.0 forbids would make openpyxl raise: an export never fails on them
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        valeur = ILLEGAL_CHARACTERS_RE.sub("", valeur)
    return valeur


def cellules_xlsx(ligne: Iterable) -> list:
    """One row ready for ``Worksheet.append``: neutralised text, numbers untouched."""
    return [_texte_xlsx(v) for v in ligne]


def classeur_xlsx(entete: Sequence, lignes: Iterable[Iterable], *, feuille: str = "Export") -> bytes:
    """An XLSX workbook (openpyxl write-only: rows are not kept in memory) of one sheet."""
    from openpyxl import Workbook

    classeur = Workbook(write_only=True)
    ws = classeur.create_sheet(feuille)
    ws.append(cellules_xlsx(entete))
    for ligne in lignes:
        ws.append(cellules_xlsx(ligne))
    sortie = io.BytesIO()
    classeur.save(sortie)
    return sortie.getvalue()


def reponse_xlsx(entete: Sequence, lignes: Iterable[Iterable], *, nom: str, feuille: str = "Export") -> HttpResponse:
    return _piece_jointe(HttpResponse(classeur_xlsx(entete, lignes, feuille=feuille), content_type=TYPE_XLSX), nom)
