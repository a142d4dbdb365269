"""`senim keys rotate`: every stored event moves to the new key in one transaction, or none does."""
import base64
import re
from dataclasses import replace

import pytest
from eventsourcing.cipher import AESCipher

from domain.actor import Actor
from intake.bootstrap import bootstrap
from intake.services.audit_chain import verify
from intake.services.key_rotation import ROTATION_STEPS, RotationRefused, rotate
from tests.helpers.raw_store import RawStore, record_users, run_senim

HEAD = re.compile(r"OK: (\d+) links verified; head ([0-9a-f]{64})")
USERNAME = "staff3"


@pytest.fixture
def raw(database_url) -> RawStore:
    return RawStore(database_url)


@pytest.fixture
def cli(tmp_path, database_url):
    def run(*args: str, key: str | None, stdin: str = ""):
        return run_senim(tmp_path, database_url, *args, stdin=stdin, cipher_key=key)
    return run


@pytest.fixture
def store_with(settings):
    """Records the events of five users under a key (or none) and closes the store, as before a rotation."""
    def record(key: str | None) -> None:
        senim = bootstrap(replace(settings, cipher_key=key))
        try:
            record_users(senim, 5)
        finally:
            senim.close()
    return record


def verified_head(cli, key: str | None) -> tuple[str, str]:
    done = cli("audit", "verify", key=key)
    assert done.returncode == 0, done.stdout + done.stderr
    return HEAD.search(done.stdout).groups()


def users_listed(cli, key: str | None) -> list[str]:
    done = cli("users", "list", key=key)
    assert done.returncode == 0, done.stderr
    return [line.split("\t")[0] for line in done.stdout.splitlines()]


def refused(done, message: str) -> None:
    assert done.returncode != 0
    assert message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def no_key_in(done, *keys: str) -> None:
    for key in keys:
        assert key not in done.stdout + done.stderr


@pytest.mark.parametrize("before", ["another key", "no key"])
def test_after_a_rotation_the_new_key_reads_everything_and_the_old_one_is_refused(
        raw, cli, store_with, before):
    old = AESCipher.create_key(32) if before == "another key" else None
    new = AESCipher.create_key(32)
    store_with(old)
    head_before = verified_head(cli, old)
    rows_before = raw.rows()

    done = cli("keys", "rotate", "--new-key-stdin", key=old, stdin=new + "\n")

    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert f"Re-encrypted {len(rows_before)} events" in done.stderr
    no_key_in(done, new, *([old] if old else []))
    rows_after = raw.rows()
    assert rows_after.keys() == rows_before.keys()
    for position, (aggregate, version, topic, state) in rows_after.items():
        assert (aggregate, version, topic) == rows_before[position][:3]
        assert state != rows_before[position][3] and USERNAME.encode() not in state
    assert USERNAME in users_listed(cli, new)
    refused(cli("users", "list", key=old), "SENIM_CIPHER_KEY cannot read the stored events")
    assert verified_head(cli, new) == head_before


def test_the_hash_chain_still_verifies_after_a_rotation(raw, cli, store_with, settings):
    old, new = AESCipher.create_key(32), AESCipher.create_key(32)
    store_with(old)
    count, head = verified_head(cli, old)
    assert cli("keys", "rotate", "--new-key-stdin", key=old, stdin=new).returncode == 0

    senim = bootstrap(replace(settings, cipher_key=new))
    try:
        verdict = verify(senim)
        assert verdict.ok and verdict.head == head and verdict.verified >= int(count)
        assert USERNAME in {user.username for user in senim.staff.list_users()}
    finally:
        senim.close()


def test_a_generated_key_is_printed_once_on_stdout_and_is_the_one_in_use(cli, store_with):
    old = AESCipher.create_key(32)
    store_with(old)
    done = cli("keys", "rotate", "--generate", key=old)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1
    new = done.stdout.strip()
    assert len(base64.b64decode(new, validate=True)) == 32
    assert new not in done.stderr and old not in done.stdout + done.stderr
    assert USERNAME in users_listed(cli, new)
    refused(cli("users", "list", key=old), "SENIM_CIPHER_KEY cannot read")


def test_a_wrong_current_key_is_refused_and_nothing_changes(raw, cli, store_with):
    old, wrong, new = (AESCipher.create_key(32) for _ in range(3))
    store_with(old)
    rows = raw.rows()
    for current in (wrong, None):
        done = cli("keys", "rotate", "--new-key-stdin", key=current, stdin=new)
        refused(done, "SENIM_CIPHER_KEY cannot read the stored events")
        no_key_in(done, old, wrong, new)
    assert raw.rows() == rows
    assert USERNAME in users_listed(cli, old)


