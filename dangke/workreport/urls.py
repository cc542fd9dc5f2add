from django.urls import path

from dangke.workreport import views

app_name = "workreport"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("<int:pk>/<str:kind>/", views.download, name="download"),
]
