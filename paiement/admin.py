"""Admin of the ceiling tables. The rows are edited inline; the formset refuses overlapping
brackets with the same French messages as an import (``regles.verifier_lignes``) and the rows are
written by ``services.grille_remplacer_lignes`` (one write path, logged); a new version gets its
number from ``services.prochaine_version``."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from . import services
from .forms import verifier_en_vigueur
from .models import GrilleMontantsPlafonds, LignePlafond
from .regles import LignePlafondData, verifier_lignes


def _donnees(formset) -> list[LignePlafondData]:
    lignes = []
    for i, form in enumerate(formset.forms, start=1):
        data = getattr(form, "cleaned_data", None) or {}
        if not data or data.get("DELETE") or form.errors:
            continue
        if data.get("type_structure") is None or data.get("activite_min") is None or data.get("montant") is None:
            continue
        lignes.append(LignePlafondData(data["type_structure"], data["activite_min"], data.get("activite_max"),
                                       data["montant"], numero=i))
    return lignes


class LignesFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        lignes = _donnees(self)
        erreurs = verifier_lignes(lignes)
        if not lignes:
            erreurs.append("La matrice doit contenir au moins une ligne de plafond.")
        if erreurs:
            raise ValidationError(erreurs)


class LignePlafondInline(admin.TabularInline):
    model = LignePlafond
    formset = LignesFormSet
    extra = 0
    fields = ["type_structure", "activite_min", "activite_max", "montant"]


class GrilleForm(forms.ModelForm):
    """The date in force within the call's years: the same rule as an import (``dates.erreur_en_vigueur``)."""

    class Meta:
        model = GrilleMontantsPlafonds
        fields = ["appel", "en_vigueur_le", "illustrative", "source", "commentaire"]

    def clean(self):
        data = super().clean()
        appel = data.get("appel") or (self.instance.appel if self.instance.appel_id else None)
        verifier_en_vigueur(self, appel, data.get("en_vigueur_le"))
        return data


@admin.register(GrilleMontantsPlafonds)
class GrilleMontantsPlafondsAdmin(admin.ModelAdmin):
    form = GrilleForm
    list_display = ["appel", "version", "en_vigueur_le", "illustrative", "source", "cree_le"]
    list_filter = ["appel", "illustrative"]
    list_select_related = ["appel"]
    list_per_page = 50
    readonly_fields = ["version", "cree_le", "cree_par"]
    fields = ["appel", "version", "en_vigueur_le", "illustrative", "source", "commentaire", "cree_le", "cree_par"]
    inlines = [LignePlafondInline]

    def get_readonly_fields(self, request, obj=None):
        # A version stays with its call: changing the call would renumber nothing and mislead.
        return [*self.readonly_fields, "appel"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.version = services.prochaine_version(obj.appel)  # the admin's view is atomic: the lock holds
            obj.cree_par = request.user
        obj.save()

    def save_formset(self, request, form, formset, change):
        if formset.model is not LignePlafond:  # pragma: no cover - the only inline
            return super().save_formset(request, form, formset, change)
        services.grille_remplacer_lignes(grille=form.instance, lignes=_donnees(formset), acteur=request.user)
        # what the admin's change message reads (the rows were rewritten by the service, not by the formset)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
