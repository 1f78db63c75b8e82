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


if __name__ == '__main__':
    main()
