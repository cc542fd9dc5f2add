"""Speech synthesis for text programmes, with Debian's espeak-ng (Mandarin voice `cmn`):
a system package, so nothing is downloaded and it runs on an office server offline."""

import io
import shutil
import subprocess
import wave

ESPEAK = "espeak-ng"
VOICE = "cmn"
WORDS_PER_MINUTE = 150  # espeak's rate; a calm pace for a village loudspeaker
TIMEOUT_SECONDS = 600


class SpeechUnavailable(RuntimeError):
    pass


def synthesise(text: str) -> tuple[bytes, int]:
    """The text read aloud as WAV bytes, and its length in whole seconds (at least 1)."""
    program = shutil.which(ESPEAK)
    if program is None:
        raise SpeechUnavailable(
            "服务器未安装语音合成程序 espeak-ng（Debian：apt-get install espeak-ng），"
            "请安装后重试，或直接上传录音"
        )
    result = subprocess.run(
        [program, "-v", VOICE, "-s", str(WORDS_PER_MINUTE), "--stdout"],
        input=text.encode(),
        capture_output=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0 or not result.stdout.startswith(b"RIFF"):
        raise SpeechUnavailable(f"语音合成失败：{result.stderr.decode(errors='replace')[:200]}")
    audio = _with_real_sizes(result.stdout)
    with wave.open(io.BytesIO(audio)) as reader:
        seconds = reader.getnframes() / reader.getframerate()
    return audio, max(1, round(seconds))


def _with_real_sizes(audio: bytes) -> bytes:
    """espeak-ng writing to a pipe cannot seek back to fill in the RIFF and data sizes; set
    them from the bytes actually written so every player (and `wave`) reads the file."""
    data = audio.find(b"data")
    if data < 0:
        return audio
    body = len(audio) - (data + 8)
    return (
        audio[:4]
        + (len(audio) - 8).to_bytes(4, "little")
        + audio[8 : data + 4]
        + body.to_bytes(4, "little")
        + audio[data + 8 :]
    )
