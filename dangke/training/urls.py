from django.urls import path

from dangke.training import views

app_name = "training"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/modules/", views.module_add, name="module_add"),
    path("<int:pk>/advance/", views.advance, name="advance"),
    path("<int:pk>/enroll/", views.enroll, name="enroll"),
    path("modules/<int:pk>/adjust/", views.module_adjust, name="module_adjust"),
    path("modules/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("enrollments/<int:pk>/choose/", views.choose, name="choose"),
    path("<int:pk>/cascade/", views.cascade, name="cascade"),
    path("<int:pk>/topics/", views.topic_add, name="topic_add"),
    path("topics/<int:pk>/", views.topic, name="topic"),
    path("posts/<int:pk>/hide/", views.post_hide, name="post_hide"),
    path("enrollments/<int:pk>/essay/", views.essay_submit, name="essay_submit"),
    path("essays/<int:pk>/review/", views.essay_review, name="essay_review"),
]
