"""The plan page in the office's terms (issue 24): orders served, first-time coverage,
kilometres, highly rated teachers' share, load evenness, the proof as a sentence and the
raw objective tucked away; the assignment table filtered, paginated and exported."""

from io import BytesIO

from openpyxl import load_workbook

from dangke.delivery.models import PlanRun
from tests.test_delivery_pages import dw, immediate_tasks, place  # noqa: F401  (the delivery world)


def planned(client, w):
    order = place(w, 2, 3)
    client.force_login(w.county_a_admin)
    client.post("/delivery/plans/", {"region": "511102", "month": w.start.strftime("%Y-%m")})
    return order, PlanRun.objects.get()


def test_the_plan_reads_in_the_offices_terms(client, dw):  # noqa: F811
    _order, run = planned(client, dw)
    html = client.get(f"/delivery/plans/{run.pk}/").content.decode()
    assert "这个方案已证明最优" in html
    for label in (
        "安排的点单",
        "今年首次覆盖的组织",
        "师资往返里程",
        "高分师资授课占比",
        "授课量均衡",
    ):
        assert label in html, label
    assert "共 1 单，未能安排 0 单" in html
    proof = html.split('id="plan-objective"')[1].split("</details>")[0]
    assert "目标函数值" in proof
    assert "方案价值" not in html


def test_the_assignment_table_filters_and_exports_what_it_shows(client, dw):  # noqa: F811
    order, run = planned(client, dw)
    url = f"/delivery/plans/{run.pk}/"
    shown = client.get(url, {"teacher": dw.teacher_a.name}).content.decode()
    assert order.code in shown.split('id="assignments"')[1]
    hidden = client.get(url, {"teacher": "没有这个人"}).content.decode()
    assert "没有符合条件的安排" in hidden and "0 / 1 条" in hidden
    far = client.get(url, {"km_from": "100000"}).content.decode()
    assert "没有符合条件的安排" in far
    response = client.get(url, {"first": "1", "export": "xlsx"})
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("日期", "点单")
    first_time = run.plan.get("coverage_gained", [])
    assert len(rows) - 1 == (1 if first_time else 0)
    response = client.get(url, {"teacher": "没有这个人", "export": "xlsx"})
    assert len(list(load_workbook(BytesIO(response.content)).active.iter_rows())) == 1
