from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "care_portal.notifications"
    label = "notifications"
    verbose_name = "Notifications"