def test_one_row_the_current_key_cannot_read_rolls_the_whole_rotation_back(raw, cli, store_with):
    old, new = AESCipher.create_key(32), AESCipher.create_key(32)
    store_with(old)
    damaged = sorted(raw.rows())[5]
    raw.tamper(damaged)
    rows = raw.rows()

    done = cli("keys", "rotate", "--new-key-stdin", key=old, stdin=new)

    refused(done, f"cannot decrypt a stored event (aggregate {rows[damaged][0]}, version {rows[damaged][1]})")
    assert "Nothing was changed" in done.stderr
    assert raw.rows() == rows  # the rows before the damaged one were re-encrypted, then rolled back


def test_turning_encryption_on_needs_every_row_unencrypted(raw, cli, store_with):
    store_with(None)
    new = AESCipher.create_key(32)
    assert cli("keys", "rotate", "--new-key-stdin", key=None, stdin=new).returncode == 0
    refused(cli("users", "list", key=None), "SENIM_CIPHER_KEY cannot read")
    assert USERNAME in users_listed(cli, new)


@pytest.mark.parametrize("args, stdin, message", [
    (["--new-key-stdin"], "\n", "Turning encryption off is not supported"),
    (["--new-key-stdin"], "not a key\n", "The new key must be base64"),
    (["--new-key-stdin"], "c2hvcnQ=\n", "The new key must decode to 16, 24 or 32 bytes"),
    ([], "", "Give one of --new-key-stdin or --generate"),
    (["--new-key-stdin", "--generate"], "", "Give one of --new-key-stdin or --generate"),
])
def test_a_rotation_that_cannot_work_is_refused_before_anything_changes(raw, cli, store_with, args, stdin,
                                                                        message):
    old = AESCipher.create_key(32)
    store_with(old)
    rows = raw.rows()
    done = cli("keys", "rotate", *args, key=old, stdin=stdin)
    refused(done, message)
    no_key_in(done, old)
    assert raw.rows() == rows


def test_rotating_to_the_current_key_is_refused(raw, cli, store_with):
    old = AESCipher.create_key(32)
    store_with(old)
    refused(cli("keys", "rotate", "--new-key-stdin", key=old, stdin=old), "The new key is the current key")


def test_extra_steps_run_in_the_same_transaction_and_can_abort_it(settings, raw, store_with):
    """The extension point for data wrapped under the master key outside the events (per-person keys)."""
    old, new = AESCipher.create_key(32), AESCipher.create_key(32)
    store_with(old)
    rows = raw.rows()
    senim = bootstrap(replace(settings, cipher_key=old))
    table = senim.store.recorder.events_table_name
    seen = []

    def rewrap(old_cipher, new_cipher, tx):
        """Sees the events already under the new key, uncommitted; both ciphers work."""
        state = bytes(tx.scalar(f"SELECT state FROM {table} ORDER BY originator_id LIMIT 1"))
        seen.append(new_cipher.decrypt(state))
        assert old_cipher.decrypt(old_cipher.encrypt(b"a person's key")) == b"a person's key"

    def fail(old_cipher, new_cipher, tx):
        raise RuntimeError("the per-person keys could not be re-wrapped")

    try:
        with pytest.raises(RuntimeError):
            rotate(senim, new, steps=[*ROTATION_STEPS, rewrap, fail])
        assert len(seen) == 1
        assert raw.rows() == rows  # a step failed: the events were rolled back with it

        with pytest.raises(RotationRefused, match="Turning encryption off"):
            rotate(senim, "", steps=[rewrap])
        assert len(seen) == 1

        done = rotate(senim, new, steps=[*ROTATION_STEPS, rewrap])
        assert done.events == len(rows) and done.snapshots == 0 and len(seen) == 2
    finally:
        senim.close()
    assert raw.rows().keys() == rows.keys() and raw.rows() != rows


def test_personal_fields_sealed_with_a_persons_key_read_the_same_after_a_rotation(settings, cli):
    """Person keys are wrapped under the master key: the rotation re-wraps them in the same transaction."""
    from intake import create_app
    from tests.integration.test_encryption_at_rest import SUMMARY, a_call

    old, new = AESCipher.create_key(32), AESCipher.create_key(32)
    app = create_app(replace(settings, cipher_key=old))
    staff = app.extensions["senim"].staff
    try:
        user = staff.add_user(username="zhuldyz", role="consultant", password="correct horse 1",
                              actor=Actor.system("tests"))
        token, _ = staff.issue_token(user.id, actor=Actor.system("tests"))
        headers = {"Authorization": f"Bearer {token}"}
        created = app.test_client().post("/api/v1/contacts", json=a_call(), headers=headers)
        assert created.status_code == 201, created.json
    finally:
        app.extensions["senim"].close()

    done = cli("keys", "rotate", "--new-key-stdin", key=old, stdin=new)
    assert done.returncode == 0, done.stderr

    app = create_app(replace(settings, cipher_key=new))
    try:
        contact = app.test_client().get(f"/api/v1/contacts/{created.json['id']}", headers=headers)
        assert contact.status_code == 200 and contact.json["summary"] == SUMMARY
    finally:
        app.extensions["senim"].close()
