from django.contrib import admin

from .models import TransitionLog


@admin.register(TransitionLog)
class TransitionLogAdmin(admin.ModelAdmin):
    list_display = ["cree_le", "code", "etat_source", "etat_cible", "acteur", "object_id"]
    list_filter = ["content_type"]
    search_fields = ["code", "object_id", "motif"]
    list_select_related = ["acteur", "content_type"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
