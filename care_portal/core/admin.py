from django.contrib import admin


class LectureSeuleAdmin(admin.ModelAdmin):
    """For models that change only through the services (logs, documents): the admin reads."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


from .models import Travail  # noqa: E402


@admin.register(Travail)
class TravailAdmin(LectureSeuleAdmin):
    """The outbox as the operator sees it during or after an outage: what waits, since when, why; the
    « Relancer » action publishes the selected work again now (idempotent tasks)."""

    list_display = ("tache", "objet", "etat", "envois", "cree_le", "envoye_le", "prochain_essai_le", "fait_le")
    list_filter = ("etat", "tache")
    search_fields = ("objet", "tache", "=id_tache")
    date_hierarchy = "cree_le"
    list_per_page = 50
    actions = ["relancer"]

    @admin.action(description="Relancer maintenant les travaux sélectionnés")
    def relancer(self, request, queryset):
        from django.db import transaction

        from .travaux import relancer_travaux_choisis

        with transaction.atomic():
            nombre = relancer_travaux_choisis(queryset)
        self.message_user(request, f"{nombre} {'travaux relancés' if nombre > 1 else 'travail relancé'} ; les travaux déjà faits sont laissés tels quels.")

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser and not request.user.has_perm("core.view_travail"):
            actions.pop("relancer", None)
        return actions
