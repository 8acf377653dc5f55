from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "learncity.console"
    label = "console"
    verbose_name = "console (행정 콘솔)"
