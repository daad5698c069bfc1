"""memsnap_record: record a Python program's memory for memsnap.

Writes a Memlyze ``.mlyze`` file (format version 1, with its metadata filled
in) plus memsnap's extension 1 (docs/formats/mlyze.md in the memsnap
sources):

- the allocation events: tracemalloc snapshot diffs per allocation site, as
  ALLOC events (growth) and SITE_FREE records (shrinkage), with real stacks,
  GC events (objects collected, bytes freed) and markers;
- a heap snapshot: every object the garbage collector tracks, plus the
  untracked objects they refer to, with its class, ``sys.getsizeof`` size and
  allocation site; the references between them (named by attribute, dict
  key or index where that is cheap); and the roots: module globals
  (``sys.modules``), every thread's frames, and the objects whose reference
  count exceeds the references found in the graph (held from C: "external").
  The recorder's own objects are left out: its module, its tables, its
  frames and sampler thread, what only they hold, and the modules it
  imported (argparse, json...) unless the program uses them too;
- whose code each class and object is: the program's (``__main__`` and
  modules outside the standard library and the installed packages), the
  runtime's (the standard library, the interpreter's machinery) or plain
  data, so that memsnap lists the program's classes and leaks first.

References the program holds are *property* edges (attributes, slots, dict
values by key, an object's ``__dict__``) and *element* edges (list and tuple
items); the links the runtime keeps are *internal* (``__class__``,
``__globals__``, ``__code__``, dict keys as ``(key)``, a frame's ``f_code``
...; unnamed references too); a weak reference's target is a *weak* edge.
Cycle reports should look at property and element edges: through
``__class__`` and ``__globals__`` most of a Python heap is one cycle.

memsnap then answers the same questions of a Python heap as of a V8 one:
``memsnap summary FILE`` (by class), ``summary --by site``, ``top``,
``dominators``, ``timeline``.

Standard library only, Python 3.8 or later; copy this one file anywhere on
``sys.path``.

Command line::

    python3 -m memsnap_record [-o OUT.mlyze] [options] script.py [args...]

runs the script with tracing on and writes OUT.mlyze (default:
``<script>.mlyze``) when it ends, normally or not.

From inside a program::

    import memsnap_record
    memsnap_record.start()              # optional: allocation events and sites
    ...
    memsnap_record.snapshot("heap.mlyze")
"""

import sys

# The modules loaded before the recorder's own imports: those it brings in
# (and argparse, for its command line) are its own, and heap snapshots
# leave them out unless the program uses them too (_Heap._own_marks).
_MODULES_BEFORE = frozenset(sys.modules)

import array
import gc
import json
import operator
import os
import sysconfig
import threading
import time
import tracemalloc
import types
from itertools import accumulate, compress, repeat

__version__ = "1.1"
__all__ = ["start", "stop", "snapshot", "mark", "is_tracing", "main"]

try:  # Python 3.14+: zstd in the standard library
    from compression import zstd as _zstd  # type: ignore
except ImportError:  # pragma: no cover - depends on the Python version
    _zstd = None


# Record types (docs/formats/mlyze.md).
_ALLOC, _FREE, _GC, _MARKER = 0, 1, 2, 3
_ZSTD_BLOCK, _SITE_FREE = 0x40, 0x41
_HEAP_BEGIN, _HEAP_STRINGS, _HEAP_OBJECTS = 0x48, 0x49, 0x4A
_HEAP_REFS, _HEAP_ROOTS, _HEAP_END = 0x4B, 0x4C, 0x4D
# Ancillary (a reader that does not know them skips them): whose the
# classes and the objects are, and where the program's classes are.
_HEAP_CLASS_ORIGINS, _HEAP_OBJECT_ORIGINS, _HEAP_CLASS_SOURCES = 0x68, 0x69, 0x6A
# Origins: plain data (or cannot tell), the program's, the runtime's.
_UNKNOWN, _USER, _RUNTIME = 0, 1, 2
# Reference kinds.
_ELEMENT, _PROPERTY, _INTERNAL, _WEAK = 0, 1, 2, 3
_NONE = 0xFFFFFFFF
_CHUNK = 65536            # entries per heap record
_ZSTD_BLOCK_BYTES = 8 << 20
_NAME_MAX = 200           # longest edge name kept (dict keys can be long)
_HEAPTYPE = 1 << 9        # Py_TPFLAGS_HEAPTYPE
_HAVE_GC = 1 << 14        # Py_TPFLAGS_HAVE_GC
_CO_OPTIMIZED = 0x1


def _varint(n):
    if n < 0x80:
        return bytes((n,))
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _record(rtype, delta, payload):
    """A length-prefixed extension record."""
    return bytes((rtype,)) + _varint(delta) + _varint(len(payload)) + payload


# The file name this module's code objects carry: frames and allocations
# with it are the recorder's own, not the program's.
_FILE = _varint.__code__.co_filename


def _le(arr):
    """The bytes of an array, little-endian."""
    if sys.byteorder == "big":
        arr = array.array(arr.typecode, arr)
        arr.byteswap()
    return arr.tobytes()


def _u32(n):
    return n.to_bytes(4, "little")


def _u64(n):
    return n.to_bytes(8, "little")


def _now_us():
    return time.monotonic_ns() // 1000


# Attributes that name references of builtin types (read with getattr,
# which for these exact types runs no Python code).  Getters with side
# effects (a function's __dict__ or __annotations__ create objects) are left
# out: those references stay unnamed.
_TYPE_ATTRS = {
    types.FunctionType: ("__code__", "__globals__", "__defaults__", "__kwdefaults__",
                         "__closure__", "__name__", "__qualname__", "__module__", "__doc__",
                         "__builtins__"),
    types.MethodType: ("__func__", "__self__"),
    types.BuiltinFunctionType: ("__self__", "__module__"),
    types.ModuleType: ("__dict__",),
    types.CodeType: ("co_consts", "co_names", "co_varnames", "co_freevars", "co_cellvars",
                     "co_filename", "co_name", "co_qualname", "co_linetable", "co_lnotab",
                     "co_exceptiontable"),
    types.CellType: ("cell_contents",),
    types.GeneratorType: ("gi_code", "gi_name", "gi_qualname"),
    types.CoroutineType: ("cr_code", "__name__", "__qualname__"),
    property: ("fget", "fset", "fdel", "__doc__"),
    staticmethod: ("__func__",),
    classmethod: ("__func__",),
    types.FrameType: ("f_back", "f_code", "f_globals", "f_builtins", "f_trace"),
    types.TracebackType: ("tb_next", "tb_frame"),
}
if hasattr(types, "MappingProxyType"):
    _TYPE_ATTRS[types.MappingProxyType] = ()

_SCALARS = (int, float, bool, bytes, complex, type(None))
_FrameType = types.FrameType
# Whether an instance's __dict__, once read, is one of its references.
# CPython 3.13+ keeps attribute values inline and the instance's references
# stay those values; the dict made by reading __dict__ only views them.
_DICT_IS_REFERENT = sys.version_info < (3, 13)
try:
    import weakref as _weakref
    _weakref_type = _weakref.ref
except ImportError:  # pragma: no cover
    _weakref_type = None


def _library_dirs():
    """(installed packages' directories, the standard library's), absolute:
    where a module's file is tells whose its code is (_file_origin).  Read
    at import, so that what sysconfig loads is the recorder's."""
    sites, std = set(), set()
    try:
        paths = sysconfig.get_paths()
    except Exception:  # pragma: no cover - a broken installation
        paths = {}
    for k in ("purelib", "platlib"):
        if paths.get(k):
            sites.add(paths[k])
    site = sys.modules.get("site")
    for get in ("getsitepackages", "getusersitepackages"):
        try:
            found = getattr(site, get)()
        except Exception:
            continue
        sites.update([found] if isinstance(found, str) else found)
    sites.update(p for p in sys.path
                 if isinstance(p, str) and os.path.basename(p) in ("site-packages", "dist-packages"))
    for k in ("stdlib", "platstdlib"):
        if paths.get(k):
            std.add(paths[k])
    here = os.path.dirname(os.__file__)
    std.add(here)
    std.add(os.path.join(os.path.dirname(here), "python%d%d.zip" % sys.version_info[:2]))

    def norm(ds):
        out = set()
        for d in ds:
            if isinstance(d, str) and d:
                out.add(os.path.join(os.path.abspath(d), ""))
                out.add(os.path.join(os.path.realpath(d), ""))
        return tuple(sorted(out))
    return norm(sites), norm(std)


