from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "learncity.notices"
    label = "notices"
    verbose_name = "notices (공지사항)"
