#!/usr/bin/env python3
"""Writes the libFuzzer seed corpora in test/fuzz/corpus/<target>/ from the captured
packets of test/vectors/capture_packets.json (run from anywhere; overwrites the seeds).

  packet/   mode byte 0x00 + wire bytes (dearmor path), mode byte 0x01 + plaintext packet
  hello/    HELLO payloads (moon count left as on the wire, and zeroed)
  fragment/ a 3-datagram script (fragment 2, head, fragment 1) of a 3000-byte packet
  dictionary/    the request metadata and the config Dictionaries of the captured chunks
  config_chunk/  scripts (fuzz_config_chunk.cpp): captured chunks, and the captured config
                 cut in two chunks the target signs, with a duplicate and a time step
  credentials/   the captured NETWORK_CREDENTIALS payloads and the COM and COO they carry,
                 the derived_examples COM, and a tag and a revocation (unsigned)
  node_vl2/      scripts (fuzz_node_vl2.cpp) of a member's life on the private network: the
                 signed blobs are named by index, so no signing is needed here
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, '..', 'vectors', 'capture_packets.json')
DICTIONARIES = os.path.join(HERE, '..', 'vectors', 'dictionaries.json')
DERIVED = os.path.join(HERE, '..', 'vectors', 'derived_examples.json')


def write(target, name, data):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def main():
    packets = json.load(open(VECTORS))['packets']
    for i, p in enumerate(packets):
        wire = bytes.fromhex(p['wire'])
        plain = bytes.fromhex(p['header_after_dearmor'] + p['verb_byte'] + p['payload_as_sent'])
        tag = '%02d-%s%s-c%d' % (i, p['verb'].lower(), ('-' + p['in_re_verb'].lower()) if p['in_re_verb'] else '',
                                 p['cipher'])
        write('packet', tag + '-wire', b'\x00' + wire)
        write('packet', tag + '-plain', b'\x01' + plain)
        if p['verb'] == 'HELLO':
            payload = bytes.fromhex(p['payload_decompressed'])
            write('hello', tag, payload)
            write('hello', tag + '-moons0', payload[:-2] + b'\x00\x00')

    # Fragment script: a 3000-byte head-flagged packet cut at 1432.
    pkt = bytearray(bytes.fromhex(packets[11]['wire']) * 5)[:3000]
    pkt[18] |= 0x40
    head, rest = bytes(pkt[:1432]), bytes(pkt[1432:])
    frags = [rest[:1416], rest[1416:]]
    hdr = lambda n: bytes(pkt[:13]) + bytes([0xff, (3 << 4) | n, 0])
    script = b''
    for dg in (hdr(2) + frags[1], head, hdr(1) + frags[0]):
        script += struct.pack('>BH', 1, len(dg)) + dg
    write('fragment', 'three-pieces', script)
    write('fragment', 'packet-as-input', bytes(pkt[:2000]))

    vl2_seeds(packets)
    node_vl2_seeds()


def chunk_of(p):
    """The config chunk in a captured OK(NETWORK_CONFIG_REQUEST) or NETWORK_CONFIG payload."""
    payload = bytes.fromhex(p['payload_decompressed'])
    return payload[9:] if p['verb'] == 'OK' else payload


def record(op, data):
    return struct.pack('>BH', op, len(data)) + data


def vl2_seeds(packets):
    dicts = json.load(open(DICTIONARIES))
    derived = json.load(open(DERIVED))
    write('dictionary', 'request-metadata', bytes.fromhex(dicts['request_metadata']['hex']))
    write('dictionary', 'escaping', bytes.fromhex(derived['dictionary_escaping']['encoded']))
    chunks = {}
    for i, p in enumerate(packets):
        if p['verb'] == 'NETWORK_CONFIG' or p['in_re_verb'] == 'NETWORK_CONFIG_REQUEST':
            chunks[chunk_of(p)] = '%02d' % i
    for c, tag in sorted(chunks.items(), key=lambda kv: kv[1]):
        (length,) = struct.unpack('>H', c[8:10])
        write('dictionary', 'config-' + tag, c[10:10 + length])
        write('config_chunk', 'captured-' + tag, record(0, c) + record(0, c))
        write('config_chunk', 'legacy-' + tag, record(1 | (7 << 2), c[:10 + length]))

    config = bytes.fromhex(dicts['network_config']['raw_hex'])
    total = struct.pack('>I', len(config))
    first = record(2 | (1 << 2), total + struct.pack('>I', 0) + config[:600])
    second = record(2 | (1 << 2), total + struct.pack('>I', 600) + config[600:])
    write('config_chunk', 'signed-two-parts', second + first + first + record(3, b'\x10\x00'))

    seen = set()
    for i, p in enumerate(packets):
        if p['verb'] == 'NETWORK_CREDENTIALS' and p['payload_decompressed'] not in seen:
            seen.add(p['payload_decompressed'])
            payload = bytes.fromhex(p['payload_decompressed'])
            write('credentials', 'network-credentials-%02d' % i, payload)
            write('credentials', 'com-%02d' % i, payload[:272])
            write('credentials', 'coo-%02d' % i, payload[281:])
    write('credentials', 'com-derived', bytes.fromhex(derived['com']['serialized']))
    nwid = bytes.fromhex('c41b8868ac000001')
    sig = b'\x01\x00\x60' + bytes(range(96))
    tag = nwid + struct.pack('>QII', 0x1a20ec0ba12, 100, 7) + bytes.fromhex('0eb8d1da54c41b8868ac') + sig + b'\x00\x00'
    write('credentials', 'tag', tag)
    rev = struct.pack('>II', 0, 1) + nwid + struct.pack('>IIQQ', 0, 0, 0x1a20ec0ba12, 1) + \
        bytes.fromhex('3cc90031a0c41b8868ac01') + sig + b'\x00\x00'
    write('credentials', 'revocation', rev)


# ---- node_vl2 (fuzz_node_vl2.cpp, blobs in fuzz_vl2_world.hpp) ------------------------------
CTL, B, ROOT, X, FRAME, API, TIME, RAW = range(8)
SALSA, AES, PATCH, FRAG, HOPS = 0x08, 0x10, 0x20, 0x40, 0x80
(CHUNK_A, CHUNK_B, CREDS_B, CREDS_X, CREDS_REV_B_COM, CREDS_REV_A_COM, CREDS_REV_B_TAG, COM_B, COM_X, COM_A,
 TAG_B, CAP_B, COO_B, REV_B_COM, OWN_CREDS_B, CHUNK_FORGED, GATHER_WITH_COM, CHUNK_C, CHUNK_FAST, CHUNK_FOR_B,
 CHUNK_WRONG_NET, CHUNK_D1, CHUNK_D2) = range(23)
V_OK, V_ERROR, V_FRAME, V_EXT_FRAME, V_ECHO, V_LIKE, V_CREDS, V_NCR, V_NC, V_GATHER, V_MFRAME = \
    0x03, 0x02, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e
NET = bytes.fromhex('c41b8868ac000001')
OWN = bytes.fromhex('0eb8d1da54000001')  # a's own network (a = 0eb8d1da54)
STATIC = bytes.fromhex('c41b8868ac000008')  # kStatic, joined with join_static
ADDR_B, ADDR_X = bytes.fromhex('3cc90031a0'), bytes.fromhex('8e4df28b72')
BCAST = b'\xff' * 6


ADDR_A = bytes.fromhex('0eb8d1da54')


def mac(addr, nwid):
    """Mac::from_address (spec §6.2): the member's MAC on a network."""
    n, a = int.from_bytes(nwid, 'big'), int.from_bytes(addr, 'big')
    first = (n & 0xfe) | 0x02
    first = 0x32 if first == 0x52 else first
    mask = sum(((n >> (8 * (i + 1))) & 0xff) << (8 * (4 - i)) for i in range(5))
    return (((first << 40) | a) ^ mask).to_bytes(6, 'big')


