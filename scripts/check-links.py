#!/usr/bin/env python3
"""Fails on a link to a file or an anchor that does not exist: every relative Markdown link in the tracked .md files,
and every mention of docs/<name>.md[#anchor] in any other tracked file (comments in code and configuration).
Anchors are GitHub's heading slugs. Usage: scripts/check-links.py (from anywhere in the repository)."""
import os
import re
import subprocess
import sys

root = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True).stdout.strip()
os.chdir(root)
files = subprocess.run(["git", "ls-files"], capture_output=True, text=True, check=True).stdout.split()


def slugs(path):
    found, counts, fenced = set(), {}, False
    for line in open(path, encoding="utf-8"):
        if line.startswith("```"):
            fenced = not fenced
        if fenced or not re.match(r"^#{1,6} ", line):
            continue
        text = re.sub(r"^#+ ", "", line.strip())
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
        slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
        n = counts.get(slug, 0)
        counts[slug] = n + 1
        found.add(slug if n == 0 else "%s-%d" % (slug, n))
    return found


def check(source, target, problems, base=None):
    path, _, anchor = target.partition("#")
    base = os.path.dirname(source) if base is None else base
    resolved = os.path.normpath(os.path.join(base, path)) if path else source
    if not os.path.exists(resolved):
        problems.append("%s: %s: no such file" % (source, target))
    elif anchor and resolved.endswith(".md") and anchor not in slugs(resolved):
        problems.append("%s: %s: no such heading in %s" % (source, target, resolved))


problems = []
link = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
mention = re.compile(r"(?<![\w/.])docs/[\w-]+\.md(?:#[\w-]+)?")
for name in files:
    if not os.path.isfile(name):
        continue
    try:
        text = open(name, encoding="utf-8").read()
    except (UnicodeDecodeError, OSError):
        continue
    if name.endswith(".md"):
        text_outside_code = re.sub(r"```.*?```", "", text, flags=re.S)
        for target in link.findall(text_outside_code):
            if not re.match(r"^(https?:|mailto:)", target):
                check(name, target, problems)
    elif name.startswith(("scripts/check-links.py",)):
        continue
    else:
        for target in mention.findall(text):
            check(name, target, problems, base="")  # such mentions are written relative to the repository root
for problem in problems:
    print(problem)
print("check-links: %d broken link(s)" % len(problems) if problems else "check-links: every link resolves")
sys.exit(1 if problems else 0)