_SITE_DIRS, _STDLIB_DIRS = _library_dirs()

# A heap snapshot names dict keys with repr(), and the first repr() of a
# container in a thread makes the thread's dictionary and its "Py_Repr"
# list (Py_ReprEnter), held from C: made now, they are not the first
# snapshot's leftovers in the next one (a leak of three objects the
# program never made).
repr([None])

# Classes of the builtins module that are the interpreter's machinery, not
# data a program keeps (the others, dict, list, str, function..., are plain
# data).  A module, frame or class object of the program's own code is
# still the program's (_object_origin).
_RUNTIME_BUILTINS = frozenset((
    "code", "frame", "module", "type", "builtin_function_or_method", "method_descriptor",
    "wrapper_descriptor", "method-wrapper", "getset_descriptor", "member_descriptor",
    "classmethod_descriptor", "mappingproxy"))
# Standard library modules whose classes are data structures: plain data,
# like the builtins' dict and list.
_DATA_MODULES = frozenset((
    "collections", "datetime", "decimal", "_decimal", "_pydecimal", "fractions", "array",
    "uuid", "ipaddress", "pathlib", "types", "weakref", "_weakrefset", "queue"))


def _file_origin(path, _cache={}):
    """Whose the code in source file `path` is: the standard library's
    (_RUNTIME; frozen modules too), an installed package's (_UNKNOWN: a
    library's objects are data the program or the runtime keeps), or the
    program's (_USER: any other file, relative paths included)."""
    got = _cache.get(path)
    if got is not None:
        return got
    if not isinstance(path, str) or not path:
        got = _UNKNOWN
    elif path.startswith("<"):
        got = _RUNTIME if path.startswith("<frozen") else _UNKNOWN
    else:
        full = os.path.abspath(path)
        if full.startswith(_SITE_DIRS):
            got = _UNKNOWN
        elif full.startswith(_STDLIB_DIRS):
            got = _RUNTIME
        else:
            got = _USER
    _cache[path] = got
    return got


def _module_file_origin(m):
    """_file_origin of module m's file; __main__ is the program's, a
    module without a file (built into the interpreter, frozen) the
    runtime's.  Reads the module's __dict__ (no module __getattr__ runs)."""
    try:
        d = types.ModuleType.__dict__["__dict__"].__get__(m, type(m))
        name, f = d.get("__name__"), d.get("__file__")
    except Exception:
        return _UNKNOWN
    if name == "__main__":
        return _USER
    if isinstance(f, str):
        return _file_origin(f)
    return _RUNTIME


def _type_origin(t, _mod=type.__dict__["__module__"], _qual=type.__dict__["__qualname__"]):
    """Whose class t is (its instances' origin): builtins' are plain data
    but for the interpreter's machinery, the standard library's data
    structures plain data, other classes by their module's file
    (_file_origin)."""
    try:
        mod = _mod.__get__(t, type(t))
        qual = _qual.__get__(t, type(t))
    except Exception:
        return _UNKNOWN
    if mod == "builtins":
        return _RUNTIME if qual in _RUNTIME_BUILTINS else _UNKNOWN
    if mod == "__main__":
        return _USER
    if not isinstance(mod, str) or mod in _DATA_MODULES:
        return _UNKNOWN
    m = sys.modules.get(mod)
    return _UNKNOWN if m is None else _module_file_origin(m)


def _type_source(t, _mod=type.__dict__["__module__"]):
    """(file, line) of class t's source: its module's file, absolute, and
    the line of its class statement where the interpreter keeps it
    (__firstlineno__, Python 3.13+; else 0); None without a file."""
    try:
        m = sys.modules.get(_mod.__get__(t, type(t)))
        d = types.ModuleType.__dict__["__dict__"].__get__(m, type(m))
        f = d.get("__file__")
        line = type.__dict__["__dict__"].__get__(t, type(t)).get("__firstlineno__", 0)
    except Exception:
        return None
    if not isinstance(f, str) or not f or f.startswith("<"):
        return None
    return os.path.abspath(f), line if type(line) is int and 0 < line < (1 << 32) else 0


def _special_type(t):
    """Whether t's objects have an origin of their own (_object_origin)."""
    return (issubclass(t, type) or t is types.FunctionType or t is _FrameType
            or issubclass(t, types.ModuleType))


def _object_origin(o, t):
    """Whose object o (of type t, one _special_type names) is, apart from
    its class: a function or frame by its code's file, a module by its
    file (the program's, else the runtime's: the import system's), a class
    by itself (the program's classes are the program's, any other the
    runtime's)."""
    try:
        if issubclass(t, type):
            return _USER if _type_origin(o) == _USER else _RUNTIME
        if t is types.FunctionType:
            return _file_origin(o.__code__.co_filename)
        if t is _FrameType:
            return _file_origin(o.f_code.co_filename)
        if issubclass(t, types.ModuleType):
            return _USER if _module_file_origin(o) == _USER else _RUNTIME
    except Exception:
        pass
    return _UNKNOWN


# Module names the recorder loaded (main() adds argparse's).  The module
# itself is not one: it is always left out.
_OWN_MODULES = set(sys.modules) - _MODULES_BEFORE - {__name__}


def _key_name(k):
    """Edge name for a dict value under key k, computed without running
    the program's code: strings as they are, simple values as repr(), other
    keys by their type."""
    t = type(k)
    if t is str:
        return k if len(k) <= _NAME_MAX else k[:_NAME_MAX] + "..."
    if t in _SCALARS or (t is tuple and len(k) <= 8 and all(type(x) in _SCALARS or type(x) is str
                                                              for x in k)):
        r = repr(k)
        return r if len(r) <= _NAME_MAX else r[:_NAME_MAX] + "..."
    return "<%s>" % (t.__qualname__,)


def _class_name(t, _mod=type.__dict__["__module__"], _qual=type.__dict__["__qualname__"]):
    """module.qualname, read through type's own descriptors (so a
    metaclass's __getattribute__ is not run)."""
    try:
        mod = _mod.__get__(t, type(t))
        qual = _qual.__get__(t, type(t))
        if isinstance(mod, str) and isinstance(qual, str):
            return mod + "." + qual
        return str(qual)
    except Exception:
        return "?"


class _Plan(object):
    """How to walk one type's instances, worked out once per type."""
    __slots__ = ("attrs", "slots", "dict_descr", "is_type", "seq_iter", "is_dict", "is_weakref",
                 "explicit", "atomic")

    def __init__(self, t, attr_names):
        self.attrs = _TYPE_ATTRS.get(t, ())
        self.slots = []
        self.dict_descr = None
        self.is_type = issubclass(t, type)
        self.seq_iter = (tuple.__iter__ if issubclass(t, tuple)
                         else list.__iter__ if issubclass(t, list) else None)
        self.is_dict = issubclass(t, dict)
        self.is_weakref = _weakref_type is not None and issubclass(t, _weakref_type)
        # Objects the garbage collector does not know (code objects above
        # all) report no references; read them from their members instead.
        self.explicit = []
        if not (t.__flags__ & _HAVE_GC):
            seen = set()
            for klass in t.__mro__:
                kd = type.__dict__["__dict__"].__get__(klass, type(klass))
                for name, v in kd.items():
                    if name not in seen and type(v) is types.MemberDescriptorType:
                        seen.add(name)
                        self.explicit.append((name, v))
        # no references at all: skipped by both passes
        self.atomic = not (t.__flags__ & _HAVE_GC) and not self.explicit and not self.is_weakref
        if not (t.__flags__ & _HEAPTYPE):
            return
        seen = set()
        for klass in t.__mro__:
            kd = type.__dict__["__dict__"].__get__(klass, type(klass))
            for name, v in kd.items():
                if name in seen:
                    continue
                seen.add(name)
                if type(v) is types.MemberDescriptorType and klass.__flags__ & _HEAPTYPE:
                    self.slots.append((name, v))
                elif (name == "__dict__" and attr_names and self.dict_descr is None
                      and type(v) is types.GetSetDescriptorType):
                    self.dict_descr = v


