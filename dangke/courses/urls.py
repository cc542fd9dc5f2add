from django.urls import path

from dangke.courses import package_views, views

app_name = "courses"
urlpatterns = [
    path("", views.course_list, name="list"),
    path("new/", views.course_create, name="create"),
    path("packages/import/", package_views.package_import, name="package_import"),
    path("<int:pk>/", views.course_detail, name="detail"),
    path("<int:pk>/edit/", views.course_edit, name="edit"),
    path("<int:pk>/status/", views.course_status, name="status"),
    path("<int:pk>/outline/", views.course_outline, name="outline"),
    path("<int:pk>/courseware/", views.course_courseware, name="courseware"),
    path("<int:pk>/courseware/v<int:version>/", views.courseware_file, name="courseware_file"),
    path("<int:pk>/package/", package_views.course_package, name="package"),
]
