#!/usr/bin/env python3
"""Writes the libFuzzer seed corpora in test/fuzz/corpus/<target>/ from the captured
packets of test/vectors/capture_packets.json (run from anywhere; overwrites the seeds).

  packet/   mode byte 0x00 + wire bytes (dearmor path), mode byte 0x01 + plaintext packet
  hello/    HELLO payloads (moon count left as on the wire, and zeroed)
  fragment/ a 3-datagram script (fragment 2, head, fragment 1) of a 3000-byte packet
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, '..', 'vectors', 'capture_packets.json')


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


if __name__ == '__main__':
    main()
