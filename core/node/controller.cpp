// The network controller role of a node (spec §9): NETWORK_CONFIG_REQUEST goes to the
// NetworkController the runtime installed (the records and the decisions live there), which
// answers through send_network_config / send_network_error / send_revocation. Without a
// controller the request gets ERROR(UNSUPPORTED_OPERATION), as ZeroTier One answers.
#include "core/node/impl.hpp"
#include "core/vl1/error.hpp"
#include "core/vl1/ok.hpp"
#include "core/vl2/network_config_request.hpp"
#include "core/vl2/network_credentials.hpp"

namespace zt {

void Node::Impl::handle_network_config_request(Peer& peer, const Inbound& in) {
    auto req = vl2::NetworkConfigRequest::parse(in.payload());
    if (!req)
        return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::network_config_request));
    if (!controller || req->nwid.controller() != self.address()) {
        std::array<uint8_t, 32> buf;
        Writer w(buf);
        vl1::Error err;
        err.in_re_verb = Verb::network_config_request;
        err.in_re_packet_id = in.header.packet_id;
        err.code = ErrorCode::unsupported_operation;
        err.nwid = req->nwid;
        err.serialize(w);
        if (w.ok()) send_packet(peer, Verb::error, w.written(), in.now, in.local, in.from, peer.send_cipher());
        return;
    }
    auto metadata = vl2::Dictionary::parse(req->metadata);
    if (!metadata)
        return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::network_config_request));
    controller->on_config_request(in.now, req->nwid, peer.identity(), in.header.packet_id, *metadata,
                                  in.header.hops() == 0 ? in.from : Endpoint{});
}

// §8.4 sender: the Dictionary cut into chunks of ≤ 9740 bytes with one fresh update id, each
// signed with our identity; OK(NETWORK_CONFIG_REQUEST) for a request, NETWORK_CONFIG for a push
// (request_packet_id 0). A configuration for ourselves is applied directly.
void Node::Impl::send_network_config(Ticks now, NetworkId nwid, uint64_t request_packet_id, Address to,
                                     const vl2::NetworkConfig& config) {
    const auto d = config.to_dictionary();
    if (!d) return;
    const Bytes dict = d->serialize();
    if (to == self.address()) {
        if (Network* net = find_network(nwid)) accept_config_dictionary(*net, dict, now);
        return;
    }
    controller_authorized[{nwid.value, to.value()}] = now;
    uint64_t update_id = rng.next_u64();
    if (!update_id) update_id = 1;
    const auto chunks = vl2::make_config_chunks(nwid, dict, update_id, self);
    std::vector<uint8_t> buf(kMaxPacketLength);
    for (const auto& chunk : chunks) {
        Writer w(buf);
        if (request_packet_id) vl1::Ok{Verb::network_config_request, request_packet_id, {}}.serialize(w);
        w.bytes(chunk);
        if (!w.ok()) return;
        // A push expects the member's ack (OK in-re ECHO, §5.11; vl1.cpp handle_ok).
        send_to_address(to, request_packet_id ? Verb::ok : Verb::network_config, w.written(), now,
                        /*expect_reply=*/request_packet_id == 0);
    }
}

void Node::Impl::send_network_error(Ticks now, NetworkId nwid, uint64_t request_packet_id, Address to, ErrorCode code) {
    if (to == self.address()) {
        // Our own member role asked: record the refusal as the controller's answer would.
        if (Network* net = find_network(nwid); net && !net->is_static) {
            const ConfigFailure f = code == ErrorCode::network_access_denied           ? ConfigFailure::access_denied
                                    : code == ErrorCode::network_authentication_required ? ConfigFailure::authentication_required
                                                                                         : ConfigFailure::not_found;
            if (f != net->failure) {
                net->failure = f;
                network_changed(*net);
            }
        }
        return;
    }
    controller_authorized.erase({nwid.value, to.value()});
    std::array<uint8_t, 32> buf;
    Writer w(buf);
    vl1::Error err;
    err.in_re_verb = Verb::network_config_request;
    err.in_re_packet_id = request_packet_id;
    err.code = code;
    err.nwid = nwid;
    err.serialize(w);
    if (w.ok()) send_to_address(to, Verb::error, w.written(), now);
}

// §9.3: a revocation for all online members, in NETWORK_CREDENTIALS.
void Node::Impl::send_revocation(Ticks now, Address to, const vl2::Revocation& rev) {
    vl2::NetworkCredentials creds;
    creds.revocations.push_back(rev);
    std::array<uint8_t, 512> buf;
    Writer w(buf);
    creds.serialize(w);
    if (!w.ok()) return;
    if (to == self.address()) {
        if (Network* net = find_network(rev.nwid); net && !net->is_static) apply_revocation(*net, rev, self.address(), now);
        return;
    }
    send_to_address(to, Verb::network_credentials, w.written(), now);
}

}  // namespace zt
