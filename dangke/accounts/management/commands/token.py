from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from dangke.accounts.models import ApiToken


class Command(BaseCommand):
    help = "为用户生成一个接口令牌并打印（只存哈希，令牌仅显示这一次）"

    def add_arguments(self, parser):
        parser.add_argument("username", help="用户名")
        parser.add_argument("--name", default="cli", help="令牌用途说明，默认 cli")

    def handle(self, *args, username, name, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"用户「{username}」不存在") from error
        if not user.is_active:
            raise CommandError(f"用户「{username}」已停用，不能生成令牌")
        self.stdout.write(ApiToken.issue(user, name=name))
