"""The Plan: hashes and types per asset, the manifest, a stable manifest hash, O(1) lookups."""

from __future__ import annotations

import hashlib
import itertools
import json
import multiprocessing
import os
import shutil
import signal
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from entrypoint.errors import ContentError
from entrypoint.model import Asset, Plan
from entrypoint.site import identity as manifest_module
from entrypoint.site import plan as plan_module
from entrypoint.site.collect import MAX_FILE_SIZE, UNSIZED, Collection, FoundFile, collect_files
from entrypoint.site.identity import FileStat, hash_and_size, hash_and_stat, hash_bytes
from entrypoint.site.plan import HashingCancelledError, build_plan, split_batches, start_plan


def _site(root: Path) -> Path:
    files: dict[str, bytes] = {
        "index.html": b"<html></html>",
        "css/site.css": b"body{}",
        "copy/index.html": b"<html></html>",
        "same.txt": b"<html></html>",
        "béëp/boo^p.txt": b"unicode",
        "with space.js": b"1",
        "_headers": b"/*\n  X: y\n",
        "_redirects": b"/a /b\n",
    }
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return root


def _tree(root: Path, count: int = 60) -> Path:
    """``count`` small files in seven folders (the walk finds them folder by folder)."""
    for index in range(count):
        folder = root / f"d{index % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{index}.txt").write_bytes(b"x" * (index * 97))
    return root


def _plan(site: Path, workers: int | None = None) -> Plan:
    collection = collect_files(site, workspace=site.parent)
    return build_plan(site, collection, workers=workers)


def test_plan_assets_have_key_hash_size_and_type(tmp_path: Path) -> None:
    plan = _plan(_site(tmp_path / "site"))
    by_key = {a.key: a for a in plan.assets}
    assert list(by_key) == [
        "/béëp/boo^p.txt",
        "/copy/index.html",
        "/css/site.css",
        "/index.html",
        "/same.txt",
        "/with space.js",
    ]
    index = by_key["/index.html"]
    assert index.hash == "4752155c2c0c0320b40bca1d83e8380a"
    assert index.size == 13
    assert index.content_type == "text/html; charset=utf-8"
    assert by_key["/same.txt"].hash == hash_bytes(b"<html></html>", "txt")
    assert by_key["/same.txt"].content_type == "text/plain; charset=utf-8"
    assert by_key["/with space.js"].content_type == "text/javascript; charset=utf-8"
    assert plan.headers == "/*\n  X: y\n"
    assert plan.redirects == "/a /b\n"
    assert plan.ignored == 0  # _headers and _redirects are read, not left out
    assert plan.total_bytes == 13 + 13 + 6 + 13 + 7 + 1


def test_manifest_is_the_session_body(tmp_path: Path) -> None:
    plan = _plan(_site(tmp_path / "site"))
    manifest = plan.manifest()
    assert manifest["/css/site.css"] == {"hash": hash_bytes(b"body{}", "css"), "size": 6}
    assert manifest["/béëp/boo^p.txt"]["size"] == 7
    assert len(manifest) == 6
    parsed = json.loads(plan.manifest_json)
    assert parsed == manifest
    assert "béëp" in plan.manifest_json  # raw UTF-8, not \\u escapes


def test_manifest_hash_is_stable_across_runs_and_locations(tmp_path: Path) -> None:
    site = _site(tmp_path / "a" / "site")
    first = _plan(site)
    again = _plan(site, workers=1)
    copy = tmp_path / "b" / "site"
    shutil.copytree(site, copy)
    moved = _plan(copy)
    assert len(first.manifest_hash) == 64
    assert first.manifest_hash == again.manifest_hash == moved.manifest_hash
    (copy / "index.html").write_bytes(b"<html>changed</html>")
    assert _plan(copy).manifest_hash != first.manifest_hash


def test_manifest_hash_ignores_asset_order(tmp_path: Path) -> None:
    a = Asset("/a.txt", "/x/a.txt", 1, "1" * 32, "text/plain; charset=utf-8", 0, 0, 0)
    b = Asset("/b.txt", "/x/b.txt", 2, "2" * 32, "text/plain; charset=utf-8", 0, 0, 0)
    assert (
        Plan(directory=tmp_path, assets=(a, b)).manifest_hash
        == Plan(directory=tmp_path, assets=(b, a)).manifest_hash
    )


