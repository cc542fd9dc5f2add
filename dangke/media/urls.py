"""New media. The lead includes these at /media-works/."""

from django.urls import path

from dangke.media.views import catalogue, office, portal

app_name = "media"
urlpatterns = [
    path("", office.work_list, name="list"),
    path("new/", office.work_create, name="create"),
    path("<int:pk>/", office.work_detail, name="detail"),
    path("<int:pk>/edit/", office.work_edit, name="edit"),
    path("<int:pk>/status/", office.work_status, name="status"),
    path("<int:pk>/file/", office.work_file, name="office_file"),
    path("<int:pk>/feedback/", office.work_feedback_page, name="feedback"),
    path("teachers/<int:pk>/feedback/", office.teacher_feedback_page, name="teacher_feedback"),
    path("catalogue/", catalogue.catalogue_page, name="catalogue"),
    path("catalogue/<str:kind>/new/", catalogue.entry_create, name="catalogue_create"),
    path(
        "catalogue/<str:kind>/<int:pk>/<str:action>/",
        catalogue.entry_change,
        name="catalogue_change",
    ),
    path("comments/", office.comment_queue, name="comments"),
    path("comments/<int:pk>/moderate/", office.comment_moderate, name="moderate"),
    # Public, no login: the portal members open on their phones.
    path("portal/<str:region_code>/", portal.portal, name="portal"),
    path("w/<int:pk>/", portal.watch, name="watch"),
    path("w/<int:pk>/file/", portal.public_file, name="file"),
    path("w/<int:pk>/event/", portal.view_event, name="event"),
]
