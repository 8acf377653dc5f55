from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "learncity.search"
    label = "search"
    verbose_name = "search (검색)"
