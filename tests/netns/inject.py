#!/usr/bin/env python3
"""Send hand-made malformed TCP/MPTCP segments through the gateway.

    inject.py --src 198.18.1.1 --dst 198.19.1.2 --dport 5001 [--sport N]
              [--seq N --ack N] [--repeat K] CASE...

Each CASE is one kind of bad input (see CASES); the segment is built here,
independently of the gateway's own option code, and sent with a raw socket.
Only 198.18.0.0/15 and 2001:db8::/32 destinations are accepted.
"""
import argparse
import ipaddress
import random
import socket
import struct
import sys

NOP = b"\x01"


def mptcp(subtype, body, length=None, flags_nibble=0):
    """An MPTCP option: kind 30, length, subtype<<4|nibble, body."""
    raw = bytes([(subtype << 4) | flags_nibble]) + body
    ln = len(raw) + 2 if length is None else length
    return bytes([30, ln]) + raw


def mpc_syn():
    return mptcp(0, b"\x01", flags_nibble=1)


def ts():
    return NOP + NOP + bytes([8, 10]) + struct.pack("!II", random.getrandbits(32), 0)


# name: (tcp flags, options, payload, description)
CASES = {
    # framing of the option area itself
    "optlen0": ("S", bytes([2, 4, 5, 0xb4, 30, 0]) + b"\x00\x00", b"", "option length byte 0"),
    "optlen1": ("S", bytes([2, 4, 5, 0xb4, 30, 1]) + b"\x00\x00", b"", "option length byte 1"),
    "overrun": ("S", bytes([2, 4, 5, 0xb4]) + bytes([30, 30, 0x01, 0x01]), b"", "option runs past the header"),
    "trunc-mpc": ("S", bytes([2, 4, 5, 0xb4]) + bytes([30, 3, 0x01]) + NOP, b"", "MP_CAPABLE cut to 3 bytes"),
    # MPTCP lengths the subtype does not allow
    "mpc-len5": ("S", mptcp(0, b"\x01\x01\x00", length=6) + NOP + NOP, b"", "MP_CAPABLE of length 6"),
    "mpc-len13": ("A", mptcp(0, b"\x01" + bytes(10), length=13) + bytes(3), b"", "MP_CAPABLE of length 13"),
    "dss-badlen": ("A", mptcp(2, b"\x0f" + bytes(10), length=13) + bytes(3), b"", "DSS length that contradicts its flags"),
    "join-len13": ("S", mptcp(1, b"\x01" + bytes(10), length=13) + bytes(3), b"", "MP_JOIN of length 13"),
    "addaddr-len11": ("A", mptcp(3, b"\x01" + bytes(8), length=11) + NOP, b"", "ADD_ADDR of length 11"),
    "rmaddr-len3": ("A", mptcp(4, b"", length=3) + NOP, b"", "REMOVE_ADDR without ids"),
    "fail-len8": ("A", mptcp(6, b"\x00" + bytes(5), length=8), b"", "MP_FAIL of length 8"),
    "fastclose-len4": ("A", mptcp(7, b"\x00", length=4), b"", "MP_FASTCLOSE of length 4"),
    "tcprst-len8": ("R", mptcp(8, b"\x00" + bytes(5), length=8), b"", "MP_TCPRST of length 8"),
    # unknown and duplicate
    "unknown-sub12": ("A", mptcp(12, b"\x00\x00", length=5) + bytes(3), b"", "MPTCP subtype 12"),
    "dup-mpc": ("S", mpc_syn() + mpc_syn(), b"", "two MP_CAPABLE in one SYN"),
    "dup-dss": ("A", mptcp(2, b"\x01" + bytes(4)) + mptcp(2, b"\x01" + bytes(4)), b"", "two DSS in one segment"),
    # TCP header itself
    "doff4": ("A", b"", b"", "data offset 4 (header shorter than 20 bytes)"),
}


def csum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def segment(src, dst, sport, dport, seq, ack, flags, opts, payload, doff_override=None):
    while len(opts) % 4:
        opts += b"\x00"
    doff = (20 + len(opts)) // 4 if doff_override is None else doff_override
    fl = sum({"F": 1, "S": 2, "R": 4, "P": 8, "A": 16}[c] for c in flags)
    if "A" not in flags and ack:
        fl |= 16
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, fl, 65535, 0, 0)
    tcp = hdr + opts + payload
    v6 = src.version == 6
    if v6:
        pseudo = src.packed + dst.packed + struct.pack("!IxxxB", len(tcp), 6)
    else:
        pseudo = src.packed + dst.packed + struct.pack("!xBH", 6, len(tcp))
    c = csum(pseudo + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    if v6:
        ip = struct.pack("!IHBB", 6 << 28, len(tcp), 6, 64) + src.packed + dst.packed
        return ip + tcp
    ip = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(tcp), random.getrandbits(16), 0x4000, 64, 6, 0)
    ip += src.packed + dst.packed
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def allowed(a):
    return any(a in ipaddress.ip_network(n) for n in ("198.18.0.0/15", "2001:db8::/32"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--dport", type=int, required=True)
    ap.add_argument("--sport", type=int, default=0, help="0: random per segment")
    ap.add_argument("--seq", type=int, default=None)
    ap.add_argument("--ack", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    if a.list:
        for k, v in CASES.items():
            print(f"{k:16} {v[3]}")
        return 0
    src, dst = ipaddress.ip_address(a.src), ipaddress.ip_address(a.dst)
    if not allowed(dst) or not allowed(src):
        print("inject: only 198.18.0.0/15 and 2001:db8::/32 are allowed", file=sys.stderr)
        return 2
    cases = a.cases or list(CASES)
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        print(f"inject: unknown case(s): {' '.join(unknown)}", file=sys.stderr)
        return 2
    fam = socket.AF_INET6 if dst.version == 6 else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sent = 0
    for _ in range(a.repeat):
        for name in cases:
            flags, opts, payload, _desc = CASES[name]
            sport = a.sport or random.randint(20000, 60000)
            seq = a.seq if a.seq is not None else random.getrandbits(32)
            pkt = segment(src, dst, sport, a.dport, seq, a.ack, flags, bytes(opts), payload,
                          doff_override=4 if name == "doff4" else None)
            s.sendto(pkt, (str(dst), 0))
            sent += 1
    print(f'{{"sent":{sent}}}')
    return 0


if __name__ == "__main__":
    sys.exit(main())
