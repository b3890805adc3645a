#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""
genvec.py: turn the MPTCP wire vectors into a C include for the unit tests.

    python3 tests/data/genvec.py tests/data build/tests/vectors.inc

Inputs: <dir>/vectors.json and every <dir>/*.pcap (classic pcap, Ethernet link
type; read by the tiny reader below, python3 stdlib only).

Output: one C file fragment, vectors.inc, that holds *definitions* only. The
struct types are declared in tests/unit/vectors.h; exactly one translation
unit (tests/unit/vectors.c) does

    #include "vectors.h"
    #include "vectors.inc"

and every other test file sees the arrays through the extern declarations in
vectors.h. Layout of vectors.inc (all names are prefixed vec_):

  * Byte blobs that can be long (frames, DSS checksum payloads) are separate
    `static const uint8_t vec_blob_<n>[]` arrays referenced by pointer.
    Option bytes (<= 40) are stored inline in fixed uint8_t[40] fields with a
    length field next to them.
  * Every table is `const struct vec_<kind> vec_<kind>s[]` followed by
    `const unsigned vec_n_<kind>s`. Each table ends with one all-zero
    sentinel entry (id == NULL) that is NOT counted, so tables with no
    vectors are still valid C.
  * 64-bit quantities are hex literals with a ULL suffix, 32-bit ones with U.
    Keys, tokens, IDSNs, DSNs, DATA_ACKs and HMAC parts are numbers in host
    order whose wire form (network order) is the hex string of the JSON.
  * Addresses are 16-byte arrays in network order; IPv4 uses the first 4
    bytes and zeroes the rest (the layout of struct mpx_pkt.saddr).
  * Booleans are 0/1 uint8_t; "absent" optional frames are 0 (frame numbers
    are 1-based, as in Wireshark).

Tables (see vectors.h for every field):
  vec_pcaps        file name, first index into vec_frames, frame count
  vec_frames       every frame of every pcap: pcap name, 1-based number,
                   length, bytes
  vec_options      every `options` vector: option bytes, whole TCP option
                   area, TCP flags (MPX_TCP_* bits), subtype and the decoded
                   fields per subtype (mpc/dss/join/add/rm/prio/fail/
                   fastclose/tcprst sub-structs, each with has_* flags)
  vec_conns        every MPTCP connection: endpoints, keys, tokens, IDSNs,
                   checksum negotiation, handshake frames, subflows
                   (vec_subflow: ISNs, frame range), mappings (vec_mapping)
  vec_joins        mp_join vectors: keys, nonces, token, truncated and full
                   HMACs, frames
  vec_add_addrs    add_addr vectors: address/port, HMAC key/msg/full,
                   rightmost 64 bits, option bytes of announcement and echo
  vec_rm_addrs     remove_addr vectors
  vec_dss_csums    dss_checksum vectors: DSN/SSN/length/checksum, payload,
                   negative flag and original payload
  vec_data_fins    data_fin vectors
  vec_mp_fails     mp_fail vectors (+ the infinite mapping, when present)
  vec_fallbacks    fallback (plain TCP) connections
  vec_prios, vec_fastcloses, vec_tcprsts   (held-out kinds; may be empty)

Decoded option fields come from the vector's own `decoded` object. A field
the JSON does not carry (held-out kinds whose key names differ) is filled
from this script's own byte decoder, which is independent of the C core; a
disagreement between the two is reported on stderr and the JSON value wins.
"""

import ipaddress
import json
import os
import struct
import sys

# --------------------------------------------------------------------------
# classic pcap reader

PCAP_MAGICS = {
    0xA1B2C3D4: ("<", False), 0xD4C3B2A1: (">", False),
    0xA1B23C4D: ("<", True), 0x4D3CB2A1: (">", True),
}
LINKTYPE_ETHERNET = 1


def read_pcap(path):
    """Return the list of frames (bytes) of a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: too short for a pcap global header" % path)
    magic_le = struct.unpack("<I", data[:4])[0]
    if magic_le not in PCAP_MAGICS:
        raise ValueError("%s: not a classic pcap (magic %08x)" % (path, magic_le))
    endian, _nsec = PCAP_MAGICS[magic_le]
    _vmaj, _vmin, _zone, _sigfigs, _snaplen, linktype = struct.unpack(
        endian + "HHiIII", data[4:24])
    if linktype != LINKTYPE_ETHERNET:
        raise ValueError("%s: link type %d, want Ethernet" % (path, linktype))
    frames = []
    off = 24
    while off < len(data):
        if off + 16 > len(data):
            raise ValueError("%s: truncated record header at %d" % (path, off))
        _ts, _tsf, incl, orig = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        if off + incl > len(data):
            raise ValueError("%s: truncated record at %d" % (path, off))
        if incl != orig:
            raise ValueError("%s: frame %d truncated by snaplen" % (path, len(frames) + 1))
        frames.append(data[off:off + incl])
        off += incl
    return frames


# --------------------------------------------------------------------------
# C emitters

def c_str(s):
    if s is None:
        return "NULL"
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def c_u64(v):
    return "0x%016xULL" % (v & 0xFFFFFFFFFFFFFFFF)


def c_u32(v):
    return "0x%08xU" % (v & 0xFFFFFFFF)


def c_bytes(b):
    return "{" + ", ".join("0x%02x" % x for x in b) + "}" if b else "{0}"


def h2b(h):
    return bytes.fromhex(h) if h else b""


def h2i(h):
    return int(h, 16) if h not in (None, "") else 0


def addr16(a):
    if a is None:
        return bytes(16)
    ip = ipaddress.ip_address(a)
    b = ip.packed
    return b + bytes(16 - len(b))


def family_of(a):
    return ipaddress.ip_address(a).version if a else 0


def split_ep(ep):
    """'198.18.1.1:5001' or '[2001:db8::1]:5001' -> (addr, port)."""
    a, p = ep.rsplit(":", 1)
    return a.strip("[]"), int(p)


TCP_FLAG_BITS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10,
                 "U": 0x20, "E": 0x40, "C": 0x80}


def tcp_flags(s):
    if isinstance(s, int):
        return s
    v = 0
    for ch in s or "":
        if ch in TCP_FLAG_BITS:
            v |= TCP_FLAG_BITS[ch]
    return v


class Out:
    def __init__(self):
        self.blobs = []
        self.body = []
        self.nblob = 0

    def blob(self, b):
        name = "vec_blob_%d" % self.nblob
        self.nblob += 1
        self.blobs.append("static const uint8_t %s[%d] = {\n%s\n};" % (
            name, max(len(b), 1), wrap_bytes(b)))
        return name

    def frames_list(self, frames):
        if not frames:
            return "NULL", 0
        name = "vec_blob_%d" % self.nblob
        self.nblob += 1
        self.blobs.append("static const uint32_t %s[%d] = {%s};" % (
            name, len(frames), ", ".join("%uU" % f for f in frames)))
        return name, len(frames)

    def table(self, ctype, name, entries):
        self.body.append("const struct %s %s[] = {" % (ctype, name))
        for e in entries:
            self.body.append("\t{\n%s\n\t}," % e)
        self.body.append("\t{ .id = NULL } /* sentinel, not counted */")
        self.body.append("};")
        cnt = name.replace("vec_", "vec_n_", 1)
        self.body.append("const unsigned %s = %d;\n" % (cnt, len(entries)))


