"""`senim audit verify`: the hash chain notices any change to the stored events, on both stores, encrypted or not."""
import re
from dataclasses import replace

import pytest
from eventsourcing.cipher import AESCipher

from intake.bootstrap import bootstrap
from intake.services.audit_chain import CHANGED, INSERTED, LINKS_EDITED, MISSING, verify
from tests.helpers.raw_store import RawStore, record_users, run_senim

HEAD = re.compile(r"OK: (\d+) links verified; head ([0-9a-f]{64}) at position (\d+)")


@pytest.fixture(params=["plain", "encrypted"])
def cipher_key(request) -> str | None:
    return AESCipher.create_key(32) if request.param == "encrypted" else None


@pytest.fixture
def settings(settings, cipher_key):
    """The store of every test here is plain or encrypted, as cipher_key says."""
    return replace(settings, cipher_key=cipher_key)


@pytest.fixture
def raw(database_url) -> RawStore:
    return RawStore(database_url)


@pytest.fixture
def cli(tmp_path, database_url, cipher_key):
    def run(*args: str):
        return run_senim(tmp_path, database_url, "audit", "verify", *args, cipher_key=cipher_key)
    return run


@pytest.fixture
def chained(senim, raw) -> dict[int, tuple]:
    """The events of five users with a token each, chained; returns the stored rows."""
    record_users(senim, 5)
    assert verify(senim).ok
    return raw.rows()


def test_a_clean_log_verifies_through_the_function_and_the_command(senim, raw, chained, cli):
    verdict = verify(senim)
    assert verdict.ok and verdict.broken is None
    assert verdict.verified == len(chained) == len(raw.links())
    assert verdict.head_position == max(chained) == senim.store.head()
    assert verdict.head == raw.links()[verdict.head_position]

    done = cli()
    assert done.returncode == 0, done.stdout + done.stderr
    assert HEAD.search(done.stdout).groups() == (str(len(chained)), verdict.head, str(verdict.head_position))


def test_verify_first_brings_the_chain_up_to_date(senim, raw, chained, cli):
    record_users(senim, 2, prefix="late")
    assert senim.projections.position("hash_chain") < senim.store.head()
    done = cli()
    assert done.returncode == 0, done.stdout + done.stderr
    assert HEAD.search(done.stdout).group(1) == str(len(raw.rows())) and len(raw.rows()) > len(chained)
    assert max(raw.links()) == senim.store.head()


def test_an_empty_store_verifies(senim, cli):
    assert verify(senim).ok and verify(senim).verified == 0
    done = cli()
    assert done.returncode == 0 and "OK: 0 links verified" in done.stdout


def named_exactly(senim, chained, cli, position: int, kind: str):
    """verify and `senim audit verify` both name the broken event (position, aggregate, version, kind).

    Returns the command's outcome and the line it names the event in."""
    aggregate, version = chained[position][:2]
    broken = verify(senim).broken
    assert (broken.position, broken.originator_id, broken.originator_version, broken.kind) == (
        position, aggregate, version, kind)
    done = cli()
    assert done.returncode == 1
    named = f"BROKEN at position {position}, aggregate {aggregate}, version {version}: {kind}"
    assert named in done.stdout
    return done, named


def test_editing_one_stored_event_is_named_exactly(senim, raw, chained, cli):
    position = sorted(chained)[4]
    raw.tamper(position)
    done, named = named_exactly(senim, chained, cli, position, CHANGED)
    assert done.stdout.startswith(named)
    assert "4 links verified before it" in done.stdout
    assert "Traceback" not in done.stderr


def test_editing_the_newest_event_is_named_too(senim, raw, chained, cli):
    position = max(chained)
    raw.tamper(position)
    broken = verify(senim).broken
    assert (broken.position, broken.kind) == (position, CHANGED)
    done = cli()  # even where the app now refuses to start, its newest event being unreadable
    assert done.returncode == 1
    assert done.stdout.startswith(f"BROKEN at position {position}, aggregate {chained[position][0]}")


def test_a_key_that_reads_nothing_is_refused_rather_than_every_event_reported(tmp_path, database_url, chained,
                                                                               cipher_key):
    for other in ([AESCipher.create_key(32)] if not cipher_key else [AESCipher.create_key(32), None]):
        done = run_senim(tmp_path, database_url, "audit", "verify", cipher_key=other)
        assert done.returncode == 1
        assert "SENIM_CIPHER_KEY cannot read the stored events" in done.stderr and "BROKEN" not in done.stdout


