"""How often one client may do something: at most `limit` times in `window` seconds per key.

Used by the public feedback page (per client address). With Redis the count is shared by every web
process (a fixed window: INCR and EXPIRE); without it (the embedded default, one process) it is kept
in memory as a sliding window. Keys are hashed: no client address is stored anywhere. When Redis does
not answer, the limit is not applied (the page must keep working) and a warning is logged.
"""
import hashlib
import logging
import threading
import time
from collections import deque

log = logging.getLogger(__name__)


def _hashed(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]


class RateLimiter:
    def __init__(self, name: str, *, limit: int, window: int, redis_url: str | None = None):
        self.name, self.limit, self.window = name, limit, window
        self._redis = None
        if redis_url:
            import redis
            self._redis = redis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=1)
        self._hits: dict[str, deque] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        """Counts one hit; None when it is within the limit, else the seconds to wait before the next."""
        hashed = _hashed(key)
        if self._redis is not None:
            return self._hit_redis(hashed)
        return self._hit_memory(hashed, time.monotonic())

    def _hit_redis(self, hashed: str) -> int | None:
        import redis
        now = int(time.time())
        slot = now // self.window
        key = f"senim:rate:{self.name}:{slot}:{hashed}"
        try:
            pipe = self._redis.pipeline()  # type: ignore[union-attr]
            pipe.incr(key)
            pipe.expire(key, self.window)
            count, _ = pipe.execute()
        except redis.RedisError:
            log.warning("the rate limit of %s could not be counted; letting the request through", self.name)
            return None
        return None if count <= self.limit else (slot + 1) * self.window - now

    def _hit_memory(self, hashed: str, now: float) -> int | None:
        with self._lock:
            hits = self._hits.setdefault(hashed, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, int(hits[0] + self.window - now) + 1)
            hits.append(now)
            if len(self._hits) > 10_000:  # forget the quiet clients now and then
                for stale in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
                    del self._hits[stale]
            return None

    def reset(self) -> None:
        """Forgets the counts kept in memory (tests)."""
        with self._lock:
            self._hits.clear()