class _Heap(object):
    """One heap snapshot being taken: objects, references, roots, strings."""

    __slots__ = ("rec", "attr_names", "strings", "string_list", "class_of", "plans", "objs",
                 "index", "efrom", "eto", "ename", "ekind", "weak_to", "roots", "root_frames",
                 "sites", "owned_dicts", "cpu", "atomic", "own_frames", "first", "kept")

    def __init__(self, recorder, attr_names):
        # No containers yet: whatever exists when take() lists the heap
        # would be taken for the program's.
        self.rec = recorder
        self.attr_names = attr_names

    def sid(self, s):
        i = self.strings.get(s)
        if i is None:
            i = self.strings[s] = len(self.string_list)
            self.string_list.append(s)
        return i

    def node(self, o):
        """Index of object o, appended to the walk when new."""
        i = self.index.get(id(o))
        if i is None:
            i = self.index[id(o)] = len(self.objs)
            self.objs.append(o)
        return i

    # ---- taking it -------------------------------------------------------

    def take(self, stop_tracing=False):
        """Lists the heap, its allocation sites, references and roots.

        Two passes: the first finds every object and asks tracemalloc for
        its allocation site; the second names the references.  Under
        tracemalloc every allocation costs about a microsecond, and the
        second pass allocates for each reference, so when the program is
        over (stop_tracing) tracing stops between the passes."""
        objs = gc.get_objects()
        # The recorder's own frames (tracked in CPython < 3.11) would bring
        # in its working lists, and this object holds them: neither is part
        # of the program's heap.  (No closures here: a cell made before
        # get_objects() would be listed, holding what it captured.)
        objs = [o for o in objs if type(o) is not _FrameType or o.f_code.co_filename != _FILE]
        # Itself, and (CPython < 3.9, which calls a method with keyword
        # arguments through a bound method object) the bound method that
        # called this, are the recorder's too.
        i = len(objs)
        while i > 0:
            i -= 1
            o = objs[i]
            if o is self or (type(o) is types.MethodType and o.__self__ is self):
                del objs[i]
        o = None
        self.objs = objs
        self.index = {id(o): i for i, o in enumerate(objs)}
        del objs
        self.strings = {}
        self.string_list = []
        self.class_of = {}
        self.plans = {}
        self.efrom = array.array("I")
        self.eto = array.array("I")
        self.ename = array.array("I")
        self.ekind = array.array("B")
        self.weak_to = []
        self.roots = []  # (kind sid, name sid or _NONE, object index)
        self.root_frames = {}  # id(frame) -> frame: executing frames, see _frame_edges
        self.own_frames = []   # the recorder's executing frames, see _frames
        self.first = None      # where each object's references start, see _walk
        self.kept = None       # per reference, 1 when it stays, see _own_marks
        self.sites = array.array("I")
        self.owned_dicts = []
        self.atomic = set(_ATOMIC)  # types whose objects reference nothing
        names = {t.ident: t.name for t in threading.enumerate()}
        clock = time.process_time
        t = [clock()]
        self._frames(names)
        self._modules()
        self._discover()
        t.append(clock())
        self._sites()
        t.append(clock())
        # it held instances and their dicts: it must not count as a
        # reference (see _external)
        self.owned_dicts = None
        if stop_tracing and tracemalloc.is_tracing():
            tracemalloc.stop()
        self._walk()
        t.append(clock())
        own = self._own_marks()
        self.own_frames = None
        t.append(clock())
        # References from the recorder's objects still count here: what
        # they hold is not held from C.
        self._external()
        t.append(clock())
        self._leave_out(own)
        t.append(clock())
        self.cpu = {"find": t[1] - t[0], "sites": t[2] - t[1], "references": t[3] - t[2],
                    "own": t[4] - t[3] + t[6] - t[5], "external": t[5] - t[4]}

    def _discover(self):
        """Pass 1: every object reachable from the tracked ones, breadth
        first, in bulk.  A tracked referent is already listed (get_objects()
        lists them all), so only untracked ones (strings, numbers, tuples
        and dicts of them) and the few objects made since need a look-up:
        each look-up allocates an int, which tracemalloc would trace."""
        objs = self.objs
        index = self.index
        plans = self.plans
        attr_names = self.attr_names
        root_frames = self.root_frames
        get_referents = gc.get_referents
        is_tracked = gc.is_tracked
        atomic = self.atomic
        owned = self.owned_dicts  # instance, its __dict__, ...
        start = 0
        while start < len(objs):
            end = len(objs)
            batch = []
            extra = []   # looked up whether tracked or not
            for o in objs[start:end]:
                t = type(o)
                if t in atomic:
                    continue
                if t is dict:
                    extra.extend(o)  # its keys (no view object: one allocation less)
                    batch.append(o)
                    continue
                if t is list or t is tuple:
                    batch.append(o)
                    continue
                if t is _FrameType and id(o) in root_frames:
                    extra.extend(self._frame_targets(o))
                    continue
                plan = plans.get(t)
                if plan is None:
                    plan = plans[t] = _Plan(t, attr_names)
                    if plan.atomic:
                        atomic.add(t)
                        continue
                if plan.dict_descr is not None:
                    # Reading __dict__ first, so that the references include
                    # it (CPython 3.11+ makes it now for inline attributes).
                    try:
                        d = plan.dict_descr.__get__(o, t)
                    except Exception:
                        d = None
                    if type(d) is dict and _DICT_IS_REFERENT:
                        extra.append(d)
                        owned.append(o)
                        owned.append(d)
                if plan.is_dict:
                    try:
                        extra.extend(dict.keys(o))
                    except RuntimeError:
                        pass
                if plan.is_weakref:
                    try:
                        target = _weakref_type.__call__(o)
                    except Exception:
                        target = None
                    if target is not None:
                        extra.append(target)
                if plan.explicit:
                    extra.extend(v for name, v in _members(o, t, plan.explicit))
                batch.append(o)
            _add_new(objs, index, extra)
            del extra
            refs = get_referents(*batch)
            del batch
            _add_untracked(objs, index, refs, is_tracked)
            del refs
            start = end

    def _sites(self):
        """Each object's allocation site (a stack id + 1, 0 unknown) while
        tracemalloc still knows it."""
        objs = self.objs
        sites = self.sites
        get_tb = getattr(tracemalloc, "_get_object_traceback", None)
        if get_tb is None or not tracemalloc.is_tracing():
            sites.frombytes(bytes(4 * len(objs)))
            return
        rec = self.rec
        site_of = {}
        mine = set()  # stacks whose allocating frame is the recorder's
        for a in range(0, len(objs), _CHUNK):
            raws = list(map(get_tb, objs[a:a + _CHUNK]))
            part = []
            for raw in raws:
                if raw is None:
                    part.append(0)
                    continue
                s = site_of.get(raw)
                if s is None:
                    # raw frames are most recent first; stacks list them oldest first
                    s = site_of[raw] = rec.stack_id(tuple(raw[::-1])) + 1
                    if raw and raw[0][0] == _FILE:
                        mine.add(s)
                part.append(s)
            sites.extend(part)
            del raws, part
        # An instance's __dict__ that pass 1 made (see _discover) is its
        # attributes: it gets the instance's site, not the recorder's.
        owned = self.owned_dicts
        index = self.index
        for k in range(0, len(owned), 2):
            j = index.get(id(owned[k + 1]))
            if j is not None and sites[j] in mine:
                sites[j] = sites[index[id(owned[k])]]

    def _frames(self, names):
        """The program's executing frames as roots; the recorder's are kept
        in own_frames (see _own_marks): its own code's, its sampler
        thread's, and on the thread that ran the program from the command
        line, those from _run_script down (main(), and runpy's under
        `python3 -m`)."""
        frames_kind = self.sid("frames")
        sampler = self.rec.sampler
        sampler_id = sampler.ident if sampler is not None else None
        launch = (_run_script.__code__, main.__code__)
        own = self.own_frames
        for tid, f in sys._current_frames().items():
            depth = 0
            launcher = tid == sampler_id
            while f is not None:
                code = f.f_code
                launcher = launcher or code in launch
                if launcher or code.co_filename == _FILE:
                    own.append(f)
                else:
                    name = "%s #%d: %s (%s:%d)" % (names.get(tid, "thread %d" % tid), depth,
                                                   code.co_name, code.co_filename,
                                                   f.f_lineno or 0)
                    self.roots.append((frames_kind, self.sid(name), self.node(f)))
                    self.root_frames[id(f)] = f
                    depth += 1
                f = f.f_back

    def _modules(self):
        kind = self.sid("modules")
        for name, mod in list(sys.modules.items()):
            if mod is not None:
                self.roots.append((kind, self.sid(str(name)), self.node(mod)))

    def _edge(self, i, target, name, kind):
        self.efrom.append(i)
        self.eto.append(self.node(target))
        self.ename.append(name)
        self.ekind.append(kind)

    def _frame_locals(self, f):
        """(locals mapping, its items or None) of an executing frame."""
        try:
            loc = f.f_locals
        except Exception:
            return None, None
        if not f.f_code.co_flags & _CO_OPTIMIZED:
            return loc, None
        try:
            return loc, list(loc.items())
        except Exception:
            return loc, None

    def _frame_targets(self, f):
        out = [f.f_code, f.f_globals]
        loc, items = self._frame_locals(f)
        if loc is not None and loc is not f.f_globals and type(loc) is dict:
            out.append(loc)
        if items:
            out.extend(v for k, v in items)
        return out

    def _frame_edges(self, i, f):
        """An executing frame: its locals by name (their slots are
        references the frame holds), its code and globals."""
        edge = self._edge
        edge(i, f.f_code, self.sid("f_code"), _INTERNAL)
        edge(i, f.f_globals, self.sid("f_globals"), _INTERNAL)
        loc, items = self._frame_locals(f)
        if loc is not None and loc is not f.f_globals and type(loc) is dict:
            # a module or class body's namespace, or (CPython < 3.13) the
            # dict a function frame copies its fast locals into
            edge(i, loc, self.sid("f_locals"), _INTERNAL)
        for k, v in items or ():
            edge(i, v, self.sid(_key_name(k)), _PROPERTY)

    def _walk(self):
        """Pass 2: every object's references, named where that is cheap.
        Objects met for the first time (pass 1 should have found them all)
        join the walk.  The per-kind work is in small functions: see
        _add_new for why that matters under tracemalloc."""
        objs = self.objs
        ctx = _WalkContext(self)
        plans = self.plans
        root_frames = self.root_frames
        attr_names = self.attr_names
        atomic = self.atomic
        # where each object's references start (they are appended in
        # object order): _own_marks walks the graph with them
        first = self.first = array.array("I")
        fappend, elen = first.append, self.efrom.__len__
        i = 0
        while i < len(objs):
            o = objs[i]
            t = type(o)
            fappend(elen())
            if t in atomic:
                pass
            elif t is dict:
                _dict_edges(ctx, i, o)
            elif t is list or t is tuple:
                _seq_edges(ctx, i, o)
            elif t is _FrameType and id(o) in root_frames:
                self._frame_edges(i, o)
            else:
                plan = plans.get(t)
                if plan is None:
                    plan = plans[t] = _Plan(t, attr_names)
                    if plan.atomic:
                        atomic.add(t)
                _generic_edges(ctx, i, o, t, plan)
            i += 1
        fappend(elen())

    # ---- leaving out the recorder's own objects ----------------------------

    def _own_marks(self):
        """Which objects are the recorder's: a bytearray, per object 2 for
        the recorder itself (its module and globals, its _Recorder and the
        collector callback bound to it, its sampler thread and executing
        frames), 1 for what only they hold, 0 for the program's.

        Everything the recorder's objects reach (over the graph's strong
        references) is a candidate, without entering the program's modules
        and frames; a candidate that some other object references (not
        sys.modules, which lists every module, nor a weak reference) is the
        program's, and so is every candidate it reaches.  Modules the
        recorder imported (json, tracemalloc, argparse for its command
        line...) are candidates like the rest: the program's if it uses
        them, left out otherwise."""
        objs, index = self.objs, self.index
        efrom, eto, ekind = self.efrom, self.eto, self.ekind
        own = bytearray(len(objs))
        rec = self.rec
        mod = sys.modules.get(__name__)
        if getattr(mod, "__dict__", None) is not globals():
            mod = None
        seeds = [mod, globals(), rec, rec.sampler]
        seeds.extend(cb for cb in gc.callbacks
                     if type(cb) is types.MethodType and cb.__self__ is rec)
        seeds.extend(self.own_frames)
        starts = []
        for o in seeds:
            j = index.get(id(o))
            if j is not None and o is not None:
                own[j] = 2
                starts.append(j)
        # Not entered: the program's modules (their dicts too) and frames,
        # and the interpreter's constants, which everything references.
        sysmods = index.get(id(sys.modules))
        blocked = {sysmods}
        blocked.update(map(index.get, map(id, (None, True, False, Ellipsis, NotImplemented))))
        for name, module in list(sys.modules.items()):
            if (type(module) is types.ModuleType and name not in _OWN_MODULES
                    and module is not mod):
                blocked.add(index.get(id(module)))
                blocked.add(index.get(id(module.__dict__)))
            elif name in _OWN_MODULES:
                j = index.get(id(module))
                if j is not None and not own[j]:
                    own[j] = 1
                    starts.append(j)
        # What the recorder's frames hold (frames of CPython 3.11+ are not
        # objects of the graph: their locals are read here), and the
        # function 3.11+ makes to run a module's code (the recorder's copy
        # under `python3 -m`), which only the running frame holds, from C.
        codes = set()
        for f in self.own_frames:
            if f.f_code.co_name == "<module>" and sys.version_info >= (3, 11):
                codes.add(id(f.f_code))
            for o in self._frame_targets(f):
                j = index.get(id(o))
                if j is not None and not own[j] and j not in blocked:
                    own[j] = 1
                    starts.append(j)
        for j in _functions_of(objs, codes) if codes else ():
            if not own[j]:
                own[j] = 1
                starts.append(j)
        del seeds, mod, module, o
        first = self.first
        # CPython 3.13+: an instance holds its __dict__ once made, but the
        # collector shows its inline values instead (see _DICT_IS_REFERENT)
        dict_of = None if _DICT_IS_REFERENT else self._made_dict
        _own_reach(own, starts, first, eto, ekind, blocked, objs, dict_of)
        # The references from unmarked objects to marked ones: the program
        # uses what they point to, unless they are weak or sys.modules'
        # (which lists every module: no use of one).
        src, dst = _end_marks(own, efrom, eto)
        into = _into_marked(src, dst)
        skip = range(first[sysmods], first[sysmods + 1]) if sysmods is not None else range(0)
        rescued = _own_rescue(own, _used(into, eto, ekind, skip), first, eto, ekind, dict_of)
        self.kept = _kept_after(own, src, dst, into, rescued, first, eto)
        return own

    def _made_dict(self, j):
        """The index of object j's __dict__ if it has one made and the heap
        lists it, else None."""
        o = self.objs[j]
        t = type(o)
        plan = self.plans.get(t)
        if plan is None or plan.dict_descr is None or plan.is_type:
            return None
        try:
            d = plan.dict_descr.__get__(o, t)
        except Exception:
            return None
        return self.index.get(id(d))

    def _leave_out(self, own):
        """Drops the objects own marks (see _own_marks), their references
        and the roots that name them, and numbers the rest again."""
        n = len(self.objs)
        keep = bytes(map((0).__eq__, own))
        self.first = None
        if len(keep) == sum(keep):
            return
        runs = _runs(self.kept)
        new = list(accumulate(keep, initial=0))  # an object's new index
        self.efrom = _renumbered(_cut(self.efrom, runs), new)
        self.eto = _renumbered(_cut(self.eto, runs), new)
        self.ename = _cut(self.ename, runs)
        self.ekind = _cut(self.ekind, runs)
        sites = self.sites
        if len(sites) < n:  # objects the second pass met first: no site
            sites.frombytes(bytes(4 * (n - len(sites))))
        self.objs = list(compress(self.objs, keep))
        self.sites = array.array("I", compress(sites, keep))
        self.roots = [(k, nm, new[i]) for k, nm, i in self.roots if keep[i]]
        self.index = self.weak_to = self.kept = None
        self.root_frames = {}

    def _names(self, o, t, plan, d):
        """id(referent) -> (name, kind) for the references of o that have a
        name: instance attributes, slots, known attributes of builtin types,
        the parts of a class, items of list and tuple subclasses."""
        sid = self.sid
        names = {}
        if d is not None and type(d) is dict:
            # CPython 3.13+ keeps inline attribute values as the instance's
            # own references even once its __dict__ exists.
            try:
                for k, v in dict.items(d):
                    names.setdefault(id(v), (sid(_key_name(k)), _PROPERTY))
            except RuntimeError:
                pass
        for name, descr in plan.slots:
            try:
                v = descr.__get__(o, t)
            except Exception:
                continue
            names.setdefault(id(v), (sid(name), _INTERNAL if name.startswith("__")
                                     else _PROPERTY))
        for name in plan.attrs:
            try:
                v = getattr(o, name)
            except Exception:
                continue
            names.setdefault(id(v), (sid(name), _PROPERTY if name == "__dict__" else _INTERNAL))
        if plan.is_type:
            try:
                for r in gc.get_referents(type.__dict__["__dict__"].__get__(o, t)):
                    names.setdefault(id(r), (sid("__dict__"), _PROPERTY))
                for name in ("__mro__", "__bases__", "__base__", "__name__", "__qualname__"):
                    names.setdefault(id(type.__dict__[name].__get__(o, t)), (sid(name), _INTERNAL))
            except Exception:
                pass
        if plan.seq_iter is not None:
            try:
                n = 0
                for r in plan.seq_iter(o):
                    names.setdefault(id(r), (n, _ELEMENT))
                    n += 1
            except Exception:
                pass
        if plan.is_dict:
            try:
                for k, v in dict.items(o):
                    names.setdefault(id(v), (sid(_key_name(k)), _PROPERTY))
            except RuntimeError:
                pass
        return names

    def _external(self):
        """Roots of kind "external": objects with more references than the
        graph shows, i.e. held from C (the interpreter, extension modules)
        or from the running frames' value stacks."""
        objs = self.objs
        n = len(objs)
        indeg = _indegrees(self.eto, self.weak_to, n)
        base = _refcounts([object()])[0]
        counts = _refcounts(objs)
        kind = self.sid("external")
        _external_roots(counts, base, indeg, objs, self.root_frames, self.roots, kind,
                        self.strings, self.string_list)

    # ---- writing it ------------------------------------------------------

    def records(self, delta):
        """The heap snapshot's records (bytes)."""
        objs = self.objs
        n = len(objs)
        out = [_record(_HEAP_BEGIN, delta, _u32(1) + _u32(0))]
        # classes and sizes (the objects are still held)
        ids, cls, sizes = _columns(objs, self.class_of, self.sid)
        origins = self._origin_records(cls)  # before the strings: names files
        sites = self.sites
        if len(sites) < n:  # objects the second pass met first: no site
            sites.frombytes(bytes(4 * (n - len(sites))))
        strings = [s.encode("utf-8", "surrogatepass") for s in self.string_list]
        for a in range(0, len(strings), _CHUNK):
            part = strings[a:a + _CHUNK]
            lens = array.array("I", [len(s) for s in part])
            out.append(_record(_HEAP_STRINGS, 0, _u32(len(part)) + _le(lens) + b"".join(part)))
        for a in range(0, n, _CHUNK):
            b = min(n, a + _CHUNK)
            out.append(_record(_HEAP_OBJECTS, 0, _u32(b - a) + _le(ids[a:b]) + _le(cls[a:b])
                               + _le(sizes[a:b]) + _le(sites[a:b])))
        out.extend(origins)
        m = len(self.eto)
        for a in range(0, m, _CHUNK):
            b = min(m, a + _CHUNK)
            out.append(_record(_HEAP_REFS, 0, _u32(b - a) + _le(self.efrom[a:b])
                               + _le(self.eto[a:b]) + _le(self.ename[a:b])
                               + self.ekind[a:b].tobytes()))
        r = len(self.roots)
        for a in range(0, r, _CHUNK):
            part = self.roots[a:a + _CHUNK]
            out.append(_record(_HEAP_ROOTS, 0, _u32(len(part))
                               + _le(array.array("I", [x[0] for x in part]))
                               + _le(array.array("I", [x[1] for x in part]))
                               + _le(array.array("I", [x[2] for x in part]))))
        out.append(_record(_HEAP_END, 0, _u64(n) + _u64(m) + _u64(r) + _u64(len(strings))))
        return out

    def _origin_records(self, cls):
        """HEAP_CLASS_ORIGINS: the classes whose origin is known
        (_type_origin); HEAP_OBJECT_ORIGINS: the objects whose origin is not
        their class's (modules, functions, frames, classes: _object_origin);
        HEAP_CLASS_SOURCES: the program's classes' files (_type_source).
        cls: each object's class string id.  Names the files with new
        strings: called before the strings are written."""
        class_origin = {}
        special = set()
        sources = []
        for t, c in self.class_of.items():
            org = _type_origin(t)
            if org != _UNKNOWN:
                class_origin[c] = org
            if _special_type(t):
                special.add(c)
            src = _type_source(t) if org == _USER else None
            if src is not None:
                sources.append((c, self.sid(src[0]), src[1]))
        out = []
        sources.sort()
        for a in range(0, len(sources), _CHUNK):
            part = sources[a:a + _CHUNK]
            out.append(_record(_HEAP_CLASS_SOURCES, 0, _u32(len(part))
                               + b"".join(_le(array.array("I", [x[k] for x in part]))
                                          for k in range(3))))
        known = sorted(class_origin.items())
        for a in range(0, len(known), _CHUNK):
            part = known[a:a + _CHUNK]
            out.append(_record(_HEAP_CLASS_ORIGINS, 0, _u32(len(part))
                               + _le(array.array("I", [c for c, _ in part]))
                               + bytes(org for _, org in part)))
        objs = self.objs
        idx = array.array("I")
        org = bytearray()
        get = class_origin.get
        for i in compress(range(len(cls)), map(special.__contains__, cls)):
            o = objs[i]
            k = _object_origin(o, type(o))
            if k != get(cls[i], _UNKNOWN):
                idx.append(i)
                org.append(k)
        for a in range(0, len(idx), _CHUNK):
            b = min(len(idx), a + _CHUNK)
            out.append(_record(_HEAP_OBJECT_ORIGINS, 0, _u32(b - a) + _le(idx[a:b])
                               + bytes(org[a:b])))
        return out

    def release(self):
        self.objs = self.index = None
        self.root_frames = {}
        self.sites = None
        self.owned_dicts = None


