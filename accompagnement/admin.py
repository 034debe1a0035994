"""The FAQ and the reference documents, edited by the ANS administrators only (role ``admin_ans``,
whatever the Django staff flags say: a staff account without the role sees nothing of them). A reference
document's file goes through the documents service (checks, antivirus), never straight to storage."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from care_portal.comptes.selectors import habilitations
from care_portal.workflow.services import WorkflowError

from . import selectors, services
from .models import DemandeAide, DocumentReference, MessageAide, QuestionFAQ


class ReserveAdminANS:
    """Every admin permission requires the ``admin_ans`` role."""

    def _admin_ans(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and habilitations(request.user).est_admin

    def has_module_permission(self, request):
        return self._admin_ans(request)

    def has_view_permission(self, request, obj=None):
        return self._admin_ans(request)

    def has_add_permission(self, request):
        return self._admin_ans(request)

    def has_change_permission(self, request, obj=None):
        return self._admin_ans(request)

    def has_delete_permission(self, request, obj=None):
        return self._admin_ans(request)


@admin.register(QuestionFAQ)
class QuestionFAQAdmin(ReserveAdminANS, admin.ModelAdmin):
    list_display = ["question", "objectif", "publiee_le", "modifiee_le"]
    list_filter = ["objectif"]
    search_fields = ["question", "reponse"]
    fields = ["objectif", "question", "reponse", "ordre", "publiee_le"]


class DocumentReferenceForm(forms.ModelForm):
    fichier = forms.FileField(label="Fichier", required=False,
                              help_text="PDF, bureautique ou image ; une nouvelle version remplace la précédente "
                                        "sur le site public (l'ancienne est conservée).")

    class Meta:
        model = DocumentReference
        fields = ["titre", "description", "ordre", "publie_le"]


@admin.register(DocumentReference)
class DocumentReferenceAdmin(ReserveAdminANS, admin.ModelAdmin):
    form = DocumentReferenceForm
    list_display = ["titre", "publie_le", "modifie_le", "fichier_actuel"]
    readonly_fields = ["fichier_actuel"]

    @admin.display(description="fichier actuel")
    def fichier_actuel(self, obj) -> str:
        if obj is None or obj.pk is None:
            return "—"
        f = selectors.fichier_de(obj)
        return f"{f.nom_original} (version {f.version})" if f else "aucun"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        fichier = form.cleaned_data.get("fichier")
        if fichier:
            try:
                services.document_reference_deposer(reference=obj, fichier=fichier, acteur=request.user)
            except WorkflowError as exc:
                messages.error(request, f"Le fichier n'a pas été enregistré : {exc.message}")


class MessageAideEnLigne(admin.TabularInline):
    model = MessageAide
    extra = 0
    can_delete = False
    readonly_fields = ["auteur", "cote", "corps", "cree_le"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DemandeAide)
class DemandeAideAdmin(ReserveAdminANS, admin.ModelAdmin):
    """Read only: the requests are answered from the portal (the queue), where the services log them."""

    list_display = ["objet", "candidature", "destinataire", "region", "etat", "cree_le", "attente_depuis"]
    list_filter = ["destinataire", "etat", "region"]
    inlines = [MessageAideEnLigne]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
