from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "learncity.portal"
    label = "portal"
    verbose_name = "citizen portal"
