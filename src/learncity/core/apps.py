from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "learncity.core"
    label = "core"
    verbose_name = "learncity core"

    def ready(self) -> None:
        # A missing or older .mo (a fresh clone run without make) would show Korean on
        # English pages: compile the catalogue before any page is translated.
        import contextlib

        from learncity.core import catalogue

        with contextlib.suppress(OSError):  # a read-only install: make compiled it
            catalogue.compile_all(only_stale=True)
