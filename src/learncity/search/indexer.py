"""Keeping the search index in step with the catalogue (the database is the source of truth).

- `claim()` numbers the waiting changes (search.models.SearchChange) in one short
  transaction under a lock: change numbers increase in the order changes became visible.
- `sync()` applies the numbered changes the index does not hold yet, in order, in batches:
  each batch deletes and re-adds its programmes' documents and commits them together with the
  batch's last change number (engine.Writer.commit). Killed mid-batch, the index keeps its
  last commit and the next sync starts after it: no change is lost, none counts twice (a
  programme's document is replaced, never added beside an old one).
- `rebuild()` builds a new index from the catalogue in a new folder and switches to it
  (the `CURRENT` file names the folder in use); searches go on on the old one meanwhile.
- Every process keeps one reader (`engine()`); `refresh()` (on every search) reloads it when
  the index committed, and applies waiting changes itself where no background indexer does
  (the CLI, tests) or when few are waiting.

A rolled-back or restored database (the change the index says it holds is not there, or
carries another token), a missing, corrupt or foreign index: rebuilt, never a 500 (the
server answers "search is rebuilding" meanwhile: SearchRebuilding).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from learncity.algorithms import korean_text, search_text
from learncity.algorithms.course_fields import TARGET_GROUPS
from learncity.catalog.selectors import programme_rows
from learncity.core.errors import DomainError
from learncity.regions.selectors import region_refs_by_code
from learncity.search import engine as engine_module
from learncity.search.engine import Engine, EngineError, Entry, State, Writer
from learncity.search.models import SearchChange

log = logging.getLogger("learncity.search")

Progress = Callable[[int], None]
BATCH_CHANGES = 5_000
ROWS_PAGE = 2_000
_TABLE = SearchChange._meta.db_table


class SearchRebuilding(DomainError):
    """The index is being built (first start, a missing or damaged folder): search answers
    again in a moment."""

    code = "search_rebuilding"
    http_status = 503


# ------------------------------------------------------------------ where the index lives


def index_root() -> Path:
    """The folder of this database's index: LEARNCITY_SEARCH_INDEX_DIR (default var/search)
    / the engine and database it follows (two databases on one machine never share one)."""
    base = Path(settings.LEARNCITY_SEARCH_INDEX_DIR)
    db = connection.settings_dict
    key = f"{connection.vendor}|{db.get('HOST') or ''}|{db.get('PORT') or ''}|{db.get('NAME')}"
    digest = hashlib.blake2b(key.encode(), digest_size=6).hexdigest()
    return base / f"{connection.vendor}-{digest}"


def _current_folder(root: Path) -> Path | None:
    try:
        name = (root / "CURRENT").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not name or "/" in name or name.startswith("."):
        return None
    return root / name


def _switch(root: Path, folder: Path) -> None:
    pointer = root / "CURRENT"
    scratch = root / f".CURRENT.{os.getpid()}.{uuid.uuid4().hex[:8]}"
    scratch.write_text(folder.name, encoding="utf-8")
    scratch.replace(pointer)  # atomic: readers see the old folder or the new one
    for old in root.iterdir():
        if old.is_dir() and old.name != folder.name and old.name.startswith("g-"):
            shutil.rmtree(old, ignore_errors=True)  # open readers keep their files (unlinked)


# ------------------------------------------------------------------ from catalogue rows


class _Centroids:
    """Region centroids for venues without coordinates (cached per run)."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[float, float] | None] = {}

    def prime(self, codes: Iterable[str]) -> None:
        missing = [c for c in set(codes) if c and c not in self._known]
        if missing:
            found = {ref.code: ref.centroid for ref in region_refs_by_code(missing)}
            for code in missing:
                self._known[code] = found.get(code)

    def get(self, code: str | None) -> tuple[float, float] | None:
        return self._known.get(code) if code else None


def _place(row: dict[str, Any], centroids: _Centroids) -> tuple[float | None, float | None, str]:
    if row.get("latitude") is not None and row.get("longitude") is not None:
        return row["latitude"], row["longitude"], row.get("location_precision") or "exact"
    for code, precision in (
        (row.get("neighbourhood_code"), "neighbourhood"),
        (row.get("district_code"), "district"),
    ):
        point = centroids.get(code)
        if point is not None:
            return point[0], point[1], precision
    return None, None, "unknown"


