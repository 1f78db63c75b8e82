// libFuzzer target: Dictionary text (spec §8.3) and NetworkConfig (§8.5). Parsed text
// re-serializes to a Dictionary equal to it; a config read from it is written and read back
// to the same Dictionary (for SSO versions 0 and 1, the ones 1.14 writes).
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/vl2/dictionary.hpp"
#include "core/vl2/network_config.hpp"
#include "fuzz_common.hpp"

using namespace zt;
using namespace zt::vl2;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto d = Dictionary::parse(std::span<const uint8_t>(data, size));
    if (!d) return 0;
    const Bytes text = d->serialize();
    zfuzz::require(text.size() == d->serialized_size() && text.size() <= Dictionary::kMaxBytes);
    auto again = Dictionary::parse(text);
    zfuzz::require(again && *again == *d && again->serialize() == text);
    for (const auto& e : d->entries()) {
        zfuzz::require(d->get(e.key).has_value());
        (void)d->get_u64(e.key);
        (void)d->get_i64(e.key);
        (void)d->get_bool(e.key);
        (void)d->get_string(e.key);
        (void)d->get_address(e.key);
    }

    auto c = NetworkConfig::from_dictionary(*d);
    if (!c) return 0;
    zfuzz::require(c->nwid.value != 0 && !c->issued_to.is_zero());
    zfuzz::require(c->mtu >= NetworkConfig::kMinMtu && c->mtu <= NetworkConfig::kMaxMtu);
    zfuzz::require(c->routes.size() <= NetworkConfig::kMaxRoutes && c->coos.size() <= NetworkConfig::kMaxCoos);
    auto d1 = c->to_dictionary();
    if (!d1) return 0;  // re-written credentials can outgrow the 1 MiB bound
    auto c2 = NetworkConfig::from_dictionary(*Dictionary::parse(d1->serialize()));
    zfuzz::require(c2.ok());
    auto d2 = c2->to_dictionary();
    zfuzz::require(d2.has_value());
    if (c->sso_version <= 1) zfuzz::require(d2->serialize() == d1->serialize());
    return 0;
}
