from django.urls import include, path
from django.views.i18n import set_language

from learncity.api.v1 import api as api_v1

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api_v1.urls),
    path("", include("learncity.portal.urls")),
]
