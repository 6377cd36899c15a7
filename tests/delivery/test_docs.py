"""The documentation an adopter reads (README, CONTRIBUTING, SECURITY, docs/): its relative links and anchors
resolve, every `make` target and `make VAR=` variable it names exists in the Makefile, it carries no issue
numbers or commit hashes, the repository files a team looks for exist, the README has the sections an adopter
needs, and docs/performance.md stays short outside the block `make bench` writes. Each check is also run on a
mutated copy, where it must find the fault."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tools.bench.report import BEGIN, END

ROOT = Path(__file__).resolve().parents[2]
REPOSITORY_FILES = ("LICENSE", "SECURITY.md", "CONTRIBUTING.md")
README_SECTIONS = ("Prerequisites", "Remove the stack", "Cost", "Troubleshooting")
PERFORMANCE_PROSE_LINES = 250

FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"`+[^`]*`+")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# "make" as the command word of a shell line or code span, then its arguments.
MAKE = re.compile(r"(?:^|[\s;(|&$])make(?=\s|$)((?:[ \t]+[^\s]+)*)")
TARGET = re.compile(r"[a-z0-9][a-z0-9<>_-]*")
ASSIGNMENT = re.compile(r"([A-Z_][A-Z0-9_]*)=.*")
ISSUE_NUMBER = re.compile(
    r"(?<![\w&#/])#\d+(?![\w-])|\b(?:issues?|pull requests?|PR)\s+#?\d+\b", re.IGNORECASE
)
# 7 to 40 hexadecimal characters with a digit and a letter, not part of a longer word, path or UUID, and not a
# number written with an exponent (`0e99999999999999999999`).
COMMIT_HASH = re.compile(
    r"(?<![\w/.-])(?![0-9]+e[0-9]+(?![\w-]))(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}(?![\w-])"
)


def documents(root: Path) -> list[Path]:
    found = [
        root / "README.md",
        root / "CONTRIBUTING.md",
        root / "SECURITY.md",
        *sorted(root.glob("docs/*.md")),
    ]
    return [path for path in found if path.exists()]


def prose_and_code(text: str) -> tuple[list[str], list[str]]:
    """The lines outside fenced code blocks, and the code: fenced lines and inline code spans."""
    prose, code, fenced = [], [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif fenced:
            code.append(line)
        else:
            prose.append(line)
            code.extend(span.strip("`") for span in CODE_SPAN.findall(line))
    return prose, code


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: markup and punctuation dropped, lower case, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    found: set[str] = set(HTML_ANCHOR.findall(text))
    seen: dict[str, int] = {}
    for line in prose_and_code(text)[0]:
        if match := HEADING.match(line):
            base = slug(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(root: Path) -> list[str]:
    problems = []
    for document in documents(root):
        text = document.read_text(encoding="utf-8")
        for line in prose_and_code(text)[0]:
            for target in LINK.findall(CODE_SPAN.sub("", line)):
                if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
                    continue
                path, _, anchor = target.partition("#")
                resolved = (document.parent / path).resolve() if path else document
                name = f"{document.relative_to(root)}: {target}"
                if not resolved.exists():
                    problems.append(f"{name} (no such file)")
                elif (
                    anchor and resolved.suffix == ".md" and anchor not in anchors(resolved.read_text("utf-8"))
                ):
                    problems.append(f"{name} (no such heading)")
    return problems


def make_targets(makefile: str) -> set[str]:
    return set(re.findall(r"^([A-Za-z0-9_.-]+):(?!=)", makefile, re.MULTILINE))


def unknown_make_words(root: Path) -> list[str]:
    makefile = (root / "Makefile").read_text(encoding="utf-8")
    targets = make_targets(makefile)
    problems = []
    for document in documents(root):
        for code in prose_and_code(document.read_text(encoding="utf-8"))[1]:
            for match in MAKE.finditer(code):
                for word in match.group(1).split():
                    if assignment := ASSIGNMENT.fullmatch(word):
                        if f"$({assignment.group(1)})" not in makefile:
                            problems.append(
                                f"{document.name}: make {assignment.group(1)}= is not a Makefile variable"
                            )
                        continue
                    if word.startswith("-"):
                        continue
                    if not TARGET.fullmatch(word):
                        break  # a comment, a pipe, prose: the make command has ended
                    pattern = re.sub(r"<[^>]*>", ".+", word)
                    if not any(re.fullmatch(pattern, target) for target in targets):
                        problems.append(f"{document.name}: make {word} is not a Makefile target")
    return problems


def history_marks(root: Path) -> list[str]:
    problems = []
    for document in documents(root):
        for number, line in enumerate(document.read_text(encoding="utf-8").splitlines(), start=1):
            for pattern, kind in ((ISSUE_NUMBER, "issue number"), (COMMIT_HASH, "commit hash")):
                problems += [
                    f"{document.relative_to(root)}:{number}: {kind} {m!r}" for m in pattern.findall(line)
                ]
    return problems


def missing_repository_files(root: Path) -> list[str]:
    missing = [name for name in REPOSITORY_FILES if not (root / name).is_file()]
    license_text = (root / "LICENSE").read_text(encoding="utf-8") if (root / "LICENSE").is_file() else ""
    if "Apache License" not in license_text or "Version 2.0, January 2004" not in license_text:
        missing.append("LICENSE: the Apache License 2.0 text")
    readme = (root / "README.md").read_text(encoding="utf-8")
    if "Apache-2.0" not in readme or "(LICENSE)" not in readme:
        missing.append("README: the license, linked")
    return missing


def missing_readme_sections(root: Path) -> list[str]:
    headings = [m.group(2) for line in prose_and_code((root / "README.md").read_text("utf-8"))[0]
                if (m := HEADING.match(line)) and len(m.group(1)) == 2]  # fmt: skip
    return [name for name in README_SECTIONS if not any(h.startswith(name) for h in headings)]


def performance_prose_lines(root: Path) -> int:
    text = (root / "docs" / "performance.md").read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, found, tail = rest.partition(END)
    assert found, "docs/performance.md has lost its generated block, which `make bench` rewrites"
    return len(head.splitlines()) + len(tail.splitlines())


def test_relative_links_and_their_anchors_resolve() -> None:
    assert broken_links(ROOT) == []


def test_every_make_target_and_variable_the_docs_name_exists() -> None:
    assert unknown_make_words(ROOT) == []


def test_the_docs_carry_no_issue_numbers_or_commit_hashes() -> None:
    assert history_marks(ROOT) == []


def test_license_security_and_contributing_files_exist() -> None:
    assert missing_repository_files(ROOT) == []


def test_the_readme_has_the_sections_an_adopter_needs() -> None:
    assert missing_readme_sections(ROOT) == []


def test_the_performance_page_is_short_outside_its_generated_block() -> None:
    assert performance_prose_lines(ROOT) <= PERFORMANCE_PROSE_LINES


def _edit(name: str, change: Callable[[str], str]) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / name
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")

    return apply


def _append(name: str, text: str) -> Callable[[Path], None]:
    return _edit(name, lambda old: f"{old}\n{text}\n")


MUTATIONS: dict[str, tuple[Callable[[Path], None], Callable[[Path], object]]] = {
    "link to a missing page": (_append("README.md", "See [the guide](docs/no-such-page.md)."), broken_links),
    "link to a missing heading": (_append("docs/api.md", "See [below](#no-such-heading)."), broken_links),
    "missing image": (_append("docs/performance.md", "![chart](no-such-chart.png)"), broken_links),
    "unknown make target": (_append("README.md", "Run `make deploy-everything`."), unknown_make_words),
    "unknown make variable": (
        _append("docs/local.md", "```sh\nmake local PORTT=8080\n```"),
        unknown_make_words,
    ),
    "issue number": (_append("docs/capacity.md", "Raised in #12."), history_marks),
    "issue reference": (_append("README.md", "As issue 20 asked."), history_marks),
    "commit hash": (_append("docs/architecture.md", "Since 3f2c9ab the layer is smaller."), history_marks),
    "no license": (lambda root: (root / "LICENSE").unlink(), missing_repository_files),
    "no security policy": (lambda root: (root / "SECURITY.md").unlink(), missing_repository_files),
    "no troubleshooting": (
        _edit("README.md", lambda t: t.replace("## Troubleshooting", "## Help")),
        missing_readme_sections,
    ),
    "long performance prose": (
        _append("docs/performance.md", "words\n" * PERFORMANCE_PROSE_LINES),
        lambda root: performance_prose_lines(root) > PERFORMANCE_PROSE_LINES,
    ),
}


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The repository's files (tracked, and new ones not ignored), copied."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],  # noqa: S607
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_each_check_finds_its_fault_in_a_mutated_copy(copy: Path, mutation: str) -> None:
    mutate, check = MUTATIONS[mutation]
    assert not check(copy), "the copy should pass before it is mutated"
    mutate(copy)
    assert check(copy), f"{mutation}: not found"
