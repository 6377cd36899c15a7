"""`--compare-to REV`: the functions as another git revision built them, measured in the same run.

The revision's tree is exported with `git archive` (committed files only: nothing of the working tree
leaks in) and built with `sam build` exactly as the current tree is, into a build folder of its own under
.aws-sam/bench/, so its layer is built by its own Makefile from its own requirements. The bench then
starts those functions beside the current ones: same cold rounds, same warm routes, same stub.
"""

import subprocess
import tarfile
import tempfile
from pathlib import Path

from tools.bench import packaging
from tools.bench.runner import step


def resolve(repo: Path, revision: str) -> str:
    """The full commit id of `revision` (a tag, branch, short id...), or SystemExit saying why not."""
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
        cwd=repo, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"bench: --compare-to {revision!r} is not a commit of this repository")
    return done.stdout.strip()


def export(repo: Path, commit: str, target: Path) -> Path:
    """The revision's committed tree, extracted into `target` (which it returns)."""
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-archive-") as scratch:
        archive = Path(scratch) / "tree.tar"
        subprocess.run(["git", "archive", "--format=tar", "-o", str(archive), commit], cwd=repo, check=True)
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="data")
    return target


def build(
    repo: Path, revision: str, work: Path, *, skip_build: bool = False
) -> tuple[str, list[packaging.Function]]:
    """(commit id, its built functions). The build folder is kept per commit, so a second run reuses it."""
    commit = resolve(repo, revision)
    build_dir = work / f"compare-{commit[:12]}" / "build"
    if not (skip_build and (build_dir / "template.yaml").exists()):
        with tempfile.TemporaryDirectory(prefix="bench-revision-") as scratch:
            tree = export(repo, commit, Path(scratch) / "tree")
            step(f"sam build of {commit[:7]} ({revision})")
            packaging.sam_build(tree, build_dir)
    return commit, packaging.read_functions(build_dir)