def wrap_bytes(b):
    if not b:
        return "\t0x00"
    lines = []
    for i in range(0, len(b), 16):
        lines.append("\t" + ", ".join("0x%02x" % x for x in b[i:i + 16]) + ",")
    return "\n".join(lines)


def fields(d):
    """Format a dict of .name = value pairs (values already C text)."""
    return "\n".join("\t\t.%s = %s," % (k, v) for k, v in d.items())


def sub(d):
    return "{ " + ", ".join(".%s = %s" % (k, v) for k, v in d.items()) + " }"


# --------------------------------------------------------------------------
# independent decoder of one MPTCP option (bytes) -> dict of C-level fields

def py_decode(opt):
    r = {"subtype": opt[2] >> 4 if len(opt) > 2 else 0xFF}
    ln = len(opt)
    st = r["subtype"]
    if st == 0:
        r["mpc"] = {"version": opt[2] & 15, "flags": opt[3],
                    "has_key_a": int(ln >= 12), "has_key_b": int(ln >= 20),
                    "has_dlen": int(ln >= 22), "has_csum": int(ln == 24),
                    "key_a": int.from_bytes(opt[4:12], "big") if ln >= 12 else 0,
                    "key_b": int.from_bytes(opt[12:20], "big") if ln >= 20 else 0,
                    "dlen": int.from_bytes(opt[20:22], "big") if ln >= 22 else 0,
                    "csum": int.from_bytes(opt[22:24], "big") if ln == 24 else 0}
    elif st == 1:
        form = {12: 1, 16: 2, 24: 3}.get(ln, 0)
        j = {"form": form, "backup": opt[2] & 1 if form != 3 else 0,
             "has_addr_id": int(form in (1, 2)), "addr_id": opt[3] if form in (1, 2) else 0,
             "token": 0, "nonce": 0, "hmac64": 0, "hmac160": b""}
        if form == 1:
            j["token"] = int.from_bytes(opt[4:8], "big")
            j["nonce"] = int.from_bytes(opt[8:12], "big")
        elif form == 2:
            j["hmac64"] = int.from_bytes(opt[4:12], "big")
            j["nonce"] = int.from_bytes(opt[12:16], "big")
        elif form == 3:
            j["hmac160"] = bytes(opt[4:24])
        r["join"] = j
    elif st == 2:
        f = opt[3]
        d = {"flags": f, "has_data_ack": int(bool(f & 1)), "ack8": int(bool(f & 2)),
             "has_map": int(bool(f & 4)), "dsn8": int(bool(f & 8)), "fin": int(bool(f & 16)),
             "data_ack": 0, "dsn": 0, "ssn": 0, "dlen": 0, "has_csum": 0, "csum": 0}
        o = 4
        if f & 1:
            w = 8 if f & 2 else 4
            d["data_ack"] = int.from_bytes(opt[o:o + w], "big")
            o += w
        if f & 4:
            w = 8 if f & 8 else 4
            d["dsn"] = int.from_bytes(opt[o:o + w], "big")
            o += w
            d["ssn"] = int.from_bytes(opt[o:o + 4], "big")
            d["dlen"] = int.from_bytes(opt[o + 4:o + 6], "big")
            o += 6
            if ln == o + 2:
                d["has_csum"] = 1
                d["csum"] = int.from_bytes(opt[o:o + 2], "big")
        r["dss"] = d
    elif st == 3:
        echo = opt[2] & 1
        v6 = ln in (20, 22, 28, 30)
        base = 20 if v6 else 8
        has_hmac = int(ln >= base + 8)
        has_port = int(((ln - base) & 7) == 2)
        a = {"echo": echo, "family": 6 if v6 else 4, "addr_id": opt[3],
             "addr": bytes(opt[4:4 + (16 if v6 else 4)]) + bytes(12 if not v6 else 0),
             "has_port": has_port,
             "port": int.from_bytes(opt[base:base + 2], "big") if has_port else 0,
             "has_hmac": has_hmac,
             "hmac": int.from_bytes(opt[ln - 8:ln], "big") if has_hmac else 0}
        r["add"] = a
    elif st == 4:
        r["rm"] = {"ids": bytes(opt[3:])}
    elif st == 5:
        r["prio"] = {"backup": opt[2] & 1, "has_addr_id": int(ln >= 4),
                     "addr_id": opt[3] if ln >= 4 else 0}
    elif st == 6:
        r["fail"] = {"dsn": int.from_bytes(opt[4:12], "big")}
    elif st == 7:
        r["fastclose"] = {"key": int.from_bytes(opt[4:12], "big")}
    elif st == 8:
        r["tcprst"] = {"flags": opt[2] & 15, "reason": opt[3] if ln > 3 else 0}
    return r


