from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from dangke.api import api

urlpatterns = [
    path("", include("dangke.reports.urls")),
    path("accounts/", include("dangke.accounts.urls")),
    path("organizations/", include("dangke.regions.urls")),
    path("faculty/", include("dangke.faculty.urls")),
    path("courses/", include("dangke.courses.urls")),
    path("imports/", include("dangke.imports.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
