"""What every operation of the JSON API promises beyond its 200: bounded integers, pages that
end in an empty page rather than an error, and declared error answers, so a client (or a
fuzzer such as schemathesis, `make fuzz`) can learn every status it may see from the
schema alone."""

import json
from typing import Annotated, Any

from django.shortcuts import render
from ninja import Field, NinjaAPI, Schema
from ninja.openapi.docs import Swagger
from ninja.pagination import PageNumberPagination

# Primary keys are signed 64-bit on every database we run on; a larger number cannot name
# a row, and SQLite refuses it outright ("datatype mismatch") instead of finding nothing.
MAX_DB_INT = 2**63 - 1
DbId = Annotated[int, Field(ge=1, le=MAX_DB_INT)]
Year = Annotated[int, Field(ge=1900, le=9999)]

ERROR_BODY = {
    "type": "object",
    "properties": {"detail": {"description": "说明（字符串）或逐项的校验错误（列表）"}},
    "required": ["detail"],
}
ERROR_DESCRIPTIONS = {
    "400": "请求有误",
    "401": "未认证：缺少或无效的令牌",
    "403": "无权访问",
    "404": "不存在，或不在您的管辖范围内",
    "422": "参数校验失败",
}


class BoundedPages(PageNumberPagination):
    """Page numbers within 64-bit; a page past the last answers an empty page with the total
    count, without asking the database for an offset it cannot represent."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_DB_INT)
        page_size: int | None = Field(None, ge=1, le=1000)

    def paginate_queryset(self, queryset, pagination: Input, request, **params: Any):
        page_size = self._get_page_size(pagination.page_size)
        count = self.count(queryset, request, **params)
        offset = (pagination.page - 1) * page_size
        items = [] if offset >= count else queryset[offset : offset + page_size]
        return {self.items_attribute: items, "count": count}

    def count(self, queryset, request, **params: Any) -> int:
        """The rows of the whole list; a subclass may know it without counting them."""
        return self._items_count(queryset)


class OfflineSwagger(Swagger):
    """The Swagger page from the files ninja ships, served by us. Ninja itself would fall
    back to a CDN because it is not an installed app (see settings.NINJA_DIR)."""

    def render_page(self, request, api, **kwargs):
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": json.dumps(self.settings, indent=1),
            "api": api,
            # The session login on the docs page needs the CSRF token; bearer tokens do not.
            "add_csrf": any(getattr(auth, "csrf", False) for auth in api.auth or ()),
        }
        return render(request, self.template, context)


class ContractedNinjaAPI(NinjaAPI):
    """Adds the error answers to every operation of the generated schema: 400 and 422 to
    all, 404 to those with a path parameter or that look a row up, 401 and 403 to those
    that require authentication."""

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                codes = ["400", "404", "422"]
                if operation.get("security"):
                    codes += ["401", "403"]
                for code in sorted(codes):
                    operation["responses"].setdefault(
                        code,
                        {
                            "description": ERROR_DESCRIPTIONS[code],
                            "content": {"application/json": {"schema": ERROR_BODY}},
                        },
                    )
        return schema
