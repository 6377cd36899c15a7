"""What `sam build` packages, how big it is, and a copy of it that this host can load as Lambda would.

`sam build` targets arm64, whose native wheels (pydantic-core, wrapt) cannot load on an x86_64 host. The
host copy is the built artifact put through the same zip round trip as `sam package` (every entry dated
1980-01-01, as Lambda then sees it), with only those native distributions swapped for the same pinned
versions built for the host, and byte-compiled the way the build compiled them.
"""

import compileall
import importlib.metadata
import os
import py_compile
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

# The part of the Lambda python3.13 runtime that a handler can import besides the standard library
# (snapshot-restore-py: the SnapStart runtime hooks, in every Python 3.12+ managed runtime).
RUNTIME_DISTRIBUTIONS = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "python-dateutil",
    "six",
    "urllib3",
    "snapshot-restore-py",
)
NATIVE_SUFFIXES = (".so", ".pyd")


@dataclass(frozen=True)
class Function:
    """One function of the built template, as the benchmark needs it."""

    name: str
    handler: str
    code_dir: Path
    layer_dirs: tuple[Path, ...]
    environment: dict[str, str]
    memory_mb: int
    timeout_s: int
    architecture: str


@dataclass
class Size:
    unzipped: int = 0
    zipped: int = 0
    parts: dict[str, tuple[int, int]] = field(default_factory=dict)


def sam_build(repo: Path, build_dir: Path) -> None:
    """`sam build` into a folder of the bench's own, so it never races a teammate's `make build`.

    This interpreter's folder goes first on PATH: SAM CLI lives there and looks for `python3.13` on PATH.
    """
    venv_bin = str(Path(sys.executable).parent)
    subprocess.run(
        ["sam", "build", "--parallel", "--cached", "--build-dir", str(build_dir),
         "--cache-dir", str(build_dir.parent / "cache")],
        cwd=repo, check=True, stdout=subprocess.DEVNULL,
        env={**os.environ, "PATH": os.pathsep.join([venv_bin, os.environ.get("PATH", "")])},
    )  # fmt: skip


def read_functions(build_dir: Path) -> list[Function]:
    """The built template's API functions (not the deployment hook), with Globals, layers and environment
    resolved by SAM CLI."""
    from samcli.lib.providers.api_provider import ApiProvider
    from samcli.lib.providers.sam_function_provider import SamFunctionProvider
    from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider

    from tools.local_api.sam import quiet_sam_logging
    from tools.local_api.stack import api_targets

    quiet_sam_logging()
    stacks, _ = SamLocalStackProvider.get_stacks(str(build_dir / "template.yaml"))
    served = api_targets(ApiProvider(stacks, cwd=str(build_dir)).api)
    functions = []
    for fn in SamFunctionProvider(stacks, use_raw_codeuri=True).get_all():
        if fn.full_path not in served:
            continue
        variables = (fn.environment or {}).get("Variables", {})
        functions.append(
            Function(
                name=fn.name,
                handler=fn.handler,
                code_dir=build_dir / fn.codeuri,
                layer_dirs=tuple(build_dir / layer.codeuri for layer in fn.layers),
                environment={key: str(value) for key, value in variables.items()},
                memory_mb=int(fn.memory or 128),
                timeout_s=int(fn.timeout or 3),
                architecture=(fn.architectures or ["x86_64"])[0],
            )
        )
    return sorted(functions, key=lambda f: f.name, reverse=True)  # UserFunction first


def _zip(source: Path, target: Path) -> Path:
    """The zip `sam package` uploads for a function or layer folder (same SAM CLI routine)."""
    from samcli.lib.package.utils import make_zip_with_lambda_permissions

    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(make_zip_with_lambda_permissions(str(target), str(source)))


def _tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def package_size(function: Function, scratch: Path) -> Size:
    """Unzipped (sum of file sizes) and zipped size of the function and of each of its layers."""
    size = Size()
    for part in (function.code_dir, *function.layer_dirs):
        zipped = _zip(part, scratch / f"{function.name}-{part.name}").stat().st_size
        unzipped = _tree_bytes(part)
        size.parts[part.name] = (unzipped, zipped)
        size.unzipped += unzipped
        size.zipped += zipped
    return size


def largest_entries(folder: Path, top: int = 6) -> list[tuple[str, int]]:
    """The biggest top-level entries of a package folder (`python/` of a layer is looked into)."""
    root = folder / "python" if (folder / "python").is_dir() else folder
    sizes = [(p.name, _tree_bytes(p) if p.is_dir() else p.stat().st_size) for p in root.iterdir()]
    return sorted(sizes, key=lambda entry: entry[1], reverse=True)[:top]


