// Static IP assignment (ip_assignment.hpp), spec §9.2 step 6 and §6.6, as 1.14.1's
// EmbeddedNetworkController::_request does it; where we differ, the comment says so.
#include "core/controller/ip_assignment.hpp"

#include <algorithm>
#include <array>

#include "core/controller/ip_text.hpp"
#include "core/crypto/sha.hpp"
#include "core/ipv6_schemes.hpp"
#include "core/wire/writer.hpp"

namespace zt::controller {

namespace {

using Family = Endpoint::Family;

// The longest route of `ip`'s family containing it: its prefix length, or -1. IPv6 pool
// addresses count only on-link routes (upstream: `via` unset); IPv4 ones any route.
int longest_route(std::span<const vl2::Route> routes, const Endpoint& ip, bool on_link_only) {
    int bits = -1;
    for (const auto& r : routes) {
        if (on_link_only && r.via) continue;
        if (prefix_contains(r.target, ip)) bits = std::max(bits, int(r.target.bits));
    }
    return bits;
}

struct U128 {
    uint64_t hi = 0;
    uint64_t lo = 0;
};

U128 to_u128(const Endpoint& ip) {
    U128 v;
    for (size_t i = 0; i < 8; ++i) v.hi = (v.hi << 8) | ip.ip[i];
    for (size_t i = 8; i < 16; ++i) v.lo = (v.lo << 8) | ip.ip[i];
    return v;
}

Endpoint from_u128(U128 v) {
    Ipv6 b{};
    for (size_t i = 0; i < 8; ++i) {
        b[i] = uint8_t(v.hi >> (56 - 8 * i));
        b[8 + i] = uint8_t(v.lo >> (56 - 8 * i));
    }
    return Endpoint::v6(b, 0);
}

// Upstream draws the later IPv6 trials from its secure RNG; ours come from
// SHA-512(nwid ‖ member address ‖ pool index ‖ trial), so a member gets the same address from
// the same free pool every time and the builder needs no Rng.
U128 trial_bits(NetworkId nwid, Address member, size_t pool, size_t trial) {
    std::array<uint8_t, 8 + 5 + 4 + 4> msg{};
    Writer w(msg);
    w.u64be(nwid.value);
    w.u40be(member.value());
    w.u32be(uint32_t(pool));
    w.u32be(uint32_t(trial));
    const auto d = crypto::sha512(msg);
    U128 v;
    for (size_t i = 0; i < 8; ++i) {
        v.hi = (v.hi << 8) | d[i];
        v.lo = (v.lo << 8) | d[8 + i];
    }
    return v;
}

class Assigner {
public:
    Assigner(const MemberRecord& member, std::span<const vl2::Route> routes,
             const std::function<bool(const std::string&)>& ip_taken)
        : member_(member), routes_(routes), ip_taken_(ip_taken) {}

    void add_static(const Endpoint& ip, int bits) {
        if (out.static_ips.size() < vl2::NetworkConfig::kMaxStaticIps)
            out.static_ips.push_back(wire::InetPrefix{ip, uint8_t(bits)});
    }

    // The member's stored addresses that some route holds; each marks its family as managed
    // (even past the 32 that fit in the config, as upstream counts them).
    void stored_assignments() {
        for (const auto& text : member_.ip_assignments) {
            auto ip = ip_from_text(std::string_view(text).substr(0, text.find('/')));
            if (!ip) continue;
            const int bits = longest_route(routes_, *ip, false);
            if (bits < 0) continue;
            add_static(*ip, bits);
            (ip->family == Family::v4 ? have_v4 : have_v6) = true;
        }
    }

    // Claims `ip` unless some member (this one included) holds it; false if it cannot.
    bool claim(const Endpoint& ip, int bits) {
        if (bits <= 0) return false;
        std::string text = ip_to_text(ip);
        if (ip_taken_(text)) return false;
        if (std::find(member_.ip_assignments.begin(), member_.ip_assignments.end(), text) != member_.ip_assignments.end())
            return false;
        add_static(ip, bits);
        out.new_ips.push_back(std::move(text));
        return true;
    }

