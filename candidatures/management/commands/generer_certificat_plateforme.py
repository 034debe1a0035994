"""manage.py generer_certificat_plateforme [--force] [--jours N] — the demo platform certificate.

Writes a self-signed certificate and its private key (mode 0600) at the paths of the
``SIGNATURE_CERTIFICAT`` and ``SIGNATURE_CLE`` settings, the key encrypted with
``SIGNATURE_CLE_MOT_DE_PASSE`` when that is set. The portal seals the signed conventions with it
(native signature provider). Refuses to overwrite existing files without ``--force``: replacing the
certificate does not invalidate PDFs already sealed, but they would then no longer validate against
the new trust root.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from care_portal.signature.pades import generer_certificat_auto_signe


class Command(BaseCommand):
    help = ("Génère le certificat auto-signé de démonstration de la plateforme de signature "
            "(réglages SIGNATURE_CERTIFICAT et SIGNATURE_CLE).")

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true",
                            help="Remplace le certificat et la clé s'ils existent déjà.")
        parser.add_argument("--jours", type=int, default=825, help="Durée de validité en jours (825).")

    def handle(self, *args, **options):
        certificat = getattr(settings, "SIGNATURE_CERTIFICAT", None)
        cle = getattr(settings, "SIGNATURE_CLE", None)
        if not certificat or not cle:
            raise CommandError("Les réglages SIGNATURE_CERTIFICAT et SIGNATURE_CLE doivent indiquer où écrire "
                               "le certificat et la clé privée.")
        if options["jours"] < 1:
            raise CommandError("La durée de validité doit être d'au moins un jour.")
        certificat, cle = Path(certificat), Path(cle)
        existants = [str(chemin) for chemin in (certificat, cle) if chemin.exists()]
        if existants and not options["force"]:
            raise CommandError(
                f"Fichier déjà présent : {', '.join(existants)}. Rien n'a été écrit ; relancez avec --force "
                "pour le remplacer (les PDF déjà scellés ne se valideront plus avec le nouveau certificat)."
            )
        mot_de_passe = getattr(settings, "SIGNATURE_CLE_MOT_DE_PASSE", None) or None
        try:
            generer_certificat_auto_signe(certificat, cle, jours=options["jours"], mot_de_passe=mot_de_passe)
        except OSError as exc:
            raise CommandError(f"Impossible d'écrire le certificat : {exc.strerror or exc}.") from exc
        lu = x509.load_pem_x509_certificate(certificat.read_bytes())
        empreinte = hashlib.sha256(lu.public_bytes(Encoding.DER)).hexdigest()
        self.stdout.write(self.style.SUCCESS(
            f"Certificat de la plateforme écrit dans {certificat}, clé privée dans {cle} (droits 0600"
            f"{', chiffrée' if mot_de_passe else ''})."
        ))
        self.stdout.write(f"Valable jusqu'au {lu.not_valid_after_utc:%d/%m/%Y} ; "
                          f"empreinte SHA-256 du certificat : {empreinte}.")
