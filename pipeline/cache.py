"""The build cache: what an incremental ``kg build`` reuses from the previous one.

``kg build`` keeps ``<out>/.kg-cache/`` (a dot directory: never compared, never committed):

- ``sources/<folder>.pickle`` — one loaded source folder (its anchored claims and mentions),
  stored under a digest of its three files, the registry, the folder's path and this
  package's code, so any change to any of them reloads the folder;
- ``validation/<digest>.pickle`` — pySHACL's results for one validation partition, stored
  under a digest of the partition's triples, its focus nodes, the shapes and the pySHACL
  version (:func:`pipeline.validation.partition_key`);
- ``layout/<digest>.pickle`` — the explorer's positions, stored under a digest of the links
  between entities, the order of the unlinked ones and this package's code
  (:func:`pipeline.explorer.layout.compute_layout`), so an edit that leaves the links as
  they were does not lay the graph out again;
- ``build/last.pickle`` — what the last build read (a digest of every input) and wrote (the
  size, modification and change times and inode of each file): a build whose inputs and
  outputs are unchanged since does nothing (:class:`BuildRecord`).

The cache only ever skips work whose inputs are byte-identical, so a cached build writes the
same bytes as a cold one (tests/test_bench.py checks it). Entries a build did not use are
removed at its end. Deleting the directory is always safe.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import pickle
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ProblemCollector
from .load import (
    DEFAULT_LIMITS,
    REGISTRY_FILE,
    FileRefused,
    SourceLimits,
    load_source,
    read_capped,
)
from .model import Entity
from .webpage import vis_network_file

CACHE_DIR = ".kg-cache"
_FORMAT = "2"  # 2: entries are signed
# kg build --max-cache-entry: an entry larger than this is neither written nor read (at 1M
# quads the largest, the analysis, is under 1 MB).
MAX_ENTRY_BYTES = 1 << 30


def code_digest(package: Path | None = None) -> str:
    """A digest of the package's Python code, subpackages included: any edit invalidates
    every entry (this package's own is read once per process)."""
    return _own_code_digest() if package is None else _digest_of(package).hexdigest()


@functools.lru_cache(maxsize=1)
def _own_code_digest() -> str:
    return _digest_of(Path(__file__).parent).hexdigest()


def _digest_of(root: Path, pattern: str = "*.py") -> Any:
    """A sha256 of the files under ``root`` matching ``pattern`` (bytecode caches left
    out), each by its relative path and bytes, every field length-prefixed."""
    h = hashlib.sha256(_FORMAT.encode())
    for path in sorted(root.rglob(pattern)):
        if path.is_file() and "__pycache__" not in path.relative_to(root).parts:
            _field(h, os.fsencode(path.relative_to(root).as_posix()))
            _field(h, path.read_bytes())
    return h


def _field(h: Any, data: bytes) -> None:
    """Add ``data`` to the digest ``h`` with its length first: two different sequences of
    fields never hash alike (a file's bytes cannot pass for a file name and more bytes)."""
    h.update(len(data).to_bytes(8, "big") + data)


def _user_key() -> bytes:
    """This user's secret for signing cache entries (``~/.cache/vjkg/cache-key``, made on
    first use, readable by the user alone); a key for this process only when it cannot be
    kept (the cache then serves this run alone)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    path = base / "vjkg" / "cache-key"
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
    except OSError:
        pass
    key = secrets.token_bytes(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".cache-key.tmp-{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
        os.replace(tmp, path)
        return path.read_bytes() if path.stat().st_size == 32 else key
    except OSError:
        return key


class DiskCache:
    """Pickled values under ``directory/<kind>/<key>.pickle``, written atomically.

    Unpickling runs whatever the file says, and an output directory may come from anyone
    (a cloned repository, a shared folder): each entry is signed with the user's own secret
    (HMAC-SHA256, :func:`_user_key`) and an entry whose signature does not match is never
    unpickled, only rebuilt. Nor is an entry read that is not a regular file (a FIFO would
    block the build, a link to ``/dev/zero`` read forever) or is over ``max_entry_bytes``;
    a cache directory, or a kind's directory, that is a symbolic link is not used at all (it
    would be written, read and pruned elsewhere).
    """

    def __init__(self, directory: Path, max_entry_bytes: int = MAX_ENTRY_BYTES):
        self.directory = directory
        self.max_entry_bytes = max_entry_bytes
        self.used: set[Path] = set()
        self.hits = 0
        self.misses: list[str] = []
        self._key = _user_key()

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    def _path(self, kind: str, key: str) -> Path:
        return self.directory / kind / f"{key}.pickle"

    def _linked(self, folder: Path) -> bool:
        """Whether ``folder`` or the cache directory is a symbolic link (or not a folder)."""
        return any(
            d.is_symlink() or (d.exists() and not d.is_dir()) for d in (self.directory, folder)
        )

    def load(self, kind: str, key: str, *, counted: bool = True) -> Any | None:
        """The value stored under ``key``, or ``None`` (``counted``: a hit in the summary)."""
        path = self._path(kind, key)
        try:
            if self._linked(path.parent):
                return None
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            with os.fdopen(fd, "rb") as fh:
                st = os.fstat(fh.fileno())
                if not stat.S_ISREG(st.st_mode) or st.st_size > self.max_entry_bytes + 32:
                    return None
                signature, payload = fh.read(32), fh.read(self.max_entry_bytes + 1)
            if len(payload) > self.max_entry_bytes:
                return None  # it grew while read
            if not hmac.compare_digest(signature, self._sign(payload)):
                return None  # not written by this user's kg: never unpickled
            value = pickle.loads(payload)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None
        self.used.add(path)
        self.hits += counted
        return value

    def store(self, kind: str, key: str, value: object) -> None:
        """Keep ``value`` under ``key`` (best effort: a full disk only costs a rebuild)."""
        path = self._path(kind, key)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        try:
            if self._linked(path.parent):
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            if len(payload) > self.max_entry_bytes:
                return  # it would not be read back
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(self._sign(payload) + payload)
            os.replace(tmp, path)
            self.used.add(path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()

    def prune(self) -> int:
        """Remove the entries this run did not use; return how many (never through a link)."""
        removed = 0
        if self._linked(self.directory):
            return 0
        for folder in self.directory.glob("*"):
            if folder.is_symlink() or not folder.is_dir():
                continue
            for path in folder.glob("*.pickle"):
                if path not in self.used:
                    with contextlib.suppress(OSError):
                        path.unlink()
                        removed += 1
        return removed

    # pipeline.validation.ResultCache
    def get(self, key: str) -> Any | None:
        """Validation results stored under ``key``."""
        value = self.load("validation", key)
        if value is None:
            self.misses.append(f"validation partition {key[:12]}")
        return value

    def put(self, key: str, results: Any) -> None:
        """Store validation results under ``key``."""
        self.store("validation", key, results)


class Memo:
    """Values of a pure function kept in ``cache`` under ``kind``, each by a digest of all
    its inputs and of this package's code (:class:`pipeline.explorer.layout.Memo`)."""

    def __init__(self, cache: DiskCache, kind: str):
        self.cache, self.kind = cache, kind

    def _key(self, inputs: bytes) -> str:
        return hashlib.sha256(code_digest().encode() + b"\0" + inputs).hexdigest()[:40]

    def get(self, inputs: bytes) -> Any | None:
        """The value stored for ``inputs``, if any (a miss is recorded for the summary)."""
        key = self._key(inputs)
        value = self.cache.load(self.kind, key)
        if value is None:
            self.cache.misses.append(f"{self.kind} {key[:12]}")
        return value

    def put(self, inputs: bytes, value: Any) -> None:
        """Keep ``value`` for ``inputs``."""
        self.cache.store(self.kind, self._key(inputs), value)


