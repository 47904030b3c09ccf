#!/usr/bin/env python3
"""Rewrites a wheel as `pyodide py-compile` (pyodide-build) leaves it, for the
tests: each package foo/bar.py replaced in place by foo/bar.pyc, the wheel
retagged PYTAG-none-any (file name and WHEEL's Tag, whose RECORD row is
updated), and every other RECORD row, the .py ones included, kept as it was.

usage: py_compile_wheel.py WHEEL OUT_DIR PYTAG [PYC_DIR]
PYC_DIR: take each foo/bar.pyc from PYC_DIR/foo/bar.pyc (compiled by the
release's own Python) instead of compiling with this interpreter.
"""
import base64
import hashlib
import os
import py_compile
import sys
import tempfile
import zipfile


def record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


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
    new_name = "-".join(parts[:-3] + [pytag, "none", "any"]) + ".whl"
    with zipfile.ZipFile(wheel) as zin:
        names = zin.namelist()
        dist_info = next(n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info"))
        members = {}
        for n in names:
            data = zin.read(n)
            if n.endswith(".py") and not n.startswith(dist_info + "/"):
                if pyc_dir:
                    with open(os.path.join(pyc_dir, n + "c"), "rb") as f:
                        members[n + "c"] = f.read()
                else:
                    members[n + "c"] = compile_here(n, data)
            else:
                members[n] = data
    wheel_meta = dist_info + "/WHEEL"
    lines = members[wheel_meta].decode().splitlines()
    lines = ["Tag: %s-none-any" % pytag if l.startswith("Tag:") else l for l in lines]
    members[wheel_meta] = ("\n".join(lines) + "\n").encode()
    record = dist_info + "/RECORD"
    rows = []
    for row in members[record].decode().splitlines():
        path = row.split(",")[0]
        if path == wheel_meta:
            data = members[wheel_meta]
            row = "%s,%s,%d" % (path, record_hash(data), len(data))
        rows.append(row)
    members[record] = ("\n".join(rows) + "\n").encode()
    out = os.path.join(out_dir, new_name)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for n in sorted(members, key=lambda n: (n == record, n)):
            info = zipfile.ZipInfo(n, (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, members[n])
    print(out)


main()
