"""The live base is swapped whole, and a bad reload or upload never breaks what users get."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from knowledge.store import BACKUP_DIR, KnowledgeStore

NEW_ENTRY = """\
entries:
  - id: c-new-gongwuyuan
    question: 公务员考录体检标准在哪里看？
    keywords: [体检标准]
    answer: 见《公务员录用体检通用标准（试行）》。
"""


def test_store_answers_from_the_base_and_looks_up_by_id(fixture_base: Path):
    store = KnowledgeStore([fixture_base])
    assert store.last_load.ok
    assert store.match("党费怎么交").best.id == "p-dangfei-jiaona"
    assert store.get("c-shiyongqi").question == "新提拔干部试用期多久？"
    assert store.get("nope") is None


def test_reload_picks_up_edits(base_copy: Path):
    store = KnowledgeStore([base_copy])
    (base_copy / "extra.yaml").write_text(NEW_ENTRY, encoding="utf-8")
    result = store.reload()
    assert result.ok and store.get("c-new-gongwuyuan") is not None


def test_reload_with_errors_keeps_the_old_snapshot(base_copy: Path):
    store = KnowledgeStore([base_copy])
    before = store.snapshot
    (base_copy / "party.yaml").write_text("entries:\n  - id: p-x\n    question: [\n", encoding="utf-8")
    result = store.reload()
    assert not result.ok
    assert store.snapshot is before
    assert store.match("党费怎么交").best.id == "p-dangfei-jiaona"


def test_install_valid_file_backs_up_the_old_one_and_goes_live(base_copy: Path):
    store = KnowledgeStore([base_copy])
    old = (base_copy / "cadre.yaml").read_bytes()
    result = store.install_file("cadre.yaml", NEW_ENTRY.encode())
    assert result.ok, [str(e) for e in result.errors]
    assert (base_copy / "cadre.yaml").read_bytes() == NEW_ENTRY.encode()
    backups = list((base_copy / BACKUP_DIR).glob("cadre.yaml.*"))
    assert len(backups) == 1 and backups[0].read_bytes() == old
    assert store.get("c-new-gongwuyuan") is not None and store.get("c-shiyongqi") is None
    assert not list(base_copy.glob(".*.tmp")), "temp file left behind"


def test_install_of_a_new_file_adds_it_without_a_backup(base_copy: Path):
    store = KnowledgeStore([base_copy])
    assert store.install_file("gongwuyuan.yaml", NEW_ENTRY.encode()).ok
    assert store.get("c-new-gongwuyuan") is not None and store.get("c-shiyongqi") is not None
    assert not (base_copy / BACKUP_DIR).exists()


def test_install_of_a_broken_file_changes_nothing_on_disk_or_live(base_copy: Path):
    store = KnowledgeStore([base_copy])
    before_snapshot = store.snapshot
    before_files = {p.name: p.read_bytes() for p in base_copy.iterdir()}
    bad = NEW_ENTRY.replace("keywords", "keyword").encode()
    result = store.install_file("cadre.yaml", bad)
    assert not result.ok
    assert "cadre.yaml:4 [c-new-gongwuyuan] unknown key 'keyword'" in str(result.errors[0])
    assert store.snapshot is before_snapshot
    assert {p.name: p.read_bytes() for p in base_copy.iterdir()} == before_files


def test_install_refuses_unsafe_file_names(base_copy: Path, tmp_path: Path):
    store = KnowledgeStore([base_copy])
    for name in ("../evil.yaml", "/tmp/evil.yaml", "evil.py", ".evil.yaml"):
        assert not store.install_file(name, NEW_ENTRY.encode()).ok
    assert not (tmp_path / "evil.yaml").exists()


def test_readers_during_reloads_always_see_a_whole_base(base_copy: Path):
    store = KnowledgeStore([base_copy])
    failures: list[str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            snapshot = store.snapshot
            result = snapshot.matcher.match("党费怎么交")
            if result.best is None or result.best.id not in snapshot.entries:
                failures.append(result.outcome)
            time.sleep(0.0001)  # let the reloading thread have the GIL

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    for _ in range(10):
        store.reload()
    stop.set()
    for reader in readers:
        reader.join()
    assert failures == []


def test_a_store_whose_base_is_broken_at_start_reports_it_and_answers_nothing(tmp_path: Path):
    (tmp_path / "bad.yaml").write_text("entries: [", encoding="utf-8")
    store = KnowledgeStore([tmp_path])
    assert not store.last_load.ok and "bad.yaml" in str(store.last_load.errors[0])
    assert store.match("党费怎么交").outcome == "none"
    (tmp_path / "bad.yaml").write_text(NEW_ENTRY, encoding="utf-8")
    assert store.reload().ok and store.get("c-new-gongwuyuan") is not None


def test_the_fingerprint_follows_the_files_served_not_backups_or_failed_reloads(base_copy: Path):
    store = KnowledgeStore([base_copy])
    served = store.fingerprint
    assert served == store.disk_fingerprint()
    (base_copy / BACKUP_DIR).mkdir(exist_ok=True)
    (base_copy / BACKUP_DIR / "party.yaml.20261201T000000Z").write_text("old", encoding="utf-8")
    assert store.disk_fingerprint() == served  # backups are not part of the base

    (base_copy / "extra.yaml").write_text(NEW_ENTRY, encoding="utf-8")
    assert store.disk_fingerprint() != served and store.fingerprint == served  # not reloaded yet
    assert store.reload().ok and store.fingerprint == store.disk_fingerprint() != served

    edited = store.fingerprint
    (base_copy / "party.yaml").write_text("entries:\n  - id: p-x\n    question: [\n", encoding="utf-8")
    assert not store.reload().ok and store.fingerprint == edited  # still what it serves
