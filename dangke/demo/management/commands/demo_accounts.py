import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dangke.demo.accounts import DEMO_PASSWORD, ensure_demo_accounts
from dangke.demo.builder import DemoError


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))


class Command(BaseCommand):
    help = "创建（或核对）演示账号并列出：每种角色一个，密码均为 dangke-demo"

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow", action="store_true", help="DEBUG 关闭时也创建（仅用于演示环境）"
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="把已存在的演示账号密码重设为 dangke-demo",
        )

    def handle(self, *args, allow, reset_passwords, **options):
        if not (settings.DEBUG or allow or settings.DANGKE_ALLOW_DEMO_ACCOUNTS):
            raise CommandError(
                "当前为生产模式（DEBUG 已关闭），不创建密码公开的演示账号。"
                "确属演示环境的，请加 --allow 或设置环境变量 DANGKE_ALLOW_DEMO_ACCOUNTS=true。"
            )
        try:
            accounts = ensure_demo_accounts(reset_passwords=reset_passwords)
        except DemoError as error:
            raise CommandError(str(error)) from error
        rows = [("用户名", "姓名", "角色", "区划", "范围", "密码")]
        for account in accounts:
            rows.append(
                (
                    account.username,
                    account.full_name,
                    account.role.label,
                    account.region.name,
                    account.scope,
                    DEMO_PASSWORD,
                )
            )
        widths = [max(width(row[i]) for row in rows) for i in range(len(rows[0]))]
        created = sum(account.created for account in accounts)
        self.stdout.write(f"演示账号（新建 {created} 个，已有 {len(accounts) - created} 个）：")
        for number, row in enumerate(rows):
            line = "  ".join(pad(cell, w) for cell, w in zip(row, widths, strict=True))
            self.stdout.write(line.rstrip())
            if number == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
        if created < len(accounts) and not reset_passwords:
            self.stdout.write("已存在的账号保留原密码；加 --reset-passwords 可重设为 dangke-demo。")
