"""Unit conversions used by every formula (one place, so no module writes 8766 or 86400 again)."""

HOURS_PER_YEAR = 8766.0      # 365.25 days
SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86400.0
