// The world of fuzz_node_vl2, built once (signing is slow): the node under test "a", the
// controller "ctl" of the private network kNet, the member "b", a member "x" whose COM does not
// agree with ours, and a root. It holds two signed configurations of kNet for "a" (rules that
// run the engine, capabilities, tags, COOs), the members' signed credentials, revocations, and
// the configurations "a" hands out when it is the controller of its own network kOwn (§9).
// Records splice these blobs into packet payloads (fuzz_node_vl2.cpp).
#pragma once

#include <array>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/crypto/aes_gmac_siv.hpp"
#include "core/node/node.hpp"
#include "core/rng.hpp"
#include "core/vl2/config_chunk.hpp"
#include "core/vl2/multicast_gather.hpp"
#include "core/vl2/network_config.hpp"
#include "core/vl2/network_credentials.hpp"
#include "core/vl2/revocation.hpp"
#include "fuzz_common.hpp"
#include "fuzz_vl2_rules.hpp"

namespace zfuzz::vl2world {

using namespace zt;

inline constexpr UnixMs kUnixBase = 1732464000000LL;     // every credential's timestamp
inline constexpr int64_t kMaxDeltaMs = 7200000;           // ctmd: COMs within 2 h agree

// The blobs a record can splice into a payload (fuzz_node_vl2.cpp, verb byte bit 0x20).
// creds_rev_b_tag also carries a signed revocation of a type that cannot be revoked.
enum Blob : uint8_t {
    chunk_config_a,   // kNet config chunk for "a", signed by ctl (rules, caps, tags, COO)
    chunk_config_b,   // revision 2: NDP emulation, IPv6 addresses, other rules, no broadcast
    creds_b,          // NETWORK_CREDENTIALS payload: b's COM, capability, tag, COO on kNet
    creds_x,          // x's COM, 10 h older than ours (does not agree)
    creds_rev_b_com,  // a fast-propagate revocation of b's COM
    creds_rev_a_com,  // a revocation of our own COM
    creds_rev_b_tag,  // revocations of b's tag and capability
    com_b,            // the bare credentials, to build NETWORK_CREDENTIALS by hand
    com_x,
    com_a,
    tag_b,
    cap_b,
    coo_b,
    rev_b_com,
    own_creds_b,      // b's COM on kOwn, signed by a (a is kOwn's controller)
    chunk_forged,     // a kNet chunk signed by b (revision 99): must never be accepted
    gather_with_com,  // MULTICAST_GATHER payload (ARP group of a's IP) carrying b's COM
    chunk_config_c,   // revision 3: a public network, rules that accept all, multicast off
    chunk_fast,       // configuration A again, marked for fast propagation (§8.4)
    chunk_for_b,      // signed by ctl but issued to b (revision 98): must never be accepted
    chunk_wrong_net,  // signed by ctl, in a kNet chunk, for x's network (revision 97): never accepted
    chunk_config_d1,  // revision 4 in two chunks (80 tags: credentials go out in several packets)
    chunk_config_d2,
    kBlobCount
};

// One identity the harness speaks for, with the key it shares with "a".
struct Party {
    Identity id;
    Endpoint ep;
    SymmetricKey key;
    mutable std::optional<crypto::AesGmacSiv> aes;  // armor() takes it non-const
};

inline wire::InetPrefix v4(uint8_t last, uint8_t bits = 24) {
    return wire::InetPrefix{Endpoint::v4({10, 147, 17, last}, 0), bits};
}

// The upstream selftest identity with its secret (vectors/identities.json, first entry).
inline Identity selftest_identity() {
    std::ifstream in(std::string(ZT_VECTORS_DIR) + "/identities.json");
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str(), key = "\"identity\": \"";
    const size_t at = text.find(key);
    require(at != std::string::npos);
    const size_t end = text.find('"', at + key.size());
    auto id = Identity::from_string(text.substr(at + key.size(), end - at - key.size()));
    require(id && id->has_secret());
    return *id;
}

struct Fixture {
    Identity self = load_capture_identity("a");
    Party ctl, b, x, root;
    zt::World planet;
    NetworkId own_net;  // "a"'s own network (a << 24 | 1)
    NetworkId x_net;    // x's network (x << 24 | 1): nobody here signs configurations for it
    std::array<Bytes, kBlobCount> blobs;
    Bytes dict_a, dict_b;                       // the two kNet configurations as Dictionaries
    vl2::NetworkConfig own_self, own_b;        // kOwn configurations (a is the controller)
    vl2::Revocation own_rev_b;                 // b's kOwn COM revoked, signed by a

