from django.urls import path

from dangke.advice import views

app_name = "advice"

urlpatterns = [
    path(
        "organizations/<int:pk>/suggestions/", views.organisation_suggestions, name="organization"
    ),
    path("gaps/", views.county_gaps, name="gaps"),
    path("warnings/", views.warning_list, name="warnings"),
]
