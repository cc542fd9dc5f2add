"""The year's work report: sentences from the data, scoping, the command's .docx, the
background task's progress and failure, and LibreOffice's conversion where installed."""

import datetime
import io

import docx
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from dangke.accounts.scoping import Scope, scope_for_user
from dangke.core.calendar import report_year
from dangke.delivery.models import Campaign, Lesson, LessonStatus
from dangke.faculty.models import TeacherLevel
from dangke.regions.models import Organization, OrganizationKind, RegionLevel
from dangke.reports.queries import year_figures
from dangke.workreport import build as build_module
from dangke.workreport.compose import compose
from dangke.workreport.data import collect
from dangke.workreport.models import AnnualReport, ReportState
from dangke.workreport.pdf import docx_to_pdf, soffice_path
from tests.conftest import PASSWORD, make_region, make_teacher

pytestmark = pytest.mark.django_db


@pytest.fixture
def year():
    return report_year()  # the year the office's pages and the report default to


@pytest.fixture
def campaign(world, year):
    """A city campaign: county a's organisation taught by its county teacher, county b's by
    the city teacher and county b's teacher together."""
    campaign = Campaign.objects.create(
        name="万堂示范课下基层",
        region=world.city,
        starts_on=datetime.date(year, 1, 1),
        ends_on=datetime.date(year, 12, 31),
        target_lessons=10,
    )
    give(world, world.org_a, [world.teacher_a], campaign, year)
    give(world, world.org_b, [world.city_teacher, world.teacher_b], campaign, year)
    return campaign


def give(world, organization, teachers, campaign, year, course=None):
    lesson = Lesson.objects.create(
        course=course or world.course_a,
        organization=organization,
        region=organization.region,
        starts_at=datetime.datetime(year, 1, 1, 0, 30, tzinfo=timezone.get_current_timezone()),
        duration_minutes=90,
        campaign=campaign,
        status=LessonStatus.DELIVERED,
        attendees_count=organization.member_count,
    )
    lesson.teachers.set(teachers)
    return lesson


def city_text(year) -> str:
    scope = Scope(is_superuser=True, region_codes=("5111",))
    return compose(collect(scope, year, "5111")).text()


def test_city_campaign_sentence_is_written_from_the_data(world, campaign, year):
    text = city_text(year)
    assert "乐山市" in text and "一、以训提能" in text and "五、以评增效" in text
    assert (
        "统筹安排1名市级、2名县级党员教育师资到机关、园区、学校、村（社区）开展送课活动2场，"
        "覆盖2个基层党组织、90余名党员。"
    ) in text
    # Nothing happened in training or on the loudspeakers: said plainly or left out.
    assert "本年度尚未举办师资培训班" in text
    assert "大喇叭" not in text and "省级" not in text


def test_changing_the_data_changes_the_sentence(world, campaign, year):
    big = Organization.objects.create(
        code="O-A-002",
        name="市中区机关党委",
        kind=OrganizationKind.ORGAN,
        region=world.county_a,
        member_count=47_300,
    )
    province = make_teacher("T-P-001", "赵省", world.city, level=TeacherLevel.PROVINCE)
    give(world, big, [province], campaign, year)
    text = city_text(year)
    assert (
        "统筹安排1名省级、1名市级、2名县级党员教育师资到机关、园区、学校、村（社区）开展送课活动3场，"
        "覆盖3个基层党组织、4.7万余名党员。"
    ) in text
    # The appendix holds the exact value behind the rounded one.
    assert "覆盖党员　被覆盖基层党组织的党员人数之和　47,395　/delivery/coverage/" in text


def test_a_county_admins_report_is_the_county_in_seed_000s_structure(world, campaign, year):
    scope = scope_for_user(world.county_a_admin)
    data = collect(scope, year, "511102")
    text = compose(data).text()
    assert "市中区" in text
    assert "一、突出“向中心聚焦、为大局聚力”" in text
    assert "三、突出“有形有效、开门开放”" in text
    assert "全年开展党员教育授课1场" in text
    assert [row["covered"] for row in data.coverage] == [1]
    assert "犍为县" not in text and "大榜村" not in text and "李建国" not in text


def test_command_writes_an_editable_docx(world, campaign, year, tmp_path):
    output = tmp_path / "report.docx"
    call_command("report", "--year", str(year), "--region", "5111", "--output", str(output))
    document = docx.Document(str(output))
    styles = {p.style.name for p in document.paragraphs}
    assert {"Title", "Heading 1", "Normal"} <= styles
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "一、以训提能，优化供给，实现受训施训的“双向奔赴”"
    assert headings[-1] == "附：数据说明"
    body = document.styles["Normal"].element.rPr.rFonts
    assert body.get(docx.oxml.ns.qn("w:eastAsia")) == "Noto Serif CJK SC"
    heading = document.styles["Heading 1"].element.rPr.rFonts
    assert heading.get(docx.oxml.ns.qn("w:eastAsia")) == "Noto Sans CJK SC"
    assert len(document.inline_shapes) >= 1  # charts are pictures, the text is text
    assert len(document.tables) >= 3  # campaign, coverage, appendix
    assert document.tables[0].rows[1].cells[0].text == "万堂示范课下基层"


