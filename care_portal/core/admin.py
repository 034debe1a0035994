from django.contrib import admin


class LectureSeuleAdmin(admin.ModelAdmin):
    """For models that change only through the services (logs, documents): the admin reads."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