def rec16(op, body):
    return struct.pack('<BH', op, len(body)) + body


def pkt(sender, verb, payload, flags=SALSA):
    return rec16(sender | flags, bytes([verb]) + payload)


def splice(sender, verb, blob, payload=b'', at=0, flags=SALSA):
    return rec16(sender | flags, bytes([verb | 0x20, blob, at]) + payload)


def ok_in_re(sender, in_re, body, flags=SALSA):
    return pkt(sender, V_OK, bytes([in_re]) + bytes(8) + body, flags | PATCH)


def frame_rec(kind, at=0, rest=b''):
    return rec16(FRAME, bytes([kind, at]) + rest)


def api(call, *args):
    return rec16(API, bytes([call]) + bytes(args))


def tick(step=2, repeat=0):
    return rec16(TIME, bytes([step | repeat << 3]))


def ipv4_tcp(dport):
    return bytes([0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 147, 17, 12, 10, 147, 17, 11,
                  0xc3, 0x50, dport >> 8, dport & 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0])


def arp_request(target_last):
    return bytes([0, 1, 8, 0, 6, 4, 0, 1]) + bytes(6) + bytes([10, 147, 17, 12]) + bytes(6) + bytes([10, 147, 17, target_last])


def node_vl2_seeds():
    frames = b''.join(frame_rec(k) for k in range(8))
    creds = splice(B, V_CREDS, CREDS_B)
    b_frames = (pkt(B, V_FRAME, NET + b'\x08\x00' + ipv4_tcp(22)) +
                pkt(B, V_FRAME, NET + b'\x08\x06' + arp_request(11)) +
                pkt(B, V_EXT_FRAME, NET + b'\x10' + mac(ADDR_A, NET) + mac(ADDR_B, NET) + b'\x08\x00' + ipv4_tcp(80)) +
                pkt(B, V_MFRAME, NET + b'\x02' + struct.pack('>I', 4) + BCAST + bytes([10, 147, 17, 11]) +
                    b'\x08\x06' + arp_request(11)))
    write('node_vl2', 'member-frames', b'\x00' + creds + b_frames + frames + tick())
    write('node_vl2', 'gated-then-credentials', b'\x00' + b_frames + creds + tick(1) + b_frames)
    write('node_vl2', 'revocations', b'\x20' + b_frames + splice(CTL, V_CREDS, CREDS_REV_B_COM) + b_frames +
          tick() + splice(CTL, V_CREDS, CREDS_REV_B_TAG) + tick() + creds + splice(CTL, V_CREDS, CREDS_REV_A_COM) +
          tick(3))
    like = NET + BCAST + bytes([10, 147, 17, 11]) + NET + BCAST + bytes(4) + NET + BCAST + bytes([10, 147, 17, 12])
    gathered = NET + BCAST + bytes([10, 147, 17, 12]) + struct.pack('>IH', 2, 2) + ADDR_B + ADDR_X
    write('node_vl2', 'multicast', b'\x20' + pkt(B, V_LIKE, like) + splice(B, V_GATHER, GATHER_WITH_COM) +
          frame_rec(1) + ok_in_re(ROOT, V_GATHER, gathered) + ok_in_re(CTL, V_GATHER, gathered) +
          frame_rec(6) + tick(1) + frame_rec(1, 27, b'\x0c') + tick(7, 3))
    request = OWN + struct.pack('>H', 9) + b'v=7\nr=1\n\n'[:9] + bytes(16)
    write('node_vl2', 'controller', b'\x01' + pkt(B, V_NCR, request) + ok_in_re(B, V_ECHO, OWN + bytes(8)) +
          splice(B, V_CREDS, OWN_CREDS_B) + pkt(B, V_FRAME, OWN + b'\x08\x00' + ipv4_tcp(22)) +
          frame_rec(2 | 0x40) + api(6, 0) + api(5, 0) + api(4, 1) + pkt(B, V_NCR, request) + api(4, 4) +
          pkt(B, V_NCR, request) + api(7, 14) + api(4, 0) + tick(5) + pkt(X, V_NCR, request))
    write('node_vl2', 'ndp-config-b', b'\x48' + frame_rec(5) + frame_rec(4) + frame_rec(7) + tick(5) +
          ok_in_re(CTL, V_NCR, b'') + splice(CTL, V_OK, CHUNK_A, bytes([V_NCR]) + bytes(8), 9, SALSA | PATCH) +
          frame_rec(5) + frames)
    write('node_vl2', 'timers', b'\x20' + frames + tick(6) + tick(7, 3) + tick(4) + frames + tick(6, 3))
    write('node_vl2', 'pushed-config', b'\x04' + frames + splice(CTL, V_NC, CHUNK_B) +
          pkt(CTL, V_ERROR, bytes([V_NCR]) + bytes(8) + b'\x07' + NET, SALSA | PATCH) + frames +
          splice(CTL, V_NC, CHUNK_A) + frames)
    write('node_vl2', 'cache-and-x', b'\x90' + splice(X, V_CREDS, CREDS_X) +
          pkt(X, V_FRAME, NET + b'\x08\x00' + ipv4_tcp(22)) + api(3, 8) + api(0, 0) + frames + api(1, 0) +
          api(3, 4, 0x76, 0x3d, 0x37) + api(1, 0x22) + frame_rec(2 | 0x80) + api(9, 0) + api(8, 0x40) + frames)
    write('node_vl2', 'forged', b'\x04' + splice(CTL, V_OK, CHUNK_FORGED, bytes([V_NCR]) + bytes(8), 9, SALSA | PATCH) +
          splice(CTL, V_NC, CHUNK_FOR_B) + splice(CTL, V_NC, CHUNK_WRONG_NET) + splice(B, V_NC, CHUNK_FORGED) +
          splice(B, V_NC, CHUNK_A) + frames + splice(B, V_CREDS, CHUNK_FORGED) + api(1, 3) +
          splice(CTL, V_NC, CHUNK_WRONG_NET) + splice(CTL, V_CREDS, COM_A, b'\x00') +
          pkt(B, V_NC, NET + struct.pack('>H', 4) + b'v=7\n') + pkt(CTL, V_NC, NET + struct.pack('>H', 4) + b'v=5\n'))
    errors = b''.join(pkt(CTL, V_ERROR, bytes([V_NCR]) + bytes(8) + bytes([code]) + NET, SALSA | PATCH) + tick(3)
                      for code in (3, 5, 9, 7, 1, 6))
    write('node_vl2', 'controller-errors', b'\x00' + errors + api(4, 2) + api(1, 1) + api(4, 3) + api(0, 1) + api(1, 1))
    write('node_vl2', 'public-config-c', b'\x04' + splice(CTL, V_NC, CHUNK_C) + b_frames + frames + tick(5) +
          splice(CTL, V_NC, CHUNK_FAST) + b_frames + frames)
    write('node_vl2', 'corrupt-credentials', b'\x00' + splice(B, V_CREDS, CREDS_B | 0x80, b'\x40\x00\x01') + tick() +
          splice(B, V_CREDS, CREDS_B | 0x80, b'\x10\x01\x80') + tick() + creds + tick() +
          splice(CTL, V_CREDS, CREDS_REV_B_TAG | 0x80, b'\x30\x00\x04') + b_frames)
    write('node_vl2', 'static-and-like', b'\x30' + api(1, 0x22) + frame_rec(1 | 0x80) + frame_rec(1) +
          pkt(B, V_LIKE, like) + pkt(B, V_FRAME, STATIC + b'\x08\x06' + arp_request(11)) +
          pkt(X, V_LIKE, like) + tick(1) + frame_rec(1) + pkt(B, V_LIKE, like) + api(0, 2) + frame_rec(1 | 0x80))
    # x's network while x is unknown: a hand-made chunk and COM for it (signatures checked only
    # once the controller is known) make the node ask the root who x is.
    xnet = ADDR_X + b'\x00\x00\x01'
    chunk = xnet + struct.pack('>H', 4) + b'v=7\n' + b'\x00' + struct.pack('>QII', 9, 4, 0) + b'\x01\x00\x60' + bytes(96)
    com = b'\x01' + struct.pack('>H', 3) + struct.pack('>QQQ', 0, 1732464000000, 7200000) + \
        struct.pack('>QQQ', 1, int.from_bytes(xnet, 'big'), 0) + struct.pack('>QQQ', 2, int.from_bytes(ADDR_B, 'big'), 0) + \
        ADDR_X + bytes(96)
    write('node_vl2', 'unknown-controller', b'\x00' + api(1, 3) + pkt(CTL, V_NC, chunk) + pkt(B, V_CREDS, com + b'\x00') +
          pkt(B, V_FRAME, xnet + b'\x08\x00' + ipv4_tcp(22)) + tick(3) + api(0, 3))
    write('node_vl2', 'two-chunks', b'\x24' + splice(CTL, V_NC, CHUNK_D2, flags=SALSA | FRAG) + splice(CTL, V_NC, CHUNK_D1) +
          b_frames + frames + tick(3) + pkt(B, V_ERROR, bytes([V_FRAME]) + bytes(8) + b'\x06' + NET) + tick(6) + frames)
    write('node_vl2', 'controller-two-chunks', b'\x01' + pkt(B, V_NCR, OWN + struct.pack('>H', 0) + bytes(16)) +
          api(6, 0) + tick(2) + ok_in_re(B, V_ECHO, OWN + bytes(8)) + api(4, 4) + api(6, 0) + tick(6))
    write('node_vl2', 'fragmented', b'\x00' + splice(B, V_CREDS, CREDS_B, flags=AES | FRAG) +
          pkt(B, V_FRAME, NET + b'\x08\x00' + ipv4_tcp(22) * 20, SALSA | FRAG | HOPS) + frames)


if __name__ == '__main__':
    main()
