#!/usr/bin/env python3
"""Round trips of one lock, from pw_test_server's request log.

  python3 bench/latency_slots.py REPO REQUIREMENTS LOG JOBS [DELAY_MS]

REPO and REQUIREMENTS are the pw_mkindex --universe tree and requirements
the lock read; LOG is the server's --log of that one lock (KEEP= in
bench/lock_latency.sh keeps it). Every response is held DELAY_MS, so a
request the client sends within DELAY_MS of the first of a slot went out
in the same round trip. For each slot: how many requests, and of what kind:

  page       an index page of a project the first guesses reach (the
             newest version each requirement admits, followed from the
             requirements)
  page-late  an index page of a project only an older version leads to:
             found after the solver backtracked
  meta       the .metadata of the newest version a requirement admits
  meta-old   the .metadata of an older one (a backtracking step)

It prints the slots that are full, the under-filled ones by what they
carry, and the time between slots (client CPU: parsing, solving).
"""
import os
import re
import sys
from collections import Counter, defaultdict


def vkey(text):
    return tuple(int(x) for x in text.split("."))


def parse_spec(text):
    """'>=3.0.0,<4' -> [(op, version)]; the universe uses plain operators."""
    out = []
    for part in text.split(","):
        m = re.match(r"\s*(==|!=|>=|<=|>|<|~=)\s*([0-9.]+)", part)
        if m:
            out.append((m.group(1), vkey(m.group(2))))
    return out


def admits(spec, v):
    ops = {
        "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
        ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b, "<": lambda a, b: a < b,
        "~=": lambda a, b: a >= b and a[: len(b) - 1] == b[: len(b) - 1],
    }
    return all(ops[op](v, b) for op, b in spec)


def load_universe(repo):
    versions = defaultdict(list)  # project -> [version], newest first
    deps = {}                     # (project, version) -> [(project, spec)]
    files = os.path.join(repo, "files")
    for name in os.listdir(files):
        if not name.endswith(".whl.metadata"):
            continue
        project, version = name.split("-")[:2]
        versions[project].append(vkey(version))
        reqs = []
        with open(os.path.join(files, name)) as f:
            for line in f:
                if line.startswith("Requires-Dist:"):
                    m = re.match(r"Requires-Dist:\s*([A-Za-z0-9_.-]+)\s*(.*)", line)
                    reqs.append((m.group(1).lower(), parse_spec(m.group(2))))
        deps[(project, vkey(version))] = reqs
    for v in versions.values():
        v.sort(reverse=True)
    return versions, deps


def first_guesses(versions, deps, roots):
    """Projects and versions reached by taking, for every requirement, the
    newest version it admits (what speculation fetches before any conflict)."""
    seen_req = set()
    projects, guessed = set(), set()
    todo = list(roots)
    while todo:
        project, spec = todo.pop()
        key = (project, tuple(spec))
        if key in seen_req:
            continue
        seen_req.add(key)
        projects.add(project)
        pick = next((v for v in versions.get(project, []) if admits(spec, v)), None)
        if pick is None:
            continue
        guessed.add((project, pick))
        todo.extend(deps[(project, pick)])
    return projects, guessed


def main():
    repo, reqfile, log, jobs = sys.argv[1:5]
    jobs = int(jobs)
    delay = float(sys.argv[5]) / 1000 if len(sys.argv) > 5 else 0.05
    versions, deps = load_universe(repo)
    roots = []
    with open(reqfile) as f:
        for line in f:
            m = re.match(r"\s*([A-Za-z0-9_.-]+)\s*(.*)", line)
            if m and m.group(1):
                roots.append((m.group(1).lower(), parse_spec(m.group(2))))
    projects, guessed = first_guesses(versions, deps, roots)

    requests = []
    with open(log) as f:
        for line in f:
            t, _, path = line.split()[:3]
            t = float(t)
            m = re.match(r"/simple/([^/]+)/$", path)
            if m:
                kind = "page" if m.group(1) in projects else "page-late"
            else:
                name = path.rsplit("/", 1)[-1]
                project, version = name.split("-")[:2]
                kind = "meta" if (project, vkey(version)) in guessed else "meta-old"
            requests.append((t, kind))
    requests.sort()

    slots = []  # [start, Counter]
    for t, kind in requests:
        if not slots or t - slots[-1][0] >= delay * 0.9:
            slots.append([t, Counter()])
        slots[-1][1][kind] += 1
    t0 = requests[0][0]
    span = requests[-1][0] + delay - t0
    busy = len(slots) * delay
    gaps = sum(max(0.0, b[0] - a[0] - delay) for a, b in zip(slots, slots[1:]))
    kinds = ["page", "page-late", "meta", "meta-old"]
    total = Counter()
    for _, c in slots:
        total.update(c)
    print(f"{len(requests)} requests in {len(slots)} slots of {delay * 1000:.0f} ms "
          f"(floor: {-(-len(requests) // jobs)} slots); first request to last response "
          f"{span * 1000:.0f} ms, {busy * 1000:.0f} ms in slots, {gaps * 1000:.0f} ms between them")
    print("all requests: " + ", ".join(f"{k} {total[k]}" for k in kinds))
    bands = [("full (= j)", lambda n: n >= jobs),
             ("half to full", lambda n: jobs / 2 <= n < jobs),
             ("3 to half", lambda n: 3 <= n < jobs / 2),
             ("1 or 2", lambda n: n <= 2)]
    print(f"{'slots':>14} {'count':>6} {'requests':>9}  " + " ".join(f"{k:>9}" for k in kinds))
    for label, test in bands:
        sel = [c for _, c in slots if test(sum(c.values()))]
        agg = Counter()
        for c in sel:
            agg.update(c)
        print(f"{label:>14} {len(sel):>6} {sum(agg.values()):>9}  " +
              " ".join(f"{agg[k]:>9}" for k in kinds))
    # Where the under-filled slots sit: the run as bands of ten slots.
    line = []
    for i in range(0, len(slots), 10):
        fill = [sum(c.values()) for _, c in slots[i:i + 10]]
        line.append("/".join(str(n) for n in fill))
    print("fill per slot, ten per group:")
    for i in range(0, len(line), 4):
        print("  " + "  |  ".join(line[i:i + 4]))


if __name__ == "__main__":
    main()