def warn(msg):
    sys.stderr.write("genvec: warning: %s\n" % msg)


def pick(vid, name, dec, key, conv, pyval):
    """JSON decoded value if present (checked against our decoder), else ours."""
    if key in dec and dec[key] is not None:
        v = conv(dec[key])
        if v != pyval:
            warn("%s: decoded.%s=%r but the bytes say %r" % (vid, key, dec[key], pyval))
        return v
    return pyval


def as_bool(x):
    return int(bool(x))


# --------------------------------------------------------------------------
# tables

def gen_options(out, vectors):
    ents = []
    for v in vectors.get("options", []):
        opt = h2b(v["option_hex"])
        area = h2b(v.get("tcp_options_hex", ""))
        dec = v.get("decoded", {})
        vid = v["id"]
        py = py_decode(opt)
        st = v.get("subtype", dec.get("subtype", py["subtype"]))
        e = {"id": c_str(vid), "pcap": c_str(v.get("pcap")),
             "frame": "%dU" % v.get("frame", 0),
             "subtype": "%d" % st, "tcp_flags": "0x%02x" % tcp_flags(v.get("tcp_flags")),
             "opt_len": "%d" % len(opt), "opt": c_bytes(opt),
             "area_len": "%d" % len(area), "area": c_bytes(area),
             "length": "%d" % dec.get("length", len(opt))}
        if st == 0:
            m = py["mpc"]
            e["mpc"] = sub({
                "version": pick(vid, "version", dec, "version", int, m["version"]),
                "flags": "0x%02x" % pick(vid, "flags", dec, "flags", int, m["flags"]),
                "has_key_a": int("sender_key" in dec or m["has_key_a"]),
                "has_key_b": int("receiver_key" in dec or m["has_key_b"]),
                "has_dlen": int("data_level_length" in dec or m["has_dlen"]),
                "has_csum": int("checksum" in dec or m["has_csum"]),
                "dlen": pick(vid, "dlen", dec, "data_level_length", int, m["dlen"]),
                "csum": "0x%04x" % pick(vid, "csum", dec, "checksum", h2i, m["csum"]),
                "key_a": c_u64(pick(vid, "key_a", dec, "sender_key", h2i, m["key_a"])),
                "key_b": c_u64(pick(vid, "key_b", dec, "receiver_key", h2i, m["key_b"])),
            })
        elif st == 1:
            j = py["join"]
            form = {"SYN": 1, "SYN/ACK": 2, "ACK": 3}.get(dec.get("form"), j["form"])
            hm = dec.get("sender_hmac")
            e["join"] = sub({
                "form": form,
                "backup": pick(vid, "backup", dec, "flag_B_backup", as_bool, j["backup"]),
                "has_addr_id": int(form in (1, 2)),
                "addr_id": pick(vid, "addr_id", dec, "address_id", int, j["addr_id"]),
                "token": c_u32(pick(vid, "token", dec, "receiver_token", h2i, j["token"])),
                "nonce": c_u32(pick(vid, "nonce", dec, "sender_nonce", h2i, j["nonce"])),
                "hmac64": c_u64(pick(vid, "hmac64", dec, "sender_truncated_hmac", h2i, j["hmac64"])),
                "hmac160": c_bytes(h2b(hm) if hm else j["hmac160"]),
            })
        elif st == 2:
            d = py["dss"]
            e["dss"] = sub({
                "flags": "0x%02x" % pick(vid, "flags", dec, "flags", int, d["flags"]),
                "has_data_ack": pick(vid, "A", dec, "flag_A_ack", as_bool, d["has_data_ack"]),
                "ack8": pick(vid, "a", dec, "flag_a_ack8", as_bool, d["ack8"]),
                "has_map": pick(vid, "M", dec, "flag_M_map", as_bool, d["has_map"]),
                "dsn8": pick(vid, "m", dec, "flag_m_dsn8", as_bool, d["dsn8"]),
                "fin": pick(vid, "F", dec, "flag_F_data_fin", as_bool, d["fin"]),
                "data_ack": c_u64(pick(vid, "data_ack", dec, "data_ack", h2i, d["data_ack"])),
                "dsn": c_u64(pick(vid, "dsn", dec, "dsn", h2i, d["dsn"])),
                "ssn": c_u32(pick(vid, "ssn", dec, "ssn", int, d["ssn"])),
                "dlen": pick(vid, "dlen", dec, "data_level_length", int, d["dlen"]),
                "has_csum": pick(vid, "has_csum", dec, "checksum_present", as_bool, d["has_csum"]),
                "csum": "0x%04x" % pick(vid, "csum", dec, "checksum", h2i, d["csum"]),
            })
        elif st == 3:
            a = py["add"]
            addr = a["addr"]
            if dec.get("address"):
                addr = addr16(dec["address"])
                if addr != a["addr"]:
                    warn("%s: decoded.address differs from the bytes" % vid)
            port = dec.get("port", None)
            e["add"] = sub({
                "echo": pick(vid, "echo", dec, "echo", as_bool, a["echo"]),
                "family": pick(vid, "family", dec, "family", int, a["family"]),
                "addr_id": pick(vid, "addr_id", dec, "address_id", int, a["addr_id"]),
                "addr": c_bytes(addr),
                "has_port": int(port is not None) if "port" in dec else a["has_port"],
                "port": port if port is not None else a["port"],
                "has_hmac": int("truncated_hmac" in dec) if "echo" in dec else a["has_hmac"],
                "hmac": c_u64(pick(vid, "hmac", dec, "truncated_hmac", h2i, a["hmac"])),
            })
        elif st == 4:
            ids = bytes(dec["address_ids"]) if "address_ids" in dec else py["rm"]["ids"]
            if ids != py["rm"]["ids"]:
                warn("%s: address_ids differ from the bytes" % vid)
            e["rm"] = sub({"n": len(ids), "ids": c_bytes(ids)})
        elif st == 5:
            p = py["prio"]
            e["prio"] = sub({
                "backup": pick(vid, "backup", dec, "backup", as_bool, p["backup"]),
                "has_addr_id": p["has_addr_id"],
                "addr_id": pick(vid, "addr_id", dec, "address_id", int, p["addr_id"]),
            })
        elif st == 6:
            e["fail"] = sub({"dsn": c_u64(pick(vid, "dsn", dec, "dsn", h2i, py["fail"]["dsn"]))})
        elif st == 7:
            k = py["fastclose"]["key"]
            for name in ("receiver_key", "key"):
                if name in dec:
                    k = pick(vid, "key", dec, name, h2i, k)
                    break
            e["fastclose"] = sub({"key": c_u64(k)})
        elif st == 8:
            t = py["tcprst"]
            e["tcprst"] = sub({
                "flags": pick(vid, "flags", dec, "flags", int, t["flags"])
                if isinstance(dec.get("flags"), int) else t["flags"],
                "reason": pick(vid, "reason", dec, "reason", int, t["reason"]),
            })
        ents.append(fields(e))
    out.table("vec_option", "vec_options", ents)


