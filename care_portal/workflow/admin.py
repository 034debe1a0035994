from django.contrib import admin

from care_portal.core.admin import LectureSeuleAdmin

from .models import TransitionLog


@admin.register(TransitionLog)
class TransitionLogAdmin(LectureSeuleAdmin):
    list_display = ["cree_le", "code", "etat_source", "etat_cible", "acteur", "object_id"]
    list_filter = ["content_type"]
    search_fields = ["code", "object_id", "motif"]
    list_select_related = ["acteur", "content_type"]
    list_per_page = 50
    show_full_result_count = False  # the append-only log is the largest table
