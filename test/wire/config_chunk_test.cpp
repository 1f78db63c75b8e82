// NETWORK_CONFIG_REQUEST (spec §5.10, §8.2), config chunks and their reassembly (§8.4), and
// the NETWORK_CONFIG ack (§5.11), against 01-bringup.pcap: a's request, the controller's
// OK(NETWORK_CONFIG_REQUEST), the NETWORK_CONFIG pushes to a and b, and a's OK in-re ECHO.
#include <catch2/catch.hpp>

#include <utility>

#include "capture_identities.hpp"
#include "capture_vectors.hpp"
#include "core/vl1/ok.hpp"
#include "core/vl2/config_chunk.hpp"
#include "core/vl2/dictionary.hpp"
#include "core/vl2/network_config_request.hpp"
#include "wire_test_util.hpp"

using namespace zt;
using namespace zt::vl2;

namespace {

constexpr NetworkId kNwid{0xc41b8868ac000001ULL};

Bytes captured_config() {
    return ztest::hex(ztest::load_vectors("dictionaries.json")["network_config"]["raw_hex"].s());
}

Bytes ok_body(const ztest::CapturedPacket& p) {
    auto ok = vl1::Ok::parse(p.payload_decompressed);
    REQUIRE(ok);
    return Bytes(ok->body.begin(), ok->body.end());
}

const ztest::CapturedPacket& config_push_to(const std::string& to) {
    for (const auto& p : ztest::captured_packets())
        if (p.verb == "NETWORK_CONFIG" && p.to.rfind(to + " ", 0) == 0) return p;
    FAIL("no NETWORK_CONFIG to " << to);
    throw 0;
}

// A signed chunk of an update of `total` bytes carrying `data` at `index`.
Bytes signed_chunk(uint64_t update_id, uint32_t total, uint32_t index, const Bytes& data, const Identity& ctl) {
    ConfigChunk c;
    c.nwid = kNwid;
    c.data = data;
    c.update_id = update_id;
    c.total_length = total;
    c.index = index;
    REQUIRE(c.sign(ctl));
    return ztest::serialize_filled(c, ConfigChunk::kMandatoryLength + data.size());
}

ConfigChunk parsed(const Bytes& b) {
    auto c = ConfigChunk::parse(b);
    REQUIRE(c);
    return *c;
}

}  // namespace

TEST_CASE("network config request: captured a -> ctl", "[wire]") {
    const auto& p = ztest::captured("NETWORK_CONFIG_REQUEST");
    const Bytes& payload = p.payload_decompressed;
    auto q = NetworkConfigRequest::parse(payload);
    REQUIRE(q);
    CHECK(q->nwid == kNwid);
    CHECK(q->revision == 0);
    CHECK(q->timestamp == 0);
    const Bytes meta = ztest::hex(ztest::load_vectors("dictionaries.json")["request_metadata"]["hex"].s());
    CHECK(Bytes(q->metadata.begin(), q->metadata.end()) == meta);
    bool tail_ok = false;
    CHECK(ztest::serialize_filled(*q, 400, &tail_ok) == payload);
    CHECK(tail_ok);
    CHECK(ztest::short_prefixes_fail<NetworkConfigRequest>(payload, NetworkConfigRequest::kMandatoryLength + meta.size()));
    // Revision and timestamp: absent reads 0, partial is refused, extra bytes are ignored.
    Bytes bare(payload.begin(), payload.end() - 16);
    auto b = NetworkConfigRequest::parse(bare);
    REQUIRE(b);
    CHECK(b->revision == 0);
    for (size_t cut = 1; cut < 16; ++cut) CHECK_FALSE(NetworkConfigRequest::parse(Bytes(payload.begin(), payload.end() - long(cut))));
    Bytes more = payload;
    more.push_back(0x42);
    CHECK(NetworkConfigRequest::parse(more));

    // Our own request builder sends the very same metadata.
    CHECK(request_metadata().serialize() == meta);
    const Bytes ours = request_metadata().serialize();
    NetworkConfigRequest mine{kNwid, ours, 0x10, 0x000001a20ec0ba12LL};
    auto back = NetworkConfigRequest::parse(ztest::serialize_filled(mine));
    REQUIRE(back);
    CHECK(back->revision == 0x10);
    CHECK(back->timestamp == 0x000001a20ec0ba12LL);
}

