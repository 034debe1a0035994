"""Allow a user to enrol a (new) TOTP device from the server's shell — the first ANS admin, or an
admin who lost their phone when no other admin can do it from the portal:

    python manage.py autoriser_enrolement_totp admin@esante.gouv.fr

Same effect as the admin page's button (totp.enrolement_autoriser, logged with no actor): devices
removed, activation link e-mailed to the account's address and printed here.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from care_portal.comptes.totp import enrolement_autoriser
from care_portal.workflow.services import WorkflowError


class Command(BaseCommand):
    help = ("Autorise un compte à activer (ou réactiver) la double authentification : ses appareils sont retirés "
            "et un lien d'activation lui est envoyé par e-mail.")

    def add_arguments(self, parser):
        parser.add_argument("email", help="adresse e-mail du compte")

    def handle(self, *args, email: str, **options):
        user = get_user_model().objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"Aucun compte n'a l'adresse « {email} ».")
        try:
            lien = enrolement_autoriser(utilisateur=user, acteur=None)
        except WorkflowError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Lien d'activation envoyé à {user.email} :\n{lien}")