def gen_conns(out, vectors):
    ents = []
    for c in vectors.get("connections", []):
        cl, sv = c["client"], c["server"]
        subs = []
        sub_index = {}
        for i, s in enumerate(c.get("subflows", [])):
            ia, ip = split_ep(s["initiator_ep"])
            ra, rp = split_ep(s["responder_ep"])
            sub_index["%s->%s" % (s["initiator_ep"], s["responder_ep"])] = i
            fr = s.get("frames") or [0, 0]
            subs.append(sub({
                "join": int(s.get("kind") == "join"),
                "family": s.get("family", family_of(ia)),
                "initiator_is_client": int(s.get("initiator", "client") == "client"),
                "init_addr": c_bytes(addr16(ia)), "resp_addr": c_bytes(addr16(ra)),
                "init_port": ip, "resp_port": rp,
                "isn_init": c_u32(s.get("isn_initiator", 0)),
                "isn_resp": c_u32(s.get("isn_responder", 0)),
                "first_frame": "%dU" % fr[0], "last_frame": "%dU" % fr[-1],
                "packets": "%dU" % s.get("packets", 0),
            }))
        maps = []
        for m in c.get("mappings", []):
            src = m.get("source", "DSS")
            kind = 1 if src.startswith("MP_CAPABLE") else (2 if "DATA_FIN" in src else 0)
            fl, nfl = out.frames_list(m.get("frames", []))
            maps.append(sub({
                "from_client": int(m.get("sender") == "client"),
                "subflow": sub_index.get(m.get("subflow"), -1),
                "source": kind,
                "dsn": c_u64(h2i(m["dsn"])), "ssn": c_u32(m["ssn"]),
                "dlen": m["data_level_length"],
                "nframes": nfl, "frames": fl,
            }))
        subname = mapname = "NULL"
        if subs:
            subname = "vec_blob_%d" % out.nblob
            out.nblob += 1
            out.blobs.append("static const struct vec_subflow %s[] = {\n\t%s\n};" % (
                subname, ",\n\t".join(subs)))
        if maps:
            mapname = "vec_blob_%d" % out.nblob
            out.nblob += 1
            out.blobs.append("static const struct vec_mapping %s[] = {\n\t%s\n};" % (
                mapname, ",\n\t".join(maps)))
        hs = c.get("handshake", {})

        def hframe(*names):
            for n in names:
                if n in hs and hs[n]:
                    return hs[n].get("frame", 0)
            return 0
        tfo = c.get("tfo") or {}
        if not isinstance(tfo, dict):
            tfo = {"present": True}
        for t in vectors.get("tfo", []) or []:
            if isinstance(t, dict) and t.get("conn") and t.get("conn") == c.get("conn"):
                tfo = dict(tfo, **t)
        e = {"id": c_str(c["id"]), "pcap": c_str(c.get("pcap")), "conn": c_str(c.get("conn")),
             "family": c.get("family", family_of(cl["addr"])),
             "version": c.get("version", 1),
             "csum": int(bool(c.get("checksum_negotiated"))),
             "c_addr": c_bytes(addr16(cl["addr"])), "s_addr": c_bytes(addr16(sv["addr"])),
             "c_port": cl["port"], "s_port": sv["port"],
             "key_c": c_u64(h2i(cl["key"])), "key_s": c_u64(h2i(sv["key"])),
             "token_c": c_u32(h2i(cl["token"])), "token_s": c_u32(h2i(sv["token"])),
             "idsn_c": c_u64(h2i(cl["idsn"])), "idsn_s": c_u64(h2i(sv["idsn"])),
             "c_bytes": "%dULL" % (cl.get("data_bytes_sent") or 0),
             "s_bytes": "%dULL" % (sv.get("data_bytes_sent") or 0),
             "syn_frame": "%dU" % hframe("SYN"),
             "synack_frame": "%dU" % hframe("SYN/ACK"),
             "ack_frame": "%dU" % hframe("ACK"),
             "data_frame": "%dU" % hframe("ACK+data+csum", "ACK+data"),
             "tfo": int(bool(tfo)),
             "tfo_syn_len": "%dU" % int(tfo.get("syn_payload_len") or 0),
             "nsub": len(subs), "sub": subname,
             "nmap": len(maps), "map": mapname}
        ents.append(fields(e))
    out.table("vec_conn", "vec_conns", ents)


