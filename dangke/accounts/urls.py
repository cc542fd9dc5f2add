from django.urls import path

from dangke.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.DangkeLoginView.as_view(), name="login"),
    path("logout/", views.DangkeLogoutView.as_view(), name="logout"),
    path("region/", views.switch_region, name="switch_region"),
    path("me/", views.profile, name="profile"),
    path("notifications/", views.notifications, name="notifications"),
    path("me/security/", views.security, name="security"),
    path("logins/", views.login_history, name="login_history"),
]
