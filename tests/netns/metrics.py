#!/usr/bin/python3
"""t_metrics' judge: talks to mpxdpd's metrics endpoint and holds what it
serves against mpxdp's own -j output and docs/stats.schema.json. Needs
python3-jsonschema and python3-prometheus-client (tools/deps.sh); the
exposition is parsed by prometheus_client, not by anything of ours.

  metrics.py get ADDR:PORT              print /metrics; exit 1 unless 200
  metrics.py status ADDR:PORT REQUEST   send REQUEST (Python escapes), print the status (0: none)
  metrics.py hold ADDR:PORT             send half a request, wait for the daemon to hang up
  metrics.py compare ADDR:PORT MPXDP STATS_MD
                                        every counter, map and link the same as mpxdp -j
  metrics.py validate MPXDP SCHEMA      mpxdp's -j output follows the schema
"""
import json
import re
import socket
import subprocess
import sys
import time


GAUGES = {"mpxdp_map_entries", "mpxdp_map_max_entries", "mpxdp_link_attached"}


def endpoint(s):
    host, port = s.rsplit(":", 1)
    return host.strip("[]"), int(port)


def http(addr, req):
    """(status, body) of one request; status 0 if the server said nothing"""
    with socket.create_connection(endpoint(addr), timeout=10) as s:
        s.sendall(req)
        resp = b""
        while chunk := s.recv(65536):
            resp += chunk
    head, _, body = resp.partition(b"\r\n\r\n")
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", head)
    return (int(m.group(1)) if m else 0), body


def scrape(addr):
    """{(sample name, labels): value}, with each family's type checked"""
    from prometheus_client.parser import text_string_to_metric_families

    status, body = http(addr, b"GET /metrics HTTP/1.1\r\nHost: mpxdp\r\n\r\n")
    if status != 200:
        sys.exit(f"# /metrics: status {status}")
    samples = {}
    for fam in text_string_to_metric_families(body.decode()):
        want = "gauge" if fam.name in GAUGES else "counter"
        if fam.type != want or not fam.documentation:
            sys.exit(f"# {fam.name}: type {fam.type}, help {fam.documentation!r}")
        for s in fam.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def mpxdp_j(mpxdp, *args):
    return json.loads(subprocess.check_output([mpxdp, "-j", *args]))


def compare(addr, mpxdp, stats_md):
    names = dict(re.findall(r"^\| `(\w+)` \| `(mpxdp_\w+)` \|", open(stats_md).read(), re.M))
    # monotonic counters: if they are the same before and after the scrape,
    # the scrape saw exactly those numbers
    for _ in range(50):
        before = (mpxdp_j(mpxdp, "stats"), mpxdp_j(mpxdp, "map", "show"))
        samples = scrape(addr)
        after = (mpxdp_j(mpxdp, "stats"), mpxdp_j(mpxdp, "map", "show"))
        if before == after:
            break
        time.sleep(0.1)
    else:
        sys.exit("# the counters never held still for a scrape")
    stats, maps = before
    links = mpxdp_j(mpxdp, "link", "show")
    bad = []
    for k, v in stats.items():
        got = samples.get((names.get(k, f"(no metric for {k} in docs/stats.md)"), ()))
        if got != v:
            bad.append(f"{k}={v} metric={got}")
    ncounters = sum(1 for name, _ in samples if name.endswith("_total"))
    if ncounters != len(stats):
        bad.append(f"{ncounters} counters served, mpxdp has {len(stats)}")
    for m in maps:
        lbl = (("map", m["name"]),)
        if samples.get(("mpxdp_map_max_entries", lbl)) != m["max_entries"] or \
           samples.get(("mpxdp_map_entries", lbl)) != m.get("entries"):
            bad.append(f"map {m}")
    served = {k: v for k, v in samples.items() if k[0] == "mpxdp_link_attached"}
    want = {("mpxdp_link_attached", tuple(sorted({"dev": l["dev"], "ifindex": str(l["ifindex"]),
            "role": l["role"], "mode": l["mode"]}.items()))): int(l["attached"]) for l in links}
    if served != want:
        bad.append(f"links served {served}, mpxdp has {want}")
    print(f"# {len(stats)} counters, {len(maps)} maps, {len(links)} links compared")
    for b in bad:
        print(f"#   differs: {b}")
    return 1 if bad else 0


def validate(mpxdp, path):
    import jsonschema

    schema = json.load(open(path))
    V = jsonschema.Draft202012Validator
    V.check_schema(schema)

    def part(name):
        return {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{name}"}

    bad = 0
    for args, sch in ((["stats"], schema), (["conn", "show"], part("conn_show")),
                      (["link", "show"], part("link_show")), (["map", "show"], part("map_show"))):
        out = mpxdp_j(mpxdp, *args)
        for e in V(sch).iter_errors(out):
            print(f"#   mpxdp {' '.join(args)} -j: {e.message} at {list(e.path)}")
            bad += 1
        if not out:
            print(f"#   mpxdp {' '.join(args)} -j: empty, proves nothing")
            bad += 1
    # the schema has teeth: a counter missing or unknown is an error
    stats = mpxdp_j(mpxdp, "stats")
    stats.pop(next(iter(stats)))
    stats["NoSuchCounter"] = 1
    if len(list(V(schema).iter_errors(stats))) != 2:
        print("#   the schema accepts a wrong counter set")
        bad += 1
    return 1 if bad else 0


def hold(addr):
    """a client that stalls mid-request: the daemon must drop it, not wait"""
    with socket.create_connection(endpoint(addr), timeout=15) as s:
        s.sendall(b"GET /metr")
        print("connected", flush=True)
        t = time.monotonic()
        try:
            s.recv(1)
        except socket.timeout:
            print("still open after 15 s")
            return 1
        print(f"closed by the daemon after {time.monotonic() - t:.1f} s")
    return 0


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "get":
        status, body = http(args[0], b"GET /metrics HTTP/1.0\r\n\r\n")
        sys.stdout.write(body.decode())
        return 0 if status == 200 else 1
    if cmd == "status":
        req = args[1].encode().decode("unicode_escape").encode("latin-1")
        print(http(args[0], req)[0])
        return 0
    return {"hold": hold, "compare": compare, "validate": validate}[cmd](*args)


sys.exit(main())
