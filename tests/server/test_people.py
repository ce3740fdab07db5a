"""People and access roles in storage and on the command line (`roster people`, `roster token --role`), on each
backend: migration 8 keeps every existing token working as account-admin; keys are checked, private keys refused
without being shown; removing a person revokes their tokens and frees their keys."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert

from roster_tui.cli.main import main
from roster_tui.core.ssh_keys import KeyFileError, fingerprint, read_public_keys
from roster_tui.server.auth import new_token, token_hash
from roster_tui.server.storage import migrations
from roster_tui.server.storage.sql import SqlStorage, database_url
from roster_tui.server.storage.tables import api_tokens
from tests.server.access_helpers import ed25519_line, new_key

PRIVATE = ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"
           "SECRETSECRETSECRET\n-----END OPENSSH PRIVATE KEY-----\n")


def test_upgrade_to_8_keeps_every_token_as_account_admin(database: str) -> None:
    engine = create_engine(database_url(database))
    digest = token_hash("an-old-token").hex()
    with engine.begin() as conn:  # a database as version 7 left it, with a named token
        migrations.schema_version.metadata.create_all(conn)
        for _number, _what, migrate in migrations.MIGRATIONS[:7]:
            migrate(conn)
        conn.exec_driver_sql("DROP INDEX ix_api_tokens_person")  # the token table as migration 2 made it
        conn.exec_driver_sql("ALTER TABLE api_tokens DROP COLUMN person_pk")
        conn.exec_driver_sql("ALTER TABLE api_tokens DROP COLUMN role")
        conn.execute(migrations.schema_version.insert().values(version=7))
        conn.execute(insert(api_tokens).values(name="hr-sync", hash=digest, created="2026-01-01"))
    engine.dispose()
    storage = SqlStorage(database)
    try:
        with storage.read_engine.connect() as conn:
            assert migrations.current_version(conn) == migrations.LATEST >= 8
        assert storage.token_access(digest) == ("hr-sync", "account-admin")
        assert storage.tokens()[0]["role"] == "account-admin" and storage.tokens()[0]["person"] is None
    finally:
        storage.close()


def test_a_person_is_found_by_key_and_their_tokens_act_as_them_until_removed(database: str) -> None:
    storage = SqlStorage(database)
    try:
        keys = [new_key(), new_key()]
        storage.add_person("dana", "editor", keys)
        assert storage.person_by_fingerprint(keys[1].fingerprint) == {"name": "dana", "role": "editor"}
        assert storage.person_by_fingerprint(new_key().fingerprint) is None
        tokens = [new_token() for _ in range(2)]
        names = [storage.add_person_token("dana", token_hash(t).hex(), f"ssh-{n}") for n, t in enumerate(tokens)]
        assert names == ["dana:ssh-0", "dana:ssh-1"]
        assert storage.token_access(token_hash(tokens[0]).hex()) == ("dana", "editor")
        assert storage.set_person_role("dana", "viewer")
        assert storage.token_access(token_hash(tokens[1]).hex()) == ("dana", "viewer")
        with pytest.raises(ValueError, match="dana's already"):
            storage.add_person("eve", "viewer", [keys[0]])
        with pytest.raises(ValueError, match="names an API token"):
            storage.add_person("dana:ssh-0", "viewer", [new_key()])
        assert storage.remove_person("dana") == 2
        assert storage.token_access(token_hash(tokens[0]).hex()) is None
        assert storage.person_by_fingerprint(keys[0].fingerprint) is None
        storage.add_person("eve", "viewer", [keys[0]])  # a removed person's key is free again
        assert storage.person_by_fingerprint(keys[0].fingerprint) == {"name": "eve", "role": "viewer"}
        with pytest.raises(ValueError, match="no person"):
            storage.add_person_token("dana", token_hash(new_token()).hex(), "late")
        assert storage.remove_person("dana") is None and not storage.set_person_role("dana", "editor")
        assert [p["name"] for p in storage.people()] == ["eve"]
        assert [p["name"] for p in storage.people(removed=True)] == ["dana", "eve"]
    finally:
        storage.close()


def _roster(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_roster_people_add_list_role_token_remove(database: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--db", database, "--create"]
    line = ed25519_line("dana@laptop")
    (tmp_path / "dana.pub").write_text(line + "\n")
    (tmp_path / "two.pub").write_text(f"# eve's keys\n{ed25519_line()}\n\n{ed25519_line('eve@desk')}\n")
    code, out, err = _roster(["people", "add", "dana", "--key", str(tmp_path / "dana.pub"), "--role", "editor", *db],
                             capsys)
    assert code == 0, err
    blob = base64.b64decode(line.split()[1])
    assert fingerprint(blob) in err and out == ""
    assert _roster(["people", "add", "eve", "--key", str(tmp_path / "two.pub"), "--role", "viewer", *db],
                   capsys)[0] == 0
    code, out, _err = _roster(["people", "list", *db], capsys)
    assert code == 0
    rows = [row.split("\t") for row in out.splitlines()]
    assert [(r[0], r[1]) for r in rows] == [("dana", "editor"), ("eve", "viewer")]
    assert rows[0][2] == f"ssh-ed25519:{fingerprint(blob)}" and len(rows[1][2].split()) == 2
    assert line.split()[1] not in out
    assert _roster(["people", "role", "dana", "account-admin", *db], capsys)[0] == 0
    code, token, err = _roster(["people", "token", "dana", *db], capsys)
    assert code == 0 and "dana:cli-" in err
    assert _roster(["token", "create", "ci", "--role", "viewer", "-o", str(tmp_path / "ci.token"), *db],
                   capsys)[0] == 0
    code, out, _err = _roster(["token", "list", *db], capsys)
    assert "person dana, account-admin" in out and token.strip() not in out
    assert next(r for r in out.splitlines() if r.startswith("ci\t")).split("\t")[1] == "viewer"
    code, _out, err = _roster(["people", "remove", "dana", *db], capsys)
    assert code == 0 and "1 token(s) revoked" in err
    code, out, _err = _roster(["people", "list", *db], capsys)
    assert [r.split("\t")[0] for r in out.splitlines()] == ["eve"]
    storage = SqlStorage(database)
    try:
        assert storage.token_access(token_hash(token.strip()).hex()) is None
    finally:
        storage.close()


@pytest.mark.parametrize(("args", "says"), [
    (["people", "add", "x", "--key", "{missing}", "--role", "viewer"], "no such file"),
    (["people", "add", "x", "--key", "{private}", "--role", "viewer"], "is a private key: give the public key"),
    (["people", "add", "x", "--key", "{junk}", "--role", "viewer"], "line 2: its key data is not base64"),
    (["people", "add", "x", "--key", "{words}", "--role", "viewer"], "line 1: it is not an OpenSSH public key"),
    (["people", "add", "x", "--key", "{short_rsa}", "--role", "viewer"], "at least 2048 are needed"),
    (["people", "add", "x", "--key", "{bad_blob}", "--role", "viewer"], "is not 32 bytes"),
    (["people", "add", "x", "--key", "{empty}", "--role", "viewer"], "holds no public key"),
    (["people", "add", "x", "--key", "{good}", "--role", "boss"], "unknown role 'boss': use viewer, editor, "
                                                                  "account-admin"),
    (["people", "add", "local", "--key", "{good}", "--role", "viewer"], "a name the service gives its own tokens"),
    (["people", "add", "a b", "--key", "{good}", "--role", "viewer"], "letters, digits"),
    (["people", "role", "nobody", "editor"], "no person named 'nobody'"),
    (["people", "role", "nobody", "root"], "unknown role 'root'"),
    (["people", "remove", "nobody"], "no person named 'nobody'"),
    (["people", "token", "nobody"], "no person named 'nobody'"),
    (["token", "create", "ci", "--role", "owner"], "unknown role 'owner'"),
])
def test_roster_people_refuses_in_one_line(args: list[str], says: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    def rsa(bits: int) -> str:
        fields = [b"ssh-rsa", b"\x01\x00\x01", b"\x00" + b"\xc3" * (bits // 8)]
        return "ssh-rsa " + base64.b64encode(b"".join(len(f).to_bytes(4, "big") + f for f in fields)).decode()

    files = {"private": PRIVATE, "junk": f"{ed25519_line()}\nssh-ed25519 not-base64!! x\n",
             "words": "my password is hunter2\n", "short_rsa": rsa(1024), "good": ed25519_line(),
             "empty": "# nothing\n",
             "bad_blob": "ssh-ed25519 " + base64.b64encode(b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x01x").decode()}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    paths = {name: str(tmp_path / name) for name in [*files, "missing"]}
    code, out, err = _roster([a.format(**paths) for a in args] + ["--db", str(tmp_path / "r.db"), "--create"],
                             capsys)
    assert code == 2 and out == ""
    assert err.startswith("roster ") and err.count("\n") == 1 and says in err, err
    assert "SECRET" not in err and "hunter2" not in err and "Traceback" not in err


def test_real_ssh_keygen_keys_and_fingerprints(tmp_path: Path) -> None:
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is not installed")
    for kind, bits in (("ed25519", None), ("ecdsa", "256"), ("ecdsa", "384"), ("ecdsa", "521"), ("rsa", "3072")):
        path = tmp_path / f"{kind}{bits}"
        subprocess.run(["ssh-keygen", "-q", "-t", kind, *(["-b", bits] if bits else []), "-N", "", "-C", "c@d",
                        "-f", str(path)], check=True)
        keys = read_public_keys(path.with_suffix(".pub").read_text(), "k.pub")
        listed = subprocess.run(["ssh-keygen", "-l", "-f", str(path.with_suffix(".pub"))], check=True,
                                capture_output=True, text=True).stdout
        assert keys[0].fingerprint == listed.split()[1] and keys[0].comment == "c@d"
        with pytest.raises(KeyFileError, match="private key") as refused:
            read_public_keys(path.read_text(), str(path))
        assert path.read_text().splitlines()[1] not in str(refused.value)
