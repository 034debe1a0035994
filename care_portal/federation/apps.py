from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "care_portal.federation"
    label = "federation"
    verbose_name = "Identités fédérées (ProConnect, Pro Santé Connect)"

    def ready(self) -> None:
        from care_portal.core import etapes

        etapes.enregistrer_libelles({
            "federation.identite.liee": ("Identité {fournisseur} liée au compte", "edition"),
            "federation.identite.deliee": ("Identité {fournisseur} retirée du compte", "edition"),
            "federation.utilisateur.connecte": ("Connexion avec {fournisseur}", "edition"),
        })