def _unzip_as_lambda(archive: Path, target: Path) -> None:
    """Extract keeping each entry's date (1980-01-01 from `sam package`): stale timestamp .pyc stay stale."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            path = Path(zf.extract(info, target))
            stamp = time.mktime((*info.date_time, 0, 0, -1))
            os.utime(path, (stamp, stamp))


def _pyc_mode(dist_files: list[Path]) -> py_compile.PycInvalidationMode | None:
    """How the build compiled a distribution (read from a .pyc header), or None if it shipped no bytecode."""
    for path in dist_files:
        if path.suffix == ".pyc" and path.exists():
            flags = int.from_bytes(path.read_bytes()[4:8], "little")
            if not flags & 1:
                return py_compile.PycInvalidationMode.TIMESTAMP
            if flags & 2:
                return py_compile.PycInvalidationMode.CHECKED_HASH
            return py_compile.PycInvalidationMode.UNCHECKED_HASH
    return None


def _swap_native_distributions(site: Path) -> list[str]:
    """Replace every distribution with native modules by the same version built for this host."""
    swapped = []
    for dist in importlib.metadata.distributions(path=[str(site)]):
        files = [site / f for f in dist.files or [] if ".." not in f.parts]
        if not any(f.suffix in NATIVE_SUFFIXES for f in files):
            continue
        spec = f"{dist.metadata['Name']}=={dist.version}"
        mode = _pyc_mode(files)
        for path in files:
            path.unlink(missing_ok=True)
        with tempfile.TemporaryDirectory() as wheel_dir:
            subprocess.run(
                [sys.executable, "-m", "pip", "install", "-qq", "--disable-pip-version-check",
                 "--no-deps", "--no-compile", "--only-binary=:all:", "--target", wheel_dir, spec],
                check=True,
            )  # fmt: skip
            if mode is not None:
                compileall.compile_dir(wheel_dir, quiet=1, invalidation_mode=mode)
            shutil.copytree(wheel_dir, site, dirs_exist_ok=True)
        swapped.append(spec)
    return swapped


def lambda_copy(function: Function, scratch: Path) -> tuple[list[Path], list[str]]:
    """The function as Lambda lays it out (/var/task, /opt), loadable here; returns its sys.path entries."""
    task, opt = scratch / "task", scratch / "opt"
    _unzip_as_lambda(_zip(function.code_dir, scratch / "code"), task)
    for n, layer in enumerate(function.layer_dirs):
        _unzip_as_lambda(_zip(layer, scratch / f"layer{n}"), opt)
    swapped = []
    site_packages = opt / "python" / "lib" / "python3.13" / "site-packages"
    for site in (task, opt / "python", site_packages):
        if site.is_dir():
            swapped += _swap_native_distributions(site)
    return [task, site_packages, opt / "python"], swapped


def reference_copy(name: str, scratch: Path) -> Path:
    """A reference handler folder of the bench (baseline/, floor/), through the same zip round trip."""
    task = scratch / "task"
    _unzip_as_lambda(_zip(Path(__file__).parent / name, scratch / "code"), task)
    return task


def imported_bytes(opt: Path, loaded_files: list[str]) -> dict[str, int]:
    """Bytes of the layers (as extracted on this host) that the loaded modules account for: each module's
    file plus its bytecode. The rest of the layer is never imported by the routes the bench exercised."""
    root = opt.resolve()
    total = _tree_bytes(root)
    used = 0
    for name in loaded_files:
        path = Path(name)
        if not path.is_relative_to(root) or not path.is_file():
            continue
        used += path.stat().st_size
        used += sum(pyc.stat().st_size for pyc in (path.parent / "__pycache__").glob(f"{path.stem}.*.pyc"))
    return {"total": total, "imported": used}


def runtime_copy(target: Path) -> Path:
    """boto3 and its dependencies as the Lambda runtime ships them (compiled), copied from this venv."""
    return distributions_copy(RUNTIME_DISTRIBUTIONS, target)


def distributions_copy(names: tuple[str, ...], target: Path) -> Path:
    """These installed distributions (their files, bytecode included), copied from this venv into `target`."""
    for name in names:
        dist = importlib.metadata.distribution(name)
        for file in dist.files or []:
            source = Path(str(dist.locate_file(file)))
            if ".." in file.parts or not source.is_file():
                continue  # console scripts live outside site-packages
            destination = target / file
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    return target
