"""One way to show a list page: filter, sort, paginate and export exactly what is shown.

A page declares a `ListDefinition` (columns, filters, sortable fields) and its view calls
`render_list`. The queryset always passes through `visible_to(request.scope)`, so a list,
its htmx refreshes and its Excel export can never show a row outside the user's scope.

At a province's size (100,000 organisations, 400,000 orders) a page costs what its count
and its OFFSET cost (issue #18). So the rows are counted once, on the filtered rows without
the columns a definition annotates (`annotate`: a per-row figure such as a teacher's
courses need not be computed to count teachers), and a page in the back half of the list is
read in reverse order (`ListPaginator`): the last page costs what the first costs. Every
sort ends on the primary key in the sort's own direction, so an index on (field, id) serves
both directions and the reversed read returns exactly the rows of the forward one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from dangke.core.export import xlsx_response

EXPORT_CHUNK_ROWS = 2000


@dataclass(frozen=True)
class Column:
    label: str
    value: Callable[[Any], Any]
    sort: str | None = None  # the ORM field ?sort= may name; None: not sortable
    numeric: bool = False
    link: bool = False  # this cell links to the object's detail page


class ScopedFilterForm(forms.Form):
    """Text search and a region filter limited to the regions the user sees."""

    q = forms.CharField(label=_("搜索"), required=False)
    region = forms.ChoiceField(label=_("区划"), required=False)

    def __init__(self, data=None, *, scope, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["region"].choices = [("", _("全部区划")), *region_filter_choices(scope)]


def region_filter_choices(scope) -> list[tuple[str, str]]:
    """The regions a list may be narrowed to: those the user sees by region, and the
    counties (or townships) directly below them."""
    from dangke.regions.models import Region

    roots = [code for code in scope.region_codes if code]
    if not roots:
        return []
    regions = Region.objects.filter(code__in=roots) | Region.objects.filter(parent_id__in=roots)
    return [
        (region.code, region.name)
        for region in regions.unscoped("filter: the user's own regions and those below").order_by(
            "code"
        )
    ]


class ListDefinition:
    """Subclass per page: set the attributes, override `filter` for extra fields."""

    title: str = ""
    export_name: str = ""
    columns: tuple[Column, ...] = ()
    filter_form: type[ScopedFilterForm] = ScopedFilterForm
    search_fields: tuple[str, ...] = ()
    default_sort: str = "pk"
    detail_url_name: str = ""
    create_url_name: str = ""

    def base_queryset(self, request) -> QuerySet:
        raise NotImplementedError

    def annotate(self, queryset: QuerySet, request) -> QuerySet:
        """Columns computed per row (counts, flags): added after the rows are counted, so
        the count never computes them."""
        return queryset

    def filter(self, queryset: QuerySet, data: dict) -> QuerySet:
        if data.get("q") and self.search_fields:
            condition = Q()
            for field in self.search_fields:
                condition |= Q(**{f"{field}__icontains": data["q"]})
            queryset = queryset.filter(condition)
        if data.get("region"):
            queryset = queryset.filter(region__code__startswith=data["region"])
        return queryset

    def can_create(self, request) -> bool:
        return False

    def sort_fields(self) -> set[str]:
        return {column.sort for column in self.columns if column.sort}


def list_queryset(definition: ListDefinition, request):
    """The list as `request` asks for it: (rows in order, the filtered rows to count, the
    sort, the filter form). `request` needs `scope` and `GET` (the export task passes its
    requester's)."""
    queryset = definition.base_queryset(request).visible_to(request.scope)
    form = definition.filter_form(request.GET or None, scope=request.scope)
    if form.is_bound:
        # A value that fails validation (say a region outside the user's scope) is dropped;
        # the other filters still apply. cleaned_data holds only the fields that passed.
        form.is_valid()
        queryset = definition.filter(queryset, form.cleaned_data)
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") not in definition.sort_fields():
        sort = definition.default_sort
    counted = queryset
    queryset = definition.annotate(queryset, request).order_by(*ordering(sort))
    return queryset, counted, sort, form


def export_rows(definition: ListDefinition, queryset, *, progress=None, every: int = 0):
    """The export's rows, read in chunks, never the whole result at once (prefetches run per
    chunk); `progress(rows so far)` every `every` rows."""
    for number, obj in enumerate(queryset.iterator(chunk_size=EXPORT_CHUNK_ROWS), start=1):
        yield [_plain(column.value(obj)) for column in definition.columns]
        if progress and every and number % every == 0:
            progress(number)


def render_list(request, definition: ListDefinition, *, template="core/list.html", **context):
    queryset, counted, sort, form = list_queryset(definition, request)

    if request.GET.get("export") == "xlsx":
        headers = [str(column.label) for column in definition.columns]
        # A large export is written by a task the user watches (issue #18); a small one now.
        rows_total = counted.order_by()[: settings.DANGKE_EXPORT_INLINE_ROWS + 1].count()
        if rows_total > settings.DANGKE_EXPORT_INLINE_ROWS:
            # By name: the job model lives in the imports app, above core.
            request_export = import_string(settings.DANGKE_LARGE_EXPORT)
            job = request_export(request, definition, counted.order_by().count())
            return redirect(job)
        rows = export_rows(definition, queryset)
        return xlsx_response(str(definition.export_name or definition.title), headers, rows)

    page = ListPaginator(queryset, settings.DANGKE_PAGE_SIZE, counted=counted).get_page(
        request.GET.get("page")
    )
    query = QueryDict(mutable=True)  # what the links of this page carry: no page, no blanks
    for key, values in request.GET.lists():
        kept = [value for value in values if value != ""]
        if key != "page" and kept:
            query.setlist(key, kept)
    rows = [
        (obj, [(column, column.value(obj)) for column in definition.columns])
        for obj in page.object_list
    ]
    context = {
        "definition": definition,
        "form": form,
        "page": page,
        "rows": rows,
        "sort": sort,
        "query": query.urlencode(),
        "query_without_sort": _without(query, "sort"),
        "export_query": _with(query, export="xlsx"),
        "can_create": definition.can_create(request),
        **context,
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "list-table":
        response = render(request, "core/_list_table.html", context)
    else:
        response = render(request, template, context)
    # The same URL answers with a whole page or with the table alone: caches must not mix them.
    patch_vary_headers(response, ["HX-Request"])
    return response


def ordering(sort: str) -> tuple[str, str]:
    """The sort, then the primary key in the same direction: a total order that an index on
    (field, id) reads forwards or backwards."""
    return (sort, "-pk" if sort.startswith("-") else "pk")


class ListPaginator(Paginator):
    """Counts `counted` (the filtered rows, without per-row columns) and reads a page in
    the back half of the list in reverse order, so the last page is read like the first
    (an OFFSET of a few rows, not of the whole list). `object_list` must be totally ordered
    (`ordering`): reversing it then gives the same rows in the opposite order."""

    def __init__(self, object_list, per_page, *, counted=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.counted = counted if counted is not None else object_list

    @cached_property
    def count(self) -> int:
        return self.counted.order_by().count()

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if bottom <= self.count // 2 or not isinstance(self.object_list, QuerySet):
            return self._get_page(self.object_list[bottom:top], number, self)
        rows = list(self.object_list.reverse()[self.count - top : self.count - bottom])
        rows.reverse()
        return self._get_page(rows, number, self)


def _plain(value):
    """Lists become one 、-separated text; the export writer types everything else."""
    if isinstance(value, list | tuple):
        return "、".join(str(item) for item in value)
    return value


def _with(query, **values) -> str:
    query = query.copy()
    for key, value in values.items():
        query[key] = value
    return query.urlencode()


def _without(query, key: str) -> str:
    query = query.copy()
    query.pop(key, None)
    return query.urlencode()
