from pathlib import Path

from agentspec.checks import check_file_refs
from agentspec.checks.file_refs import find_file_refs
from agentspec.spec_document import SpecDocument

FIXTURES = Path(__file__).parent / "fixtures" / "checks"


def test_good_spec_without_repo_passes():
    doc = SpecDocument.load(FIXTURES / "good_spec")
    assert check_file_refs(doc, {"repo": None}).passed
    assert check_file_refs(doc, None).passed  # falls back to run.json


def test_invented_references_without_repo_fail():
    score = check_file_refs(SpecDocument.load(FIXTURES / "bad_file_refs.md"), {"repo": None})
    assert not score.passed and score.value == 0.0
    assert score.details == [
        "Reusability Analysis: file reference `src/middleware/auth.ts:15` but no repository was given; "
        "the path is invented (line 4)",
        "Reusability Analysis: file reference `lib/billing/sync.py:10-20` but no repository was given; "
        "the path is invented (line 5)",
    ]


def test_host_port_and_times_are_not_file_references():
    assert find_file_refs("api.stripe.com:443 redis.io:6379 at 10:30 http://x.org:80/a") == []
    assert [r[2] for r in find_file_refs("see ./a/b.go:3. and /srv/app.py:7")] == ["./a/b.go:3", "/srv/app.py:7"]


def test_references_are_verified_against_a_local_repo(tmp_path):
    (tmp_path / "src" / "middleware").mkdir(parents=True)
    (tmp_path / "src" / "middleware" / "auth.ts").write_text("\n" * 20)
    score = check_file_refs(SpecDocument.load(FIXTURES / "bad_file_refs.md"), {"repo": str(tmp_path)})
    assert not score.passed and score.value == 0.5
    assert score.details == [
        "Reusability Analysis: file reference `lib/billing/sync.py:10-20` names a file that is not "
        "in the repository (line 5)"
    ]


def test_remote_repo_is_skipped():
    score = check_file_refs(SpecDocument.load(FIXTURES / "bad_file_refs.md"), {"repo": "https://github.com/o/r"})
    assert score.passed and score.skipped
