from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "learncity.catalog"
    label = "catalog"
    verbose_name = "catalog (기관 · 장소 · 강좌)"
