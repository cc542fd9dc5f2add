"""Settings for `bench.phones`: the demo's settings plus one URL, a bare view that inserts
one row, served by the same process as the reference."""

from dangke.settings import *  # noqa: F403

ROOT_URLCONF = "bench._phone_urls"
