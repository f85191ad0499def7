"""Daily snapshots: compute the scores of a day (or a range of days) and write them in bulk.

Idempotent per day: the snapshots of a scorecard's day are replaced as a whole (one delete, one
bulk insert in a transaction), so a re-run never doubles a row and an account that left the
scope that day loses its stale row. Trends compare with the snapshot of the same scorecard 7
(30) days earlier or, when that day was not scored, the nearest one up to ``TREND_TOLERANCE_DAYS``
days before it; read in bulk (or kept in memory while backfilling a range in order).

A scorecard that fails to compute (a custom SQL measure that errs at run time, an unreadable lake)
is logged and listed in the result; the other scorecards are still scored.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from csops.health import engine
from csops.health.definition import DefinitionError
from csops.health.models import HealthScore, Scorecard
from csops.health.services import definition_of

BATCH_SIZE = 2000
# A backfill computes this many days per lake query (a calendar join): fewer, larger queries are
# faster, while each event is repeated once per scored day whose window holds it (memory).
RANGE_DAYS = 16
TREND_DAYS = (7, 30)
# A trend compares with the nearest snapshot up to this many days before the wanted one (a history
# scored every 7 days, or a day the pipeline missed, still has trends).
TREND_TOLERANCE_DAYS = 3

logger = logging.getLogger("csops.health.scoring")

Progress = Callable[[int, int], None]


def _noop(done: int, total: int) -> None:
    pass


@dataclass
class ScoringResult:
    days: int = 0
    snapshots: int = 0
    scorecards: int = 0
    skipped: list[str] = field(default_factory=list)  # scorecards whose definition no longer validates
    failed: dict[str, str] = field(default_factory=dict)  # scorecard key -> why computing it failed
    seconds: float = 0.0
    compute_seconds: float = 0.0
    write_seconds: float = 0.0

    def summary(self) -> str:
        text = (f"{self.snapshots} health snapshots for {self.days} day(s) of {self.scorecards} scorecard(s) "
                f"in {self.seconds:.1f}s (compute {self.compute_seconds:.1f}s, write {self.write_seconds:.1f}s)")
        if self.skipped:
            text += f"; skipped invalid scorecards: {', '.join(self.skipped)}"
        if self.failed:
            text += "; failed scorecards: " + "; ".join(f"{key} ({why})" for key, why in self.failed.items())
        return text


def _chunks(days: Sequence[dt.date], size: int) -> list[list[dt.date]]:
    return [list(days[i:i + size]) for i in range(0, len(days), size)]


def day_range(first: dt.date, last: dt.date, *, step: int = 1) -> list[dt.date]:
    if last < first:
        raise ValueError("the range ends before it starts")
    if step < 1:
        raise ValueError("step must be at least 1")
    days = []
    day = last
    # Counted back from the last day so that the newest day is always scored.
    while day >= first:
        days.append(day)
        day -= dt.timedelta(days=step)
    return sorted(days)


def score(days: Sequence[dt.date] | None = None, *, scorecards: Iterable[Scorecard] | None = None,
          progress: Progress | None = None) -> ScoringResult:
    """Score every active scorecard (or those given) for each day (today by default), oldest first."""
    started = time.perf_counter()
    progress = progress or _noop
    days = sorted(set(days or [timezone.localdate()]))
    cards = list(scorecards) if scorecards is not None else list(
        Scorecard.objects.filter(is_active=True).select_related("product"))
    result = ScoringResult(days=len(days))
    total = len(days) * len(cards)
    done = 0
    for card in cards:
        try:
            defn = definition_of(card)
        except DefinitionError:
            result.skipped.append(card.key)
            done += len(days)
            continue
        result.scorecards += 1
        history = _HistoryCache(card, days)
        for chunk in _chunks(days, RANGE_DAYS):
            t0 = time.perf_counter()
            try:
                if len(chunk) == 1:
                    computed = {chunk[0]: engine.compute_day(card, defn, chunk[0])}
                else:
                    computed = engine.compute_days(card, defn, chunk)
            except Exception as exc:  # noqa: BLE001 - one scorecard's failure must not stop the others
                logger.exception("health scorecard %s failed on %s..%s", card.key, chunk[0], chunk[-1])
                result.failed[card.key] = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else (
                    type(exc).__name__)
                result.compute_seconds += time.perf_counter() - t0
                done += len(days) - days.index(chunk[0])
                progress(done, total)
                break  # its later days would fail alike; the days already written stay
            result.compute_seconds += time.perf_counter() - t0
            t1 = time.perf_counter()
            # One transaction per chunk: a commit (and its fsync) per day would dominate a backfill.
            with transaction.atomic():
                for day in chunk:
                    result.snapshots += write_day(card, day, computed[day], history)
            result.write_seconds += time.perf_counter() - t1
            done += len(chunk)
            progress(done, total)
    result.seconds = time.perf_counter() - started
    return result


class _HistoryCache:
    """Scores of earlier days for the trends: read once from the database, then kept as they are written."""

    def __init__(self, card: Scorecard, days: Sequence[dt.date]) -> None:
        self.card = card
        wanted = {d - dt.timedelta(days=n + late) for d in days for n in TREND_DAYS
                  for late in range(TREND_TOLERANCE_DAYS + 1)} - set(days)
        self.scores: dict[dt.date, dict[int, float | None]] = {}
        rows = HealthScore.objects.filter(scorecard=card, day__in=sorted(wanted)).values_list(
            "day", "account_id", "score")
        for day, account_id, value in rows.iterator(chunk_size=5000):
            self.scores.setdefault(day, {})[account_id] = value

    def earlier(self, day: dt.date, days_back: int, account_id: int) -> float | None:
        """The account's score ``days_back`` days before ``day`` or, when it has no snapshot that day,
        in the nearest earlier one within ``TREND_TOLERANCE_DAYS`` days (None: none)."""
        for late in range(TREND_TOLERANCE_DAYS + 1):
            scores = self.scores.get(day - dt.timedelta(days=days_back + late))
            if scores is not None and account_id in scores:
                return scores[account_id]
        return None

    def keep(self, day: dt.date, scores: dict[int, float | None]) -> None:
        self.scores[day] = scores


def _trend(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 2)


def write_day(card: Scorecard, day: dt.date, scores: Sequence[engine.AccountScore],
              history: _HistoryCache | None = None) -> int:
    """Replace the scorecard's snapshots of ``day`` with ``scores`` (one transaction)."""
    history = history or _HistoryCache(card, [day])
    now = timezone.now()
    rows = [
        HealthScore(
            account_id=s.account_id, scorecard_id=card.pk, day=day, scorecard_version=card.version,
            score=s.score, grade=s.grade,
            trend_7=_trend(s.score, history.earlier(day, 7, s.account_id)),
            trend_30=_trend(s.score, history.earlier(day, 30, s.account_id)),
            coverage=s.coverage, flags=s.flags, breakdown=s.breakdown, computed_at=now,
        )
        for s in scores
    ]
    with transaction.atomic():
        HealthScore.objects.filter(scorecard=card, day=day).delete()
        HealthScore.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    history.keep(day, {s.account_id: s.score for s in scores})
    return len(rows)


def run_health_day(day: dt.date, *, progress: Progress = _noop) -> str:
    """The daily pipeline step ``health``: every active scorecard for ``day``."""
    return score([day], progress=progress).summary()
