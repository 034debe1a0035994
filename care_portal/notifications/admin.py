"""Read-only admin of what was sent: the ANS admin follows delivery failures here (filter by status)."""

from django.contrib import admin

from .models import Envoi, Notification, Rappel


class LectureSeule(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Envoi)
class EnvoiAdmin(LectureSeule):
    list_display = ("cree_le", "sujet", "gabarit", "statut", "tentatives", "envoye_le")
    list_filter = ("statut", "gabarit")
    search_fields = ("sujet", "destinataires", "copies")
    date_hierarchy = "cree_le"
    list_per_page = 50
    show_full_result_count = False


@admin.register(Notification)
class NotificationAdmin(LectureSeule):
    list_display = ("cree_le", "destinataire", "sujet", "lue_le")
    list_filter = ("gabarit",)
    search_fields = ("sujet", "destinataire__email")
    raw_id_fields = ("destinataire", "envoi", "candidature")
    list_select_related = ("destinataire",)
    list_per_page = 50
    show_full_result_count = False


@admin.register(Rappel)
class RappelAdmin(LectureSeule):
    list_display = ("cree_le", "candidature", "genre", "cible", "echeance")
    list_filter = ("genre",)
    raw_id_fields = ("candidature", "envoi")
    list_select_related = ("candidature__ght", "candidature__entite_juridique", "candidature__appel")
    list_per_page = 50
