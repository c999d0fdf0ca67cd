#!/usr/bin/env python3
"""Docs tables match the code: each service's layout table (docs/consumer.md, docs/query.md) names every package of
the service and every class in it, in the row of its package, and names no class that does not exist (a row may name another package's class it uses).
Exit 1 with a line per mismatch."""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
LAYOUTS = {
    "docs/consumer.md": "consumer-service/src/main/java/io/logstream/consumer",
    "docs/query.md": "query-service/src/main/java/io/logstream/query",
}
CLASS = re.compile(r"^[A-Z][A-Za-z0-9]*$")


def layout_rows(doc):
    """The rows of the table whose header starts '| package | what lives there |'."""
    rows, inside = [], False
    for line in open(os.path.join(ROOT, doc), encoding="utf-8"):
        if re.match(r"^\|\s*package\s*\|\s*what lives there\s*\|", line):
            inside = True
            continue
        if inside:
            if not line.startswith("|"):
                break
            if re.match(r"^\|[-| ]+\|$", line.strip()):
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows.append(cells)
    return rows


def code_classes(src):
    """package -> set of top-level class names."""
    found = {}
    for dirpath, _, files in os.walk(src):
        package = os.path.relpath(dirpath, src).replace(os.sep, ".")
        classes = {f[:-5] for f in files if f.endswith(".java")}
        if classes:
            found[package] = classes
    return found


def main():
    problems = []
    for doc, src in LAYOUTS.items():
        rows = layout_rows(doc)
        if not rows:
            problems.append(f"{doc}: no layout table ('| package | what lives there | ...')")
            continue
        code = code_classes(os.path.join(ROOT, src))
        named_packages = set()
        for cells in rows:
            packages = ["(root)"] if cells[0] == "(root)" else re.findall(r"`([a-z][a-z0-9.]*)`", cells[0])
            if not packages:
                problems.append(f"{doc}: a layout row names no package: {cells[0]}")
                continue
            packages = ["." if p == "(root)" else p for p in packages]
            named_packages.update(packages)
            in_row = set()
            for p in packages:
                in_row |= code.get(p, set())
            names = {n for cell in cells[1:2] for n in re.findall(r"`([^`]+)`", cell) if CLASS.match(n)}
            everywhere = set().union(*code.values())
            for name in sorted(names - everywhere):
                problems.append(f"{doc}: {name} is named in the row of {', '.join(packages)} but no such class exists")
            for name in sorted(in_row - names):
                problems.append(f"{doc}: class {name} ({', '.join(packages)}) is not named in the layout table")
        for package in sorted(set(code) - named_packages):
            problems.append(f"{doc}: package {package} is not in the layout table")
        for package in sorted(named_packages - set(code)):
            problems.append(f"{doc}: package {package} is in the layout table but not in {src}")
    for p in problems:
        print(p)
    print(f"layout tables: {len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