    Fixture() {
        ctl = party(load_capture_identity("ctl"), 4);
        b = party(load_capture_identity("b"), 2);
        x = party(selftest_identity(), 5);
        root = party(load_capture_identity("root"), 3);
        own_net = NetworkId{self.address().value() << 24 | 1};
        x_net = NetworkId{x.id.address().value() << 24 | 1};
        make_planet();
        make_kNet();
        make_own();
    }

    const Party* party_of(Address a) const {
        for (const Party* p : {&ctl, &b, &x, &root})
            if (p->id.address() == a) return p;
        return nullptr;
    }

private:
    Party party(Identity id, uint8_t last) {
        Party p{std::move(id), Endpoint::v4({10, 0, 0, last}, 9993), {}, std::nullopt};
        p.key = *p.id.agree(self);
        p.aes = crypto::AesGmacSiv::from_peer_key(p.key);
        return p;
    }

    void make_planet() {
        SeededRng rng(7);
        std::array<uint8_t, 64> s{};
        rng.fill(s);
        crypto::C25519Secret secret{std::span<const uint8_t, 64>(s)};
        auto w = zt::World::sign(zt::World::Type::planet, 0x7a747266, 1000,
                                 {zt::World::Root{root.id.public_only(), {root.ep}}},
                                 crypto::c25519_public_from_secret(secret), secret);
        require(w.has_value());
        planet = *w;
    }

    template <class T>
    static Bytes bytes_of(const T& v) {
        std::vector<uint8_t> buf(kMaxPacketLength);
        Writer w(buf);
        v.serialize(w);
        require(w.ok());
        return Bytes(w.written().begin(), w.written().end());
    }

    static vl2::CertificateOfMembership com(NetworkId nwid, UnixMs at, const Identity& member, const Identity& signer) {
        auto c = vl2::CertificateOfMembership::issue(nwid, at, uint64_t(kMaxDeltaMs), member);
        require(c.sign(signer));
        return c;
    }
    static vl2::Tag tag(NetworkId nwid, uint32_t id, uint32_t value, Address to, const Identity& signer) {
        vl2::Tag t;
        t.nwid = nwid;
        t.timestamp = kUnixBase;
        t.id = id;
        t.value = value;
        t.issued_to = to;
        require(t.sign(signer));
        return t;
    }
    static vl2::Capability cap(NetworkId nwid, uint32_t id, std::vector<Rule> rules, Address to, const Identity& signer) {
        auto c = vl2::Capability::issue(nwid, kUnixBase, id, std::move(rules), 1);
        require(c.sign(signer, to));
        return c;
    }
    static vl2::CertificateOfOwnership coo(NetworkId nwid, Address to, std::vector<Endpoint> ips, const Identity& signer) {
        vl2::CertificateOfOwnership c;
        c.nwid = nwid;
        c.timestamp = kUnixBase;
        c.id = 1;
        c.issued_to = to;
        for (const auto& ip : ips) require(c.add_ip(ip));
        require(c.add_mac(mac_of(to, nwid)));
        require(c.sign(signer));
        return c;
    }
    static vl2::Revocation revocation(NetworkId nwid, Address target, vl2::CredentialType type, uint32_t cred_id,
                                      const Identity& signer) {
        vl2::Revocation r;
        r.id = 0x5eed + cred_id;
        r.nwid = nwid;
        r.credential_id = cred_id;
        r.threshold = kUnixBase;
        r.flags = vl2::Revocation::kFlagFastPropagate;
        r.target = target;
        r.type = type;
        require(r.sign(signer));
        return r;
    }
    vl2::NetworkConfig base_config(NetworkId nwid, uint64_t revision, Address to, const Identity& signer) const {
        vl2::NetworkConfig c;
        c.nwid = nwid;
        c.timestamp = kUnixBase;
        c.revision = revision;
        c.issued_to = to;
        c.credential_time_max_delta_ms = kMaxDeltaMs;
        c.flags = vl2::NetworkConfig::kFlagEnableBroadcast;
        c.multicast_limit = 4;
        c.type = vl2::NetworkType::private_network;
        c.name = "fuzznet";
        c.mtu = 2800;
        c.static_ips = {v4(11)};
        c.routes.push_back(vl2::Route{v4(0), std::nullopt, 0, 0});
        c.com = com(nwid, kUnixBase, to == self.address() ? self : b.id, signer);
        c.coos.push_back(coo(nwid, to, {Endpoint::v4({10, 147, 17, uint8_t(to == self.address() ? 11 : 12)}, 0)}, signer));
        c.tags.push_back(tag(nwid, 100, 7, to, signer));
        return c;
    }