TEST_CASE("network config request: metadata with a join token", "[wire]") {
    Dictionary d = request_metadata("linux/aarch64", "token:s3cr=t");
    CHECK(d.get_string("o") == "linux/aarch64");
    CHECK(d.get_string("a") == "token:s3cr=t");
    const Bytes t = d.serialize();
    const std::string tail = "\no=linux/aarch64\na=token:s3cr\\et";
    CHECK(std::string(t.end() - long(tail.size()), t.end()) == tail);
}

TEST_CASE("config chunk: the captured OK(NETWORK_CONFIG_REQUEST) chunk verifies and assembles", "[wire]") {
    const Identity ctl = ztest::capture_identity("ctl");
    const Bytes body = ok_body(ztest::captured("OK", "NETWORK_CONFIG_REQUEST"));
    auto c = ConfigChunk::parse(body);
    REQUIRE(c);
    CHECK_FALSE(c->legacy);
    CHECK(c->nwid == kNwid);
    CHECK(c->data.size() == 1121);
    CHECK(c->flags == 0);
    CHECK(c->update_id == 0xcaa3c4c3539c7b9bULL);
    CHECK(c->total_length == 1121);
    CHECK(c->index == 0);
    CHECK(c->verify(ctl.public_only()));
    CHECK_FALSE(c->verify(ztest::capture_identity("a")));
    bool tail_ok = false;
    CHECK(ztest::serialize_filled(*c, 2000, &tail_ok) == body);
    CHECK(tail_ok);

    ConfigAssembler as{kNwid};
    auto out = as.add(*c, ctl.public_only(), 1000);
    CHECK(out.status == ConfigAssembler::Status::complete);
    CHECK(out.update_id == 0xcaa3c4c3539c7b9bULL);
    CHECK(out.dictionary == captured_config());
    CHECK(as.add(*c, ctl.public_only(), 1001).status == ConfigAssembler::Status::duplicate);
    CHECK(as.buffered_bytes() == 0);

    // Cut and signed here, the config is the controller's chunk byte for byte.
    auto chunks = make_config_chunks(kNwid, captured_config(), 0xcaa3c4c3539c7b9bULL, ctl);
    REQUIRE(chunks.size() == 1);
    CHECK(chunks[0] == body);
}

TEST_CASE("config chunk: the NETWORK_CONFIG pushes to a and b verify and ack", "[wire]") {
    const Identity ctl = ztest::capture_identity("ctl").public_only();
    for (const char* who : {"a", "b"}) {
        const auto& p = config_push_to(who);
        auto c = ConfigChunk::parse(p.payload_decompressed);
        REQUIRE(c);
        CHECK(c->verify(ctl));
        CHECK(c->total_length == c->data.size());
        ConfigAssembler as{kNwid};
        auto out = as.add(*c, ctl, 0);
        REQUIRE(out.status == ConfigAssembler::Status::complete);
        auto d = Dictionary::parse(out.dictionary);
        REQUIRE(d);
        CHECK(d->get_u64("nwid") == kNwid.value);
        CHECK(d->get_address("id") == ztest::capture_identity(who).address());
        CHECK(ztest::serialize_filled(*c) == p.payload_decompressed);
        const size_t c_len = c->data.size();
        CHECK(ztest::short_prefixes_fail<ConfigChunk>(p.payload_decompressed, 10 + c_len));
        for (size_t n = 10 + c_len + 1; n < p.payload_decompressed.size(); ++n)
            CHECK_FALSE(ConfigChunk::parse(std::span<const uint8_t>(p.payload_decompressed.data(), n)));
    }

    // a's OK in-re ECHO acknowledges the push: its packet id and update id.
    const auto& ack_packet = ztest::captured("OK", "ECHO");
    auto ok = vl1::Ok::parse(ack_packet.payload_decompressed);
    REQUIRE(ok);
    CHECK(ok->in_re_verb == Verb::echo);
    const auto& push = config_push_to("a");
    CHECK(ok->in_re_packet_id == 0xede94ecf7b12a35fULL);
    CHECK(to_hex(std::span<const uint8_t>(push.wire).first(8)) == "ede94ecf7b12a35f");
    auto ack = NetworkConfigAck::parse(ok->body);
    REQUIRE(ack);
    CHECK(ack->nwid == kNwid);
    CHECK(ack->update_id == ConfigChunk::parse(push.payload_decompressed)->update_id);
    CHECK(ztest::serialize_filled(*ack) == Bytes(ok->body.begin(), ok->body.end()));
    CHECK(ztest::short_prefixes_fail<NetworkConfigAck>(Bytes(ok->body.begin(), ok->body.end()), NetworkConfigAck::kLength));
    Bytes longer(ok->body.begin(), ok->body.end());
    longer.push_back(0);
    CHECK_FALSE(NetworkConfigAck::parse(longer));
}

