from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from dangke.accounts.scoping import get_own_or_404
from dangke.care import dossier, honours
from dangke.care.views import office_region, year_of
from dangke.core.export import xlsx_response
from dangke.core.pdf import _attachment
from dangke.faculty.models import Teacher

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@login_required
def teacher_dossier(request, pk):
    """The teacher's dossier for a year, as Word (default) or PDF; whoever sees the teacher."""
    teacher = get_own_or_404(Teacher, request.scope, pk=pk)
    data = dossier.dossier_data(teacher, year_of(request))
    if request.GET.get("format") == "pdf":
        content, content_type, suffix = dossier.as_pdf(data), "application/pdf", "pdf"
    else:
        content, content_type, suffix = dossier.as_docx(data), DOCX_TYPE, "docx"
    response = HttpResponse(content, content_type=content_type)
    response.headers["Content-Disposition"] = _attachment(f"{dossier.title_of(data)}.{suffix}")
    return response


@login_required
def candidates(request):
    """评优评先: the candidates of the year, ranked by the rule shown above them."""
    if office_region(request) is None:
        raise PermissionDenied
    result = honours.candidates(request.scope, year_of(request))
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            _("评优评先候选-%(year)s") % {"year": result["year"]},
            [
                _("排名"),
                _("师资编号"),
                _("姓名"),
                _("授课场次"),
                _("指标场次"),
                _("授课小时"),
                _("年度得分"),
                _("有效答卷"),
                _("95%区间下限"),
                _("95%区间上限"),
                _("擂台赛十佳"),
            ],
            (
                [
                    r["rank"],
                    r["teacher"].code,
                    r["teacher"].name,
                    r["lessons"],
                    r["min_lessons"],
                    r["hours"],
                    r["score"],
                    r["n_responses"],
                    r["ci_low"],
                    r["ci_high"],
                    r["awards"],
                ]
                for r in result["rows"]
            ),
        )
    return render(request, "care/honours.html", result)
