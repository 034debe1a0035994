from django.contrib import admin

from .models import GHT, AppelAFinancement, Departement, EntiteJuridique, EtablissementGeographique, Region


class DepartementInline(admin.TabularInline):
    model = Departement
    extra = 0


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "nom", "ars", "outre_mer"]
    search_fields = ["code", "nom"]
    inlines = [DepartementInline]


@admin.register(Departement)
class DepartementAdmin(admin.ModelAdmin):
    list_display = ["code", "nom", "region"]
    list_filter = ["region"]
    search_fields = ["code", "nom"]


class EtablissementInline(admin.TabularInline):
    model = EtablissementGeographique
    fields = ["finess", "raison_sociale", "categorie_libelle", "departement", "activite_combinee"]
    extra = 0
    show_change_link = True
    autocomplete_fields = ["departement"]


@admin.register(EntiteJuridique)
class EntiteJuridiqueAdmin(admin.ModelAdmin):
    list_display = ["finess", "raison_sociale", "statut", "departement", "activite_combinee"]
    list_filter = ["statut", "departement__region"]
    search_fields = ["finess", "raison_sociale", "commune", "siren"]
    list_select_related = ["departement"]
    autocomplete_fields = ["departement"]
    inlines = [EtablissementInline]
    show_full_result_count = False


@admin.register(EtablissementGeographique)
class EtablissementGeographiqueAdmin(admin.ModelAdmin):
    list_display = ["finess", "raison_sociale", "entite_juridique", "categorie_libelle", "departement"]
    list_filter = ["departement__region", "categorie_agregee_code"]
    search_fields = ["finess", "raison_sociale", "commune", "entite_juridique__finess", "entite_juridique__raison_sociale"]
    list_select_related = ["entite_juridique", "departement"]
    autocomplete_fields = ["entite_juridique", "departement"]
    show_full_result_count = False


@admin.register(GHT)
class GHTAdmin(admin.ModelAdmin):
    list_display = ["code", "nom", "region", "support"]
    list_filter = ["region"]
    search_fields = ["code", "nom", "support__finess", "support__raison_sociale", "membres__finess"]
    list_select_related = ["region", "support"]
    autocomplete_fields = ["support", "membres"]


@admin.register(AppelAFinancement)
class AppelAFinancementAdmin(admin.ModelAdmin):
    list_display = ["code", "nom", "domaine", "candidature_debut", "candidature_fin", "enveloppe"]
    search_fields = ["code", "nom"]
