"""The analytics pages of the console (issue 8)."""

from django.urls import path

from learncity.console import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("indicators/", views.indicator_list, name="indicators"),
    path("indicators/<str:indicator_id>/", views.indicator_detail, name="indicator"),
    path("lookalikes/", views.lookalikes, name="lookalikes"),
    path("survey/", views.survey_page, name="survey"),
    path("delivery/", views.delivery_page, name="delivery"),
    path("report/", views.report_download, name="report"),
    path("report/jobs/", views.report_job_request, name="report_jobs"),
    path("report/jobs/<int:job_id>/", views.report_job_page, name="report_job"),
    path("report/jobs/<int:job_id>/file", views.report_job_download, name="report_job_file"),
]