# The loops that allocate (an int per id()) are small functions of their own:
# for each allocation tracemalloc finds the allocating line, which CPython
# 3.11+ decodes from the start of the function's line table, so in a long
# function every allocation costs microseconds more.

def _add_new(objs, index, items):
    for r in items:
        k = id(r)
        if k not in index:
            index[k] = len(objs)
            objs.append(r)


def _add_untracked(objs, index, items, is_tracked):
    for r in items:
        if not is_tracked(r):
            k = id(r)
            if k not in index:
                index[k] = len(objs)
                objs.append(r)


# Leaving out the recorder's objects (_Heap._own_marks): small functions
# too, for the same reason.

def _own_reach(own, stack, first, eto, ekind, blocked, objs, dict_of):
    """Marks 1 what the marked objects in stack reach over strong
    references, without entering blocked objects or frames.  dict_of (j):
    the instance j's __dict__ the graph has no reference to, or None."""
    while stack:
        j = stack.pop()
        if dict_of is not None:
            k = dict_of(j)
            if k is not None and not own[k]:
                own[k] = 1
                stack.append(k)
        for e in range(first[j], first[j + 1]):
            k = eto[e]
            if own[k] or ekind[e] == _WEAK or k in blocked:
                continue
            o = objs[k]
            t = type(o)
            # frames are the program's (the recorder's are not objects
            # here), and so are the interpreter's own types
            if t is _FrameType or (t is type and not o.__flags__ & _HEAPTYPE):
                continue
            own[k] = 1
            stack.append(k)


