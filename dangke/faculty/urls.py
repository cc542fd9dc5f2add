from django.urls import path

from dangke.faculty import views

app_name = "faculty"
urlpatterns = [
    path("", views.teacher_list, name="list"),
    path("new/", views.teacher_create, name="create"),
    path("<int:pk>/", views.teacher_detail, name="detail"),
    path("<int:pk>/edit/", views.teacher_edit, name="edit"),
    path("<int:pk>/status/", views.teacher_status, name="status"),
    path("<int:pk>/photo/", views.teacher_photo, name="photo"),
]