TEST_CASE("config chunk: a config cut into chunks reassembles in any order, duplicates dropped", "[wire]") {
    const Identity ctl = ztest::capture_identity("ctl");
    const Bytes config = captured_config();
    auto chunks = make_config_chunks(kNwid, config, 0x1122334455667788ULL, ctl, ConfigChunk::kFlagFastPropagate, 300);
    REQUIRE(chunks.size() == 4);
    ConfigAssembler as{kNwid};
    using S = ConfigAssembler::Status;
    const std::pair<size_t, S> steps[] = {
        {3, S::incomplete}, {1, S::incomplete}, {1, S::duplicate}, {0, S::incomplete}, {3, S::duplicate}};
    for (auto [i, want] : steps) {
        auto c = parsed(chunks[i]);
        CHECK(c.fast_propagate());
        CHECK(c.index == 300 * i);
        CHECK(c.data.size() == (i == 3 ? 221u : 300u));
        CHECK(c.verify(ctl));
        CHECK(as.add(c, ctl, 10).status == want);
    }
    CHECK(as.buffered_bytes() == config.size());
    auto last = as.add(parsed(chunks[2]), ctl, 11);
    CHECK(last.status == S::complete);
    CHECK(last.dictionary == config);
    CHECK(as.add(parsed(chunks[2]), ctl, 12).status == S::duplicate);
    CHECK(as.updates() == 1);

    // A chunk whose bytes were changed fails the signature check, unless it is a duplicate.
    ConfigAssembler fresh{kNwid};
    Bytes bad = chunks[0];
    bad[20] ^= 0x01;
    CHECK(fresh.add(parsed(bad), ctl, 0).status == S::bad_signature);
    CHECK(fresh.updates() == 0);
    CHECK(fresh.add(parsed(chunks[0]), ctl, 0).status == S::incomplete);
    CHECK(fresh.add(parsed(bad), ctl, 0).status == S::duplicate);
    // Overlapping chunks count their bytes once.
    Bytes mid(config.begin() + 250, config.begin() + 650);
    CHECK(fresh.add(parsed(signed_chunk(0x1122334455667788ULL, 1121, 250, mid, ctl)), ctl, 0).status == S::incomplete);
    CHECK(fresh.add(parsed(chunks[1]), ctl, 0).status == S::duplicate);
    CHECK(fresh.add(parsed(chunks[3]), ctl, 0).status == S::incomplete);
    auto done = fresh.add(parsed(chunks[2]), ctl, 0);
    CHECK(done.status == S::complete);
    CHECK(done.dictionary == config);
}