# The references' ends are read in C loops (each makes an int), from small
# functions (the line tracemalloc records for each int is found fast).

def _end_marks(own, efrom, eto):
    """The marks of every reference's source and target."""
    return bytearray(map(own.__getitem__, efrom)), bytearray(map(own.__getitem__, eto))


def _into_marked(src, dst):
    """The references from an unmarked object to a marked one."""
    mask = bytes(map(operator.and_, map(operator.not_, src), map(operator.truth, dst)))
    out, e = [], mask.find(1)
    while e >= 0:
        out.append(e)
        e = mask.find(1, e + 1)
    return out


def _used(into, eto, ekind, skip):
    """The targets of the references in into that are strong and not in
    range skip: the marked objects the program uses."""
    return [eto[e] for e in into if ekind[e] != _WEAK and e not in skip]


def _kept_after(own, src, dst, into, rescued, first, eto):
    """Per reference, 1 when neither end is marked, from the marks src and
    dst gathered before the objects in rescued were unmarked: of the
    references into those, only the ones in into have an unmarked source
    (the others' sources stay marked: they go), and the references of
    those are their runs."""
    for e in into:
        dst[e] = own[eto[e]]
    for j in rescued:
        lo, hi = first[j], first[j + 1]
        if lo < hi:
            src[lo:hi] = bytes(hi - lo)
            dst[lo:hi] = bytes(map(own.__getitem__, eto[lo:hi]))
    return bytes(map(operator.not_, map(operator.or_, src, dst)))


