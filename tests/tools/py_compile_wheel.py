#!/usr/bin/env python3
"""Rewrites a wheel as `pyodide py-compile` (pyodide-build's _py_compile.py)
leaves it, for the tests: each foo/bar.py replaced in place by foo/bar.pyc,
.pyc members of the input dropped, the file name retagged PYTAG-none-any,
and every other member written unchanged: WHEEL (its Tag still the old one)
and RECORD, which keeps listing the .py files.

usage: py_compile_wheel.py WHEEL OUT_DIR PYTAG|keep [PYC_DIR]
keep: the file name unchanged, as py-compile leaves a binary wheel
(cp313-cp313-pyodide_2025_0_wasm32) whose tag already names its Python.
PYC_DIR: take each foo/bar.pyc from PYC_DIR/foo/bar.pyc (compiled by the
release's own Python) instead of compiling with this interpreter.
"""
import os
import py_compile
import sys
import tempfile
import zipfile


def compile_here(name, data):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, os.path.basename(name))
        with open(src, "wb") as f:
            f.write(data)
        py_compile.compile(src, cfile=src + "c", dfile=name, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        with open(src + "c", "rb") as f:
            return f.read()


def main():
    wheel, out_dir, pytag = sys.argv[1:4]
    pyc_dir = sys.argv[4] if len(sys.argv) > 4 else None
    base = os.path.basename(wheel)
    parts = base[:-4].split("-")
    new_name = base if pytag == "keep" else "-".join(parts[:-3] + [pytag, "none", "any"]) + ".whl"
    with zipfile.ZipFile(wheel) as zin:
        names = zin.namelist()
        dist_info = next(n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info"))
        members = {}
        for n in names:
            if n.endswith(".pyc"):
                continue
            data = zin.read(n)
            if n.endswith(".py") and not n.startswith(dist_info + "/"):
                if pyc_dir:
                    with open(os.path.join(pyc_dir, n + "c"), "rb") as f:
                        members[n + "c"] = f.read()
                else:
                    members[n + "c"] = compile_here(n, data)
            else:
                members[n] = data
    record = dist_info + "/RECORD"
    out = os.path.join(out_dir, new_name)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for n in sorted(members, key=lambda n: (n == record, n)):
            info = zipfile.ZipInfo(n, (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, members[n])
    print(out)


main()
