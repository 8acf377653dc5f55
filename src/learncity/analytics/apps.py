from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "learncity.analytics"
    label = "analytics"
    verbose_name = "analytics (지표 · 설문 · 보고서)"

    def ready(self) -> None:
        from learncity.analytics.subscribers import register

        register()
