"""Time rules shared by the aggregates: the service's time zone and how far clocks may drift."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

# Kazakhstan keeps one time zone (UTC+5) since 2024; naive times from telephony connectors are
# read in it, and statistics by hour and weekday are counted in it.
SERVICE_TIMEZONE = ZoneInfo("Asia/Almaty")

# A connector's clock may run a little ahead of ours; anything further ahead is a typo.
ALLOWED_CLOCK_SKEW = timedelta(minutes=10)
EARLIEST_PLAUSIBLE = datetime(2000, 1, 1, tzinfo=timezone.utc)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def as_aware(moment: datetime) -> datetime:
    """A naive moment is taken to be in the service's time zone."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=SERVICE_TIMEZONE)
    return moment


def utc_text(moment: datetime) -> str:
    """Fixed-width UTC ISO text, so the text order is the time order (the read models store it)."""
    return as_aware(moment).astimezone(timezone.utc).isoformat(timespec="microseconds")


def local(moment: datetime) -> datetime:
    return as_aware(moment).astimezone(SERVICE_TIMEZONE)
