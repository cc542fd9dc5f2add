from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from dangke.api import api_urls

urlpatterns = [
    path("", include("dangke.reports.urls")),
    path("accounts/", include("dangke.accounts.urls")),
    path("organizations/", include("dangke.regions.urls")),
    path("faculty/", include("dangke.faculty.urls")),
    path("courses/", include("dangke.courses.urls")),
    path("imports/", include("dangke.imports.urls")),
    path("broadcast/", include("dangke.broadcast.urls")),
    path("media-works/", include("dangke.media.urls")),
    path("delivery/", include("dangke.delivery.urls")),
    path("evaluation/", include("dangke.evaluation.urls")),
    path("quizzes/", include("dangke.quizzes.urls")),
    path("training/", include("dangke.training.urls")),
    path("contests/", include("dangke.contests.urls")),
    path("insights/", include("dangke.insights.urls")),
    path("care/", include("dangke.care.urls")),
    path("annual-report/", include("dangke.workreport.urls")),
    path("members/", include("dangke.members.urls")),
    path("advice/", include("dangke.advice.urls")),
    path("alliances/", include("dangke.alliances.urls")),
    path("exports/", include("dangke.imports.export_views")),
    path("api/v1/", api_urls()),
    # The language switcher works on the sign-in page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("dangke.ops.urls")),
]
# Uploaded files are never served from /media/: courseware, photos and workbooks go
# through views that check the user's scope first.

handler400 = "dangke.core.views.bad_request"
handler403 = "dangke.core.errors.permission_denied"
handler404 = "dangke.core.errors.page_not_found"
handler500 = "dangke.core.errors.server_error"
