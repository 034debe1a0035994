from django.apps import AppConfig


class PaiementConfig(AppConfig):
    name = "paiement"
    verbose_name = "Paiements"