def _functions_of(objs, codes):
    """Indices of the function objects whose code's id is in codes."""
    FunctionType = types.FunctionType
    return [j for j, o in enumerate(objs) if type(o) is FunctionType and id(o.__code__) in codes]


def _own_rescue(own, stack, first, eto, ekind, dict_of):
    """Unmarks the objects in stack and what they reach of the marked 1;
    returns them."""
    rescued = []
    while stack:
        j = stack.pop()
        if own[j] != 1:
            continue
        own[j] = 0
        rescued.append(j)
        if dict_of is not None:
            k = dict_of(j)
            if k is not None and own[k] == 1:
                stack.append(k)
        for e in range(first[j], first[j + 1]):
            if own[eto[e]] == 1 and ekind[e] != _WEAK:
                stack.append(eto[e])
    return rescued


def _runs(kept):
    """The runs [a, b) where kept (bytes of 0 and 1) is 1."""
    runs, at = [], 0
    e = kept.find(0)
    while e >= 0:
        if e > at:
            runs.append((at, e))
        at = e + 1
        e = kept.find(0, at)
    if at < len(kept):
        runs.append((at, len(kept)))
    return runs


def _cut(arr, runs):
    """arr's elements in the runs [a, b), as slices."""
    out = array.array(arr.typecode)
    for a, b in runs:
        out += arr[a:b]
    return out


def _renumbered(ends, new):
    return array.array("I", map(new.__getitem__, ends))


class _WalkContext(object):
    """What the edge functions of pass 2 share."""
    __slots__ = ("heap", "objs", "index", "sid", "strings", "af", "at", "an", "ak", "efrom",
                 "eto", "ename", "ekind", "key_sid", "cls_sid", "dict_sid", "referent_sid")

    def __init__(self, heap):
        self.heap = heap
        self.objs = heap.objs
        self.index = heap.index
        self.sid = heap.sid
        self.strings = heap.strings
        self.efrom, self.eto, self.ename, self.ekind = heap.efrom, heap.eto, heap.ename, heap.ekind
        self.af, self.at = heap.efrom.append, heap.eto.append
        self.an, self.ak = heap.ename.append, heap.ekind.append
        self.key_sid = heap.sid("(key)")
        self.cls_sid = heap.sid("__class__")
        self.dict_sid = heap.sid("__dict__")
        self.referent_sid = heap.sid("referent")


def _target(c, r):
    j = c.index.get(id(r))
    if j is None:
        j = c.index[id(r)] = len(c.objs)
        c.objs.append(r)
    return j


def _dict_edges(c, i, o):
    """A dict's keys (internal "(key)") and values (property, named by key),
    in bulk: C loops over the keys and values, Python only for new names."""
    try:
        keys = list(o)
        vals = list(dict.values(o))
    except RuntimeError:  # changed under the walk
        return
    n = len(keys)
    if not n or len(vals) != n:
        return
    get = c.index.__getitem__
    try:
        kt = list(map(get, map(id, keys)))
        vt = list(map(get, map(id, vals)))
    except KeyError:  # an object pass 1 did not see
        kt = [_target(c, k) for k in keys]
        vt = [_target(c, v) for v in vals]
    names = list(map(c.strings.get, keys))
    if None in names:
        sid = c.sid
        names = [nm if nm is not None else
                 sid(k if type(k) is str and len(k) <= _NAME_MAX else _key_name(k))
                 for nm, k in zip(names, keys)]
    c.efrom.extend(repeat(i, 2 * n))
    c.eto.extend(kt)
    c.eto.extend(vt)
    c.ename.extend(repeat(c.key_sid, n))
    c.ename.extend(names)
    c.ekind.extend(repeat(_INTERNAL, n))
    c.ekind.extend(repeat(_PROPERTY, n))


def _seq_edges(c, i, o):
    """A list's or tuple's items: element edges, in bulk."""
    refs = gc.get_referents(o)
    n = len(refs)
    if not n:
        return
    try:
        targets = list(map(c.index.__getitem__, map(id, refs)))
    except KeyError:
        targets = [_target(c, r) for r in refs]
    c.efrom.extend(repeat(i, n))
    c.eto.extend(targets)
    c.ename.extend(range(n))
    c.ekind.extend(repeat(_ELEMENT, n))


def _generic_edges(c, i, o, t, plan):
    af, at, an, ak, index = c.af, c.at, c.an, c.ak, c.index
    d = None
    if plan.dict_descr is not None:
        try:
            d = plan.dict_descr.__get__(o, t)
        except Exception:
            d = None
    refs = gc.get_referents(o)
    names = None
    if plan.explicit:
        for name, v in _members(o, t, plan.explicit):
            j = index.get(id(v))
            at(_target(c, v) if j is None else j)
            af(i); an(c.sid(name)); ak(_INTERNAL)
    if plan.is_dict:
        try:
            for k in dict.keys(o):
                j = index.get(id(k))
                at(_target(c, k) if j is None else j)
                af(i); an(c.key_sid); ak(_INTERNAL)
        except RuntimeError:
            pass
    for r in refs:
        j = index.get(id(r))
        at(_target(c, r) if j is None else j)
        af(i)
        if r is d:
            an(c.dict_sid); ak(_PROPERTY)
        elif r is t:
            an(c.cls_sid); ak(_INTERNAL)
        else:
            if names is None:
                names = c.heap._names(o, t, plan, d)
            nm = names.get(id(r))
            if nm is None:
                an(_NONE); ak(_INTERNAL)
            else:
                an(nm[0]); ak(nm[1])
    if plan.is_weakref:
        try:
            target = _weakref_type.__call__(o)
        except Exception:
            target = None
        if target is not None:
            j = _target(c, target)
            af(i); at(j); an(c.referent_sid); ak(_WEAK)
            c.heap.weak_to.append(j)


_NOT_HELD = (int, bool, float, type(None))
_ATOMIC = (str, int, float, bytes, bool, complex, type(None))


def _members(o, t, members):
    """(name, value) of the object members of a non-GC object.  A member
    read as an int, float, bool or None is a number the object stores in C
    (made anew by the read), not a reference."""
    out = []
    for name, descr in members:
        try:
            v = descr.__get__(o, t)
        except Exception:
            continue
        if type(v) not in _NOT_HELD:
            out.append((name, v))
    return out


def _indegrees(eto, weak_to, n):
    indeg = array.array("I", bytes(4 * n))
    for j in eto:
        indeg[j] += 1
    for j in weak_to:
        indeg[j] -= 1
    return indeg


