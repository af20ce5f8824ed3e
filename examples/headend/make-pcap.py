#!/usr/bin/env python3
"""Writes in-host0.pcap for the headend example (standard library only)."""
import struct, sys

HOST = bytes.fromhex("02000000 0a01".replace(" ", ""))
ROUTER = bytes.fromhex("020000000001")

def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF

def ip4(src, dst, proto, payload, ttl=64):
    a = lambda s: bytes(int(x) for x in s.split("."))
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0x4000, ttl, proto, 0, a(src), a(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload

def v6(s):
    import ipaddress
    return ipaddress.IPv6Address(s).packed

def ip6(src, dst, nh, payload, hl=64):
    return struct.pack("!IHBB", 6 << 28, len(payload), nh, hl) + v6(src) + v6(dst) + payload

def icmp4_echo(seq):
    b = struct.pack("!BBHHH", 8, 0, 0, 0x1234, seq) + b"lwt-example-data"
    return b[:2] + struct.pack("!H", csum(b)) + b[4:]

def icmp6_echo(src, dst, seq):
    b = struct.pack("!BBHHH", 128, 0, 0, 0x1234, seq) + b"lwt-example-data"
    pseudo = v6(src) + v6(dst) + struct.pack("!IxxxB", len(b), 58)
    return b[:2] + struct.pack("!H", csum(pseudo + b)) + b[4:]

def udp4(sport, dport, data):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data

def udp6(src, dst, sport, dport, data):
    b = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    pseudo = v6(src) + v6(dst) + struct.pack("!IxxxB", len(b), 17)
    return b[:6] + struct.pack("!H", csum(pseudo + b) or 0xFFFF) + b[8:]

def eth(et, payload, dst=ROUTER):
    return dst + HOST + struct.pack("!H", et) + payload

def arp_request(spa, tpa):
    a = lambda s: bytes(int(x) for x in s.split("."))
    return eth(0x0806, struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, HOST, a(spa), b"\0" * 6, a(tpa)), dst=b"\xff" * 6)

frames = [
    arp_request("10.0.0.1", "10.0.0.254"),                                  # answered
    eth(0x0800, ip4("10.0.0.1", "10.0.0.254", 1, icmp4_echo(1))),           # echo reply
    eth(0x0800, ip4("10.0.0.1", "10.1.2.3", 17, udp4(4000, 5000, b"to the remote PE"))),  # H.Encaps
    eth(0x86DD, ip6("2001:db8:a::10", "2001:db8:b::5", 58, icmp6_echo("2001:db8:a::10", "2001:db8:b::5", 2))),  # H.Encaps.Red
    eth(0x86DD, ip6("2001:db8:a::10", "2001:db8:a::1", 58, icmp6_echo("2001:db8:a::10", "2001:db8:a::1", 3))),  # echo reply
    eth(0x0800, ip4("10.0.0.1", "10.1.9.9", 17, udp4(4000, 5000, b"ttl one"), ttl=1)),  # still encapsulated
    eth(0x0800, ip4("10.0.0.1", "198.51.100.7", 17, udp4(4000, 5000, b"nowhere"))),  # net unreachable
    eth(0x86DD, ip6("2001:db8:a::10", "fc00:9::1", 17, udp6("2001:db8:a::10", "fc00:9::1", 4000, 5000, b"ping"), hl=1)),  # time exceeded
]

out = sys.argv[1] if len(sys.argv) > 1 else "in-host0.pcap"
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i, fr in enumerate(frames):
        f.write(struct.pack("<IIII", 1700000000, i * 1000, len(fr), len(fr)))
        f.write(fr)
