"""manage.py import_sunes FILE.csv — the published list of structures whose SUN-ES prerequisites are validated.

The file is a CSV (`;` or `,`, UTF-8 or Latin-1) whose header holds a FINESS column (any header
containing « finess ») and optionally a name column (« raison sociale », « nom », « libellé »,
« établissement »). Idempotent; reports rejected lines; exits non-zero when anything was rejected.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from candidatures.services import sunes_importer_lignes
from care_portal.core import fichiers
from care_portal.referentiel.finess import erreur_finess, normaliser

#: the published list holds a few thousand structures
LIMITES = fichiers.Limites(taille_max=20 * 1024 * 1024, lignes_max=200_000, colonnes_max=200, champ_max=2000)


def _cle(texte: str) -> str:
    t = unicodedata.normalize("NFKD", texte or "").encode("ascii", "ignore").decode().lower()
    return " ".join(t.replace("_", " ").split())


class Command(BaseCommand):
    help = "Importe la liste publiée des structures ayant validé les prérequis SUN-ES (CSV)."

    def add_arguments(self, parser):
        parser.add_argument("fichier")

    def handle(self, *args, **options):
        chemin = Path(options["fichier"])
        try:
            if chemin.stat().st_size > LIMITES.taille_max:  # refused before being read into memory
                raise CommandError(f"Le fichier « {chemin} » dépasse {LIMITES.taille_max // (1024 * 1024)} Mo : "
                                   "rien n'a été importé.")
            brut = chemin.read_bytes()
        except OSError as exc:
            raise CommandError(f"Impossible de lire le fichier « {chemin} » : {exc.strerror or exc}.") from exc
        if not brut.strip():
            raise CommandError("Le fichier est vide.")
        try:
            # encoding, field size, row count: a malformed file ends in one French sentence, nothing saved
            lecteur = iter(fichiers.lignes_csv(brut, LIMITES))
        except fichiers.FichierRefuse as exc:
            raise CommandError(f"{exc.message} Rien n'a été importé.") from None
        entete = next(lecteur, None)
        if not entete:
            raise CommandError("Le fichier est vide.")
        cles = [_cle(h) for h in entete]
        col_finess = next((i for i, h in enumerate(cles) if "finess" in h), None)
        if col_finess is None:
            raise CommandError("Aucune colonne FINESS dans l'en-tête du fichier.")
        col_nom = next((i for i, h in enumerate(cles) if any(m in h for m in
                        ("raison sociale", "nom", "libelle", "etablissement", "denomination"))
                        and i != col_finess), None)
        lignes, rejets, vus = [], [], set()
        for numero, row in enumerate(lecteur, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) <= col_finess:
                rejets.append((numero, "ligne incomplète"))
                continue
            finess = normaliser(row[col_finess])
            if len(finess) == 8 and finess.isdigit():
                finess = "0" + finess  # a spreadsheet dropped the leading zero
            err = erreur_finess(finess)
            if err:
                rejets.append((numero, err))
                continue
            if finess in vus:
                rejets.append((numero, f"le numéro FINESS {finess} apparaît deux fois"))
                continue
            vus.add(finess)
            nom = row[col_nom].strip() if col_nom is not None and len(row) > col_nom else ""
            lignes.append((finess, nom))
        crees, maj = sunes_importer_lignes(lignes, source=chemin.name)
        self.stdout.write(f"Liste SUN-ES : {crees} créée(s), {maj} mise(s) à jour, "
                          f"{len(lignes) - crees - maj} inchangée(s), {len(rejets)} rejetée(s).")
        for numero, raison in rejets[:50]:
            self.stderr.write(f"ligne {numero} : {raison}")
        if len(rejets) > 50:
            self.stderr.write(f"… et {len(rejets) - 50} autres lignes rejetées.")
        if rejets:
            raise CommandError(f"{len(rejets)} ligne(s) rejetée(s) ; les lignes valides ont été importées.")
