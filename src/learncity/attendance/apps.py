from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "learncity.attendance"
    label = "attendance"
    verbose_name = "attendance (출석·수료)"

    def ready(self) -> None:
        from learncity.attendance.subscribers import register

        register()
