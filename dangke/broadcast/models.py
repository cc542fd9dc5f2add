"""Village loudspeakers (大喇叭): stations, audio programmes, broadcast slots and play logs.

Every row carries a region (the station's village, the programme's or the slot's owning
region), so scoping is the usual code-prefix filter and needs no join. State changes and
writes go through `dangke.broadcast.services`."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangke.accounts.scoping import ScopedQuerySet, ScopeRules


class StationStatus(models.TextChoices):
    ONLINE = "online", _("在线")
    OFFLINE = "offline", _("离线")
    FAULT = "fault", _("故障")


class BroadcastStation(models.Model):
    """A loudspeaker station at a village service centre (村级便民服务中心); one per village."""

    name = models.CharField(_("站点名称"), max_length=120)
    code = models.CharField(
        _("站点编号"), max_length=32, unique=True, help_text=_("通常用村的 12 位区划代码")
    )
    village = models.OneToOneField(
        "regions.Region",
        verbose_name=_("所在村（社区）"),
        on_delete=models.PROTECT,
        related_name="broadcast_station",
        limit_choices_to={"level": 5},
    )
    # The same village, kept under the name every scoped model uses.
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=StationStatus.choices, default=StationStatus.OFFLINE
    )
    estimated_listeners = models.PositiveIntegerField(_("估计收听人数"), default=0)
    token_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True, null=True, blank=True)
    token_prefix = models.CharField(_("令牌前缀"), max_length=8, blank=True)
    last_seen_at = models.DateTimeField(_("最近上报"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("大喇叭站点")
        verbose_name_plural = _("大喇叭站点")
        ordering = ["region_id"]
        indexes = [models.Index(fields=["region", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=StationStatus.values), name="broadcast_station_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(region=models.F("village")), name="broadcast_station_region_is_village"
            ),
        ]

    def __str__(self):
        return self.name

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class AudioProgramme(models.Model):
    """An audio programme: an uploaded recording, or a text for the speech synthesiser."""

    title = models.CharField(_("节目名称"), max_length=200)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    course = models.ForeignKey(
        "courses.Course",
        verbose_name=_("来源课程"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audio_programmes",
    )
    audio = models.FileField(_("音频文件"), upload_to="broadcast/%Y/%m/", blank=True)
    text = models.TextField(_("播报文本"), blank=True, help_text=_("无音频时由语音合成朗读"))
    duration_seconds = models.PositiveIntegerField(_("时长（秒）"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("音频节目")
        verbose_name_plural = _("音频节目")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(audio="") | ~Q(text=""), name="audio_programme_has_audio_or_text"
            ),
            models.CheckConstraint(
                condition=Q(duration_seconds__gt=0), name="audio_programme_duration_positive"
            ),
        ]

    def __str__(self):
        return self.title


class BroadcastSlot(models.Model):
    """A programme played at a time on a set of stations. A slot aimed at a region (a
    county, a township) is expanded to that region's stations when it is scheduled."""

    programme = models.ForeignKey(
        AudioProgramme, verbose_name=_("节目"), on_delete=models.PROTECT, related_name="slots"
    )
    start = models.DateTimeField(_("开始时间"))
    end = models.DateTimeField(_("结束时间"))
    stations = models.ManyToManyField(
        BroadcastStation, verbose_name=_("播出站点"), related_name="slots", blank=True
    )
    target_region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("目标区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("填写时播出到该区划内的全部站点"),
    )
    # The region that owns the slot: the target region, or the smallest region holding
    # all chosen stations.
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("安排人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("播出安排")
        verbose_name_plural = _("播出安排")
        ordering = ["start", "pk"]
        indexes = [models.Index(fields=["start", "end"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="slot_end_after_start"
            )
        ]

    def __str__(self):
        return f"{self.programme} @ {self.start:%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


class PlayLog(models.Model):
    """One play reported by a station (or imported from Excel). `report_id` is the
    station's own id for the play, so a backlog sent twice is stored once."""

    station = models.ForeignKey(
        BroadcastStation, verbose_name=_("站点"), on_delete=models.CASCADE, related_name="plays"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    programme = models.ForeignKey(
        AudioProgramme,
        verbose_name=_("节目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plays",
    )
    slot = models.ForeignKey(
        BroadcastSlot,
        verbose_name=_("播出安排"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plays",
    )
    report_id = models.CharField(_("上报编号"), max_length=64)
    played_at = models.DateTimeField(_("播放时间"))
    duration_seconds = models.PositiveIntegerField(_("时长（秒）"))
    listeners = models.PositiveIntegerField(_("收听人数"), null=True, blank=True)
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("播放记录")
        verbose_name_plural = _("播放记录")
        ordering = ["-played_at", "pk"]
        indexes = [
            models.Index(fields=["played_at"]),
            models.Index(fields=["region", "played_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "report_id"], name="play_log_report_once_per_station"
            )
        ]

    def __str__(self):
        return f"{self.station} {self.played_at:%Y-%m-%d %H:%M}"


class PlayTally(models.Model):
    """Plays, listener-times and seconds per county and local month (issue #18): a
    province's year of loudspeaker plays — a play a day in 100,000 villages — added up from
    a few thousand rows. Kept by `broadcast.rollup`; tests/test_broadcast_rollup.py proves
    it equals the plays themselves."""

    county = models.CharField(_("县级区划代码"), max_length=12)
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    plays = models.PositiveIntegerField(_("播放次数"), default=0)
    listeners = models.PositiveBigIntegerField(_("收听人次"), default=0)
    seconds = models.PositiveBigIntegerField(_("播放时长（秒）"), default=0)

    scope_rules = ScopeRules(region="county")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("播放月度汇总")
        verbose_name_plural = _("播放月度汇总")
        indexes = [models.Index(fields=["year", "county"], name="play_tally_year_county")]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "year", "month"], name="play_tally_once_per_county_month"
            )
        ]

    def __str__(self):
        return f"{self.county} {self.year}-{self.month:02d}: {self.plays}"