def entries(
    rows: list[dict[str, Any]],
    centroids: _Centroids | None = None,
    memo: search_text.Memo | None = None,
) -> list[Entry]:
    """Index entries of catalogue rows (programme_rows): Kiwi morphemes and bigrams (`memo`:
    the tokens of texts seen before, kept across pages by a long run)."""
    centroids = centroids or _Centroids()
    centroids.prime(
        [r.get("neighbourhood_code") or "" for r in rows]
        + [r.get("district_code") or "" for r in rows]
    )
    tagger = korean_text.shared().tagged_many
    out: list[Entry] = []
    for row in rows:
        tokens = search_text.document(
            row["title"] or "",
            [
                row.get("description") or "",
                row.get("source_category_word") or "",
                row.get("institution") or "",
                row.get("venue") or "",
                row.get("place") or "",
            ],
            tagger,
            memo,
        )
        latitude, longitude, precision = _place(row, centroids)
        slot = search_text.time_slot(row.get("start_time"))
        out.append(
            Entry(
                programme_id=int(row["id"]),
                terms=tokens.terms,
                grams=tokens.grams,
                body=tokens.body,
                district=row.get("district_code") or "",
                neighbourhood=row.get("neighbourhood_code") or "",
                category=row.get("category_code") or "",
                mode=row.get("mode") or "",
                groups=tuple(g for g in (row.get("target_groups") or ()) if g in TARGET_GROUPS),
                weekdays=tuple(
                    sorted({int(d) for d in (row.get("weekdays") or ()) if 1 <= int(d) <= 7})
                ),
                slots=(slot,) if slot else (),
                fee=row.get("fee_krw"),
                credit_bank=bool(row.get("credit_bank")),
                learning_account=bool(row.get("learning_account")),
                voucher=False,  # no programme is voucher-marked in the catalogue yet
                start=row.get("start_date"),
                registration_start=row.get("registration_start"),
                registration_end=row.get("registration_end"),
                latitude=latitude,
                longitude=longitude,
                precision=precision,
            )
        )
    return out


# ------------------------------------------------------------------ the change log


@dataclass(frozen=True)
class Top:
    """The newest numbered change in the database, and whether unnumbered ones wait."""

    change_no: int
    token: str
    waiting: bool


_TOP_SQL = (
    f"SELECT c.change_no, c.token, EXISTS(SELECT 1 FROM {_TABLE} w WHERE w.change_no IS NULL)"
    f" FROM (SELECT 1 AS one) o LEFT JOIN {_TABLE} c ON c.change_no ="
    f" (SELECT MAX(change_no) FROM {_TABLE})"
)


def top() -> Top:
    """One cheap query (both halves use an index): run before every search."""
    with connection.cursor() as cursor:
        cursor.execute(_TOP_SQL)
        change_no, token, waiting = cursor.fetchone()
    return Top(int(change_no or 0), str(token or ""), bool(waiting))


