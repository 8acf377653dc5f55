from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class RecordsConfig(AppConfig):
    name = "learncity.records"
    label = "records"
    verbose_name = "records (평생학습 이력 · 증명)"

    def ready(self) -> None:
        from learncity.records import checks  # noqa: F401  (registers the start-up checks)
        from learncity.records.subscribers import register

        register()
        post_migrate.connect(_signing_key_after_migrate, sender=self)


def _signing_key_after_migrate(using: str = "default", **kwargs: Any) -> None:
    """`learncity migrate` (never a request) makes sure a key signs: the configured file's,
    else one generated when none is usable (records.keys.signing_key_ensure)."""
    import logging

    from django.db import DEFAULT_DB_ALIAS, connections

    from learncity.core.errors import ConfigurationError
    from learncity.records.keys import signing_key_ensure
    from learncity.records.models import SigningKey

    if using != DEFAULT_DB_ALIAS:
        return
    if SigningKey._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated back below the records tables
    try:
        signing_key_ensure()
    except ConfigurationError as exc:
        logging.getLogger("learncity.records").warning("credentials: %s", exc.message)
