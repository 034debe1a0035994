"""Create the demo accounts (one per role) and print how to log in with each.

    python manage.py comptes_demo

Run by ``make demo`` after ``seed_demo``. Idempotent: existing accounts are left as they are.
Refused in production (DEBUG=0).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from care_portal.comptes.demo import MOT_DE_PASSE_DEMO, creer_comptes_demo, creer_comptes_par_etape
from care_portal.workflow.services import WorkflowError


class Command(BaseCommand):
    help = "Crée les comptes de démonstration (un par rôle) et affiche leurs identifiants."

    def handle(self, *args, **options):
        try:
            comptes = creer_comptes_demo() + creer_comptes_par_etape()
        except WorkflowError as exc:
            raise CommandError(exc.message) from exc
        entetes = ("Rôle", "Structure ou région", "Adresse e-mail", "Mot de passe", "Secret TOTP (base32)")
        lignes = [(c.role, c.portee, c.email, c.mot_de_passe, c.secret_totp or "—") for c in comptes]
        largeurs = [min(60, max(len(str(x)) for x in colonne)) for colonne in zip(entetes, *lignes, strict=False)]

        def ligne(valeurs) -> str:
            return "  ".join(str(v)[:w].ljust(w) for v, w in zip(valeurs, largeurs, strict=True)).rstrip()

        nouveaux = sum(c.cree for c in comptes)
        self.stdout.write(self.style.MIGRATE_HEADING(
            f"Comptes de démonstration eCaRE ({nouveaux} créé{'s' if nouveaux > 1 else ''}, "
            f"{len(comptes) - nouveaux} déjà présent{'s' if len(comptes) - nouveaux > 1 else ''})"
        ))
        self.stdout.write(ligne(entetes))
        self.stdout.write(ligne("-" * w for w in largeurs))
        for valeurs in lignes:
            self.stdout.write(ligne(valeurs))
        self.stdout.write("")
        self.stdout.write(f"Mot de passe de tous les comptes : {MOT_DE_PASSE_DEMO}")
        self.stdout.write(f"Connexion : {settings.SITE_URL}/comptes/connexion/")
        if any(c.secret_totp for c in comptes):
            self.stdout.write(
                "Agents ARS et ANS : la double authentification est obligatoire. Ajoutez le secret TOTP dans "
                "une application d'authentification, ou obtenez le code du moment : "
                "python manage.py code_totp <email>"
            )
        else:
            self.stdout.write(
                "Agents ARS et ANS : la double authentification est obligatoire ; ils l'activent à leur première "
                "connexion en scannant le QR code affiché (CARE_DEMO_TOTP est désactivé)."
            )