def test_asset_for_returns_the_first_asset_with_that_hash(tmp_path: Path) -> None:
    plan = _plan(_site(tmp_path / "site"))
    html_hash = hash_bytes(b"<html></html>", "html")
    found = plan.asset_for(html_hash)
    assert found is not None
    assert found.key == "/copy/index.html"
    assert plan.asset_for("f" * 32) is None
    assert [a.key for a in plan.keys_with_hashes({html_hash})] == [
        "/copy/index.html",
        "/index.html",
    ]


def test_asset_for_uses_the_index(tmp_path: Path) -> None:
    assets = tuple(
        Asset(f"/{i}", f"/p/{i}", i, f"{i:032x}", "application/null", 0, 0, 0) for i in range(2000)
    )
    plan = Plan(directory=tmp_path, assets=assets)
    assert plan._by_hash[f"{1999:032x}"] is assets[1999]
    assert plan.asset_for(f"{1234:032x}") is assets[1234]


def test_symlinked_file_is_hashed_with_its_target_content(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (tmp_path / "real.css").write_bytes(b"a{color:red}")
    (site / "linked.css").symlink_to(tmp_path / "real.css")
    plan = build_plan(site, collect_files(site, workspace=tmp_path))
    (asset,) = plan.assets
    assert asset.key == "/linked.css"
    assert asset.size == 12
    assert asset.hash == hash_bytes(b"a{color:red}", "css")


def test_file_removed_after_collection_is_a_content_error(tmp_path: Path) -> None:
    site = _site(tmp_path / "site")
    collection = collect_files(site, workspace=tmp_path)
    (site / "css" / "site.css").unlink()
    (site / "same.txt").write_bytes(b"grown bigger than before")
    with pytest.raises(ContentError, match=r"2 file\(s\) could not be read") as caught:
        build_plan(site, collection)
    details = caught.value.details
    assert details[0] == "'css/site.css' was deleted while it was being hashed"
    assert details[1].startswith("cannot read 'same.txt' (size changed while reading")
    assert caught.value.exit_code == 4


def test_file_gone_after_listing_is_a_content_error(tmp_path: Path) -> None:
    """A real OS error at read time (works as root too, unlike chmod 000)."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "gone.txt").write_bytes(b"no")
    (site / "open.txt").write_bytes(b"yes")
    collection = collect_files(site, workspace=tmp_path)
    (site / "gone.txt").unlink()
    with pytest.raises(ContentError, match=r"'gone.txt' was deleted while it was being hashed"):
        build_plan(site, collection)


def test_build_plan_of_a_hand_made_collection(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(b"{}")
    collection = Collection((FoundFile("x.json", str(path), 2),), None, None, 0)
    plan = build_plan(tmp_path, collection, workers=2)
    info = path.stat()
    assert plan.assets == (
        Asset(
            "/x.json",
            str(path),
            2,
            hash_bytes(b"{}", "json"),
            "application/json",
            info.st_dev,
            info.st_ino,
            info.st_mtime_ns,
        ),
    )
    assert plan.headers is None


def test_permission_error_while_hashing_is_a_content_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same path as the chmod test, reachable when running as root.
    site = _site(tmp_path / "site")
    collection = collect_files(site, workspace=tmp_path)
    real_hash = hash_and_stat

    def refusing(
        path: str, extension: str, size: int | None, *, limit: int
    ) -> tuple[str, FileStat]:
        if path.endswith("site.css"):
            raise PermissionError(13, "Permission denied", path)
        return real_hash(path, extension, size, limit=limit)

    monkeypatch.setattr("entrypoint.site.plan.hash_and_stat", refusing)
    with pytest.raises(ContentError, match=r"cannot read 'css/site.css' \(Permission denied\)"):
        build_plan(site, collection)


def test_forked_hashing_equals_hashing_in_this_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _tree(tmp_path / "site")
    collection = collect_files(site, workspace=tmp_path)
    alone = build_plan(site, collection, workers=1)
    monkeypatch.setattr(plan_module, "PARALLEL_MIN_COST", 0)
    # The suite's emulator threads make the real check say no; the CLI forks before any thread.
    monkeypatch.setattr(plan_module, "_can_fork", lambda: True)
    pending = start_plan(site, collection, workers=2)
    assert pending.forked
    forked = pending.result()
    assert forked.assets == alone.assets
    assert forked.manifest_hash == alone.manifest_hash


def test_forked_hashing_reports_unreadable_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _site(tmp_path / "site")
    collection = collect_files(site, workspace=tmp_path)
    (site / "css" / "site.css").unlink()
    monkeypatch.setattr(plan_module, "PARALLEL_MIN_COST", 0)
    monkeypatch.setattr(plan_module, "_can_fork", lambda: True)
    with pytest.raises(ContentError, match=r"'css/site.css' was deleted while it was being hashed"):
        build_plan(site, collection, workers=2)


def test_split_batches_covers_every_file_once_in_order() -> None:
    files = tuple(FoundFile(f"f{i}", f"/p/{i}", size) for i, size in enumerate([0, 10**6, 5] * 9))
    for count in (1, 2, 4, 8, 100):
        ranges = split_batches(files, count)
        assert 1 <= len(ranges) <= count
        assert [i for start, stop in ranges for i in range(start, stop)] == list(range(27))
    assert split_batches((), 4) == []


def test_manifest_json_is_sorted_one_entry_per_line(tmp_path: Path) -> None:
    a = Asset('/b"q.txt', "/x/b", 2, "2" * 32, "text/plain; charset=utf-8", 0, 0, 0)
    b = Asset("/é.txt", "/x/a", 1, "1" * 32, "text/plain; charset=utf-8", 0, 0, 0)
    text = Plan(directory=tmp_path, assets=(b, a)).manifest_json
    assert text.splitlines() == [
        "{",
        f' "/b\\"q.txt": {{"hash": "{"2" * 32}", "size": 2}},',
        f' "/é.txt": {{"hash": "{"1" * 32}", "size": 1}}',
        "}",
    ]
    assert json.loads(text) == Plan(directory=tmp_path, assets=(a, b)).manifest()
    assert Plan(directory=tmp_path, assets=()).manifest_json == "{}"


def test_the_manifest_in_pieces_is_the_manifest_and_its_hash_and_length_are_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("entrypoint.model.MANIFEST_PIECE", 3)
    assets = tuple(
        Asset(f"/f{i:02}.txt", f"/x/{i}", i, f"{i:032x}", "text/plain", 0, 0, 0) for i in range(10)
    )
    plan = Plan(directory=tmp_path, assets=assets[::-1])
    pieces = list(plan.manifest_chunks())
    assert len(pieces) == 5  # 3 + 3 + 3 + 1 entries, then the closing brace
    whole = b"".join(pieces)
    assert json.loads(whole) == plan.manifest()
    assert whole.decode().splitlines()[1] == f' "/f00.txt": {{"hash": "{0:032x}", "size": 0}},'
    assert plan.manifest_length == len(whole)
    assert plan.manifest_hash == hashlib.sha256(whole).hexdigest()
    assert list(plan.manifest_chunks()) == pieces  # made again, the same


def test_a_key_given_twice_is_in_the_manifest_once_as_its_last(tmp_path: Path) -> None:
    first = Asset("/a.txt", "/x/a", 1, "1" * 32, "text/plain; charset=utf-8", 0, 0, 0)
    second = Asset("/a.txt", "/x/b", 2, "2" * 32, "text/plain; charset=utf-8", 0, 0, 0)
    other = Asset("/b.txt", "/x/c", 3, "3" * 32, "text/plain; charset=utf-8", 0, 0, 0)
    plan = Plan(directory=tmp_path, assets=(other, first, second))
    assert json.loads(plan.manifest_json) == plan.manifest()
    assert plan.manifest_json.count('"/a.txt"') == 1
    assert json.loads(plan.manifest_json)["/a.txt"] == {"hash": "2" * 32, "size": 2}


def test_sizes_left_to_the_hashing_are_read_from_the_files(tmp_path: Path) -> None:
    site = _site(tmp_path / "site")
    sized = build_plan(site, collect_files(site, workspace=tmp_path))
    collection = collect_files(site, workspace=tmp_path, sized=False)
    assert {found.size for found in collection.files} == {UNSIZED}
    unsized = build_plan(site, collection)
    assert unsized.assets == sized.assets
    assert unsized.manifest_hash == sized.manifest_hash


def test_a_file_over_the_limit_found_while_hashing_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _site(tmp_path / "site")
    with (site / "big.bin").open("wb") as handle:
        handle.truncate(MAX_FILE_SIZE + 1)
    collection = collect_files(site, workspace=tmp_path, sized=False)
    reads: list[int] = []
    real_read = manifest_module.read_full

    def reading(fd: int, size: int) -> bytes:
        reads.append(size)
        return real_read(fd, size)

    monkeypatch.setattr(manifest_module, "read_full", reading)
    with pytest.raises(ContentError, match=r"1 file\(s\) over the 25 MiB limit: 'big.bin'"):
        build_plan(site, collection)
    assert reads
    assert max(reads) < 1000  # only the small files were read, never a chunk of big.bin


def test_a_file_that_changes_size_after_an_unsized_walk_is_still_caught(tmp_path: Path) -> None:
    site = _site(tmp_path / "site")
    collection = collect_files(site, workspace=tmp_path, sized=False)
    found = next(f for f in collection.files if f.rel == "css/site.css")
    hashed = hash_and_size(found.path, "css")
    (site / "css" / "site.css").write_text("body{}" * 100)
    assert hash_and_size(found.path, "css") != hashed
    with pytest.raises(OSError, match="size changed"):
        hash_and_size(found.path, "css", hashed[1])


def test_a_few_big_files_are_hashed_in_parallel_even_when_the_walk_left_sizes_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    for index in range(3):
        (site / f"big-{index}.bin").write_bytes(bytes([index]) * 4096)
    monkeypatch.setattr(plan_module, "PARALLEL_MIN_COST", 10_000 + 3 * plan_module._FILE_COST)
    monkeypatch.setattr(plan_module, "_can_fork", lambda: True)
    collection = collect_files(site, workspace=tmp_path, sized=False)
    pending = start_plan(site, collection, workers=2)
    assert pending.forked  # 3 x 4 KiB read by stat: over the (lowered) threshold
    assert [a.size for a in pending.result().assets] == [4096] * 3
    (site / "big-0.bin").write_bytes(b"")
    small = collect_files(site, workspace=tmp_path, sized=False)
    assert not start_plan(site, small, workers=2).forked


def _killed(batch: object) -> object:
    """A hashing worker that dies at once (as one does when Ctrl-C reaches it)."""
    os.kill(os.getpid(), signal.SIGKILL)
    return None


@pytest.mark.parametrize("cancelled", [False, True])
def test_workers_that_die_are_replaced_by_this_process_unless_hashing_was_given_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cancelled: bool
) -> None:
    site = _site(tmp_path / "site")
    collection = collect_files(site, workspace=tmp_path, sized=False)
    expected = build_plan(site, collection, workers=1)
    monkeypatch.setattr(plan_module, "PARALLEL_MIN_COST", 0)
    monkeypatch.setattr(plan_module, "_can_fork", lambda: True)
    monkeypatch.setattr(plan_module, "_hash_batch", _killed)
    pending = start_plan(site, collection, workers=2)
    assert pending.forked
    if not cancelled:
        assert pending.result().assets == expected.assets  # hashed here instead
        return
    pending.cancel()
    with pytest.raises(HashingCancelledError):
        pending.result()


def test_cancelled_hashing_in_this_process_stops(tmp_path: Path) -> None:
    site = _site(tmp_path / "site")
    pending = start_plan(site, collect_files(site, workspace=tmp_path), workers=1)
    pending.cancel()
    with pytest.raises(HashingCancelledError):
        pending.result()


def _signal_state(batch: plan_module.Batch) -> plan_module.Packed:
    """A worker reporting (as a problem per file) what it does with SIGINT / SIGTERM and what
    kills it with its parent."""
    import ctypes

    death = ctypes.c_int(0)
    ctypes.CDLL(None).prctl(2, ctypes.byref(death), 0, 0, 0)  # PR_GET_PDEATHSIG
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    state = (
        f"int={signal.getsignal(signal.SIGINT)!r} term={signal.getsignal(signal.SIGTERM)!r} "
        f"death={death.value} blocked={sorted(blocked)}"
    )
    count = len(batch[2])
    return "0" * 32 * count, [0] * 4 * count, [state] * count


def test_workers_ignore_sigint_and_die_with_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _site(tmp_path / "site")
    collection = collect_files(site, workspace=tmp_path, sized=False)
    monkeypatch.setattr(plan_module, "PARALLEL_MIN_COST", 0)
    monkeypatch.setattr(plan_module, "_can_fork", lambda: True)
    monkeypatch.setattr(plan_module, "_hash_batch", _signal_state)
    hashing = plan_module.Hashing(2)
    hashing.finish(collection.files)
    assert hashing.forked
    _, _, states = hashing.result()
    expected = (
        f"int={signal.SIG_IGN!r} term={signal.SIG_DFL!r} death={int(signal.SIGKILL)} blocked=[]"
    )
    assert set(states) == {expected}
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == set()  # this thread: as it was


def _stuck(batch: object) -> object:
    """A worker that takes a minute, then leaves a mark; killed, it leaves none."""
    import time

    time.sleep(60)
    Path(os.environ["CF_TEST_MARK_DIR"], str(os.getpid())).touch()
    return [], [], []


def test_cancel_kills_the_workers_instead_of_waiting_for_their_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _site(tmp_path / "site")
    collection = collect_files(site, workspace=tmp_path, sized=False)
    marks = tmp_path / "marks"
    marks.mkdir()
    monkeypatch.setenv("CF_TEST_MARK_DIR", str(marks))
    monkeypatch.setattr(plan_module, "PARALLEL_MIN_COST", 0)
    monkeypatch.setattr(plan_module, "_can_fork", lambda: True)
    monkeypatch.setattr(plan_module, "_hash_batch", _stuck)
    pending = start_plan(site, collection, workers=2)
    assert pending.forked
    pending.cancel()
    with pytest.raises(HashingCancelledError):
        pending.result()
    assert list(marks.iterdir()) == []  # no batch ran to its end


def _streaming(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fork for any site, feed every 4 files, hand out batches of 5."""
    monkeypatch.setattr(plan_module, "PARALLEL_MIN_COST", 0)
    monkeypatch.setattr(plan_module, "_can_fork", lambda: True)
    monkeypatch.setattr(plan_module, "STREAM_BATCH", 5)
    monkeypatch.setattr("entrypoint.site.walk.FEED_STEP", 4)


def test_the_walk_feeds_growing_prefixes_of_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _tree(tmp_path / "site")
    monkeypatch.setattr("entrypoint.site.walk.FEED_STEP", 4)
    seen: list[list[FoundFile]] = []
    collection = collect_files(site, workspace=tmp_path, feed=lambda found: seen.append([*found]))
    assert len(seen) >= 5  # fed as it went, not once at the end
    for before, after in itertools.pairwise(seen):
        assert len(after) - len(before) >= 4
    for prefix in seen:
        assert tuple(prefix) == collection.files[: len(prefix)]


def test_workers_hash_while_the_walk_still_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _tree(tmp_path / "site")
    collection = collect_files(site, workspace=tmp_path, sized=False)
    alone = build_plan(site, collection, workers=1)
    _streaming(monkeypatch)
    earlier = set(multiprocessing.active_children())  # other tests' (this process is shared)
    workers_during_walk: list[int] = []

    def collect(feed: plan_module.Feed) -> Collection:
        def watching(found: Sequence[FoundFile]) -> None:
            feed(found)
            workers_during_walk.append(len(set(multiprocessing.active_children()) - earlier))

        return collect_files(site, workspace=tmp_path, sized=False, feed=watching)

    pending = plan_module.walk_and_hash(site, collect, workers=2)
    assert pending.forked
    assert workers_during_walk
    assert workers_during_walk[-1] == 2
    streamed = pending.result()
    assert streamed.assets == alone.assets
    assert streamed.manifest_hash == alone.manifest_hash


def test_a_walk_that_fails_after_the_fork_leaves_no_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _tree(tmp_path / "site")
    _streaming(monkeypatch)
    monkeypatch.setenv("CF_TEST_MARK_DIR", str(tmp_path))
    monkeypatch.setattr(plan_module, "_hash_batch", _stuck)  # busy: only a kill ends them soon
    earlier = set(multiprocessing.active_children())  # other tests' (this process is shared)
    started: list[multiprocessing.process.BaseProcess] = []

    def collect(feed: plan_module.Feed) -> Collection:
        collect_files(site, workspace=tmp_path, sized=False, feed=feed)
        started.extend(set(multiprocessing.active_children()) - earlier)
        msg = "a problem the walk found"
        raise ContentError(msg)

    with pytest.raises(ContentError, match="a problem the walk found"):
        plan_module.walk_and_hash(site, collect, workers=2)
    assert len(started) == 2  # the walk had forked both workers when it failed
    # Asked of the system: the pool's own thread reaps them, racing a join() here.
    assert [child.pid for child in started if not _dead(child.pid)] == []


def _dead(pid: int | None, within: float = 30.0) -> bool:
    """Whether process ``pid`` is gone or a zombie (killed, not yet reaped) within a while."""
    deadline = time.monotonic() + within
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in {"Z", "X"}:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


def test_a_streamed_unreadable_file_is_reported_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _tree(tmp_path / "site")
    _streaming(monkeypatch)
    gone: list[str] = []

    def collect(feed: plan_module.Feed) -> Collection:
        def deleting(found: Sequence[FoundFile]) -> None:
            if not gone:  # listed by the walk, deleted before its first batch is handed out
                gone.append(found[0].rel)
                Path(found[0].path).unlink()
            feed(found)

        return collect_files(site, workspace=tmp_path, sized=False, feed=deleting)

    pending = plan_module.walk_and_hash(site, collect, workers=2)
    assert pending.forked
    with pytest.raises(ContentError, match=rf"'{gone[0]}' was deleted while it was being hashed"):
        pending.result()


def test_a_worker_answers_in_bytes_and_the_answer_unpacks_to_the_same(tmp_path: Path) -> None:
    site = _tree(tmp_path / "site", 9)
    files = collect_files(site, workspace=tmp_path, sized=False).files
    missing = FoundFile("gone.txt", str(site / "gone.txt"), UNSIZED)
    batch = plan_module._batch([*files, missing])
    joined, numbers, problems = plan_module._hash_batch(batch)
    assert isinstance(joined, str)
    assert len(joined) == 32 * 10
    assert len(numbers) == 4 * 10
    assert problems == ["'gone.txt' was deleted while it was being hashed"]
    hashes, stats, _ = plan_module._unpack((joined, numbers, problems))
    here = plan_module._hash_here(files)
    assert hashes == [*here[0], ""]
    assert stats == [*here[1], (UNSIZED, 0, 0, 0)]
    assert plan_module._hash_batch(plan_module._batch([])) == ("", [], [])
    # Numbers past a signed 64-bit array travel as a list.
    big = (1, 2**64 - 1, 3, 4)
    assert plan_module._unpack(("a" * 32, list(big), []))[1] == [big]


def test_files_found_after_the_last_feed_go_out_in_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _tree(tmp_path / "site")
    files = collect_files(site, workspace=tmp_path, sized=False).files
    _streaming(monkeypatch)
    hashing = plan_module.Hashing(2)
    hashing.feed(files[:5])  # forks with the first batch of 5
    hashing.finish(files)  # 55 more, as from one big last folder: 11 batches, not one
    assert hashing.forked
    assert len(hashing._batches) == 12
    hashes, _, problems = hashing.result()
    assert problems == []
    assert hashes == plan_module._hash_here(files)[0]
