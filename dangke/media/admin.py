from django.contrib import admin

from dangke.media.models import MediaColumn, MediaComment, MediaWork


@admin.register(MediaColumn)
class MediaColumnAdmin(admin.ModelAdmin):
    list_display = ("name", "region")
    search_fields = ("name",)
    raw_id_fields = ("region",)


@admin.register(MediaWork)
class MediaWorkAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "region", "status", "view_count", "published_at")
    list_filter = ("kind", "status")
    search_fields = ("title",)
    raw_id_fields = ("region", "column", "course", "teacher")
    # Status changes go through services.set_work_status (audited).
    readonly_fields = ("status", "view_count", "completion_count", "published_at")


@admin.register(MediaComment)
class MediaCommentAdmin(admin.ModelAdmin):
    list_display = ("body", "work", "danmaku_at_seconds", "status", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("work", "region")
    readonly_fields = ("status",)
