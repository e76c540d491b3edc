"""The send journal: what a killed process leaves behind is read back exactly, even cut short."""

from __future__ import annotations

from pathlib import Path

from bot.journal import SendJournal, read_state


def test_a_batch_reads_back_as_sent_in_flight_and_never_attempted(tmp_path: Path) -> None:
    journal = SendJournal(tmp_path, "sqlite:///bot.db")
    batch = journal.batch("t1")
    batch.claimed([11, 12, 13, 14])
    batch.attempt(11)
    batch.sent(11)
    batch.attempt(12)  # the process dies with this request out
    [(_, state)] = journal.leftovers()
    assert (state.sent, state.in_flight, state.unattempted) == ({11}, {12}, {13, 14})
    batch.clear()
    assert journal.leftovers() == []


def test_a_file_cut_short_counts_as_far_as_it_goes_and_a_foreign_file_counts_for_nothing(tmp_path: Path) -> None:
    journal = SendJournal(tmp_path, "sqlite:///bot.db")
    batch = journal.batch("t2")
    batch.claimed([21, 22, 23])
    batch.attempt(21)
    content = batch.path.read_bytes()
    batch.clear()
    torn = tmp_path / "torn.journal"
    torn.write_bytes(content[:-2])  # the last two state bytes never reached the file
    state = read_state(torn)
    assert (state.claimed, state.attempted, state.sent) == ({21, 22, 23}, {21}, set())
    foreign = tmp_path / "foreign.journal"
    foreign.write_bytes(b"c21\na21\n")  # not a journal this version wrote: nothing is inferred
    assert read_state(foreign).claimed == set()


def test_journals_of_another_database_are_not_this_ones(tmp_path: Path) -> None:
    SendJournal(tmp_path, "postgresql://a/x").batch("t3").claimed([1])
    assert SendJournal(tmp_path, "postgresql://b/y").leftovers() == []
