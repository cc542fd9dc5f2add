from django.urls import path

from dangke.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("<int:pk>/boundaries/", views.boundaries, name="boundaries"),
    path("<int:pk>/rerun/", views.rerun, name="rerun"),
    path("<int:pk>/report.pdf", views.pdf, name="pdf"),
    path("<int:pk>/share/", views.share, name="share"),
    path("entry/<int:entry_pk>/", views.analyse_entry, name="analyse_entry"),
]
