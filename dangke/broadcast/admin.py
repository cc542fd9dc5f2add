from django.contrib import admin

from dangke.broadcast.models import AudioProgramme, BroadcastSlot, BroadcastStation, PlayLog


@admin.register(BroadcastStation)
class BroadcastStationAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "region", "status", "estimated_listeners", "last_seen_at")
    list_filter = ("status",)
    search_fields = ("name", "code")
    raw_id_fields = ("village", "region")
    # Tokens are issued by services.issue_station_token and never shown again.
    readonly_fields = ("token_prefix", "last_seen_at", "status")
    exclude = ("token_hash",)


@admin.register(AudioProgramme)
class AudioProgrammeAdmin(admin.ModelAdmin):
    list_display = ("title", "region", "course", "duration_seconds", "created_at")
    search_fields = ("title",)
    raw_id_fields = ("region", "course", "created_by")


@admin.register(BroadcastSlot)
class BroadcastSlotAdmin(admin.ModelAdmin):
    list_display = ("programme", "start", "end", "region", "target_region")
    date_hierarchy = "start"
    raw_id_fields = ("programme", "region", "target_region", "created_by", "stations")

    def has_add_permission(self, request):
        return False  # slots are scheduled through services.schedule_slot (conflict checks)

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PlayLog)
class PlayLogAdmin(admin.ModelAdmin):
    list_display = ("station", "played_at", "duration_seconds", "listeners", "programme")
    date_hierarchy = "played_at"
    search_fields = ("station__name", "station__code", "report_id")
    raw_id_fields = ("station", "region", "programme", "slot")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # The stations' own record, counted in the plays' rollup (broadcast.rollup); so a
        # station that has played is not deleted here either, only taken out of service.
        return False
