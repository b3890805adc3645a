#!/usr/bin/env python3
"""Regenerate the counter table of docs/stats.md from include/mpxdp/stats.h.

Run after adding a counter; tests/netns/t_cli.sh fails while one is undocumented.
"""
import os
import re

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
src = open(os.path.join(root, "include/mpxdp/stats.h")).read()
items = re.findall(r'X\((\w+), "(\w+)", "((?:[^"\\]|\\.)*)"\)', src)
path = os.path.join(root, "docs/stats.md")
doc = open(path).read()
head = doc[: doc.index("| counter | meaning |")].rstrip("\n")
rows = [f"| `{name}` | {help} |" for _id, name, help in items]
open(path, "w").write("\n".join([head, "", "| counter | meaning |", "|---|---|"] + rows) + "\n")
print(f"{len(rows)} counters")
