// Whole captures through the receive path: every UDP datagram of 01-bringup.pcap and
// 02-ping.pcap is classified, reassembled if needed, dearmored with the key the two
// identities agree on, decompressed, parsed with the verb's codec where we have one, and
// re-serialized and re-armored bit-exactly. The FRAMEs of the ping are matched against
// the Ethernet frames seen on A's tap (02-ping-inner-zt0-a.pcap).
#include <catch2/catch.hpp>

#include <map>
#include <optional>

#include "capture_vectors.hpp"
#include "core/identity.hpp"
#include "core/vl1/error.hpp"
#include "core/vl1/hello.hpp"
#include "core/vl1/ok.hpp"
#include "core/vl1/push_direct_paths.hpp"
#include "core/vl1/rendezvous.hpp"
#include "core/vl1/whois.hpp"
#include "core/vl2/frame.hpp"
#include "core/vl2/multicast_frame.hpp"
#include "core/wire/fragment.hpp"
#include "core/wire/packet.hpp"
#include "pcap_reader.hpp"
#include "wire_test_util.hpp"

using namespace zt;
using namespace zt::wire;

namespace {

// The four test identities (with secrets), by address.
std::map<Address, Identity> identities() {
    std::map<Address, Identity> m;
    const ztest::Json vectors = ztest::load_vectors("capture_packets.json");
    for (const auto& [name, text] : vectors["identities"].obj) {
        auto id = Identity::from_string(text.s());
        REQUIRE(id);
        REQUIRE(id->has_secret());
        m.emplace(id->address(), *id);
    }
    return m;
}

template <class T>
bool reserializes(const T& msg, std::span<const uint8_t> want) {
    Bytes b = ztest::serialize_filled(msg);
    return b == Bytes(want.begin(), want.end());
}

// Parses one plaintext packet's payload with our codec for its verb. Returns the name of
// the codec used ("" if we have none) and CHECKs that it parses and re-serializes exactly.
std::string check_codec(std::span<const uint8_t> plain) {
    auto h = PacketHeader::parse(plain);
    REQUIRE(h);
    const auto payload = plain.subspan(kPacketIdxPayload);
    switch (h->verb()) {
    case Verb::hello: {
        auto m = vl1::Hello::parse(payload);
        REQUIRE(m);
        CHECK(m->identity.address() == h->source);
        CHECK(reserializes(*m, payload));
        return "HELLO";
    }
    case Verb::error: {
        auto m = vl1::Error::parse(payload);
        REQUIRE(m);
        CHECK(reserializes(*m, payload));
        return "ERROR";
    }
    case Verb::ok: {
        auto ok = vl1::Ok::parse(payload);
        REQUIRE(ok);
        CHECK(reserializes(*ok, payload));
        switch (ok->in_re_verb) {
        case Verb::hello: {
            auto m = vl1::OkHello::parse(ok->body);
            REQUIRE(m);
            CHECK(reserializes(*m, ok->body));
            return "OK(HELLO)";
        }
        case Verb::whois: {
            auto m = vl1::OkWhois::parse(ok->body);
            REQUIRE(m);
            CHECK(reserializes(*m, ok->body));
            return "OK(WHOIS)";
        }
        case Verb::echo: return "OK(ECHO)";
        default: return "OK";
        }
    }
    case Verb::whois: {
        auto m = vl1::Whois::parse(payload);
        REQUIRE(m);
        CHECK(reserializes(*m, payload));
        return "WHOIS";
    }
    case Verb::rendezvous: {
        auto m = vl1::Rendezvous::parse(payload);
        REQUIRE(m);
        CHECK(reserializes(*m, payload));
        return "RENDEZVOUS";
    }
    case Verb::echo: return "ECHO";
    case Verb::frame: {
        auto m = vl2::Frame::parse(payload);
        REQUIRE(m);
        CHECK(reserializes(*m, payload));
        return "FRAME";
    }
    case Verb::multicast_frame: {
        auto m = vl2::MulticastFrame::parse(payload);
        REQUIRE(m);
        CHECK(reserializes(*m, payload));
        return "MULTICAST_FRAME";
    }
    case Verb::push_direct_paths: {
        auto m = vl1::PushDirectPaths::parse(payload);
        REQUIRE(m);
        CHECK(reserializes(*m, payload));
        return "PUSH_DIRECT_PATHS";
    }
    default: return "";
    }
}

struct Totals {
    std::map<int, size_t> per_cipher;
    std::map<std::string, size_t> per_codec;
    size_t runts = 0, fragments = 0;
    std::vector<Bytes> frames;  // Ethernet payloads of FRAME / MULTICAST_FRAME, with EtherType
};

void run_capture(const std::string& file, Totals& t) {
    static const std::map<Address, Identity> ids = identities();
    Reassembler reassembler;
    Ticks now = 0;
    for (const auto& dg : ztest::read_pcap_udp(ztest::vector_path("captures/" + file))) {
        INFO(file << " " << dg.from.to_string() << " -> " << dg.to.to_string() << " " << dg.payload.size() << " bytes");
        now += 1;
        PacketBuf whole;
        std::span<const uint8_t> datagram = dg.payload;
        switch (classify_datagram(datagram)) {
        case DatagramKind::runt:  // 4-byte NAT-t junk after RENDEZVOUS
            ++t.runts;
            continue;
        case DatagramKind::bad_head: FAIL("17..27-byte datagram"); continue;
        case DatagramKind::fragment: {
            ++t.fragments;
            auto r = reassembler.add_fragment(now, datagram, whole);
            REQUIRE(r.ok());
            if (r.value() != Reassembler::Status::complete) continue;
            break;
        }
        case DatagramKind::head: {
            auto h = PacketHeader::parse(datagram);
            REQUIRE(h);
            if (h->fragmented()) {
                auto r = reassembler.add_head(now, datagram, whole);
                REQUIRE(r.ok());
                if (r.value() != Reassembler::Status::complete) continue;
            } else {
                REQUIRE(whole.assign(datagram));
            }
            break;
        }
        }
        const Bytes wire(whole.bytes().begin(), whole.bytes().end());
        auto h = PacketHeader::parse(wire);
        REQUIRE(h);
        REQUIRE(ids.count(h->source));
        REQUIRE(ids.count(h->dest));
        auto key = ids.at(h->source).agree(ids.at(h->dest));
        REQUIRE(key);
        auto aes = crypto::AesGmacSiv::from_peer_key(*key);
        REQUIRE(aes);

        Bytes pkt = wire;
        auto d = dearmor(pkt, *key, &*aes);
        REQUIRE(d.ok());
        ++t.per_cipher[int(d.value())];
        const Verb verb = PacketHeader::parse(pkt)->verb();  // the verb byte was encrypted (1, 3)
        if (verb == Verb::hello) REQUIRE(vl1::Hello::apply_crypt_field(pkt, *key));

        // Re-armor the plaintext with the original IV and hops 0: the wire bytes again.
        Bytes again = pkt;
        if (verb == Verb::hello) REQUIRE(vl1::Hello::apply_crypt_field(again, *key));
        if (d.value() == Cipher::aes_gmac_siv) {
            Bytes copy = wire;
            auto iv = aes->open_packet(copy);
            REQUIRE(iv);
            for (size_t i = 0; i < 8; ++i) again[i] = (*iv)[i];
        }
        REQUIRE(armor(again, *key, d.value(), &*aes).ok());
        Bytes want = wire;
        want[kPacketIdxFlags] &= uint8_t(~kFlagHopsMask);
        CHECK(to_hex(again) == to_hex(want));

        PacketBuf scratch;
        auto plain = decompress(pkt, scratch);
        REQUIRE(plain.ok());
        const std::string codec = check_codec(*plain);
        ++t.per_codec[codec];
        // Keep the Ethernet payloads that were delivered to A's tap (a <-> b traffic).
        const auto payload = plain->subspan(kPacketIdxPayload);
        if (codec == "FRAME") {
            auto f = vl2::Frame::parse(payload);
            Bytes e{uint8_t(f->ether_type >> 8), uint8_t(f->ether_type)};
            e.insert(e.end(), f->payload.begin(), f->payload.end());
            t.frames.push_back(e);
        } else if (codec == "MULTICAST_FRAME") {
            auto f = vl2::MulticastFrame::parse(payload);
            Bytes e{uint8_t(f->ether_type >> 8), uint8_t(f->ether_type)};
            e.insert(e.end(), f->payload.begin(), f->payload.end());
            t.frames.push_back(e);
        }
    }
    CHECK(reassembler.in_progress() == 0);
}

}  // namespace

