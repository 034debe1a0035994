from django.apps import AppConfig


class BureauConfig(AppConfig):
    """The instructors' desk (issue 21): assignment and following, private notes, labels, search, saved
    filters, exports and bulk actions over the dossiers an agent may see. Part of the core: it reads the
    dossiers through the stage registry (care_portal.core.etapes) and never imports a stage."""

    name = "care_portal.bureau"
    label = "bureau"
    verbose_name = "Bureau des agents (affectation, notes, étiquettes, recherche, actions groupées)"

    def ready(self) -> None:
        from care_portal.core import etapes

        from . import recherche

        recherche.installer()  # UNACCENT (SQLite function) and the search lookups
        # the header's menu: the agents' dossier list, before the stages' queues
        etapes.enregistrer_entrees(etapes.Entree("Dossiers", "bureau:dossiers", 5, lambda h: h.est_agent))

        from . import actions

        actions.enregistrer()  # the core's bulk actions (relance, ZIP archive, assignment, labels)
