"""`dangke course-export CODE --output FILE.zip`: a course's package (课程包), the format of
docs/course-package.md, for another installation to import."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangke.courses import packages
from dangke.courses.models import Course


class Command(BaseCommand):
    help = "把一门课程导出为课程包（.zip，格式见 docs/course-package.md）"

    def add_arguments(self, parser):
        parser.add_argument("code", help="课程编号")
        parser.add_argument("--output", required=True, help="要写出的课程包，以 .zip 结尾")

    def handle(self, *args, code, output, **options):
        path = Path(output)
        if path.suffix.lower() != ".zip":
            raise CommandError("课程包须以 .zip 结尾")
        # The operator of the installation exports whatever course they name: no scope.
        course = Course.objects.select_related("region", "series").filter(code=code).first()
        if course is None:
            raise CommandError(f"找不到课程编号为「{code}」的课程")
        partial = path.with_name(path.name + ".part")
        try:
            manifest = packages.write_package(course, partial)
        except packages.PackageRejected as error:
            partial.unlink(missing_ok=True)
            raise CommandError("；".join(error.problems)) from error
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(path)
        score = manifest["score"]
        self.stdout.write(
            f"课程「{course.title}」：知识点 {len(manifest['outline'])} 个，"
            f"课件 {len(manifest['courseware'])} 个版本，"
            + (f"评价 {score['score']}（n={score['n_responses']}）" if score else "尚无公布的评价")
            + f" → {path}"
        )
