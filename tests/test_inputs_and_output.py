"""Bad input is caught before any model call or write, with a clear message."""

from __future__ import annotations

import os

import pytest

from agentspec.errors import UsageError
from agentspec.inputs import check_template, clean_description, read_description_file
from agentspec.output import check_out_dir, safe_child, write_atomic, write_files
from agentspec.agents.brief import slugify


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_description(text):
    with pytest.raises(UsageError, match="empty"):
        clean_description(text, 100)


def test_over_budget_states_the_budget():
    with pytest.raises(UsageError, match=r"budget is 50"):
        clean_description("word " * 400, 50)


def test_control_characters_rejected():
    with pytest.raises(UsageError, match="control character"):
        clean_description("sync invoices\x1b[2J now", 100)


def test_whitespace_is_normalised():
    assert clean_description("  sync\n invoices\tnow ", 100) == "sync invoices now"


def test_non_utf8_file(tmp_path):
    f = tmp_path / "d.txt"
    f.write_bytes(b"sync \xff\xfe invoices")
    with pytest.raises(UsageError, match="not valid UTF-8"):
        read_description_file(f)


def test_unknown_template():
    with pytest.raises(UsageError, match="unknown template") as info:
        check_template("nope")
    assert "integration-requirements" in info.value.hint


def test_out_dir_rules(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("keep me")
    (tmp_path / "file").write_text("a file")
    with pytest.raises(UsageError, match="not empty"):
        check_out_dir(tmp_path / "full", force=False)
    assert check_out_dir(tmp_path / "full", force=True) == (tmp_path / "full").resolve()
    with pytest.raises(UsageError, match="file"):
        check_out_dir(tmp_path / "file", force=False)
    with pytest.raises(UsageError, match="through a file"):
        check_out_dir(tmp_path / "file" / "sub", force=False)
    with pytest.raises(UsageError, match=r"\.\."):
        check_out_dir(tmp_path / "a" / ".." / "b", force=False)
    with pytest.raises(UsageError, match="root"):
        check_out_dir(tmp_path.anchor and __import__("pathlib").Path("/"), force=True)
    assert (tmp_path / "full" / "x").read_text() == "keep me"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_dir(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(UsageError, match="cannot write"):
        check_out_dir(locked / "spec", force=False)


@pytest.mark.parametrize("name", ["../evil", "/etc/passwd", "..", "sub/../../x"])
def test_no_path_escapes(tmp_path, name):
    with pytest.raises(UsageError):
        safe_child(tmp_path, name)


def test_slugs_are_safe():
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("Stripe → Postgres: Invoice Sync!") == "stripe-postgres-invoice-sync"
    assert slugify("////") == "feature"
    assert len(slugify("x" * 500)) <= 60


def test_atomic_write_leaves_no_temp_files(tmp_path):
    write_files(tmp_path, {"a.md": "one"})
    write_atomic(tmp_path / "a.md", "two")
    assert (tmp_path / "a.md").read_text() == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md"]