def gen_joins(out, vectors):
    ents = []
    for j in vectors.get("mp_join", []):
        ia, ip = split_ep(j["initiator_ep"])
        ra, rp = split_ep(j["responder_ep"])
        syn, sa, ack = j.get("syn", {}), j.get("synack", {}), j.get("ack", {})
        hb, ha = j.get("hmac_b", {}), j.get("hmac_a", {})
        e = {"id": c_str(j["id"]), "pcap": c_str(j.get("pcap")), "conn": c_str(j.get("conn")),
             "family": j.get("family", family_of(ia)),
             "init_addr": c_bytes(addr16(ia)), "resp_addr": c_bytes(addr16(ra)),
             "init_port": ip, "resp_port": rp,
             "key_a": c_u64(h2i(j["key_a"])), "key_b": c_u64(h2i(j["key_b"])),
             "token_b": c_u32(h2i(syn.get("receiver_token"))),
             "nonce_a": c_u32(h2i(syn.get("nonce_a"))),
             "nonce_b": c_u32(h2i(sa.get("nonce_b"))),
             "syn_backup": as_bool(syn.get("backup")), "syn_addr_id": syn.get("address_id", 0),
             "synack_backup": as_bool(sa.get("backup")), "synack_addr_id": sa.get("address_id", 0),
             "trunc_hmac_b": c_u64(h2i(sa.get("truncated_hmac_b"))),
             "hmac_b_key": c_bytes(h2b(hb.get("key_hex"))),
             "hmac_b_msg": c_bytes(h2b(hb.get("msg_hex"))),
             "hmac_b": c_bytes(h2b(hb.get("full"))),
             "hmac_b_left64": c_u64(h2i(hb.get("leftmost_64"))),
             "hmac_a_key": c_bytes(h2b(ha.get("key_hex"))),
             "hmac_a_msg": c_bytes(h2b(ha.get("msg_hex"))),
             "hmac_a": c_bytes(h2b(ha.get("full"))),
             "hmac_a_left160": c_bytes(h2b(ha.get("leftmost_160"))),
             "ack_hmac_a": c_bytes(h2b(ack.get("hmac_a"))),
             "syn_opt_len": len(h2b(syn.get("option_hex"))),
             "syn_opt": c_bytes(h2b(syn.get("option_hex"))),
             "synack_opt_len": len(h2b(sa.get("option_hex"))),
             "synack_opt": c_bytes(h2b(sa.get("option_hex"))),
             "ack_opt_len": len(h2b(ack.get("option_hex"))),
             "ack_opt": c_bytes(h2b(ack.get("option_hex"))),
             "syn_frame": "%dU" % (syn.get("frame") or 0),
             "synack_frame": "%dU" % (sa.get("frame") or 0),
             "ack_frame": "%dU" % (ack.get("frame") or 0),
             "established": int(j.get("outcome") == "established")}
        ents.append(fields(e))
    out.table("vec_join", "vec_joins", ents)


