from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "learncity.planning"
    label = "planning"
    verbose_name = "planning (15분 학습권 · 입지)"
