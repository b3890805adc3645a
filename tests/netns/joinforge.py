#!/usr/bin/env python3
"""Forge an MP_JOIN toward the gateway and report how it answered (IPv4).

    joinforge.py --src 198.18.2.1 --dst 198.19.1.2 --dport 5001 --sport P
                 --token HEX [--hmac-ack]

Sends a SYN + MP_JOIN(token, random nonce). Without --hmac-ack it reports
whether a RST came back (an unknown token). With --hmac-ack it waits for the
gateway's SYN-ACK + MP_JOIN, answers with a third ACK whose 160-bit HMAC is
random (so wrong), and reports the RST that follows. The caller keeps the
local kernel from resetting the SYN-ACK itself (nft). Prints one JSON line:
{"synack": bool, "synack_join": bool, "rst": bool, "tcprst_reason": N|null}
"""
import argparse
import ipaddress
import json
import os
import random
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from inject import allowed, mptcp, segment  # noqa: E402


def options(tcp):
    """(kind, bytes) of each option of a TCP header."""
    doff = (tcp[12] >> 4) * 4
    o, i, out = tcp[20:doff], 0, []
    while i < len(o):
        k = o[i]
        if k == 0:
            break
        if k == 1:
            i += 1
            continue
        if i + 1 >= len(o) or o[i + 1] < 2:
            break
        out.append((k, o[i:i + o[i + 1]]))
        i += o[i + 1]
    return out


def mptcp_subtype(opt):
    return opt[2] >> 4 if len(opt) > 2 else None


def wait_reply(rx, src, dst, sport, dport, deadline):
    """The next segment dst:dport -> src:sport, as (flags, seq, ack, options)."""
    while time.time() < deadline:
        r, _, _ = select.select([rx], [], [], max(0, deadline - time.time()))
        if not r:
            break
        pkt = rx.recv(65535)
        ihl = (pkt[0] & 15) * 4
        if pkt[12:16] != dst.packed or pkt[16:20] != src.packed:
            continue
        tcp = pkt[ihl:]
        sp, dp, seq, ack = struct.unpack("!HHII", tcp[:12])
        if sp == dport and dp == sport:
            return tcp[13], seq, ack, options(tcp)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--dport", type=int, required=True)
    ap.add_argument("--sport", type=int, required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--hmac-ack", action="store_true")
    a = ap.parse_args()
    src, dst = ipaddress.ip_address(a.src), ipaddress.ip_address(a.dst)
    if not allowed(src) or not allowed(dst) or src.version != 4:
        print("joinforge: IPv4 in 198.18.0.0/15 only", file=sys.stderr)
        return 2
    tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    rx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    isn = random.getrandbits(32)
    syn = mptcp(1, b"\x02" + struct.pack("!II", int(a.token, 16), random.getrandbits(32)))
    out = {"synack": False, "synack_join": False, "rst": False, "tcprst_reason": None}
    tx.sendto(segment(src, dst, a.sport, a.dport, isn, 0, "S",
                      bytes([2, 4, 5, 0xb4]) + syn, b""), (str(dst), 0))
    deadline = time.time() + 3
    r = wait_reply(rx, src, dst, a.sport, a.dport, deadline)
    if r and r[0] & 0x12 == 0x12:
        out["synack"] = True
        out["synack_join"] = any(k == 30 and mptcp_subtype(o) == 1 and len(o) == 16
                                 for k, o in r[3])
        if a.hmac_ack:
            ack = mptcp(1, b"\x00" + random.randbytes(20))
            tx.sendto(segment(src, dst, a.sport, a.dport, isn + 1, (r[1] + 1) & 0xffffffff,
                              "A", ack, b""), (str(dst), 0))
            r = wait_reply(rx, src, dst, a.sport, a.dport, deadline)
    if r and r[0] & 0x04:
        out["rst"] = True
        for k, o in r[3]:
            if k == 30 and mptcp_subtype(o) == 8 and len(o) >= 4:
                out["tcprst_reason"] = o[3]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