TEST_CASE("capture: the identities agree on the keys recorded in capture_packets.json", "[wire]") {
    const auto ids = identities();
    for (const auto& p : ztest::captured_packets()) {
        auto h = PacketHeader::parse(p.wire);
        REQUIRE(h);
        auto key = ids.at(h->source).agree(ids.at(h->dest));
        REQUIRE(key);
        CHECK(to_hex(key->span()) == to_hex(p.key));
    }
}

TEST_CASE("capture: every datagram of both pcaps dearmors, parses and re-armors", "[wire]") {
    Totals t;
    run_capture("01-bringup.pcap", t);
    run_capture("02-ping.pcap", t);
    // Spec §0: 19 packets of suite 0, 28 of suite 1, 116 of suite 3.
    CHECK(t.per_cipher[0] == 19);
    CHECK(t.per_cipher[1] == 28);
    CHECK(t.per_cipher[3] == 116);
    CHECK(t.runts == 3);  // the 4-byte NAT-t junk datagrams after RENDEZVOUS
    for (const char* verb : {"HELLO", "OK(HELLO)", "OK(WHOIS)", "OK(ECHO)", "ERROR", "WHOIS", "RENDEZVOUS",
                             "FRAME", "MULTICAST_FRAME", "PUSH_DIRECT_PATHS"}) {
        INFO(verb);
        CHECK(t.per_codec[verb] > 0);
    }

    // Every Ethernet frame on A's tap (ARP request/reply, 4 pings and replies) was carried
    // by one FRAME or MULTICAST_FRAME: EtherType + payload match.
    size_t matched = 0;
    for (const auto& r : ztest::read_pcap(ztest::vector_path("captures/02-ping-inner-zt0-a.pcap"))) {
        Bytes e(r.frame.begin() + 12, r.frame.end());
        bool found = false;
        for (const Bytes& f : t.frames) found = found || f == e;
        CHECK(found);
        matched += found;
    }
    CHECK(matched == 10);
}
