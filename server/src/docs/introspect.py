"""lore index-docs helper: import a package and list the documentation it builds at import time.

Static parsing misses docstrings that exist only once the package is imported: NumPy's
ufuncs and `add_newdoc` texts, pandas' `@doc`/`@Appender` templates, pyplot's wrappers, and
methods a public class inherits from a private base. This prints one JSON object per
documented public object: public name, defining name, kind, signature and docstring.

Usage: python introspect.py PACKAGE [SEARCH_DIR]   (SEARCH_DIR goes first on sys.path)
"""
import importlib
import inspect
import json
import os
import pkgutil
import re
import sys
import warnings

# Packages print while importing: the JSON goes to the real stdout, everything else to stderr.
OUT = sys.stdout
SKIP = {"tests", "test", "testing", "conftest", "benchmarks", "setup"}
# Modules that only re-export another library's names under a second path.
ALIASES = {"pylab", "matlib", "array_api"}


def public(name):
    return not name.startswith("_")


def submodules(package):
    """The package's public modules, two levels deep, imported (failures are skipped)."""
    found = [package]
    paths = getattr(package, "__path__", None)
    if not paths:
        return found
    for info in pkgutil.iter_modules(paths, package.__name__ + "."):
        leaf = info.name.rsplit(".", 1)[-1]
        if not public(leaf) or leaf in SKIP or leaf in ALIASES:
            continue
        try:
            module = importlib.import_module(info.name)
        except BaseException:  # noqa: BLE001 - a module that fails to import is skipped
            continue
        found.append(module)
        if info.ispkg:
            for inner in pkgutil.iter_modules(module.__path__, info.name + "."):
                inner_leaf = inner.name.rsplit(".", 1)[-1]
                if not public(inner_leaf) or inner_leaf in SKIP or inner_leaf in ALIASES:
                    continue
                try:
                    found.append(importlib.import_module(inner.name))
                except BaseException:  # noqa: BLE001
                    continue
    return found


ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def signature_of(obj):
    """The signature, without object addresses (`<function f at 0x7f...>`) that change per run."""
    try:
        return ADDRESS.sub("", str(inspect.signature(obj)))
    except (TypeError, ValueError):
        return ""


def defined_name(obj, fallback):
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str):
        return module + "." + qualname
    return fallback


EMITTED = set()


def emit(public_name, defined, kind, obj, doc):
    """Prints one object, once: a method inherited by many classes keeps its first public name."""
    doc = ADDRESS.sub("", inspect.cleandoc(doc)) if isinstance(doc, str) else ""
    if not doc.strip() or (defined, doc) in EMITTED:
        return
    EMITTED.add((defined, doc))
    OUT.write(json.dumps({"name": public_name, "defined": defined, "kind": kind,
                          "signature": signature_of(obj), "doc": doc}) + "\n")


def main():
    root_name = sys.argv[1]
    if len(sys.argv) > 2:
        sys.path.insert(0, sys.argv[2])
    sys.stdout = sys.stderr
    warnings.simplefilter("ignore")
    os.environ.setdefault("MPLBACKEND", "Agg")
    root = importlib.import_module(root_name)
    modules = submodules(root)
    modules.sort(key=lambda m: (m.__name__.count("."), m.__name__))
    seen = set()
    for module in modules:
        emit(module.__name__, module.__name__, "module", module, module.__doc__)
        names = getattr(module, "__all__", None)
        if not isinstance(names, (list, tuple)):
            names = [n for n in dir(module) if public(n)]
        for name in names:
            if not isinstance(name, str) or not public(name):
                continue
            try:
                obj = getattr(module, name)
            except BaseException:  # noqa: BLE001
                continue
            owner = getattr(obj, "__module__", None) or ""
            ours = owner == root_name or owner.startswith(root_name + ".")
            if root_name == "numpy" and type(obj).__name__ == "ufunc":
                ours = True
            if inspect.ismodule(obj) or not ours:
                continue
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            public_name = module.__name__ + "." + name
            if inspect.isclass(obj):
                emit(public_name, defined_name(obj, public_name), "class", obj, obj.__doc__)
                for member_name in dir(obj):
                    if not public(member_name):
                        continue
                    try:
                        member = inspect.getattr_static(obj, member_name)
                    except AttributeError:
                        continue
                    if isinstance(member, (staticmethod, classmethod)):
                        member = member.__func__
                    if isinstance(member, property):
                        target, doc = member.fget, member.__doc__
                    elif callable(member):
                        target, doc = member, getattr(member, "__doc__", None)
                    else:
                        continue
                    # Where the member is defined: the class in the MRO that holds it.
                    holder = next((k for k in obj.__mro__ if member_name in vars(k)), obj)
                    if holder is object:
                        continue
                    defined = holder.__module__ + "." + holder.__qualname__ + "." + member_name
                    emit(public_name + "." + member_name, defined, "method", target, doc)
            elif callable(obj):
                emit(public_name, defined_name(obj, public_name), "function", obj, obj.__doc__)


if __name__ == "__main__":
    main()
