from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "learncity.learners"
    label = "learners"
    verbose_name = "learners (학습자)"
