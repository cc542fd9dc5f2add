"""The stations' API (/api/v1/stations/): a loudspeaker reports what it played and asks
what to play next. It authenticates with its own station token (`Authorization: Bearer
st_…`), never with a user's token, and sees only its own rows."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.urls import reverse
from ninja import Body, Router, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer

from dangke.broadcast import services
from dangke.broadcast.models import AudioProgramme
from dangke.core.apicontract import DbId


class StationToken(HttpBearer):
    def authenticate(self, request, token):
        station = services.station_for_token(token)
        if station is None:
            return None
        request.station = station
        return station


router = Router(tags=["大喇叭站点"], auth=StationToken())


class PlayReportError(Schema):
    index: int
    report_id: Any = None
    reason: str


class PlayReportOut(Schema):
    accepted: int
    duplicate: int
    rejected: int
    errors: list[PlayReportError]


class SlotOut(Schema):
    id: int
    start: datetime
    end: datetime
    programme_id: int
    programme_title: str
    audio_url: str | None
    text: str

    @staticmethod
    def resolve_programme_title(slot):
        return slot.programme.title

    @staticmethod
    def resolve_audio_url(slot):
        if not slot.programme.audio:
            return None
        return reverse("api:station_programme_audio", args=[slot.programme_id])

    @staticmethod
    def resolve_text(slot):
        return "" if slot.programme.audio else slot.programme.text


@router.post(
    "/plays",
    response=PlayReportOut,
    summary="上报播放记录",
    description="JSON 数组，每条 {report_id, played_at（ISO 8601，带时区）, duration_seconds, "
    "programme_id（可选）, listeners（可选）}。同一站点的 report_id 只计一次，可安全重发积压"
    "记录；有问题的条目逐条返回原因，其余照常接收。",
)
def post_plays(request, reports: list[Any] = Body(...)):  # noqa: B008
    try:
        result = services.record_plays(request.station, reports)
    except ValidationError as error:
        raise HttpError(400, "；".join(error.messages)) from error
    return result.as_dict()


@router.get("/schedule", response=list[SlotOut], summary="本站点未来 7 天的播出安排")
def get_schedule(request):
    return list(services.upcoming_slots(request.station))


@router.get(
    "/programmes/{programme_id}/audio",
    url_name="station_programme_audio",
    summary="下载本站点已排播节目的音频",
)
def programme_audio(request, programme_id: DbId):
    """Only programmes scheduled on the calling station; anything else answers 404."""
    programme = (
        AudioProgramme.objects.unscoped("the calling station's own slots")
        .filter(pk=programme_id, slots__stations=request.auth, audio__gt="")
        .first()
    )
    if programme is None:
        raise Http404("没有该节目，或未安排到本站点")
    return FileResponse(
        programme.audio.open("rb"), filename=programme.audio.name.rsplit("/", 1)[-1]
    )
