from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _cache_table(using: str = "default", **kwargs: Any) -> None:
    """The database cache's table (settings.CACHES, the rate limits' shared store) is no
    model, so no migration makes it: every migrate does, the test database's included."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class CoreConfig(AppConfig):
    name = "learncity.core"
    label = "core"
    verbose_name = "learncity core"

    def ready(self) -> None:
        post_migrate.connect(_cache_table, sender=self, dispatch_uid="learncity-cache-table")
        # A missing or older .mo (a fresh clone run without make) would show Korean on
        # English pages: compile the catalogue before any page is translated.
        import contextlib

        from learncity.core import catalogue

        with contextlib.suppress(OSError):  # a read-only install: make compiled it
            catalogue.compile_all(only_stale=True)
