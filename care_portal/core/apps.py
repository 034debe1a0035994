from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "care_portal.core"
    label = "core"
    verbose_name = "Socle"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import travaux  # noqa: F401 — connects the Celery signals that mark work done
        from .context_processors import oublier_site_config

        for signal in (post_save, post_delete):
            signal.connect(oublier_site_config, sender="dsfr.DsfrConfig", dispatch_uid=f"core.dsfr.{signal}")
