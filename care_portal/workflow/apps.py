from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "care_portal.workflow"
    label = "workflow"
    verbose_name = "Journal des transitions"
