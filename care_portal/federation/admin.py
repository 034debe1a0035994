"""The ANS admin sees the identities linked to each account and removes them (through the service,
which logs ``federation.identite.deliee``). Links are made only by their owners: no add, no edit."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from care_portal.workflow.services import WorkflowError

from . import services
from .models import IdentiteFederee


@admin.register(IdentiteFederee)
class IdentiteFedereeAdmin(admin.ModelAdmin):
    list_display = ["utilisateur", "fournisseur", "email", "sub", "liee_le", "derniere_connexion_le"]
    list_filter = ["fournisseur"]
    search_fields = ["utilisateur__email", "utilisateur__nom", "email", "sub"]
    list_select_related = ["utilisateur"]
    readonly_fields = ["utilisateur", "fournisseur", "sub", "email", "liee_le", "derniere_connexion_le"]
    actions = ["delier"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # shown read-only; removal is the only change

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a bulk delete would skip the log
        return actions

    def delete_model(self, request, obj):
        services.identite_delier(identite=obj, acteur=request.user)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except WorkflowError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return self.response_post_save_change(request, None)

    @admin.action(description="Retirer les identités liées sélectionnées", permissions=["delete"])
    def delier(self, request, queryset):
        retirees = 0
        for identite in queryset.select_related("utilisateur"):
            try:
                services.identite_delier(identite=identite, acteur=request.user)
            except WorkflowError as exc:
                self.message_user(request, f"{identite} : {exc.message}", messages.ERROR)
            else:
                retirees += 1
        if retirees:
            self.message_user(request, f"{retirees} identité{'s' if retirees > 1 else ''} retirée"
                                       f"{'s' if retirees > 1 else ''}.", messages.SUCCESS)


class IdentiteFedereeInline(admin.TabularInline):
    """On the account's page: the linked identities, each with its removal link."""

    model = IdentiteFederee
    extra = 0
    can_delete = False
    fields = ["fournisseur", "email", "sub", "liee_le", "derniere_connexion_le", "retirer"]
    readonly_fields = fields
    verbose_name_plural = "identités fédérées (ProConnect, Pro Santé Connect)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="retirer")
    def retirer(self, obj):
        if obj.pk is None:
            return ""
        url = reverse("admin:federation_identitefederee_delete", args=[obj.pk])
        return format_html('<a href="{}">Retirer cette identité</a>', url)
