#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""
seeds.py: seed corpora for the libFuzzer harnesses, from the kernel's pcaps.

    python3 tests/fuzz/seeds.py VECTORS_DIR OUT_DIR

Reads every VECTORS_DIR/*.pcap (python3 stdlib only, the pcap reader of
tests/data/genvec.py) and writes, replacing what was there:

  OUT_DIR/opts/   every distinct TCP option area: length byte + area
  OUT_DIR/pkt/    every distinct frame, as captured and as IPv6 (the
                  captures hold IPv4 only)
  OUT_DIR/xlate/  per TCP connection (4-tuple with a SYN): its segments as
                  fuzz_xlate records, once from an established connection
                  with the keys of its MP_CAPABLE exchange (MODE_EST, the
                  handshake skipped; also with the last client data
                  segment carrying the DATA_FIN) and once from nothing (the handshake
                  functions see the SYN, the SYN-ACK and the third ACK,
                  REC_FIX supplying the gateway's key; the server's MPTCP
                  options left out, as a plain-TCP server sends none);
                  each of these over IPv4 and over IPv6 (MODE_V6)

File names are content hashes, so the output is the same on every run.
The formats are described at the top of each harness.
"""
import hashlib
import os
import shutil
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"))
from genvec import read_pcap  # noqa: E402

# tests/fuzz/fuzz_xlate.c
MODE_CSUM, MODE_V6, MODE_EST, MODE_ALIVE = 0x01, 0x02, 0x04, 0x08
REC_CLIENT, REC_FIX = 0x01, 0x08
SYN, ACK = 0x02, 0x10
MPC_FLAG_A = 0x80
DSS_A, DSS_a, DSS_M, DSS_m, DSS_F = 0x01, 0x02, 0x04, 0x08, 0x10


def tcp_of(frame):
    """The TCP segment of an Ethernet/IPv4/IPv6 frame, or None."""
    et = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    if et == 0x0800 and len(ip) >= 20 and ip[9] == 6:
        hl = (ip[0] & 15) * 4
        tot = struct.unpack("!H", ip[2:4])[0]
        src, dst, v6 = ip[12:16], ip[16:20], False
    elif et == 0x86DD and len(ip) >= 40 and ip[6] == 6:
        hl = 40
        tot = 40 + struct.unpack("!H", ip[4:6])[0]
        src, dst, v6 = ip[8:24], ip[24:40], True
    else:
        return None
    t = ip[hl:tot]
    if len(t) < 20:
        return None
    doff = (t[12] >> 4) * 4
    sport, dport, seq, ack = struct.unpack("!HHII", t[:12])
    return {
        "v6": v6, "src": (src, sport), "dst": (dst, dport), "seq": seq, "ack": ack,
        "flags": t[13], "opts": t[20:doff], "plen": len(t) - doff,
    }


def csum(b):
    """RFC 1071 checksum of b."""
    b += b"\0" * (len(b) & 1)
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def to_v6(frame):
    """An IPv4 TCP frame as IPv6 (2001:db8::a.b.c.d), checksum redone; the
    kernel's captures are all IPv4."""
    ip = frame[14:]
    if frame[12:14] != b"\x08\x00" or len(ip) < 20 or ip[9] != 6:
        return None
    hl, tot = (ip[0] & 15) * 4, struct.unpack("!H", ip[2:4])[0]
    tcp = bytearray(ip[hl:tot])
    if len(tcp) < 20:
        return None
    src, dst = (b"\x20\x01\x0d\xb8" + bytes(8) + a for a in (ip[12:16], ip[16:20]))
    tcp[16:18] = b"\0\0"
    pseudo = src + dst + struct.pack("!IxxxB", len(tcp), 6)
    tcp[16:18] = struct.pack("!H", csum(pseudo + bytes(tcp)))
    hdr = struct.pack("!IHBB", 0x60000000 | ip[1] << 20, len(tcp), 6, ip[8])
    return frame[:12] + b"\x86\xdd" + hdr + src + dst + bytes(tcp)


def options(area):
    """The options of a TCP option area (NOP: one byte), up to EOL or bad framing."""
    out, off = [], 0
    while off < len(area) and area[off] != 0:
        n = 1 if area[off] == 1 else area[off + 1] if off + 1 < len(area) else 0
        if n < 1 or off + n > len(area):
            break
        out.append(area[off:off + n])
        off += n
    return out


def mptcp_opts(area):
    """(subtype, option bytes) of every MPTCP option in a TCP option area."""
    return [(o[2] >> 4, o) for o in options(area) if o[0] == 30 and len(o) >= 3]


def plain(seg):
    """The segment as a plain-TCP server would send it: no MPTCP options."""
    return dict(seg, opts=b"".join(o for o in options(seg["opts"]) if o[0] != 30))


def with_data_fin(seg):
    """seg with its DSS mapping extended by the DATA_FIN, or None. Linux
    sends one on the last data segment when the application closes right
    after writing; the captures have only DATA_FINs alone."""
    area, off = bytearray(seg["opts"]), 0
    for o in options(seg["opts"]):
        if o[0] == 30 and len(o) >= 4 and o[2] >> 4 == 2 and o[3] & DSS_M:
            dl = off + 4 + (0 if not o[3] & DSS_A else 8 if o[3] & DSS_a else 4) + \
                (8 if o[3] & DSS_m else 4) + 4
            area[off + 3] |= DSS_F
            area[dl:dl + 2] = struct.pack("!H", struct.unpack("!H", area[dl:dl + 2])[0] + 1)
            return dict(seg, opts=bytes(area))
        off += len(o)
    return None


def record(seg, client, fix):
    ctl = (REC_CLIENT if client else 0) | (REC_FIX if fix else 0)
    return struct.pack("!BBIIHB", ctl, seg["flags"], seg["seq"], seg["ack"], seg["plen"],
                       len(seg["opts"])) + seg["opts"]


def connections(segs):
    """Segments grouped by connection: (client end, server end, segments)."""
    conns = {}
    for s in segs:
        key = frozenset((s["src"], s["dst"]))
        if key not in conns and (s["flags"] & (SYN | ACK)) == SYN:
            conns[key] = (s["src"], s["dst"], [])
        if key in conns:
            conns[key][2].append(s)
    return conns.values()


def xlate_seeds(segs):
    for cli, _srv, cs in connections(segs):
        syn = cs[0]
        synack = next((s for s in cs if s["src"] != cli and s["flags"] & SYN), None)
        keys = next((o for s in cs if s["src"] == cli for st, o in mptcp_opts(s["opts"])
                     if st == 0 and len(o) >= 20), None)
        csum = any(st == 0 and o[3] & MPC_FLAG_A for st, o in mptcp_opts(syn["opts"]))
        mode = (MODE_V6 if syn["v6"] else 0) | MODE_ALIVE
        hs = struct.pack("!BQQII", mode, 0, 0, 0, 0)
        for s in cs:
            client = s["src"] == cli
            hs += record(s if client else plain(s), client, client)
        yield hs
        if keys is None or synack is None:
            continue
        est = struct.pack("!BQQII", mode | MODE_EST | (MODE_CSUM if csum else 0),
                          struct.unpack("!Q", keys[4:12])[0],
                          struct.unpack("!Q", keys[12:20])[0], syn["seq"], synack["seq"])
        recs = [(s, s["src"] == cli) for s in cs if not s["flags"] & SYN]
        yield est + b"".join(record(s, c, False) for s, c in recs)
        last = max((i for i, (s, c) in enumerate(recs) if c and s["plen"] and with_data_fin(s)),
                   default=None)
        if last is not None:
            # the DATA_FIN's checksum is the harness's to redo (REC_FIX)
            yield est + b"".join(record(with_data_fin(s), c, True) if i == last else
                                 record(s, c, False) for i, (s, c) in enumerate(recs))


def write(outdir, name, blobs):
    d = os.path.join(outdir, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for b in sorted(set(blobs)):
        with open(os.path.join(d, hashlib.sha1(b).hexdigest()), "wb") as f:
            f.write(b)
    return len(set(blobs))


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: seeds.py VECTORS_DIR OUT_DIR")
    vdir, outdir = argv[1], argv[2]
    pcaps = sorted(p for p in os.listdir(vdir) if p.endswith(".pcap"))
    if not pcaps:
        sys.exit("seeds.py: no pcaps in %s" % vdir)
    frames, opts, xlate = [], [], []
    for p in pcaps:
        fs = read_pcap(os.path.join(vdir, p))
        segs = [s for s in map(tcp_of, fs) if s is not None]
        frames += fs + [f for f in map(to_v6, fs) if f is not None]
        opts += [bytes([len(s["opts"])]) + s["opts"] for s in segs]
        xlate += list(xlate_seeds(segs))
    xlate += [bytes([x[0] | MODE_V6]) + x[1:] for x in xlate]
    counts = [(h, write(outdir, h, b)) for h, b in
              (("opts", opts), ("pkt", frames), ("xlate", xlate))]
    print("seeds: %s from %d pcaps in %s" %
          (", ".join("%s %d" % c for c in counts), len(pcaps), vdir))


if __name__ == "__main__":
    main(sys.argv)
