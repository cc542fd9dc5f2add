"""Django's Redis cache that survives Redis going away.

What the cache holds is shared and disposable — import progress bars, the media pages'
comment limit and view de-duplication, and the Redis half of `cached_db` sessions (whose
database half is authoritative). Django's own `RedisCache` raises on a refused connection,
which would turn a Redis restart into 500s on every page; here a failed call logs one
warning and answers as an empty cache would: `get` misses, `add` succeeds (so a limit kept in
the cache is off while Redis is away — the survey rate limit is not: it lives in the
database, `core/ratelimit.py`), writes and deletes are dropped."""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _degrading(method_name: str, fallback):
    def method(self, *args, **kwargs):
        try:
            return getattr(super(ResilientRedisCache, self), method_name)(*args, **kwargs)
        except RedisError as error:
            logger.warning("Redis 不可用，缓存 %s 按未命中处理：%s", method_name, error)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    method.__name__ = method_name
    return method


def _default_of_get(key, default=None, version=None):
    return default


def _incr_fails(key, delta=1, version=None):
    raise ValueError(f"Key '{key}' not found")  # what Django's caches say for a missing key


class ResilientRedisCache(RedisCache):
    get = _degrading("get", _default_of_get)
    get_many = _degrading("get_many", {})
    has_key = _degrading("has_key", False)
    add = _degrading("add", True)
    set = _degrading("set", None)
    set_many = _degrading("set_many", [])
    touch = _degrading("touch", False)
    delete = _degrading("delete", False)
    delete_many = _degrading("delete_many", None)
    incr = _degrading("incr", _incr_fails)
    clear = _degrading("clear", None)
