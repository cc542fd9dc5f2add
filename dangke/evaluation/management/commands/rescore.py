"""`dangke rescore`: recompute lesson scores from the raw answers."""

import json

from django.core.management.base import BaseCommand, CommandError

from dangke.evaluation.models import Survey, SurveyKind
from dangke.evaluation.scores import rescore, survey_document
from dangke.evaluation.year_rollup import rebuild as rebuild_evaluation_years


class Command(BaseCommand):
    help = "从原始答卷重新计算授课得分（可限定区划、年度或单个测评）"

    def add_arguments(self, parser):
        parser.add_argument("--region", help="区划代码前缀，如 511102")
        parser.add_argument("--year", type=int, help="授课年度")
        parser.add_argument("--survey", type=int, help="单个现场测评的编号")
        parser.add_argument(
            "--dump",
            metavar="FILE",
            help="与 --survey 同用：把计分文件写到 FILE，供 dangke score 复核",
        )

    def handle(self, *args, region, year, survey, dump, **options):
        surveys = Survey.objects.filter(kind=SurveyKind.ON_SITE)
        if region:
            surveys = surveys.filter(region__code__startswith=region)
        if year:
            surveys = surveys.filter(lesson__starts_at__year=year)
        if survey:
            surveys = surveys.filter(pk=survey)
            if not surveys.exists():
                raise CommandError(f"没有编号为 {survey} 的现场测评")
        if dump:
            if not survey:
                raise CommandError("--dump 需要同时给出 --survey")
            with open(dump, "w", encoding="utf-8") as handle:
                json.dump(survey_document(surveys.get()), handle, ensure_ascii=False, indent=2)
        count = rescore(surveys)  # recounts the tallies, and the county-years they touch
        if not survey:  # and every row of the years and region asked, stale ones too
            rebuild_evaluation_years(year, region)
        published = surveys.filter(published_at__isnull=False).count()
        self.stdout.write(f"已重新计分 {count} 个测评，其中 {published} 个达到发布门槛")