def gen_add_addrs(out, vectors):
    ents = []
    for a in vectors.get("add_addr", []):
        key = h2b(a["hmac_key_hex"])
        msg = h2b(a["hmac_msg_hex"])
        echo = a.get("echo") or {}
        opt = h2b(a.get("option_hex"))
        eopt = h2b(echo.get("option_hex"))
        e = {"id": c_str(a["id"]), "pcap": c_str(a.get("pcap")), "conn": c_str(a.get("conn")),
             "frame": "%dU" % a.get("frame", 0),
             "from_server": int(a.get("sender") == "server"),
             "addr_id": a["address_id"], "family": a.get("family", family_of(a["address"])),
             "addr": c_bytes(addr16(a["address"])),
             "has_port": int(a.get("port") is not None), "port": a.get("port") or 0,
             "trunc_hmac": c_u64(h2i(a["truncated_hmac"])),
             "key_sender": c_u64(int.from_bytes(key[:8], "big")),
             "key_receiver": c_u64(int.from_bytes(key[8:16], "big")),
             "msg_len": len(msg), "msg": c_bytes(msg),
             "hmac_full": c_bytes(h2b(a["hmac_full"])),
             "rightmost64": c_u64(h2i(a["rightmost_64"])),
             "opt_len": len(opt), "opt": c_bytes(opt),
             "area_len": len(h2b(a.get("tcp_options_hex"))),
             "area": c_bytes(h2b(a.get("tcp_options_hex"))),
             "echo_frame": "%dU" % (echo.get("frame") or 0),
             "echo_len": len(eopt), "echo_opt": c_bytes(eopt)}
        ents.append(fields(e))
    out.table("vec_add_addr", "vec_add_addrs", ents)


