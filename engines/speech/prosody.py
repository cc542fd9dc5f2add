"""Figures from the sound itself, independent of the transcript: syllable nuclei and pitch.

Syllable nuclei follow de Jong & Wempe (2009, "Praat script to detect syllable nuclei"):
peaks of the intensity contour that stand above a silence threshold, are separated from
the previous peak by a dip of at least `min_dip_db`, and fall where the voice is voiced.
In Mandarin one character is one syllable, so the syllable rate checks the character rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engines.speech.audio import SAMPLE_RATE

PITCH_FLOOR_HZ = 75
PITCH_CEILING_HZ = 500


@dataclass(frozen=True)
class PitchTrack:
    times: np.ndarray  # seconds, voiced frames only
    hz: np.ndarray

    def semitones(self, reference_hz: float | None = None) -> np.ndarray:
        ref = reference_hz or (float(np.median(self.hz)) if len(self.hz) else 100.0)
        return 12 * np.log2(self.hz / ref)


def _sound(samples: np.ndarray):
    import parselmouth

    return parselmouth.Sound(samples.astype(np.float64), sampling_frequency=SAMPLE_RATE)


def pitch_track(samples: np.ndarray, time_step: float = 0.02) -> PitchTrack:
    pitch = _sound(samples).to_pitch(
        time_step=time_step, pitch_floor=PITCH_FLOOR_HZ, pitch_ceiling=PITCH_CEILING_HZ
    )
    hz = pitch.selected_array["frequency"]
    times = pitch.xs()
    voiced = hz > 0
    return PitchTrack(times=times[voiced], hz=hz[voiced])


def syllable_nuclei(
    samples: np.ndarray,
    pitch: PitchTrack | None = None,
    *,
    silence_db: float = -25.0,
    min_dip_db: float = 2.0,
) -> np.ndarray:
    """Times (s) of the syllable nuclei found in the recording."""
    sound = _sound(samples)
    intensity = sound.to_intensity(minimum_pitch=50, time_step=0.01)
    db = intensity.values[0]
    times = intensity.xs()
    if not len(db):
        return np.zeros(0)
    threshold = max(float(np.quantile(db, 0.99)) + silence_db, float(np.min(db)))
    inner = db[1:-1]
    is_peak = (inner > db[:-2]) & (inner >= db[2:]) & (inner > threshold)
    candidates = np.flatnonzero(is_peak) + 1
    if pitch is None:
        pitch = pitch_track(samples)
    voiced_times = pitch.times
    kept: list[int] = []
    for index in candidates:
        if kept:
            previous = kept[-1]
            dip = float(np.min(db[previous : index + 1]))
            if db[index] - dip < min_dip_db:
                if db[index] > db[previous]:
                    kept[-1] = index  # same syllable, the louder peak wins
                continue
        kept.append(int(index))
    peaks = times[kept]
    if len(voiced_times):
        nearest = np.searchsorted(voiced_times, peaks)
        nearest = np.clip(nearest, 1, len(voiced_times) - 1)
        gap = np.minimum(
            np.abs(voiced_times[nearest] - peaks), np.abs(voiced_times[nearest - 1] - peaks)
        )
        peaks = peaks[gap <= 0.03]
    else:
        peaks = peaks[:0]
    return peaks
