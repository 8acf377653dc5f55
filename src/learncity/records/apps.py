from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "learncity.records"
    label = "records"
    verbose_name = "records (평생학습 이력 · 증명)"

    def ready(self) -> None:
        from learncity.records.subscribers import register

        register()
