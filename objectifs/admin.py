"""Admin of the objectives referential (ANS admins edit objectives and thresholds with their sources).
Evidence is read-only here: it is written by the services only (STYLE.md rule 1)."""

from __future__ import annotations

from django.contrib import admin

from .models import (
    ActiveDirectory,
    AuditADS,
    AuditExposition,
    Budget,
    ConvergenceAD,
    ExerciceCrise,
    GouvernanceGHT,
    Objectif,
    Osis,
    Seuil,
)


class SeuilInline(admin.TabularInline):
    model = Seuil
    extra = 0
    fields = ["code", "libelle", "valeur", "unite", "source"]


@admin.register(Objectif)
class ObjectifAdmin(admin.ModelAdmin):
    list_display = ["code", "titre", "types_candidature", "ordre"]
    ordering = ["ordre", "code"]
    search_fields = ["code", "titre"]
    inlines = [SeuilInline]


@admin.register(Seuil)
class SeuilAdmin(admin.ModelAdmin):
    list_display = ["code", "valeur", "unite", "appel", "objectif", "libelle"]
    list_filter = ["objectif", "appel"]
    list_select_related = ["objectif", "appel"]
    search_fields = ["code", "libelle", "source"]


class LectureSeuleAdmin(admin.ModelAdmin):
    """Evidence: visible to the admins for support, never edited outside the services."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# A candidature's label reads its GHT or EJ and its call: joined once for the page (no query per row).
CANDIDATURE = ["candidature__ght", "candidature__entite_juridique", "candidature__appel"]

for modele, colonnes, jointures in [
    (ActiveDirectory, ["nom", "candidature", "cree_le"], CANDIDATURE),
    (AuditADS, ["active_directory", "date", "score", "cree_le"], ["active_directory"]),
    (AuditExposition, ["candidature", "date", "outil", "vulnerabilites_critiques", "cree_le"], CANDIDATURE),
    (ExerciceCrise, ["candidature", "structure", "date", "kit", "fournisseur"], [*CANDIDATURE, "structure"]),
    (Osis, ["candidature", "structure", "date", "mesures_prioritaires"], [*CANDIDATURE, "structure"]),
    (Budget, ["candidature", "structure", "budget_general", "budget_numerique", "etp_securite"],
     [*CANDIDATURE, "structure"]),
    (GouvernanceGHT, ["candidature", "referent_projet", "equipe_ad_unique"], CANDIDATURE),
    (ConvergenceAD, ["candidature", "deja_convergee", "date_convergence", "budget"], CANDIDATURE),
]:
    admin.site.register(modele, type(f"{modele.__name__}Admin", (LectureSeuleAdmin,), {
        "list_display": colonnes, "list_select_related": jointures, "list_per_page": 50}))
