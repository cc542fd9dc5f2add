from django.urls import path

from dangke.reports import views

app_name = "reports"
urlpatterns = [path("", views.dashboard, name="dashboard")]