def test_an_event_edited_before_the_chain_reached_it_stops_the_chain_there(senim, raw, chained, cipher_key):
    record_users(senim, 1, prefix="late")
    position = senim.store.head()
    raw.tamper(position - 1)
    verdict = verify(senim)
    if cipher_key:  # undecryptable: the chain cannot pass it, and verify says where
        assert (verdict.broken.position, verdict.broken.kind) == (position - 1, CHANGED)
        assert "cannot be decrypted with the current key" in verdict.broken.detail
        assert senim.projections.position("hash_chain") == position - 2
        status = {row["name"]: row for row in senim.projections.status()}
        assert "cannot be decrypted" in status["hash_chain"]["last_error"]
    else:  # the chain protects an event from the moment it is linked; before that, only what it reads
        assert verdict.ok


def test_deleting_an_event_is_named(senim, raw, chained, cli):
    position = sorted(chained)[3]
    raw.delete(position)
    named_exactly(senim, chained, cli, position, MISSING)


def test_an_event_inserted_below_the_head_is_named(senim, raw, chained, cli):
    head = max(chained)
    raw.insert_copy(of_position=head, at_position=head + 10)  # leaves a gap below it, as a sequence may
    assert verify(senim).ok and max(raw.links()) == head + 10
    inserted = raw.insert_copy(of_position=head, at_position=head + 5)

    broken = verify(senim).broken
    assert (broken.position, broken.originator_id, broken.kind) == (head + 5, inserted, INSERTED)
    done = cli()
    assert done.returncode == 1 and f"BROKEN at position {head + 5}, aggregate {inserted}" in done.stdout


def test_a_chain_over_positions_with_gaps_verifies(senim, raw, chained):
    head = max(chained)
    raw.insert_copy(of_position=head, at_position=head + 7)
    raw.insert_copy(of_position=head, at_position=head + 20)
    verdict = verify(senim)
    assert verdict.ok and verdict.verified == len(chained) + 2 and verdict.head_position == head + 20


def test_an_edited_link_is_told_apart_from_an_edited_event(senim, raw, chained, cli):
    position = sorted(chained)[2]
    raw.set_link(position, "0" * 64)
    broken = verify(senim).broken
    assert (broken.position, broken.kind) == (position, LINKS_EDITED)
    done = cli()
    assert done.returncode == 1 and f"BROKEN at position {position}" in done.stdout and LINKS_EDITED in done.stdout


def test_a_deleted_link_is_reported_as_an_edit_of_the_links(senim, raw, chained):
    position = sorted(chained)[6]
    raw.delete_link(position)
    broken = verify(senim).broken
    assert (broken.position, broken.kind) == (position, LINKS_EDITED)


def consultant_created(raw: RawStore, cipher_key: str | None) -> list[int]:
    """Positions of the events that hold a user's role, for an intruder to change."""
    return [position for position in raw.rows() if b'"consultant"' in raw.plaintext(position, cipher_key)]


def test_an_edit_made_with_the_key_is_caught_all_the_same(senim, raw, chained, cipher_key, cli):
    position = consultant_created(raw, cipher_key)[1]
    aggregate, version = chained[position][:2]
    raw.rewrite(position, lambda plain: plain.replace(b'"consultant"', b'"supervisor"'), cipher_key)

    reread = bootstrap(senim.settings)  # the store reads the edited event without complaint
    try:
        assert "supervisor" in {user.role for user in reread.staff.list_users()}
    finally:
        reread.close()
    broken = verify(senim).broken
    assert (broken.position, broken.originator_id, broken.originator_version, broken.kind) == (
        position, aggregate, version, CHANGED)
    assert "does not match its link" in broken.detail
    assert cli().stdout.startswith(f"BROKEN at position {position}, aggregate {aggregate}")


def test_an_anchor_noted_earlier_must_still_be_a_link(senim, raw, chained, cipher_key, cli):
    anchor = verify(senim).head
    record_users(senim, 1, prefix="late")
    assert verify(senim, anchor=anchor).anchor_found is True
    assert cli("--anchor", anchor).returncode == 0

    # An intruder who edits an event and rebuilds the chain gets a chain that holds together on its own,
    # but the anchor noted elsewhere is no longer one of its links.
    raw.rewrite(consultant_created(raw, cipher_key)[0], lambda plain: plain.replace(b'"consultant"', b'"admin"'),
                cipher_key)
    senim.projections.rebuild("hash_chain")
    assert verify(senim).ok
    assert verify(senim, anchor=anchor).anchor_found is False
    done = cli("--anchor", anchor)
    assert done.returncode == 1 and "ANCHOR NOT FOUND" in done.stdout


def test_the_chain_is_the_same_whether_built_at_once_in_small_batches_or_rebuilt(senim, raw, chained):
    links = raw.links()
    senim.projections.tracker.reset(senim.projections.get("hash_chain"))
    while senim.projections.catch_up("hash_chain", batch_size=3, max_batches=1):
        pass
    assert raw.links() == links
    senim.projections.rebuild("hash_chain")
    assert raw.links() == links
