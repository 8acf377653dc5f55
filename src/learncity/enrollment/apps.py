from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "learncity.enrollment"
    label = "enrollment"
    verbose_name = "enrollment (수강신청)"