def gen_rm_addrs(out, vectors):
    ents = []
    for r in vectors.get("remove_addr", []):
        opt = h2b(r.get("option_hex"))
        ids = bytes(r.get("address_ids", []))
        ents.append(fields({"id": c_str(r["id"]), "pcap": c_str(r.get("pcap")),
                            "frame": "%dU" % r.get("frame", 0),
                            "opt_len": len(opt), "opt": c_bytes(opt),
                            "n": len(ids), "ids": c_bytes(ids)}))
    out.table("vec_rm_addr", "vec_rm_addrs", ents)


def gen_dss_csums(out, vectors):
    ents = []
    for d in vectors.get("dss_checksum", []):
        src = d.get("source", "DSS")
        kind = 1 if src.startswith("MP_CAPABLE") else (2 if "DATA_FIN" in src else 0)
        pl = h2b(d.get("payload_hex"))
        orig = h2b(d.get("original_payload_hex"))
        fl, nfl = out.frames_list(d.get("frames", []))
        e = {"id": c_str(d["id"]), "pcap": c_str(d.get("pcap")), "conn": c_str(d.get("conn")),
             "from_client": int(d.get("sender") == "client"), "source": kind,
             "nframes": nfl, "frames": fl,
             "dsn": c_u64(h2i(d["dsn"])), "ssn": c_u32(d["ssn"]),
             "dlen": d["data_level_length"], "csum": "0x%04x" % h2i(d["checksum"]),
             "pseudo": c_bytes(h2b(d.get("pseudo_header_hex"))),
             "payload_len": "%dU" % len(pl), "payload": out.blob(pl),
             "recomputed": "0x%04x" % h2i(d.get("recomputed")),
             "corrupted": int(bool(d.get("corrupted_on_path"))),
             "orig_len": "%dU" % len(orig),
             "orig_payload": out.blob(orig) if orig else "NULL",
             "recomputed_orig": "0x%04x" % h2i(d.get("recomputed_over_original_payload"))}
        ents.append(fields(e))
    out.table("vec_dss_csum", "vec_dss_csums", ents)


def gen_data_fins(out, vectors):
    ents = []
    for d in vectors.get("data_fin", []):
        opt = h2b(d.get("option_hex"))
        fl, nfl = out.frames_list(d.get("all_frames", []))
        e = {"id": c_str(d["id"]), "pcap": c_str(d.get("pcap")), "conn": c_str(d.get("conn")),
             "frame": "%dU" % d.get("frame", 0),
             "from_client": int(d.get("sender") == "client"),
             "opt_len": len(opt), "opt": c_bytes(opt),
             "dsn": c_u64(h2i(d["dsn"])), "ssn": c_u32(d.get("ssn", 0)),
             "dlen": d.get("data_level_length", 1),
             "nframes": nfl, "frames": fl,
             "data_ack_frame": "%dU" % (d.get("data_ack_of_fin_frame") or 0)}
        ents.append(fields(e))
    out.table("vec_data_fin", "vec_data_fins", ents)


def gen_mp_fails(out, vectors):
    ents = []
    for f in vectors.get("mp_fail", []):
        opt = h2b(f.get("option_hex"))
        im = f.get("infinite_mapping") or {}
        iopt = h2b(im.get("option_hex"))
        e = {"id": c_str(f["id"]), "pcap": c_str(f.get("pcap")),
             "frame": "%dU" % f.get("frame", 0),
             "from_client": int(f.get("sender") == "client"),
             "opt_len": len(opt), "opt": c_bytes(opt), "dsn": c_u64(h2i(f["dsn"])),
             "has_inf": int(bool(im)), "inf_frame": "%dU" % (im.get("frame") or 0),
             "inf_opt_len": len(iopt), "inf_opt": c_bytes(iopt),
             "inf_dsn": c_u64(h2i(im.get("dsn"))), "inf_ssn": c_u32(im.get("ssn") or 0),
             "inf_dlen": im.get("data_level_length") or 0,
             "inf_csum": "0x%04x" % h2i(im.get("checksum"))}
        ents.append(fields(e))
    out.table("vec_mp_fail", "vec_mp_fails", ents)


