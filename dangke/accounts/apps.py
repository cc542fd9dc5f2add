from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dangke.accounts"
    verbose_name = "用户与权限"
