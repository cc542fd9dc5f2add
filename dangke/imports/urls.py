from django.urls import path

from dangke.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("<str:kind>/template.xlsx", views.template, name="template"),
    path("<str:kind>/upload/", views.upload, name="upload"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("jobs/<int:pk>/errors.xlsx", views.job_errors, name="job_errors"),
    path("jobs/<int:pk>/confirm/", views.job_confirm, name="job_confirm"),
]
