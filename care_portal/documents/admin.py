from django.contrib import admin

from care_portal.core.admin import LectureSeuleAdmin

from .models import Document, Telechargement

# Documents change only through the services (upload, scan, lock): the admin reads.


@admin.register(Document)
class DocumentAdmin(LectureSeuleAdmin):
    list_display = ["nom_original", "categorie", "version", "type_mime", "taille", "etat_analyse", "verrouille",
                    "depose_par", "depose_le", "supprime_le"]
    list_filter = ["etat_analyse", "verrouille", "categorie", "content_type"]
    search_fields = ["nom_original", "sha256", "object_id", "id"]
    list_select_related = ["depose_par", "content_type"]
    list_per_page = 50
    show_full_result_count = False
    date_hierarchy = "depose_le"


@admin.register(Telechargement)
class TelechargementAdmin(LectureSeuleAdmin):
    list_display = ["le", "document", "utilisateur", "adresse_ip", "sha256"]
    search_fields = ["document__nom_original", "utilisateur__email", "adresse_ip"]
    list_select_related = ["document", "utilisateur"]
    list_per_page = 50
    show_full_result_count = False
    date_hierarchy = "le"
