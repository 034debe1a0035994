"""Demo only: print the current TOTP code of a user's confirmed device.

    python manage.py code_totp referent.ars@demo.ecare.fr

Refused unless settings.CARE_DEMO_TOTP (the embedded default; always off with DEBUG=0).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from care_portal.comptes.totp import appareil_confirme, code_courant


class Command(BaseCommand):
    help = "Affiche le code TOTP actuel d'un compte de démonstration (mode embarqué uniquement)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="adresse e-mail du compte")

    def handle(self, *args, email: str, **options):
        if not settings.CARE_DEMO_TOTP:
            raise CommandError(
                "Commande réservée à la démonstration : CARE_DEMO_TOTP est désactivé (toujours le cas en "
                "production, DEBUG=0). Utilisez votre application d'authentification."
            )
        user = get_user_model().objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"Aucun compte n'a l'adresse « {email} ».")
        device = appareil_confirme(user)
        if device is None:
            raise CommandError(f"Le compte « {user.email} » n'a pas encore activé la double authentification.")
        self.stdout.write(code_courant(device))
