"""Admin of the declarations. The call's eligible basis (HT or TTC) is edited here by the ANS admins;
declarations, bilan lines and snapshots are read-only (written by the services only, STYLE.md rule 1)."""

from __future__ import annotations

from django.contrib import admin

from care_portal.core.admin import LectureSeuleAdmin

from .models import Declaration, Instantane, LigneBilan, ParametresAppel


@admin.register(ParametresAppel)
class ParametresAppelAdmin(admin.ModelAdmin):
    list_display = ["appel", "base_eligible"]
    list_select_related = ["appel"]


@admin.register(Declaration)
class DeclarationAdmin(LectureSeuleAdmin):
    list_display = ["candidature", "etat", "deposee_le", "decidee_le"]
    list_filter = ["etat"]
    list_select_related = ["candidature__ght", "candidature__entite_juridique", "candidature__appel"]
    list_per_page = 50


@admin.register(LigneBilan)
class LigneBilanAdmin(LectureSeuleAdmin):
    list_display = ["declaration", "objectif", "categorie", "libelle", "date", "montant_ht", "montant_ttc"]
    list_filter = ["categorie"]
    list_select_related = ["objectif", "declaration__candidature__ght", "declaration__candidature__entite_juridique", "declaration__candidature__appel"]
    list_per_page = 50
    show_full_result_count = False  # ~10,000 lines nationally: no second COUNT(*) when filtering


@admin.register(Instantane)
class InstantaneAdmin(LectureSeuleAdmin):
    list_display = ["declaration", "numero", "depot", "certifie_par"]
    list_select_related = ["certifie_par", "declaration__candidature__ght", "declaration__candidature__entite_juridique", "declaration__candidature__appel"]
    list_per_page = 50