class SourceLoader:
    """A drop-in for :func:`pipeline.load.load_source` that reuses unchanged folders (a
    folder read under other size caps is read again: it may be refused now).

    :meth:`lookup` and :meth:`keep` split a call in two, for
    :func:`pipeline.load.load_corpus` reading the misses in two processes.
    """

    def __init__(self, cache: DiskCache, sources: Path, limits: SourceLimits = DEFAULT_LIMITS):
        self.cache = cache
        self.limits = limits
        salt = hashlib.sha256(code_digest().encode())
        salt.update(repr(limits).encode())
        salt.update(os.getcwd().encode())  # locations in the loaded records are cwd-relative
        with contextlib.suppress(OSError, FileRefused):  # the loader says why
            salt.update(read_capped(sources / REGISTRY_FILE, limits.registry_bytes))
        self._salt = salt
        self._caps = {
            "meta.yaml": limits.yaml_bytes,
            "text.txt": limits.text_bytes,
            "annotations.yaml": limits.yaml_bytes,
        }

    def key(self, folder: Path) -> str | None:
        """The folder's cache key, or ``None`` when one of its files cannot be read, is not
        a regular file or is over its cap (read no further: the loader then says why, and
        nothing is cached)."""
        h = self._salt.copy()
        h.update(str(folder.resolve()).encode())
        for name, cap in self._caps.items():
            try:
                h.update(name.encode() + b"\0" + read_capped(folder / name, cap))
            except (OSError, FileRefused):
                return None
        return f"{folder.name}-{h.hexdigest()[:32]}"

    def lookup(self, folder: Path) -> tuple[str | None, Any | None]:
        """``(key, what was loaded)`` for a folder the cache holds, ``(key, None)`` if not."""
        key = self.key(folder)
        return key, (None if key is None else self.cache.load("sources", key))

    def keep(self, folder: Path, key: str | None, loaded: Any, problems: list[Any]) -> None:
        """Record a folder read afresh, and cache it if it loaded without problems."""
        if key is None:
            return
        self.cache.misses.append(f"source {folder.name}")
        if loaded is not None and not problems:
            self.cache.store("sources", key, loaded)

    def __call__(
        self,
        folder: Path,
        root: Path,
        entities: dict[str, Entity],
        problems: ProblemCollector,
        limits: SourceLimits | None = None,
    ) -> Any:
        key, hit = self.lookup(folder)
        if hit is not None:
            return hit
        before = len(problems.problems)
        loaded = load_source(folder, root, entities, problems, limits or self.limits)
        self.keep(folder, key, loaded, problems.problems[before:])
        return loaded


