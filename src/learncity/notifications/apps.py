from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "learncity.notifications"
    label = "notifications"
    verbose_name = "notifications (알림)"
