from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from care_portal.federation.admin import IdentiteFedereeInline
from care_portal.workflow.services import WorkflowError

from . import totp
from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "prenom", "nom", "is_staff", "is_active"]
    search_fields = ["email", "prenom", "nom"]
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Identité", {"fields": ("prenom", "nom", "telephone")}),
        ("Droits", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Double authentification", {"fields": ("enrolement_totp_autorise_le",)}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ["enrolement_totp_autorise_le"]
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    actions = ["reinitialiser_double_authentification"]
    inlines = [IdentiteFedereeInline]  # ProConnect / Pro Santé Connect identities, removable by the ANS admin

    @admin.action(description="Réinitialiser la double authentification (envoie un lien d'activation)")
    def reinitialiser_double_authentification(self, request, queryset):
        envoyes = 0
        for user in queryset:
            try:
                totp.enrolement_autoriser(utilisateur=user, acteur=request.user)
            except WorkflowError as exc:
                self.message_user(request, f"{user.email} : {exc.message}", messages.ERROR)
            else:
                envoyes += 1
        if envoyes:
            self.message_user(request, f"Lien d'activation envoyé à {envoyes} compte{'s' if envoyes > 1 else ''}.",
                              messages.SUCCESS)