def cached_source_loader(
    cache: DiskCache, sources: Path, limits: SourceLimits = DEFAULT_LIMITS
) -> SourceLoader:
    """:class:`SourceLoader` over ``cache`` for the corpus at ``sources``."""
    return SourceLoader(cache, sources, limits)


# What the outputs of a kg build depend on besides the sources and the ontology: every file
# of this package (the explorer's scripts and styles too, not only its code), the libraries
# that render, lay out, analyse or validate (each by version and by where it is imported
# from), and the vis-network script the explorer embeds from pyvis. Distribution: module.
_LIBRARIES = {
    "rdflib": "rdflib",
    "pyoxigraph": "pyoxigraph",
    "pyshacl": "pyshacl",
    "networkx": "networkx",
    "numpy": "numpy",
    "scipy": "scipy",
    "PyYAML": "yaml",
    "pyvis": "pyvis",
}


@functools.lru_cache(maxsize=1)
def _package_digest() -> str:
    import importlib.util
    from importlib.metadata import PackageNotFoundError, version

    h = _digest_of(Path(__file__).parent, "*")
    for dist, module in _LIBRARIES.items():
        try:
            found = version(dist)
        except PackageNotFoundError:
            found = "-"
        spec = importlib.util.find_spec(module)
        _field(h, f"{dist} {found}".encode())
        _field(h, os.fsencode(str(spec.origin if spec is not None else "-")))
    vis = vis_network_file()
    if vis is not None:
        with contextlib.suppress(OSError):
            _field(h, vis.read_bytes())
    return h.hexdigest()


def build_inputs(
    sources: Path, ontology_files: list[Path], settings: str, limits: SourceLimits
) -> str | None:
    """A digest of everything a kg build reads: each directory and file under ``sources``
    (by path, and each file's bytes), the ontology files, ``settings`` (the options that
    change what is written), the working directory, this package and its libraries.
    ``None`` when the tree holds anything but regular files and directories, or a file over
    the largest cap: such a build always runs (and the loader says what is wrong)."""
    h = hashlib.sha256()
    for text in (_package_digest(), settings):
        _field(h, text.encode())
    _field(h, os.fsencode(os.getcwd()))  # locations in messages are cwd-relative
    cap = max(limits.yaml_bytes, limits.text_bytes, limits.registry_bytes)
    try:
        for path in ontology_files:
            _field(h, read_capped(path, limits.ontology_bytes))
        _field(h, os.fsencode(str(sources.resolve())))
        for path in sorted(sources.rglob("*")):
            name = os.fsencode(path.relative_to(sources).as_posix())
            if path.is_symlink() or not (path.is_dir() or path.is_file()):
                return None
            if path.is_dir():  # an empty folder is a source folder too (its files missing)
                _field(h, b"D" + name)
            else:
                _field(h, b"F" + name)
                _field(h, read_capped(path, cap))
    except (OSError, FileRefused):
        return None
    return h.hexdigest()


def _stamp(path: Path) -> tuple[int, int, int, int]:
    st = path.stat()
    # the change time too: no tool can set it back (``touch -r`` restores the other time)
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


@dataclass(frozen=True)
class BuildRecord:
    """What a finished ``kg build`` read and wrote: the next one with the same inputs, over
    outputs nobody has touched since, has nothing to do (:meth:`current`)."""

    inputs: str  # build_inputs()
    files: dict[str, tuple[int, int, int, int]]  # name: (size, modified, changed, inode)
    said: tuple[str, ...]  # the notes and warnings it printed on stderr
    conforms: bool
    message: str  # the closing line (stdout), or the error when the graph does not conform

    @classmethod
    def of(
        cls, inputs: str, out: Path, names: list[str], said: list[str], conforms: bool, message: str
    ) -> BuildRecord:
        """The record of a build that has just written ``names`` into ``out``."""
        return cls(inputs, {n: _stamp(out / n) for n in names}, tuple(said), conforms, message)

    def current(self, inputs: str | None, out: Path) -> bool:
        """Whether ``out`` still holds exactly what this build wrote from ``inputs``: the same
        size, modification and change times and inode for every file (as git tells a
        changed file), so an edited, replaced or deleted output is built again."""
        if inputs is None or inputs != self.inputs:
            return False
        try:
            return all(_stamp(out / n) == stamp for n, stamp in self.files.items())
        except OSError:
            return False