TEST_CASE("config chunk: assembler bounds, eviction, expiry and legacy chunks", "[wire]") {
    const Identity ctl = ztest::capture_identity("ctl");
    using S = ConfigAssembler::Status;
    const Bytes four = {'a', 'b', 'c', 'd'};
    ConfigAssembler as{kNwid};

    // Ranges and sizes.
    CHECK(as.add(parsed(signed_chunk(1, 3, 0, four, ctl)), ctl, 0).status == S::bad_range);
    CHECK(as.add(parsed(signed_chunk(1, 0, 0, {}, ctl)), ctl, 0).status == S::bad_range);
    CHECK(as.add(parsed(signed_chunk(1, 10, 0xfffffffe, four, ctl)), ctl, 0).status == S::bad_range);
    CHECK(as.add(parsed(signed_chunk(1, ConfigAssembler::kMaxConfigBytes + 1, 0, four, ctl)), ctl, 0).status == S::bad_range);
    CHECK(as.add(parsed(signed_chunk(1, 10, 0, four, ctl)), ctl, 0).status == S::incomplete);
    CHECK(as.add(parsed(signed_chunk(1, 11, 4, four, ctl)), ctl, 0).status == S::bad_range);  // total differs
    CHECK(as.add(parsed(signed_chunk(1, 10, 4, {}, ctl)), ctl, 0).status == S::duplicate);   // empty
    ConfigChunk foreign = parsed(signed_chunk(1, 10, 4, four, ctl));
    foreign.nwid = NetworkId{kNwid.value + 1};
    CHECK(as.add(foreign, ctl, 0).status == S::wrong_network);
    CHECK(as.add(parsed(signed_chunk(1, 10, 4, four, ctl)), ztest::capture_identity("a"), 0).status == S::bad_signature);

    // Three updates at once; a fourth replaces the least recently touched.
    CHECK(as.add(parsed(signed_chunk(2, 10, 0, four, ctl)), ctl, 1).status == S::incomplete);
    CHECK(as.add(parsed(signed_chunk(3, 10, 0, four, ctl)), ctl, 2).status == S::incomplete);
    CHECK(as.add(parsed(signed_chunk(1, 10, 4, four, ctl)), ctl, 3).status == S::incomplete);  // touches 1
    CHECK(as.updates() == 3);
    CHECK(as.add(parsed(signed_chunk(4, 10, 0, four, ctl)), ctl, 4).status == S::incomplete);
    CHECK(as.updates() == 3);
    CHECK(as.add(parsed(signed_chunk(2, 10, 0, four, ctl)), ctl, 5).status == S::incomplete);  // 2 was gone
    CHECK(as.add(parsed(signed_chunk(1, 10, 0, four, ctl)), ctl, 6).status == S::duplicate);   // 1 kept
    CHECK(as.buffered_bytes() == 30);

    // Expiry: updates untouched for 60 s are forgotten.
    // Held now: 1 (touched at 3), 4 (at 4), 2 (at 5).
    as.expire(4 + ConfigAssembler::kUpdateTimeoutMs);
    CHECK(as.updates() == 1);
    as.expire(5 + ConfigAssembler::kUpdateTimeoutMs);
    CHECK(as.updates() == 0);

    // The buffered total stays within 1 MiB: a second 600 KB update replaces the first.
    ConfigAssembler big{kNwid};
    CHECK(big.add(parsed(signed_chunk(7, 600000, 0, four, ctl)), ctl, 0).status == S::incomplete);
    CHECK(big.add(parsed(signed_chunk(8, 600000, 0, four, ctl)), ctl, 1).status == S::incomplete);
    CHECK(big.updates() == 1);
    CHECK(big.buffered_bytes() == 600000);
    CHECK(big.add(parsed(signed_chunk(8, 600000, 4, four, ctl)), ctl, 2).status == S::incomplete);

    // Legacy: an OK that ends after the Dictionary is one unsigned chunk, keyed by packet id.
    const Bytes config = captured_config();
    ConfigChunk legacy;
    legacy.nwid = kNwid;
    legacy.data = config;
    legacy.legacy = true;
    CHECK_FALSE(legacy.sign(ctl));
    Bytes lb = ztest::serialize_filled(legacy);
    CHECK(lb.size() == 10 + config.size());
    auto lc = ConfigChunk::parse(lb);
    REQUIRE(lc);
    CHECK(lc->legacy);
    CHECK_FALSE(lc->verify(ctl));
    ConfigAssembler old{kNwid};
    CHECK(old.add(*lc, ctl, 0).status == S::wrong_kind);
    auto out = old.add_legacy(*lc, 0xabcdef, 0);
    CHECK(out.status == S::complete);
    CHECK(out.update_id == 0xabcdefu);
    CHECK(out.dictionary == config);
    CHECK(old.add_legacy(*lc, 0xabcdef, 1).status == S::duplicate);
    CHECK(old.add_legacy(parsed(signed_chunk(9, 4, 0, four, ctl)), 5, 1).status == S::wrong_kind);

    // A signature block other than type 1 / length 96 is refused.
    Bytes sb = signed_chunk(1, 4, 0, four, ctl);
    Bytes t = sb;
    t[10 + 4 + 17] = 2;
    CHECK_FALSE(ConfigChunk::parse(t));
    t = sb;
    t[10 + 4 + 17 + 2] = 95;
    CHECK_FALSE(ConfigChunk::parse(t));
}