def claim() -> Top:
    """Number the waiting changes after the newest numbered one, in id order, all with one
    fresh token; one transaction under a lock (PostgreSQL: an advisory lock; SQLite: the
    database's one writer)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(20261207)")
        cursor.execute(f"SELECT COALESCE(MAX(change_no), 0) FROM {_TABLE}")
        (highest,) = cursor.fetchone()
        token = uuid.uuid4().hex[:16]
        cursor.execute(
            f"UPDATE {_TABLE} SET change_no = s.n, token = %s FROM ("
            f" SELECT id, %s + ROW_NUMBER() OVER (ORDER BY id) AS n"
            f" FROM {_TABLE} WHERE change_no IS NULL) s WHERE {_TABLE}.id = s.id",
            [token, int(highest)],
        )
    return top()


def _changes_after(change_no: int, limit: int) -> list[tuple[int, int, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT change_no, programme_id, token FROM {_TABLE}"
            f" WHERE change_no > %s ORDER BY change_no LIMIT %s",
            [change_no, limit],
        )
        return [(int(n), int(p), str(t)) for n, p, t in cursor.fetchall()]


def _holds(state: State) -> bool:
    """Whether the database still has the change the index says it holds (a rolled-back
    transaction, a restored backup or another database would not)."""
    if state.change_no == 0:
        return True
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {_TABLE} WHERE change_no = %s", [state.change_no])
        found = cursor.fetchone()
    return found is not None and str(found[0]) == state.token


def prune(days: int) -> int:
    """Forget applied changes older than `days` days (the newest is always kept): an index
    that fell further behind than that finds its change gone and rebuilds."""
    import datetime as dt

    from django.utils import timezone

    cutoff = timezone.now() - dt.timedelta(days=days)
    newest = top().change_no
    deleted, _ = SearchChange.objects.filter(change_no__lt=newest, created__lt=cutoff).delete()
    return deleted


# ------------------------------------------------------------------ this process's index


class _Process:
    """This process's reader and, when it holds it, the index's writer."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.folder: Path | None = None
        self.engine: Engine | None = None
        self.state: State | None = None
        self.writer: Writer | None = None
        self.background = False  # a thread here applies changes (server workers)

    def close(self) -> None:
        with self.lock:
            if self.writer is not None:
                self.writer.close()
            self.writer = None
            self.engine = None
            self.state = None
            self.folder = None


_process = _Process()


def reset_process() -> None:
    """Forget this process's reader and writer (tests; after a fork)."""
    _process.close()


def _open(folder: Path) -> Engine:
    index = engine_module.open_index(folder)
    index.config_reader(reload_policy="Manual")
    return Engine(index)


def engine() -> Engine:
    """This process's reader of the current index (opened on first use, never rebuilt here:
    SearchRebuilding when there is none yet)."""
    found = _process.engine
    if found is not None:
        return found
    with _process.lock:
        if _process.engine is None:
            root = index_root()
            folder = _current_folder(root)
            if folder is None:
                raise SearchRebuilding("the search index is being built")
            try:
                _process.engine = _open(folder)
            except EngineError as error:
                raise SearchRebuilding(str(error)) from error
            _process.folder = folder
            _process.state = _process.engine.state()
        return _process.engine


WRITER_WAIT_S = 5.0


def _writer() -> Writer | None:
    """The writer of the current index for one round of work (the caller closes it), or
    None when another process kept it for longer than WRITER_WAIT_S (it holds it only while
    it applies a batch or builds). Reloads the reader once it has it: the state it starts
    from is the last commit, whoever made it."""
    if _process.writer is not None:
        return _process.writer
    deadline = time.monotonic() + WRITER_WAIT_S
    while True:
        current = engine()
        try:
            _process.writer = Writer.open(current.index)
        except EngineError:
            if time.monotonic() > deadline:
                return None
            time.sleep(0.02)
            _reload()
            continue
        _reload()
        if _process.engine is current:
            return _process.writer
        _release_writer()  # the folder was switched by a rebuild meanwhile: again


def _release_writer() -> None:
    if _process.writer is not None:
        _process.writer.close()
        _process.writer = None


def _reload() -> None:
    current = _process.engine
    if current is None:
        return
    root = index_root()
    folder = _current_folder(root)
    if folder is not None and folder != _process.folder:  # rebuilt elsewhere: switch
        _release_writer()
        _process.engine = None
        engine()
        return
    current.reload()
    _process.state = current.state()


