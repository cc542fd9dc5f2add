from django.urls import path

from dangke.ops import views

app_name = "ops"
urlpatterns = [path("healthz", views.healthz, name="healthz")]
