"""The desk's rows, read only, for the ANS administrators (role ``admin_ans``, whatever the staff flags):
every write goes through services.py and its log, never through the admin."""

from __future__ import annotations

from django.contrib import admin

from care_portal.comptes.selectors import habilitations
from care_portal.core.admin import LectureSeuleAdmin

from .models import Affectation, Etiquette, Note


class LectureSeuleAdminANS(LectureSeuleAdmin):
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and habilitations(request.user).est_admin

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)


@admin.register(Affectation)
class AffectationAdmin(LectureSeuleAdminANS):
    list_display = ("dossier_id", "region", "agent", "modifiee_le", "modifiee_par")
    list_select_related = ("region", "agent", "modifiee_par")
    list_filter = ("region",)
    date_hierarchy = "modifiee_le"


@admin.register(Etiquette)
class EtiquetteAdmin(LectureSeuleAdminANS):
    list_display = ("libelle", "region", "couleur", "cree_par", "cree_le")
    list_select_related = ("region", "cree_par")
    list_filter = ("region",)


@admin.register(Note)
class NoteAdmin(LectureSeuleAdminANS):
    list_display = ("dossier_id", "auteur", "region", "cree_le")
    list_select_related = ("auteur", "region")
    list_filter = ("region",)
    date_hierarchy = "cree_le"
