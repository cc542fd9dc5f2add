"""Demo training (seed 000 and 004): last month's city-wide class for teachers, whose menu
of ten topics was cut to the seven most chosen (菜单式授课、点餐式学习), run, attended and
closed; ten 先学后讲 sessions its trainees then gave in 29 villages to about 600 people,
recorded as lessons; and next month's class with its menu open for choosing.
Deterministic for a given seed."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from dangke.accounts.scoping import Scope
from dangke.core.calendar import YearSoFar, report_year
from dangke.courses.models import Course, CourseStatus
from dangke.faculty.models import Teacher, TeacherStatus
from dangke.regions.models import Organization, OrganizationKind, Region
from dangke.training import services
from dangke.training.models import TrainingClass

TOPICS = (
    ("习近平新时代中国特色社会主义思想", 1.6),
    ("党的二十大精神宣讲要点", 1.5),
    ("党课讲授技巧与互动设计", 1.4),
    ("乡村振兴政策解读", 1.2),
    ("基层治理案例教学", 1.1),
    ("新媒体微党课制作", 1.0),
    ("红色文化资源开发", 0.9),
    ("党史学习教育专题", 0.6),
    ("公文写作", 0.4),
    ("心理健康调适", 0.3),
)
KEEP = 7


def clear_training_demo(root_code: str) -> None:
    TrainingClass.objects.filter(region__code__startswith=root_code).delete()


def build_training_demo(
    seed: int, root_code: str, admin=None, period: YearSoFar | None = None
) -> dict[str, int]:
    """The closed class runs early in the last month of `period` that is over (last month,
    or December of a closed year); the next class opens three weeks from today."""
    period = period or YearSoFar.of(report_year())
    rng = random.Random(f"dangke-demo:training:{seed}")
    root = Region.objects.get(code=root_code)
    scope = Scope(managed_region_codes=(root_code,), region_codes=(root_code,))
    today = period.today
    start = datetime.date(*period.last_past_month, 6)
    pool = list(
        Teacher.objects.filter(region__code__startswith=root_code, status=TeacherStatus.ACTIVE)
        .exclude(region_id=root_code)
        .order_by("code")
    )
    lecturers = [t for t in pool if t.level != "county"][:10] or pool[:10]
    trainees = rng.sample(pool, min(45, len(pool)))
    klass = services.create_class(
        scope=scope, actor=admin, region=root, title=f"{root.name}{start.year}年度师资能力提升班",
        starts_on=start, ends_on=start + datetime.timedelta(days=2),
        venue=f"{root.name}委党校", modules_to_complete=3, max_choices=4,
        description="菜单式授课、点餐式学习：开班前学员从 10 个专题中选 4 个，按需求开设 7 个。",
    )  # fmt: skip
    modules = []
    for index, (topic, _weight) in enumerate(TOPICS):
        when = datetime.datetime.combine(
            start + datetime.timedelta(days=index % 3), datetime.time(9 if index % 2 else 14)
        )
        modules.append(
            services.add_module(
                klass, scope=scope, actor=admin, topic=topic,
                teacher=lecturers[index % len(lecturers)] if lecturers else None,
                starts_at=timezone.make_aware(when), capacity=30,
            )
        )  # fmt: skip
    enrollments = [
        services.enroll(klass, scope=scope, actor=admin, teacher=teacher) for teacher in trainees
    ]
    services.open_menu(klass, scope=scope, actor=admin)
    weights = [w for _t, w in TOPICS]
    for enrollment in enrollments:
        picked = set()
        while len(picked) < 4:
            picked.add(rng.choices(range(len(modules)), weights=weights)[0])
        services.choose_modules(enrollment, [modules[i].pk for i in picked], scope=scope)
    # the choosing happened before the class; its deadline is recorded afterwards
    TrainingClass.objects.filter(pk=klass.pk).update(choose_by=start - datetime.timedelta(days=3))
    demand = services.demand(klass)
    for row in demand[KEEP:]:
        services.adjust_module(row["module"], scope=scope, actor=admin, is_offered=False,
                               note="选课人数少，本期不开设")  # fmt: skip
    for row in demand[:2]:
        services.adjust_module(row["module"], scope=scope, actor=admin, capacity=row["chosen"],
                               note="需求旺盛，扩大容量")  # fmt: skip
    services.start_class(klass, scope=scope, actor=admin)
    for row in demand[:KEEP]:
        module = row["module"]
        admitted = list(
            module.choices.filter(admitted=True).values_list("enrollment_id", flat=True)
        )
        present = [pk for pk in admitted if rng.random() < 0.92]
        services.record_attendance(module, present, scope=scope, actor=admin)
    outcome = services.complete_class(klass, scope=scope, actor=admin)
    forum = _forum(rng, scope, admin, klass)
    sessions = _cascade(rng, scope, admin, root_code, klass, start + datetime.timedelta(days=5))
    upcoming = services.create_class(
        scope=scope, actor=admin, region=root, title=f"{root.name}基层党组织书记示范培训班",
        starts_on=today + datetime.timedelta(days=20), ends_on=today + datetime.timedelta(days=21),
        choose_by=today + datetime.timedelta(days=10), venue=f"{root.name}委党校",
        modules_to_complete=2, max_choices=3,
    )  # fmt: skip
    for topic, _weight in TOPICS[:6]:
        services.add_module(upcoming, scope=scope, actor=admin, topic=topic, capacity=25)
    others = [t for t in pool if t not in trainees][:20]
    upcoming_modules = list(upcoming.modules.all())
    services.open_menu(upcoming, scope=scope, actor=admin)
    for teacher in others:
        enrollment = services.enroll(upcoming, scope=scope, actor=admin, teacher=teacher)
        picked = rng.sample(upcoming_modules, 2)
        services.choose_modules(enrollment, [m.pk for m in picked], scope=scope)
    return {
        "training_classes": 2,
        "training_modules": len(modules) + len(upcoming_modules),
        "enrolments": len(enrollments) + len(others),
        "completed_trainees": outcome["completed"],
        "cascade_sessions": sessions,
        **forum,
    }


def _cascade(rng, scope, admin, root_code, klass, first_day) -> int:
    """Ten sessions, each in one village with two or three neighbours: 29 villages."""
    villages = list(
        Organization.objects.filter(
            region__code__startswith=root_code, kind=OrganizationKind.VILLAGE, is_active=True
        ).order_by("code")[:29]
    )
    completed = list(klass.enrollments.filter(status="completed").order_by("pk"))
    listed = Course.objects.filter(region__code__startswith=root_code, status=CourseStatus.LISTED)
    courses = list(listed.order_by("code")[:20])
    if len(villages) < 29 or not completed or not courses:
        return 0
    sizes = [3] * 9 + [2]
    made, at = 0, 0
    for index, size in enumerate(sizes):
        group = villages[at : at + size]
        at += size
        when = datetime.datetime.combine(
            first_day + datetime.timedelta(days=index * 2), datetime.time(15)
        )
        when = timezone.make_aware(when)
        if when > timezone.now():
            continue
        services.record_cascade_session(
            completed[index % len(completed)], scope=scope, actor=admin,
            course=rng.choice(courses), organization=group[0], other_organizations=group[1:],
            starts_at=when, attendees_count=rng.randint(50, 70),
        )  # fmt: skip
        made += 1
    return made


FORUM = (
    ("如何把党的创新理论讲得接地气", [("习近平谈治国理政", "")], "用村里的事例讲政策，效果最好。"),
    ("先学后讲：回村怎么讲", [("中国共产党章程", ""), ("中国共产党支部工作条例（试行）", "")],
     "先讲一个身边的故事，再讲文件要点。"),
    ("新媒体时代的微党课", [("习近平关于网络强国论述摘编", "")], "短视频五分钟以内，群众更爱看。"),
)  # fmt: skip
REPLIES = ("很受启发", "我们村也是这么做的", "建议多配图片", "赞同，时间要短", "能否分享课件")


def _forum(rng, scope, admin, klass) -> dict[str, int]:
    """Three topics with study lists, posts and replies from trainees; essays submitted,
    reviewed, two published; one off-topic post hidden."""
    trainees = list(klass.enrollments.select_related("teacher").order_by("pk"))
    posts = 0
    for title, books, opening in FORUM:
        topic = services.add_topic(
            klass, scope=scope, actor=admin, title=title, guide=opening,
            study_list=[{"title": b, "author": a} for b, a in books],
        )  # fmt: skip
        for enrollment in rng.sample(trainees, min(5, len(trainees))):
            post = services.post(topic, scope=scope, user=admin, body=opening)
            post.author_name = enrollment.name
            post.save(update_fields=["author_name"])
            for reply_by in rng.sample(trainees, 2):
                reply = services.post(topic, scope=scope, user=admin, body=rng.choice(REPLIES),
                                      parent=post)  # fmt: skip
                reply.author_name = reply_by.name
                reply.save(update_fields=["author_name"])
                posts += 1
            posts += 1
    off_topic = services.post(topic, scope=scope, user=admin, body="出售二手教材，联系我")
    services.hide_post(off_topic, scope=scope, actor=admin, reason="与培训无关的广告")
    essays = published = 0
    for index, enrollment in enumerate(trainees[:8]):
        participant = type(scope)(teacher_ids=(enrollment.teacher_id,))
        essay = services.submit_essay(
            enrollment, scope=participant, title=f"{enrollment.name}：参训心得",
            body="通过这次点餐式培训，我学到了把理论讲给群众听的方法。回村后准备先学后讲。",
        )  # fmt: skip
        essays += 1
        if index < 6:
            services.review_essay(essay, scope=scope, actor=admin, accept=True, note="内容扎实")
            if index < 2:
                services.publish_essay(essay, scope=scope, actor=admin)
                published += 1
        elif index == 6:
            services.review_essay(essay, scope=scope, actor=admin, accept=False,
                                  note="请结合本村实际补充")  # fmt: skip
    return {"forum_topics": len(FORUM), "forum_posts": posts, "essays": essays,
            "essays_published": published}  # fmt: skip
