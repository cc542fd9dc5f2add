from django.urls import path

from dangke.quizzes import views

app_name = "quizzes"
urlpatterns = [
    path("courses/<int:pk>/", views.bank, name="bank"),
    path("courses/<int:pk>/template.xlsx", views.bank_template, name="bank_template"),
    path("courses/<int:pk>/export.xlsx", views.bank_export, name="bank_export"),
    path("surveys/<int:survey_pk>/set/", views.set_quiz, name="set_quiz"),
    # Public, no login: the pre-test behind the survey's code.
    path("p/<str:key>/", views.pre_test, name="pre_test"),
]
