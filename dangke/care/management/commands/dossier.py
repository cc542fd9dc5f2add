from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangke.care import dossier
from dangke.faculty.models import Teacher


class Command(BaseCommand):
    help = "写出一位师资的年度个人教学档案（.docx 或 .pdf）"

    def add_arguments(self, parser):
        parser.add_argument("username", help="师资的登录用户名（或师资编号）")
        parser.add_argument("--year", type=int, default=None, help="年度，默认今年")
        parser.add_argument("--output", required=True, help="输出文件，以 .docx 或 .pdf 结尾")

    def handle(self, *args, username, year, output, **options):
        year = year or timezone.localdate().year
        path = Path(output)
        if path.suffix.lower() not in (".docx", ".pdf"):
            raise CommandError("输出文件须以 .docx 或 .pdf 结尾")
        user = get_user_model().objects.filter(username=username).first()
        teacher = Teacher.objects.filter(user=user).first() if user else None
        teacher = teacher or Teacher.objects.filter(code=username).first()
        if teacher is None:
            raise CommandError(f"找不到用户名或师资编号为「{username}」的师资")
        data = dossier.dossier_data(teacher, year)
        content = dossier.as_pdf(data) if path.suffix.lower() == ".pdf" else dossier.as_docx(data)
        path.write_bytes(content)
        self.stdout.write(
            f"{dossier.title_of(data)}：授课 {data['lesson_count']} 场，"
            f"{data['hours']} 小时 → {path}"
        )