    // §9.2: first `start + address` in the low 64 bits when the pool spans at least 2^40
    // there, then pseudo-random addresses inside the pool; each must lie in an on-link route.
    void pool_v6(NetworkId nwid, size_t pool_index, const IpPool& pool) {
        if (pool.first.family != Family::v6 || pool.last.family != Family::v6) return;
        const U128 s = to_u128(pool.first), e = to_u128(pool.last);
        const Address a = member_.address;
        for (size_t trial = 0; trial < kPoolTrials; ++trial) {
            U128 x;
            if (trial == 0 && e.lo > s.lo && e.lo - s.lo >= 0xffffffffffULL) {
                x = {s.hi, s.lo + a.value()};
            } else {
                const U128 r = trial_bits(nwid, a, pool_index, trial);
                x.hi = s.hi + (e.hi > s.hi ? r.hi % (e.hi - s.hi) : 0);
                x.lo = s.lo + (e.lo > s.lo ? r.lo % (e.lo - s.lo) : 0);
            }
            const Endpoint ip = from_u128(x);
            if (claim(ip, longest_route(routes_, ip, true))) {
                have_v6 = true;
                return;
            }
        }
    }

    // §9.2: scan from offset (address mod (end - start)), at most kPoolTrials addresses, never
    // one ending in .255 (upstream does hand out .0 addresses, and so do we), inside an IPv4
    // route. The end address itself is only reached when start == end, as upstream.
    void pool_v4(const IpPool& pool) {
        if (pool.first.family != Family::v4 || pool.last.family != Family::v4) return;
        auto u32 = [](const Endpoint& ip) {
            return (uint32_t(ip.ip[0]) << 24) | (uint32_t(ip.ip[1]) << 16) | (uint32_t(ip.ip[2]) << 8) | ip.ip[3];
        };
        const uint32_t start = u32(pool.first), end = u32(pool.last);
        if (end < start || start == 0) return;
        const uint32_t len = end - start;
        uint32_t counter = uint32_t(member_.address.value() & 0xffffffffULL);
        for (uint64_t k = start, trial = 0; k <= end && trial < kPoolTrials; ++k, ++trial) {
            const uint32_t v = len > 0 ? start + (counter % len) : start;
            ++counter;
            if ((v & 0xff) == 0xff) continue;
            const Endpoint ip = Endpoint::v4({uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)}, 0);
            if (claim(ip, longest_route(routes_, ip, false))) {
                have_v4 = true;
                return;
            }
        }
    }

    IpAssignment out;
    bool have_v4 = false;
    bool have_v6 = false;  // RFC4193 / 6PLANE addresses do not count

private:
    const MemberRecord& member_;
    std::span<const vl2::Route> routes_;
    const std::function<bool(const std::string&)>& ip_taken_;
};

}  // namespace

IpAssignment assign_ips(const NetworkRecord& network, const MemberRecord& member,
                        std::span<const vl2::Route> routes,
                        const std::function<bool(const std::string& ip)>& ip_taken) {
    Assigner as(member, routes, ip_taken);
    const bool automatic = !member.no_auto_assign_ips;
    if (automatic && network.v6_assign_rfc4193) {
        as.add_static(Endpoint::v6(rfc4193_address(network.id, member.address), 0), kRfc4193PrefixBits);
        as.out.ndp_emulation = true;
    }
    if (automatic && network.v6_assign_6plane) {
        as.add_static(Endpoint::v6(sixplane_address(network.id, member.address), 0), kSixPlanePrefixBits);
        as.out.ndp_emulation = true;
    }
    as.stored_assignments();
    const auto& pools = network.ip_assignment_pools;
    if (automatic && network.v6_assign_zt)
        for (size_t p = 0; p < pools.size() && !as.have_v6; ++p) as.pool_v6(network.id, p, pools[p]);
    if (automatic && network.v4_assign_zt)
        for (size_t p = 0; p < pools.size() && !as.have_v4; ++p) as.pool_v4(pools[p]);
    return std::move(as.out);
}

}  // namespace zt::controller
