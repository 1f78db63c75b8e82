// NETWORK_CONFIG_REQUEST payload codec and the 1.14.1 request metadata (spec §5.10, §8.2).
#include "core/vl2/network_config_request.hpp"

#include "core/protocol.hpp"
#include "core/wire/reader.hpp"

namespace zt::vl2 {

std::optional<NetworkConfigRequest> NetworkConfigRequest::parse(std::span<const uint8_t> payload) {
    Reader r{payload};
    NetworkConfigRequest q;
    q.nwid = NetworkId{r.u64be()};
    q.metadata = r.bytes(r.u16be());
    if (r.ok() && !r.at_end()) {
        q.revision = r.u64be();
        q.timestamp = UnixMs(r.u64be());
    }
    if (!r.ok()) return std::nullopt;
    return q;
}

void NetworkConfigRequest::serialize(Writer& w) const {
    if (metadata.size() > 0xffff) {
        w.fail();
        return;
    }
    w.u64be(nwid.value);
    w.u16be(uint16_t(metadata.size()));
    w.bytes(metadata);
    w.u64be(revision);
    w.u64be(uint64_t(timestamp));
}

Dictionary request_metadata(std::string_view os_arch, std::string_view auth) {
    Dictionary d;
    d.add_u64("v", kNetworkConfigVersion);
    d.add_u64("vend", kVendorZeroTier);
    d.add_u64("pv", kProtoVersion);
    d.add_u64("majv", kSoftwareMajor);
    d.add_u64("minv", kSoftwareMinor);
    d.add_u64("revv", kSoftwareRevision);
    d.add_u64("mr", kMaxNetworkRules);
    d.add_u64("mc", kMaxNetworkCapabilities);
    d.add_u64("mcr", kMaxCapabilityRules);
    d.add_u64("mt", kMaxNetworkTags);
    d.add_u64("f", 0);
    d.add_u64("revr", kRulesEngineRevision);
    d.add_string("o", os_arch);
    if (!auth.empty()) d.add_string("a", auth);
    return d;
}

}  // namespace zt::vl2