def test_command_finds_the_region_or_asks_for_it(world, campaign, year, tmp_path):
    output = tmp_path / "report.docx"
    out = io.StringIO()
    call_command("report", "--output", str(output), stdout=out)  # the city holds every organisation
    assert f"已生成 乐山市{year}年度党员教育工作报告" in out.getvalue()
    other = make_region("52", "贵州省", RegionLevel.PROVINCE)
    Organization.objects.create(
        code="O-X-001", name="外省党支部", kind=OrganizationKind.OTHER, region=other
    )
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="请用 --region 指定"):
        call_command("report", "--output", str(output))


@pytest.mark.skipif(not soffice_path(), reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_the_docx(world, campaign, year, tmp_path):
    built = build_module.build(
        Scope(is_superuser=True, region_codes=("5111",)), year, "5111", with_pdf=False
    )
    pdf = docx_to_pdf(built.docx)
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 20_000  # fonts and chart images embedded, not an empty page


def test_without_libreoffice_weasyprint_prints_the_same_blocks(world, campaign, year, monkeypatch):
    from dangke.workreport import pdf as pdf_module

    monkeypatch.setattr(pdf_module, "soffice_path", lambda: None)
    built = build_module.build(Scope(is_superuser=True, region_codes=("5111",)), year, "5111")
    assert built.pdf_engine == "WeasyPrint" and built.pdf.startswith(b"%PDF")
    html = pdf_module.render_html(built.document)
    assert "开展送课活动2场" in html and "附：数据说明" in html and "data:image/png;base64," in html


@pytest.fixture
def tasks_now(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path


def test_page_builds_the_report_as_a_task_and_offers_both_files(
    client, world, campaign, year, tasks_now, monkeypatch
):
    steps = []
    real = build_module.build

    def recording(*args, **kwargs):
        outer = kwargs.pop("progress")

        def progress(fraction, label):
            outer(fraction, label)
            steps.append((label, AnnualReport.objects.get().progress))

        return real(*args, progress=progress, **kwargs)

    monkeypatch.setattr(build_module, "build", recording)
    monkeypatch.setattr(build_module, "make_pdf", lambda document, docx: (b"%PDF-1.7 x", "测试"))
    client.login(username="city-admin", password=PASSWORD)
    response = client.post(reverse("workreport:index"), {"year": year, "region": "5111"})
    assert response.status_code == 302
    report = AnnualReport.objects.get()
    assert report.state == ReportState.DONE and report.progress == 1.0
    assert [label for label, _p in steps][:2] == ["统计年度数据", "撰写报告正文"]
    fractions = [p for _label, p in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 0.99  # 1.0 only when done
    page = client.get(reverse("workreport:index")).content.decode()
    assert "乐山市" in page and reverse("workreport:download", args=[report.pk, "pdf"]) in page
    download = client.get(reverse("workreport:download", args=[report.pk, "docx"]))
    text = "".join(p.text for p in docx.Document(io.BytesIO(b"".join(download))).paragraphs)
    assert "开展送课活动2场" in text
    assert client.get(reverse("workreport:download", args=[report.pk, "pdf"])).status_code == 200
    # A county admin neither sees nor downloads the city's report.
    client.login(username="county-b", password=PASSWORD)
    assert client.get(reverse("workreport:download", args=[report.pk, "docx"])).status_code == 404
    assert "乐山市2026" not in client.get(reverse("workreport:index")).content.decode()


@pytest.mark.logs_errors  # the build task logs why it failed
def test_a_failed_build_says_why(client, world, campaign, year, tasks_now, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("图表字体缺失")

    monkeypatch.setattr(build_module, "write_docx", broken)
    client.login(username="city-admin", password=PASSWORD)
    client.post(reverse("workreport:index"), {"year": year, "region": "5111"})
    report = AnnualReport.objects.get()
    assert report.state == ReportState.FAILED
    assert report.message == "生成失败。原因：RuntimeError: 图表字体缺失"
    assert not report.docx and not report.pdf
    page = client.get(reverse("workreport:index")).content.decode()
    assert "生成失败。原因：RuntimeError: 图表字体缺失" in page
    assert client.get(reverse("workreport:download", args=[report.pk, "docx"])).status_code == 404


def test_progress_row_polls_while_running_and_reloads_when_done(client, world):
    report = AnnualReport.objects.create(
        region=world.county_a,
        year=2026,
        state=ReportState.RUNNING,
        progress=0.4,
        progress_label="绘制图表",
        created_by=world.county_a_admin,
        heartbeat_at=timezone.now(),  # a live worker holds it
    )
    client.login(username="county-a", password=PASSWORD)
    url = reverse("workreport:progress", args=[report.pk])
    running = client.get(url)
    assert "绘制图表" in running.content.decode() and "40%" in running.content.decode()
    assert "HX-Refresh" not in running.headers
    AnnualReport.objects.filter(pk=report.pk).update(state=ReportState.DONE, progress=1.0)
    assert client.get(url).headers["HX-Refresh"] == "true"
    client.login(username="county-b", password=PASSWORD)
    assert client.get(url).status_code == 404


def test_a_county_admin_cannot_ask_for_another_countys_report(client, world, year, tasks_now):
    client.login(username="county-a", password=PASSWORD)
    response = client.post(reverse("workreport:index"), {"year": year, "region": "511123"})
    assert response.status_code == 200 and not AnnualReport.objects.exists()
    assert "犍为县" not in response.content.decode().split('id="report-form"')[1]


def test_only_office_roles_reach_the_page(client, world):
    for username, status in (("teacher", 403), ("liaison", 403), ("organiser", 200)):
        client.login(username=username, password=PASSWORD)
        assert client.get(reverse("workreport:index")).status_code == status, username


def test_the_office_landing_page_shows_the_year_with_links_and_the_report_button(
    client, world, campaign, year
):
    client.login(username="city-admin", password=PASSWORD)
    html = client.get(reverse("reports:dashboard")).content.decode()
    figures = html.split('id="year-figures"')[1].split('id="faculty-card"')[0]
    assert f'href="{reverse("delivery:lessons")}">2</a>' in figures
    assert f'href="{reverse("delivery:coverage")}?year={year}">95</a>' in figures
    assert "占总数 100%" in figures
    assert "万堂示范课下基层：目标 10 场，完成 20%" in figures
    assert figures.count("占总数") == 2 and figures.count("答卷") == 1  # notes stay put
    assert f'href="{reverse("workreport:index")}"' in html
    client.login(username="county-a", password=PASSWORD)
    figures = (
        client.get(reverse("reports:dashboard")).content.decode().split('id="year-figures"')[1]
    )
    assert f'href="{reverse("delivery:coverage")}?year={year}">60</a>' in figures


@pytest.mark.bulk_build
def test_the_demos_reports_say_the_seeds_sentences(db):
    """`--scale city` writes seed 004's campaign and loudspeaker sentences, `--scale county`
    follows seed 000's three 突出 with its lecture teams."""
    call_command("demo", "--scale", "city", stdout=io.StringIO())
    call_command("demo", "--scale", "county", stdout=io.StringIO())
    from dangke.demo.builder import reference_year

    year = reference_year()
    data = collect(Scope(is_superuser=True, region_codes=("5111",)), year, "5111")
    city = compose(data).text()
    assert (
        "统筹安排8名省级、104名市级、373名县级党员教育师资到机关、园区、学校、村（社区）开展送课活动"
    ) in city
    assert "覆盖4,583个基层党组织、4.7万名党员。" in city
    assert "在全市1,371个村（社区）党群服务活动中心设立“大喇叭”1,371处" in city
    plays = year_figures(Scope(is_superuser=True), year, "5111")["plays"]["total"]
    if plays:  # last month's plays; on 1 January last month was last year, and left out
        assert "播放各类音频5000余次，覆盖党员群众12万人。" in city
    else:
        assert "播放各类音频" not in city and "覆盖党员群众" not in city
    assert "等精品课程40部" in city and "十佳课程纳入下年度优秀课程库" in city
    if data.training_held["classes"]:  # the demo's class opens in November of its year
        assert "授课方式等7个学习专题开班授课" in city
    county_scope = Scope(is_superuser=True, region_codes=("632222",))
    county = compose(collect(county_scope, year, "632222")).text()
    assert "一、突出“向中心聚焦、为大局聚力”" in county and "形成3支宣讲队" in county
    assert "乐山" not in county


def test_members_study_sentence_follows_the_rosters(world, campaign, year):
    from dangke.members.models import Member, StudyYear

    assert "在册党员" not in city_text(year)  # no rosters kept: nothing said
    rows = []
    for index, hours in enumerate((40, 20)):
        member = Member.objects.create(
            organization=world.org_a, name=f"党员{index}", phone=f"1000000000{index}"
        )
        rows.append(
            StudyYear.objects.create(
                member=member,
                year=year,
                region_id=world.org_a.region_id,
                organization=world.org_a,
                hours=hours,
                lines=1,
                met=hours >= 32,
            )
        )
    assert "全年2名在册党员人均参学30学时，1名达到年度学时要求，占50%。" in city_text(year)
    rows[1].hours, rows[1].met = 36, True
    rows[1].save()
    assert "全年2名在册党员人均参学38学时，2名达到年度学时要求，占100%。" in city_text(year)