def gen_fallbacks(out, vectors):
    ents = []
    for f in vectors.get("fallback", []):
        ca, cp = split_ep(f["client"])
        sa, sp = split_ep(f["server"])
        fr = f.get("frames") if isinstance(f.get("frames"), dict) else {}
        pb = f.get("payload_bytes") if isinstance(f.get("payload_bytes"), dict) else {}
        e = {"id": c_str(f["id"]), "pcap": c_str(f.get("pcap")),
             "family": family_of(ca),
             "c_addr": c_bytes(addr16(ca)), "s_addr": c_bytes(addr16(sa)),
             "c_port": cp, "s_port": sp,
             "syn_frame": "%dU" % (fr.get("syn") or 0),
             "synack_frame": "%dU" % (fr.get("synack") or 0),
             "last_frame": "%dU" % (fr.get("last") or 0),
             "syn_has_mpc": int(bool(f.get("syn_mp_capable_hex"))),
             "c2s_bytes": "%dU" % (pb.get("client_to_server") or 0),
             "s2c_bytes": "%dU" % (pb.get("server_to_client") or 0)}
        ents.append(fields(e))
    out.table("vec_fallback", "vec_fallbacks", ents)


def gen_simple(out, vectors, kind, ctype, name):
    """MP_PRIO / MP_FASTCLOSE / MP_TCPRST: option bytes + decoded fields."""
    ents = []
    for v in vectors.get(kind, []):
        opt = h2b(v.get("option_hex"))
        area = h2b(v.get("tcp_options_hex"))
        py = py_decode(opt) if len(opt) >= 3 else {}
        e = {"id": c_str(v["id"]), "pcap": c_str(v.get("pcap")),
             "frame": "%dU" % (v.get("frame") or 0),
             "from_client": int(v.get("sender") == "client"),
             "opt_len": len(opt), "opt": c_bytes(opt),
             "area_len": len(area), "area": c_bytes(area)}
        if kind == "mp_prio":
            e["backup"] = as_bool(v.get("backup", py.get("prio", {}).get("backup", 0)))
        elif kind == "mp_fastclose":
            k = v.get("receiver_key")
            e["key"] = c_u64(h2i(k) if isinstance(k, str) else py.get("fastclose", {}).get("key", 0))
        elif kind == "mp_tcprst":
            r = v.get("reason")
            e["reason"] = r if isinstance(r, int) else py.get("tcprst", {}).get("reason", 0)
            e["flags"] = py.get("tcprst", {}).get("flags", 0)
        ents.append(fields(e))
    out.table(ctype, name, ents)


def gen_frames(out, datadir):
    pcaps = sorted(f for f in os.listdir(datadir) if f.endswith(".pcap"))
    pents, fents = [], []
    for name in pcaps:
        frames = read_pcap(os.path.join(datadir, name))
        pents.append(fields({"id": c_str(name), "first": "%dU" % len(fents),
                             "count": "%dU" % len(frames)}))
        for i, fr in enumerate(frames):
            fents.append(fields({"id": c_str(name), "frame": "%dU" % (i + 1),
                                 "len": "%dU" % len(fr), "data": out.blob(fr)}))
    out.table("vec_pcap", "vec_pcaps", pents)
    out.table("vec_frame", "vec_frames", fents)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: genvec.py <datadir> <out.inc>\n")
        return 2
    datadir, outpath = argv[1], argv[2]
    with open(os.path.join(datadir, "vectors.json")) as f:
        vectors = json.load(f)
    if vectors.get("unverified"):
        warn("unverified vectors: %s" % ", ".join(vectors["unverified"]))
    out = Out()
    gen_frames(out, datadir)
    gen_options(out, vectors)
    gen_conns(out, vectors)
    gen_joins(out, vectors)
    gen_add_addrs(out, vectors)
    gen_rm_addrs(out, vectors)
    gen_dss_csums(out, vectors)
    gen_data_fins(out, vectors)
    gen_mp_fails(out, vectors)
    gen_fallbacks(out, vectors)
    gen_simple(out, vectors, "mp_prio", "vec_prio", "vec_prios")
    gen_simple(out, vectors, "mp_fastclose", "vec_fastclose", "vec_fastcloses")
    gen_simple(out, vectors, "mp_tcprst", "vec_tcprst", "vec_tcprsts")
    text = ["/* Generated by tests/data/genvec.py from %s: do not edit. */" %
            os.path.join(datadir, "vectors.json"),
            "/* Format: see the top of tests/data/genvec.py and tests/unit/vectors.h. */",
            "/* Include from exactly one translation unit, after vectors.h. */", ""]
    text += out.blobs
    text.append("")
    text += out.body
    tmp = outpath + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(text) + "\n")
    os.replace(tmp, outpath)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