def _columns(objs, class_of, sid):
    """Object ids, class string ids and sizes as arrays, in bulk."""
    ids = array.array("Q", map(id, objs))
    types_ = list(map(type, objs))
    for t in set(types_):
        if t not in class_of:
            class_of[t] = sid(_class_name(t))
    cls = array.array("I", map(class_of.__getitem__, types_))
    del types_
    try:
        sizes = array.array("Q", map(sys.getsizeof, objs))
    except Exception:  # a __sizeof__ of the program's that fails
        sizes = array.array("Q")
        for o in objs:
            try:
                sizes.append(sys.getsizeof(o))
            except Exception:
                sizes.append(object.__sizeof__(o))
    return ids, cls, sizes


def _site_sizes():
    """Traced bytes per allocation stack, from tracemalloc's raw traces
    (what Snapshot.statistics() computes, without making an object per
    trace): {(filename, lineno) pairs, most recent first: bytes}."""
    get_traces = getattr(tracemalloc, "_get_traces", None)
    out = {}
    if get_traces is None:  # pragma: no cover - every CPython 3.8-3.13 has it
        for st in tracemalloc.take_snapshot().statistics("traceback"):
            out[tuple((f.filename, f.lineno) for f in reversed(st.traceback))] = st.size
        return out
    get = out.get
    for trace in get_traces():
        tb = trace[2]
        out[tb] = get(tb, 0) + trace[1]
    return out


def _external_roots(counts, base, indeg, objs, root_frames, roots, kind, strings, string_list):
    # candidates (refcount - base > references found) found by C loops
    over = map(operator.gt, map(operator.sub, counts, repeat(base)), indeg)
    for i in compress(range(len(counts)), over):
        rc = counts[i]
        if rc < (1 << 29):
            o = objs[i]
            t = type(o)
            if t is _FrameType and id(o) in root_frames:
                continue
            if t is str:
                # A string that names edges (a dict key, an attribute name)
                # is held twice more by the snapshot's own string table.
                j = strings.get(o)
                if j is not None and string_list[j] is o and rc - 2 - base <= indeg[i]:
                    continue
            roots.append((kind, _NONE, i))


def _refcounts(objs, _rc=sys.getrefcount):
    # Each object is held here by the list, the loop variable and the
    # argument: _external calibrates that with a fresh object.
    return [_rc(o) for o in objs]


class _Recorder(object):
    """Allocation events and the metadata tables of one recording."""

    def __init__(self):
        self.lock = threading.RLock()
        self.events = bytearray()
        self.start_wall_us = time.time_ns() // 1000
        self.start_us = _now_us()
        self.last_us = self.start_us
        self.stacks = {}        # frames tuple (oldest first) -> stack id
        self.stack_list = []    # [[(file_id, line, func_id)]]
        self.files = {}
        self.functions = {"": 0}
        self.prev = {}          # stack id -> traced bytes at the last diff
        self.nframes = 1
        self.tracing = False    # events being recorded
        self.started_tracemalloc = False
        self.sampler = None
        self.stop_sampling = threading.Event()
        self.gc_before = 0
        self.skip_files = {_FILE, tracemalloc.take_snapshot.__code__.co_filename}

    # ---- metadata tables -------------------------------------------------

    def _file_id(self, name):
        i = self.files.get(name)
        if i is None:
            i = self.files[name] = len(self.files)
        return i

    def _func_id(self, name):
        i = self.functions.get(name)
        if i is None:
            i = self.functions[name] = len(self.functions)
        return i

    def stack_id(self, frames):
        """Id of a stack: (filename, lineno) pairs, oldest first."""
        s = self.stacks.get(frames)
        if s is None:
            with self.lock:
                s = self.stacks.get(frames)
                if s is None:
                    s = self.stacks[frames] = len(self.stack_list)
                    self.stack_list.append([(self._file_id(f), ln, 0) for f, ln in frames])
        return s

    def metadata(self):
        with self.lock:
            stacks = {str(i): [{"file_id": f, "line": ln, "func_id": fn} for f, ln, fn in st]
                      for i, st in enumerate(self.stack_list)}
            files = {str(i): f for f, i in self.files.items()}
            funcs = {str(i): f for f, i in self.functions.items()}
        return {"stack_traces": stacks, "files": files, "functions": funcs,
                "memsnap": {"extension": 1, "writer": "memsnap_record " + __version__,
                            "python": sys.version.split()[0], "pid": os.getpid(),
                            "nframes": self.nframes}}

    # ---- events ------------------------------------------------------------

    def _delta(self):
        now = _now_us()
        d = now - self.last_us
        if d < 0:
            d = 0
        else:
            self.last_us = now
        return d

    def diff(self):
        """Appends the tracemalloc diff since the last one: ALLOC for each
        site that grew, SITE_FREE for each that shrank."""
        if not self.tracing or not tracemalloc.is_tracing():
            return
        cur = {}
        skip = self.skip_files
        for raw, size in _site_sizes().items():
            # raw: (filename, lineno) pairs, most recent first.  Allocations
            # made by the recorder or tracemalloc itself are left out (as
            # tracemalloc.Filter would, which is slower: it runs per trace).
            if raw and raw[0][0] in skip:
                continue
            s = self.stack_id(tuple(raw[::-1]))
            cur[s] = cur.get(s, 0) + size
        thread = (threading.get_ident() & 0xFFFF).to_bytes(2, "little")
        zero = bytes(8)
        with self.lock:
            out = bytearray()
            delta = self._delta()
            prev = self.prev
            # One diff is one moment: frees first, so that the live bytes
            # never pass through a peak the program did not have.
            for s in sorted(prev):
                d = cur.get(s, 0) - prev[s]
                if d < 0:
                    out += _record(_SITE_FREE, delta, _varint(s) + _varint(-d))
                    delta = 0
            for s in sorted(cur):
                d = cur[s] - prev.get(s, 0)
                if d > 0:
                    out += bytes((_ALLOC,)) + _varint(delta) + zero + _varint(d) + _varint(s) + thread
                    delta = 0
            self.prev = cur
            self.events += out

    def marker(self, name):
        with self.lock:
            self.events += bytes((_MARKER,)) + _varint(self._delta()) + _varint(
                self._func_id(str(name)))

    def on_gc(self, phase, info):
        if not self.tracing:
            return
        if phase == "start":
            self.gc_before = tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else 0
            return
        after = tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else 0
        freed = max(0, self.gc_before - after)
        with self.lock:
            self.events += bytes((_GC,)) + _varint(self._delta()) + _varint(
                int(info.get("collected", 0))) + _varint(freed)

    def _sample(self, interval):
        # A diff costs time proportional to the live blocks: wait at least
        # ten times as long as the last one took, so sampling stays under
        # about a tenth of the program's time.
        wait = interval
        while not self.stop_sampling.wait(wait):
            t = time.monotonic()
            try:
                self.diff()
            except Exception:  # pragma: no cover - never kill the program
                pass
            wait = max(interval, 10 * (time.monotonic() - t))

    # ---- control -----------------------------------------------------------

    def start(self, nframes, interval):
        if self.tracing:
            return
        self.nframes = max(1, int(nframes))
        if not tracemalloc.is_tracing():
            tracemalloc.start(self.nframes)
            self.started_tracemalloc = True
        else:
            self.nframes = tracemalloc.get_traceback_limit()
        self.tracing = True
        self.prev = {}
        gc.callbacks.append(self.on_gc)
        if interval:
            self.stop_sampling.clear()
            self.sampler = threading.Thread(target=self._sample, args=(float(interval),),
                                            name="memsnap_record sampler", daemon=True)
            self.sampler.start()

    def stop(self):
        if not self.tracing:
            return
        self.diff()
        self.stop_sampling.set()
        if self.sampler is not None:
            self.sampler.join()
            self.sampler = None
        self.tracing = False
        try:
            gc.callbacks.remove(self.on_gc)
        except ValueError:
            pass
        if self.started_tracemalloc:
            tracemalloc.stop()
            self.started_tracemalloc = False

    def write(self, path, heap=True, attr_names=True, compress=None, final=False):
        self.diff()
        recs = None
        stats = {}
        t0 = time.monotonic()
        if heap:
            was_enabled = gc.isenabled()
            switch = sys.getswitchinterval()
            gc.disable()
            # Other threads wait while the heap is walked, so it does not
            # change under the walk (nothing in it blocks or sleeps).
            sys.setswitchinterval(1000.0)
            h = _Heap(self, attr_names)
            try:
                # At the end of the program tracing may stop between the
                # passes (see _Heap.take).
                h.take(final and self.started_tracemalloc)
            finally:
                sys.setswitchinterval(switch)
                if was_enabled:
                    gc.enable()
            with self.lock:
                delta = self._delta()
            c0 = time.process_time()
            recs = h.records(delta)
            h.cpu["records"] = time.process_time() - c0
            stats = {"objects": len(h.objs), "references": len(h.eto), "roots": len(h.roots),
                     "seconds": time.monotonic() - t0, "cpu_seconds": h.cpu}
            h.release()
            del h
        meta = json.dumps(self.metadata(), separators=(",", ":")).encode("utf-8")
        with self.lock:
            events = bytes(self.events)
        body = [events] + (recs or [])
        if compress is None:
            compress = _zstd is not None
        if compress:
            body = _compress(body)
        head = bytearray(256)
        head[0:4] = b"MTRC"
        head[4:8] = _u32(1)
        head[8:16] = _u64(self.start_wall_us)
        head[16:20] = _u32(len(meta))
        tmp = "%s.tmp.%d" % (path, os.getpid())
        try:
            with open(tmp, "wb") as f:
                f.write(head)
                f.write(meta)
                for part in body:
                    f.write(part)
            os.replace(tmp, path)
            global last_stats
            stats["bytes"] = os.path.getsize(path)
            stats["write_seconds"] = time.monotonic() - t0
            last_stats = stats
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        return path