def sync(*, limit: int | None = None, progress: Progress | None = None) -> dict[str, int]:
    """Apply the changes the index does not hold yet (all, or at most `limit`), in order.
    Rebuilds when there is no usable index or it followed another database. Returns
    applied (changes), programmes (documents replaced), change_no (where the index is)."""
    with _process.lock:
        if not _usable():
            report = rebuild(progress=progress, force=False)
            return {
                "applied": 0,
                "programmes": report["documents"],
                "change_no": report["change_no"],
            }
        claim()
        writer = _writer()
        if writer is None:  # another process indexes: follow its commits
            _reload()
            state = _process.state
            return {"applied": 0, "programmes": 0, "change_no": state.change_no if state else 0}
        state = _process.state
        if state is None or not _holds(state):  # another process went elsewhere meanwhile
            _release_writer()
            return sync(limit=limit, progress=progress)
        applied = programmes = 0
        centroids = _Centroids()
        batch_size = _batch_size()
        while limit is None or applied < limit:
            size = batch_size if limit is None else min(batch_size, limit - applied)
            batch = _changes_after(state.change_no, size)
            if not batch:
                break
            ids = sorted({programme for _, programme, _ in batch})
            rows = list(programme_rows(ids=ids))
            try:
                writer.replace(ids, entries(rows, centroids))
                _crash_if_asked(applied + len(batch))
                last = batch[-1]
                state = state.after(last[0], last[2], ids)
                writer.commit(state)
            except BaseException:
                writer.rollback()
                _release_writer()
                raise
            applied += len(batch)
            programmes += len(ids)
            if progress is not None:
                progress(len(batch))
        _release_writer()  # another process on this index may write next
        _reload()
        return {"applied": applied, "programmes": programmes, "change_no": state.change_no}


def _batch_size() -> int:
    try:
        return max(1, int(os.environ.get("LEARNCITY_SEARCH_BATCH") or BATCH_CHANGES))
    except ValueError:
        return BATCH_CHANGES


def _crash_if_asked(applied: int) -> None:
    """Fault injection for the crash test (tests/search/test_indexer_crash.py): with
    LEARNCITY_SEARCH_CRASH_AFTER=N the process kills itself (SIGKILL, no clean-up) once a
    batch that reaches N changes is written but not committed."""
    wanted = os.environ.get("LEARNCITY_SEARCH_CRASH_AFTER")
    if wanted and wanted.isdecimal() and applied >= int(wanted):
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def _usable() -> bool:
    """Whether this process has an index that follows this database (repaired when it is
    ahead of it by a few commits: see `repair`)."""
    try:
        engine()
    except SearchRebuilding:
        return False
    _reload()
    state = _process.state
    if state is None:
        return False
    return _holds(state) or repair()


def repair() -> bool:
    """An index ahead of its database (a transaction it followed was rolled back, a backup
    was restored): back to the newest state of its journal that the database holds, with the
    programmes touched since indexed again as the database has them now. False when no
    state of the journal is held (then it must be rebuilt) or another process writes."""
    state = _process.state
    if state is None:
        return False
    for position in range(len(state.journal) - 1, -1, -1):
        number, token, _ids = state.journal[position]
        if _holds(State(number, token)):
            break
    else:
        return False
    writer = _writer()
    if writer is None:
        return False
    back, touched = state.back_to(position)
    ids = sorted(touched)
    try:
        rows: list[dict[str, Any]] = []
        for start in range(0, len(ids), ROWS_PAGE):
            rows.extend(programme_rows(ids=ids[start : start + ROWS_PAGE]))
        writer.replace(ids, entries(rows))
        writer.commit(back)
    except BaseException:
        writer.rollback()
        raise
    finally:
        _release_writer()
    log.info("search index went back to change %d (%d programmes again)", back.change_no, len(ids))
    _reload()
    return True


def rebuild(
    *, progress: Progress | None = None, threads: int | None = None, force: bool = True
) -> dict[str, Any]:
    """A new index from the whole catalogue, in a new folder, then switched to. Changes made
    while it builds are numbered after the point it starts from and applied next. One
    process per machine builds at a time (a lock file beside the index); without `force`,
    one that waited for another's build uses that build instead of building again."""
    root = index_root()
    root.mkdir(parents=True, exist_ok=True)
    with _process.lock, _build_lock(root, wait=True):
        if not force and _current_folder(root) is not None:
            _process.engine = None
            try:
                engine()
            except SearchRebuilding:
                pass
            else:
                if _process.state is not None and _holds(_process.state):
                    state = _process.state
                    return {"documents": 0, "change_no": state.change_no, "seconds": 0.0}
        return _rebuild(root, progress, threads)


