#!/usr/bin/env python3
"""Regenerate what documents the counters, from include/mpxdp/stats.h:
the table of docs/stats.md (counter, Prometheus metric, meaning) and the
counter list of docs/stats.schema.json (`mpxdp stats -j`).

Run after adding a counter; tests/netns/t_cli.sh fails while one is
undocumented, tests/netns/t_metrics.sh while the schema or a metric name
is out of date.
"""
import json
import os
import re

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
src = open(os.path.join(root, "include/mpxdp/stats.h")).read()
items = re.findall(r'X\((\w+), "(\w+)", "((?:[^"\\]|\\.)*)"\)', src)


def metric(name):
    """The metric mpxdpd --metrics serves a counter as (daemon/metrics.c, snake())."""
    s = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return f"mpxdp_{s.lower()}_total"


path = os.path.join(root, "docs/stats.md")
doc = open(path).read()
head = doc[: doc.index("| counter | metric | meaning |")].rstrip("\n")
rows = [f"| `{name}` | `{metric(name)}` | {help} |" for _id, name, help in items]
open(path, "w").write("\n".join([head, "", "| counter | metric | meaning |", "|---|---|---|"] + rows) + "\n")

path = os.path.join(root, "docs/stats.schema.json")
schema = json.load(open(path))
stats = schema["$defs"]["stats"]
stats["properties"] = {name: {"$ref": "#/$defs/counter", "description": help} for _id, name, help in items}
stats["required"] = [name for _id, name, _help in items]
open(path, "w").write(json.dumps(schema, indent=2) + "\n")
print(f"{len(rows)} counters")
