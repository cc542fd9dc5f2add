"""Issue #29 (3): names typed by users reach chart tooltips as text. Every chart page is
rendered with `<img src=x onerror=…>` names and every tooltip is opened; the test fails if
the script runs, and checks that the name was shown (as text) so it cannot pass vacuously."""

import pytest
from django.utils import timezone

from dangke.accounts.scoping import scope_for_user
from dangke.delivery.models import CourseOrder
from dangke.training import services as training
from tests.test_browser import browser, log_in, pytestmark  # noqa: F401

# Short enough for a teacher's name (32 characters on PostgreSQL, which enforces it).
PAYLOAD = "og<img src=x onerror=__xss=1>"

# Opens the tooltip of every data item of every series of every chart on the page and
# returns the tooltips' text.
SHOW_EVERY_TOOLTIP = """() => {
  const seen = [];
  document.querySelectorAll("[_echarts_instance_]").forEach((el) => {
    const chart = echarts.getInstanceByDom(el);
    const option = chart.getOption();
    option.series.forEach((series, s) => {
      const count = (series.data || []).length;
      for (let i = 0; i < count; i++) {
        chart.dispatchAction({ type: "showTip", seriesIndex: s, dataIndex: i });
        el.querySelectorAll("div").forEach((d) => {
          if (d.style.position === "absolute" && d.textContent) seen.push(d.textContent);
        });
      }
    });
  });
  return seen;
}"""


@pytest.fixture
def hostile_names(world):
    world.org_a.name = PAYLOAD
    world.org_a.latitude, world.org_a.longitude = 29.58, 103.76
    world.org_a.save()
    CourseOrder.objects.create(organization=world.org_a, category="theory")
    world.teacher_a.name = "王" + PAYLOAD
    world.teacher_a.save()
    today = timezone.localdate()
    organiser = scope_for_user(world.organiser)
    klass = training.create_class(
        scope=organiser, actor=world.organiser, region=world.city, title="能力提升班",
        starts_on=today, ends_on=today, modules_to_complete=1, max_choices=2,
    )  # fmt: skip
    training.add_module(
        klass, scope=organiser, actor=world.organiser, topic="模块" + PAYLOAD, capacity=5,
        teacher=world.city_teacher,
    )  # fmt: skip
    return klass


def _render_and_hover(page, url):
    ran = []
    page.on("dialog", lambda dialog: (ran.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.locator("[_echarts_instance_]").first.wait_for()
    shown = page.evaluate(SHOW_EVERY_TOOLTIP)
    page.wait_for_timeout(300)  # an onerror fires once the image request fails
    assert page.evaluate("window.__xss") is None, url
    assert not ran, url
    assert page.locator("img[src=x]").count() == 0, url
    return " ".join(shown)


def test_chart_tooltips_show_hostile_names_as_text(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    world,
    hostile_names,
):
    office = log_in(browser, live_server, "city-admin")
    shown = _render_and_hover(office, f"{live_server.url}/delivery/orders/map/")
    assert PAYLOAD in shown  # the organisation's name, as the user typed it
    for url in ("/", "/delivery/coverage/", "/broadcast/", f"/faculty/{world.teacher_a.pk}/"):
        _render_and_hover(office, live_server.url + url)
    organiser = log_in(browser, live_server, "organiser")
    shown = _render_and_hover(organiser, f"{live_server.url}/training/{hostile_names.pk}/")
    assert "模块" + PAYLOAD in shown