def _rebuild(root: Path, progress: Progress | None, threads: int | None) -> dict[str, Any]:
    started = time.perf_counter()
    since = claim()
    folder = root / f"g-{int(time.time())}-{uuid.uuid4().hex[:8]}"
    index = engine_module.open_index(folder, create=True)
    writer = Writer.open(index, threads=threads or max(1, min(4, os.cpu_count() or 1)))
    documents = 0
    centroids = _Centroids()
    memo: search_text.Memo = {}
    page: list[dict[str, Any]] = []
    try:
        for row in programme_rows(batch=ROWS_PAGE):
            page.append(row)
            if len(page) >= ROWS_PAGE:
                documents += writer.add(entries(page, centroids, memo))
                if progress is not None:
                    progress(len(page))
                page = []
        documents += writer.add(entries(page, centroids, memo))
        if progress is not None and page:
            progress(len(page))
        writer.commit(State(since.change_no, since.token).after(since.change_no, since.token, ()))
    except BaseException:
        writer.rollback()
        writer.close()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    writer.close()
    _release_writer()
    _switch(root, folder)
    _process.engine = None
    engine()
    took = time.perf_counter() - started
    log.info("search index rebuilt: %d programmes in %.1f s", documents, took)
    return {
        "documents": documents,
        "change_no": since.change_no,
        "seconds": round(took, 1),
        "folder": str(folder),
    }


def refresh() -> Engine:
    """Before a search: this process's reader as of the latest committed change. Applies the
    waiting changes here when no background indexer does (or when they are few); follows
    another process's commits; rebuilds where there is no usable index and this process
    builds (never in a server worker: SearchRebuilding until its indexer has built it)."""
    now = top()
    current = _process.engine
    state = _process.state
    if current is not None and state == State(now.change_no, now.token) and not now.waiting:
        return current
    if _process.background:
        return _follow(current)
    with _process.lock:
        try:
            engine()
        except SearchRebuilding:
            rebuild(force=False)
            return engine()
        _reload()
        state = _process.state
        if state is None or not (_holds(state) or repair()):
            rebuild(force=False)
        state = _process.state
        if state is not None and (now.waiting or state.change_no != now.change_no):
            sync()
        return engine()


def _follow(current: Engine | None) -> Engine:
    """In a server worker: wake the background indexer and follow the last commit. While
    that thread applies a batch or builds (it holds the lock), the search goes on with the
    reader it has (at most one batch behind) instead of waiting on it."""
    _nudge.set()
    if not _process.lock.acquire(blocking=False):
        if current is None:
            raise SearchRebuilding("the search index is being built")
        return current
    try:
        engine()
        _reload()
        return engine()
    finally:
        _process.lock.release()


# ------------------------------------------------------------------ the background indexer

_nudge = threading.Event()
_started = False
POLL_S = 0.25


def start_background(poll_s: float = POLL_S) -> None:
    """In a server worker: a thread that applies changes as they come (the one worker that
    holds the index's lock writes; the others follow its commits)."""
    global _started  # noqa: PLW0603 - one thread per process
    with _process.lock:
        if _started:
            return
        _started = True
        _process.background = True
    thread = threading.Thread(target=_loop, args=(poll_s,), name="search-indexer", daemon=True)
    thread.start()


def _loop(poll_s: float) -> None:
    from django.db import close_old_connections

    while True:
        _nudge.wait(poll_s)
        _nudge.clear()
        try:
            close_old_connections()
            _background_step()
        except Exception:
            log.exception("search indexer round failed")
            time.sleep(1.0)


def _background_step() -> None:
    with _process.lock:
        try:
            engine()
        except SearchRebuilding:
            _rebuild_unless_busy()
            return
        now = top()
        state = _process.state
        if state == State(now.change_no, now.token) and not now.waiting:
            return
        _reload()
        state = _process.state
        if state is None or not (_holds(state) or repair()):
            _rebuild_unless_busy()
            return
        if now.waiting or state.change_no < now.change_no:
            sync()


def _rebuild_unless_busy() -> None:
    """The background indexer's rebuild: skipped while another process builds (this worker
    follows that build when it is switched to)."""
    root = index_root()
    root.mkdir(parents=True, exist_ok=True)
    with _build_lock(root, wait=False) as held:
        if held:
            _rebuild(root, None, None)


@contextlib.contextmanager
def _build_lock(root: Path, *, wait: bool) -> Iterator[bool]:
    """The machine's build lock for this index (a lock file beside it); yields whether it is
    held (always, with `wait`)."""
    with (root / "BUILD.lock").open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