    Bytes chunk_of(const vl2::NetworkConfig& c, uint64_t update_id, const Identity& signer, Bytes& dict) {
        auto d = c.to_dictionary();
        require(d.has_value());
        dict = d->serialize();
        auto chunks = vl2::make_config_chunks(c.nwid, dict, update_id, signer);
        require(chunks.size() == 1);
        return chunks[0];
    }

    void make_kNet() {
        const Identity& sig = ctl.id;
        vl2::NetworkConfig a = base_config(kNet, 1, self.address(), sig);
        a.rules = rules_a(x.id.address(), ctl.id.address());
        a.capabilities.push_back(cap(kNet, 1, {match_proto(6), dport(22, 22), rule(RuleType::action_accept)},
                                     self.address(), sig));
        a.specialists.push_back(vl2::NetworkConfig::kSpecialistAnchor | b.id.address().value());
        blobs[chunk_config_a] = chunk_of(a, 0x1111, sig, dict_a);

        vl2::NetworkConfig bcfg = base_config(kNet, 2, self.address(), sig);
        bcfg.flags = vl2::NetworkConfig::kFlagNdpEmulation;
        bcfg.multicast_limit = 1;
        bcfg.static_ips.push_back(wire::InetPrefix{Endpoint::v6(rfc4193_address(kNet, self.address()), 0), 88});
        bcfg.static_ips.push_back(wire::InetPrefix{Endpoint::v6(sixplane_address(kNet, self.address()), 0), 40});
        bcfg.rules = rules_b(x.id.address(), b.id.address());
        bcfg.capabilities.push_back(cap(kNet, 2, {ethertype(vl2::kEtherTypeIpv6), rule(RuleType::action_accept)},
                                        self.address(), sig));
        bcfg.specialists.push_back(vl2::NetworkConfig::kSpecialistMulticastReplicator | x.id.address().value());
        blobs[chunk_config_b] = chunk_of(bcfg, 0x2222, sig, dict_b);
        Bytes unused;
        vl2::NetworkConfig bad = bcfg;
        bad.revision = 99;
        blobs[chunk_forged] = chunk_of(bad, 0x3333, b.id, unused);
        bad = base_config(kNet, 98, b.id.address(), sig);
        blobs[chunk_for_b] = chunk_of(bad, 0x6666, sig, unused);
        bad = base_config(x_net, 97, self.address(), sig);
        auto d = bad.to_dictionary();
        require(d.has_value());
        auto wrong = vl2::make_config_chunks(kNet, d->serialize(), 0x7777, sig);
        require(wrong.size() == 1);
        blobs[chunk_wrong_net] = wrong[0];

        vl2::NetworkConfig big = base_config(kNet, 4, self.address(), sig);
        big.rules = a.rules;
        for (uint32_t i = 1; i < 80; ++i) big.tags.push_back(tag(kNet, 100 + i, i, self.address(), sig));
        for (uint32_t i = 1; i < 6; ++i)
            big.capabilities.push_back(cap(kNet, 10 + i, {match_proto(uint8_t(i)), rule(RuleType::action_accept)}, self.address(), sig));
        d = big.to_dictionary();
        require(d.has_value());
        auto two = vl2::make_config_chunks(kNet, d->serialize(), 0x8888, sig);
        require(two.size() == 2);
        blobs[chunk_config_d1] = two[0];
        blobs[chunk_config_d2] = two[1];

        vl2::NetworkConfig c = base_config(kNet, 3, self.address(), sig);
        c.type = vl2::NetworkType::public_network;
        c.flags = 0;
        c.multicast_limit = 0;
        c.rules = {rule(RuleType::action_accept)};
        blobs[chunk_config_c] = chunk_of(c, 0x4444, sig, unused);
        auto fast = vl2::make_config_chunks(kNet, dict_a, 0x5555, sig, vl2::ConfigChunk::kFlagFastPropagate);
        require(fast.size() == 1);
        blobs[chunk_fast] = fast[0];

        const auto cb = com(kNet, kUnixBase, b.id, sig), cx = com(kNet, kUnixBase - 36000000, x.id, sig),
                   ca = com(kNet, kUnixBase, self, sig);
        const auto tb = tag(kNet, 100, 7, b.id.address(), sig);
        const auto capb = cap(kNet, 3, {match_proto(17), rule(RuleType::action_accept)}, b.id.address(), sig);
        const auto coob = coo(kNet, b.id.address(), {Endpoint::v4({10, 147, 17, 12}, 0)}, sig);
        const auto rb = revocation(kNet, b.id.address(), vl2::CredentialType::com, 0, sig);
        blobs[com_b] = bytes_of(cb);
        blobs[com_x] = bytes_of(cx);
        blobs[com_a] = bytes_of(ca);
        blobs[tag_b] = bytes_of(tb);
        blobs[cap_b] = bytes_of(capb);
        blobs[coo_b] = bytes_of(coob);
        blobs[rev_b_com] = bytes_of(rb);

        vl2::NetworkCredentials nc;
        nc.coms = {cb};
        nc.capabilities = {capb};
        nc.tags = {tb};
        nc.coos = {coob};
        blobs[creds_b] = bytes_of(nc);
        blobs[creds_x] = bytes_of(vl2::NetworkCredentials{{cx}, {}, {}, {}, {}});
        blobs[creds_rev_b_com] = bytes_of(vl2::NetworkCredentials{{}, {}, {}, {rb}, {}});
        blobs[creds_rev_a_com] = bytes_of(
            vl2::NetworkCredentials{{}, {}, {}, {revocation(kNet, self.address(), vl2::CredentialType::com, 0, sig)}, {}});
        blobs[creds_rev_b_tag] = bytes_of(vl2::NetworkCredentials{
            {}, {}, {}, {revocation(kNet, b.id.address(), vl2::CredentialType::tag, 100, sig),
                         revocation(kNet, b.id.address(), vl2::CredentialType::capability, 3, sig),
                         revocation(kNet, b.id.address(), vl2::CredentialType::null, 9, sig)}, {}});

        vl2::MulticastGather g;
        g.nwid = kNet;
        g.group_mac = Mac(0xffffffffffffULL);
        g.group_adi = 0x0a93110b;  // 10.147.17.11
        g.gather_limit = 8;
        g.com = cb;
        blobs[gather_with_com] = bytes_of(g);
    }

    void make_own() {
        own_self = base_config(own_net, 1, self.address(), self);
        own_self.rules = rules_a(x.id.address(), ctl.id.address());
        own_b = base_config(own_net, 1, b.id.address(), self);
        own_b.static_ips = {v4(12)};
        own_b.rules = rules_b(x.id.address(), b.id.address());
        for (uint32_t i = 1; i < 80; ++i) own_b.tags.push_back(tag(own_net, 100 + i, i, b.id.address(), self));  // 2 chunks
        blobs[own_creds_b] = bytes_of(vl2::NetworkCredentials{{*own_b.com}, {}, {}, {}, {}});
        own_rev_b = revocation(own_net, b.id.address(), vl2::CredentialType::com, 0, self);
    }
};

}  // namespace zfuzz::vl2world