def _compress(parts):
    """Packs records into ZSTD_BLOCK records of about 8 MiB of content."""
    if _zstd is None:
        raise RuntimeError("zstd compression needs Python 3.14 (compression.zstd)")
    out = []
    pending = []
    size = 0

    def flush():
        if pending:
            content = b"".join(pending)
            out.append(_record(_ZSTD_BLOCK, 0, _u32(len(content)) + _zstd.compress(content)))
            del pending[:]

    for part in parts:
        # v1 events are one byte string; heap records are whole records
        if size + len(part) > _ZSTD_BLOCK_BYTES and pending:
            flush()
            size = 0
        if len(part) > _ZSTD_BLOCK_BYTES:
            out.append(part)  # a record larger than a block stays as it is
            continue
        pending.append(part)
        size += len(part)
    flush()
    return out


_recorder = None
_recorder_lock = threading.Lock()

# What the last snapshot() wrote: objects, references, roots, seconds
# (taking the heap snapshot; cpu_seconds: CPU time per phase), bytes and
# write_seconds (the whole file).
last_stats = {}


def _get():
    global _recorder
    with _recorder_lock:
        if _recorder is None:
            _recorder = _Recorder()
        return _recorder


def start(nframes=1, interval=None):
    """Starts recording allocation events (tracemalloc with `nframes`
    frames per stack, a diff every `interval` seconds if given, and GC
    events).  Objects allocated from now on get an allocation site in heap
    snapshots."""
    _get().start(nframes, interval)


def stop():
    """Stops recording events (the last diff is kept for later snapshots)."""
    if _recorder is not None:
        _recorder.stop()


def is_tracing():
    return _recorder is not None and _recorder.tracing


def mark(name):
    """Adds a marker (after a diff, so the timeline shows the bytes at it)."""
    r = _get()
    r.diff()
    r.marker(name)


def snapshot(path, heap=True, attr_names=True, compress=None):
    """Writes `path` (atomically): the events recorded so far and, unless
    heap=False, a heap snapshot of the whole process.  Works without start()
    (a heap without allocation sites).  attr_names=False skips reading
    instances' __dict__ (on CPython 3.11+, reading it gives instances that
    keep their attributes inline a dict object; without it, their
    attribute references are unnamed).  compress: zstd blocks (Python
    3.14+; default when available).  Returns path."""
    return _get().write(path, heap=heap, attr_names=attr_names, compress=compress)


# ---- command line ---------------------------------------------------------

def _run_script(path, args):
    """Runs `path` as __main__, like `python3 path args`."""
    with open(path, "rb") as f:
        source = f.read()
    code = compile(source, path, "exec", dont_inherit=True)
    main_mod = types.ModuleType("__main__")
    main_mod.__file__ = path
    main_mod.__builtins__ = sys.modules["builtins"]
    main_mod.__dict__["__cached__"] = None
    sys.modules["__main__"] = main_mod
    sys.argv[:] = [path] + list(args)
    sys.path[0] = os.path.dirname(os.path.abspath(path))
    exec(code, main_mod.__dict__)


def main(argv=None):
    before = set(sys.modules)
    import argparse
    p = argparse.ArgumentParser(
        prog="python3 -m memsnap_record",
        description="Run a Python script and record its memory for memsnap: allocation "
                    "events and, when it ends, a heap snapshot (objects, references, roots).")
    p.add_argument("-o", "--output", help="file to write (default: SCRIPT.mlyze)")
    p.add_argument("--frames", type=int, default=1,
                   help="frames per allocation stack (default 1: the allocating line)")
    p.add_argument("--interval", type=float, default=1.0,
                   help="seconds between allocation diffs (default 1; 0 = only at the end)")
    p.add_argument("--no-heap", action="store_true", help="events only, no heap snapshot")
    p.add_argument("--no-trace", action="store_true",
                   help="no tracemalloc (faster; objects get no allocation site)")
    p.add_argument("--no-attr-names", action="store_true",
                   help="do not read instances' __dict__ to name their references")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="say how big the snapshot is and how long it took")
    p.add_argument("--zstd", action="store_true", default=None,
                   help="compress in zstd blocks (Python 3.14+; the default there)")
    p.add_argument("script", help="the Python script to run")
    p.add_argument("args", nargs=argparse.REMAINDER, help="its arguments")
    a = p.parse_args(argv)
    # argparse and what it loaded are the recorder's (see _Heap._own_marks),
    # and so is the garbage parsing left (formatters in cycles): collected
    # now, before the program runs and before tracing counts collections
    _OWN_MODULES.update(set(sys.modules) - before)
    del before
    gc.collect()
    out = a.output or os.path.splitext(os.path.basename(a.script))[0] + ".mlyze"
    out = os.path.abspath(out)
    if a.zstd and _zstd is None:
        p.error("--zstd needs Python 3.14 or later (compression.zstd)")
    if not a.no_trace:
        start(a.frames, a.interval or None)
    status = 0
    try:
        _run_script(a.script, a.args)
    except SystemExit as e:
        code = e.code
        status = code if isinstance(code, int) else (0 if code is None else 1)
        if code is not None and not isinstance(code, int):
            sys.stderr.write("%s\n" % (code,))
    except BaseException:
        import traceback
        traceback.print_exc()
        status = 1
    finally:
        try:
            _get().write(out, heap=not a.no_heap, attr_names=not a.no_attr_names,
                         compress=a.zstd, final=True)
            stop()
            if a.verbose and last_stats.get("objects"):
                sys.stderr.write("memsnap_record: wrote %s (%d bytes): %d objects, %d references, "
                                 "%d roots; heap snapshot %.2f s (%.2f s CPU), file %.2f s\n"
                                 % (out, last_stats["bytes"], last_stats["objects"],
                                    last_stats["references"], last_stats["roots"],
                                    last_stats["seconds"], sum(last_stats["cpu_seconds"].values()),
                                    last_stats["write_seconds"]))
            else:
                sys.stderr.write("memsnap_record: wrote %s\n" % out)
        except Exception as e:  # pragma: no cover
            sys.stderr.write("memsnap_record: could not write %s: %s\n" % (out, e))
            status = status or 2
    return status


if __name__ == "__main__":
    # `python3 -m memsnap_record` runs this file as __main__; the recorder
    # itself is the module under its own name, the one the script's
    # `import memsnap_record` finds (not a second copy), whose classes are
    # not named __main__.* in the heap.
    import memsnap_record
    # This copy loaded the recorder's modules before the module did.
    memsnap_record._OWN_MODULES.update(_OWN_MODULES)
    sys.exit(memsnap_record.main())
