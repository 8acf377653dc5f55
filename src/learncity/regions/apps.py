from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "learncity.regions"
    label = "regions"
    verbose_name = "regions (시·도 / 시·군·구 / 읍·면·동)"
