"""Whatever a file holds, loading it ends in a policy or a located ``PolicyError``: never another
exception, never a hang, never a crash of the interpreter."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.policy.policy_helpers import edit, position, problems
from tierline.policy import PolicyError, Problem, check_file, load_policy, load_policy_text


def only(text: str | bytes) -> str:
    (problem,) = problems(text)
    return problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "p.yaml:1:1: (document): the file holds no policy (it is empty)"),
        ("# nothing but a comment\n", "p.yaml:1:1: (document): the file holds no policy"),
        ("- a\n- b\n", "p.yaml:1:1: (document): the top level is a list; expected a mapping"),
        ("just text\n", "p.yaml:1:1: (document): the top level is 'just text'"),
        ("42\n", "p.yaml:1:1: (document): the top level is '42'"),
        ("name: x\n  bad: [1, 2\n", "p.yaml:2:6: (document): YAML syntax error: mapping values"),
        ("a: [1, 2\n", "p.yaml:2:1: (document): YAML syntax error:"),
        ('name: "open\n', "p.yaml:2:1: (document): YAML syntax error: found unexpected end"),
        ("name: x\n\tteams: 1\n", "p.yaml:2:1: (document): YAML syntax error:"),
        ("a: 1\n---\nb: 2\n", "p.yaml:2:1: (document): the file holds a second YAML document"),
        ("a: *nowhere\n", "p.yaml:1:4: (document): YAML syntax error: found undefined alias"),
        ("a: b\x00c\n", "p.yaml:1:5: (document): character U+0000 cannot appear in YAML"),
        ("a: &x [1, *x]\n", "p.yaml:1:4: (document): an alias refers to a value that contains it"),
    ],
)
def test_unusable_documents_are_one_located_problem(text: str, expected: str) -> None:
    assert only(text).startswith(expected)


def test_binary_and_undecodable_bytes_point_at_the_first_bad_byte() -> None:
    assert only(b"\x89PNG\r\n\x1a\n\x00\x00").startswith(
        "p.yaml:1:1: (file): byte 0x89 is not UTF-8"
    )
    text = "name: ok\nlabel: caf\xe9\n".encode("latin-1")
    assert only(text).startswith("p.yaml:2:11: (file): byte 0xe9 is not UTF-8 text")


def test_a_utf8_byte_order_mark_is_accepted(saas_text: str) -> None:
    loaded = load_policy_text(b"\xef\xbb\xbf" + saas_text.encode(), "bom.yaml")
    assert loaded.version == load_policy_text(saas_text, "plain.yaml").version


def test_duplicate_keys_are_reported_at_the_second_occurrence(saas_text: str) -> None:
    text = edit(saas_text, "currency: EUR\n", "currency: EUR\ncurrency: GBP\n")
    first, _ = position(text, "currency: EUR")
    second, _ = position(text, "currency: GBP")
    assert problems(text) == [
        f"p.yaml:{second}:1: currency: key 'currency' appears twice (first at line {first}); "
        "expected each key once in a mapping"
    ]
    nested = edit(saas_text, "    rank: 20\n", "    rank: 20\n    rank: 21\n")
    line, col = position(nested, "rank: 21")
    assert problems(nested)[0].startswith(f"p.yaml:{line}:{col}: roles.senior_agent.rank: key")


def test_tags_that_would_run_code_are_refused(saas_text: str) -> None:
    text = edit(
        saas_text,
        "label: Acme Cloud - B2B SaaS support",
        'label: !!python/object/apply:os.system ["echo owned"]',
    )
    line, col = position(text, "!!python")
    assert problems(text) == [
        f"p.yaml:{line}:{col}: label: unsupported tag '!!python/object/apply:os.system'; "
        "expected plain YAML without tags"
    ]


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("rank: 10\n", "rank: " + "9" * 5000 + "\n", "a value of 5000 characters"),
        ("rank: 10\n", "rank: 99999999999999999999\n", "is out of range"),
        ("rank: 10\n", "rank: .inf\n", "is not a finite number"),
        ("credit: 50,", "credit: .inf,", "is not a finite amount"),
        ("credit: 50,", "credit: 1e999,", "is too large"),
        ("credit: 50,", "credit: 0.001,", "more than two decimal places"),
        ("threshold: 3\n", "threshold: 10000000000000000000000\n", "is out of range"),
        ("min_score: 0.7", "min_score: .nan", "is not a finite number"),
        ("min_score: 0.7", "min_score: 7", "is out of range"),
        ("wait: 24h", "wait: 1000000000000000w", "longer than 20 years"),
        ("wait: 24h", "wait: -24h", "is negative"),
        ("wait: 24h", "wait: 0s", "the duration is zero"),
    ],
)
def test_huge_negative_and_odd_numbers_are_located_errors(
    saas_text: str, old: str, new: str, fragment: str
) -> None:
    found = problems(edit(saas_text, old, new))
    assert len(found) == 1 and fragment in found[0], found


def test_an_alias_bomb_is_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghij":
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]")
        previous = name
    started = time.perf_counter()
    message = only("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 2
    assert "expands to more than" in message


def test_aliases_and_merge_keys_within_reason_are_fine(saas_text: str) -> None:
    text = edit(saas_text, "  S4:\n    label: Low\n", "  S4:\n    <<: {label: Low}\n")
    assert load_policy_text(text).version == load_policy_text(saas_text).version


@pytest.mark.parametrize("depth", [45, 3_000, 200_000])
def test_deep_nesting_is_refused_without_crashing(depth: int) -> None:
    message = only("a: " + "[" * depth + "]" * depth + "\n")
    assert "nested" in message


def test_pathological_nesting_cannot_crash_the_interpreter(tmp_path: Path) -> None:
    """libyaml recurses in C; a crash would kill the process, so this runs in a child."""
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "{x: " * 100_000 + "1" + "}" * 100_000 + "\n")
    done = subprocess.run(
        [sys.executable, "-m", "tierline.cli.main", "policy", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "nested" in done.stdout and "Traceback" not in done.stderr


def test_missing_files_directories_and_huge_files(tmp_path: Path) -> None:
    (missing,) = check_file(tmp_path / "nope.yaml")
    assert missing.format().endswith(
        "nope.yaml:1:1: (file): no such file; expected the path of a YAML policy file"
    )
    (folder,) = check_file(tmp_path)
    assert folder.message == "this is a directory"
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * (3 * 1024 * 1024) + "\n")
    (huge,) = check_file(big)
    assert "bytes" in huge.message
    with pytest.raises(PolicyError):
        load_policy(tmp_path / "nope.yaml")


def _assert_well_formed(problem: Problem) -> None:
    assert problem.line >= 1 and problem.col >= 1
    assert problem.path and problem.message
    assert "\n" not in problem.format()


def test_random_mutations_of_the_examples_never_escape(saas_text: str, bank_text: str) -> None:
    rng = random.Random(20260301)
    junk = [
        "",
        "-",
        ":",
        "{",
        "]",
        "&a",
        "*a",
        "<<: *a",
        "!!binary x",
        "~",
        "null",
        "[]",
        "{}",
        "-1",
        "1e999",
        "0x10",
        "yes",
        "\t",
        "'",
        '"',
        "|",
        ">",
        "? x",
        "2026-13-45",
        "@",
    ]
    for base in (saas_text, bank_text):
        lines = base.splitlines()
        for _ in range(250):
            mutated = list(lines)
            for _ in range(rng.randint(1, 4)):
                i = rng.randrange(len(mutated))
                action = rng.randrange(4)
                if action == 0:
                    del mutated[i]
                elif action == 1:
                    mutated.insert(i, mutated[rng.randrange(len(mutated))])
                elif action == 2:
                    head, sep, _ = mutated[i].partition(": ")
                    mutated[i] = head + (sep or ": ") + rng.choice(junk)
                else:
                    pos = rng.randrange(len(mutated[i]) + 1)
                    mutated[i] = mutated[i][:pos] + rng.choice(junk) + mutated[i][pos:]
            try:
                load_policy_text("\n".join(mutated) + "\n", "m.yaml")
            except PolicyError as exc:
                assert exc.problems
                for problem in exc.problems:
                    _assert_well_formed(problem)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_arbitrary_input_is_a_policy_error(data: str | bytes) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy_text(data, "f.yaml")
    for problem in caught.value.problems:
        _assert_well_formed(problem)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=30,
    )
)
def test_arbitrary_yaml_structures_are_a_policy_error(value: object) -> None:
    import yaml

    text = yaml.safe_dump({"name": "x", "teams": value, "severities": value})
    with pytest.raises(PolicyError) as caught:
        load_policy_text(text, "f.yaml")
    for problem in caught.value.problems:
        _assert_well_formed(problem)
