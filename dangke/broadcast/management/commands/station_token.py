from django.core.management.base import BaseCommand, CommandError

from dangke.broadcast.models import BroadcastStation
from dangke.broadcast.services import issue_station_token


class Command(BaseCommand):
    help = "为大喇叭站点生成上报令牌并打印（只存摘要，旧令牌随即失效）"

    def add_arguments(self, parser):
        parser.add_argument("code", help="站点编号（所在村的 12 位区划代码）")

    def handle(self, *args, code, **options):
        try:
            station = BroadcastStation.objects.get(code=code)
        except BroadcastStation.DoesNotExist as error:
            raise CommandError(f"没有编号为「{code}」的站点") from error
        self.stdout.write(issue_station_token(station))
