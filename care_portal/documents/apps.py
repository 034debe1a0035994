from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "care_portal.documents"
    label = "documents"
    verbose_name = "Documents"
