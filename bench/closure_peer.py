"""The Python peer of bench/lock_pyodide.sh: the least a Python tool that
locks from pyodide-lock.json must do. json.load of the index, the
dependency closure of the requirement names (specifiers are not checked:
Pyodide has one version of each), and the closure written as JSON with
versions and hashes. No markers, no extras, no PyPI: a floor, not a peer
resolver.

usage: python3 closure_peer.py INDEX REQUIREMENTS OUT
"""
import json
import re
import sys


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def main():
    index_path, requirements_path, out_path = sys.argv[1:4]
    with open(index_path) as f:
        packages = json.load(f)["packages"]
    by_name = {normalize(key): value for key, value in packages.items()}
    todo = []
    with open(requirements_path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                todo.append(normalize(re.match(r"[A-Za-z0-9._-]+", line).group(0)))
    seen = {}
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        package = by_name[name]
        seen[name] = package
        todo.extend(normalize(d) for d in package.get("depends", []))
    lock = [
        {"name": p["name"], "version": p["version"], "file": p["file_name"], "sha256": p["sha256"]}
        for _, p in sorted(seen.items())
    ]
    with open(out_path, "w") as f:
        json.dump({"packages": lock}, f, indent=1, sort_keys=True)


main()
