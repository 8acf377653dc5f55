from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "learncity.enrollment"
    label = "enrollment"
    verbose_name = "enrollment (수강신청)"

    def ready(self) -> None:
        from learncity.core import events
        from learncity.enrollment.selectors import registration_asked
        from learncity.search.events import RegistrationAsked

        # search shows, filters and counts the status the offer decides (issue 18, item 6)
        events.answer(RegistrationAsked, registration_asked)
