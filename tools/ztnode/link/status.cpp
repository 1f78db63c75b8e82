// The node's status for diagnostics, like `zerotier-cli info` + `peers`: identity, planet
// and roots, peers with their paths, latency and last-seen ages, and the packet counters; and
// the wrapped programs' sockets.
#include <cstdio>
#include <sstream>

#include "tools/ztnode/link/core_link.hpp"

namespace zt::link {

namespace {

std::string json_str(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string age(Ticks now, Ticks t) {
    if (t <= kNever) return "-";
    return std::to_string(now - t) + "ms";
}

int64_t age_ms(Ticks now, Ticks t) { return t <= kNever ? -1 : now - t; }

std::string version(const PeerStatus& p) {
    if (!p.proto_version) return "-";
    return std::to_string(p.major) + "." + std::to_string(p.minor) + "." + std::to_string(p.revision) + "/" +
           std::to_string(p.proto_version);
}

}  // namespace

std::string status_json(const Node& node, const UdpTransport& udp, Ticks now, const World& planet,
                        const stack::StackStats* stack, const std::vector<node::ProxyListenerInfo>* proxies) {
    std::ostringstream o;
    const auto st = node.stats();
    o << "{\"address\":" << json_str(node.identity().address().to_string())
      << ",\"publicIdentity\":" << json_str(node.identity().to_string(false))
      << ",\"online\":" << (node.online(now) ? "true" : "false") << ",\"port\":" << udp.port()
      << ",\"planet\":{\"id\":" << planet.id << ",\"timestamp\":" << planet.timestamp_ms << ",\"roots\":[";
    for (size_t i = 0; i < planet.roots.size(); ++i) {
        if (i) o << ",";
        o << "{\"address\":" << json_str(planet.roots[i].identity.address().to_string()) << ",\"stableEndpoints\":[";
        bool first = true;
        for (const auto& e : planet.roots[i].stable_endpoints) {
            if (e.is_nil()) continue;
            o << (first ? "" : ",") << json_str(e.to_string());
            first = false;
        }
        o << "]}";
    }
    o << "]},\"peers\":[";
    bool first_peer = true;
    for (const auto& p : node.peers()) {
        o << (first_peer ? "" : ",") << "{\"address\":" << json_str(p.address.to_string())
          << ",\"role\":" << json_str(p.root ? "PLANET" : "LEAF") << ",\"version\":" << json_str(version(p))
          << ",\"latency\":" << p.latency_ms << ",\"lastReceiveAgoMs\":" << age_ms(now, p.last_receive) << ",\"paths\":[";
        first_peer = false;
        bool first_path = true;
        for (const auto& path : p.paths) {
            o << (first_path ? "" : ",") << "{\"address\":" << json_str(path.endpoint.to_string())
              << ",\"confirmed\":" << (path.confirmed ? "true" : "false")
              << ",\"preferred\":" << (path.preferred ? "true" : "false") << ",\"latency\":" << path.latency_ms
              << ",\"lastSendAgoMs\":" << age_ms(now, path.last_send)
              << ",\"lastReceiveAgoMs\":" << age_ms(now, path.last_receive) << "}";
            first_path = false;
        }
        o << "]}";
    }
    o << "],\"counters\":{\"rxDatagrams\":" << st.rx_datagrams << ",\"txDatagrams\":" << st.tx_datagrams
      << ",\"rxPackets\":" << st.rx_packets << ",\"txPackets\":" << st.tx_packets << ",\"rxFrames\":" << st.rx_frames
      << ",\"txFrames\":" << st.tx_frames << ",\"relayed\":" << st.relayed << ",\"sentViaRoot\":" << st.sent_via_root
      << ",\"rendezvousSent\":" << st.rendezvous_sent << ",\"rendezvousReceived\":" << st.rendezvous_received
      << ",\"whoisSent\":" << st.whois_sent << ",\"udpTxDropped\":" << udp.stats().tx_dropped
      << ",\"udpGsoRuns\":" << udp.stats().tx_gso_runs << ",\"udpGroRuns\":" << udp.stats().rx_gro_runs
      << ",\"udpGsoRefused\":" << udp.stats().gso_refused << ",\"drops\":{";
    bool first_drop = true;
    for (size_t i = 0; i < kDropReasons; ++i) {
        if (!st.drops[i]) continue;
        o << (first_drop ? "" : ",") << json_str(to_string(Drop(i))) << ":" << st.drops[i];
        first_drop = false;
    }
    o << "}},\"networks\":[";
    bool first_net = true;
    for (const auto& n : node.networks()) {
        o << (first_net ? "" : ",") << network_json(n);
        first_net = false;
    }
    o << "]";
    if (stack)
        o << ",\"stack\":{\"framesIn\":" << stack->frames_in << ",\"framesOut\":" << stack->frames_out
          << ",\"framesDropped\":" << stack->frames_dropped << ",\"tcpConnections\":" << stack->tcp_conns_total
          << ",\"udpDroppedAppFull\":" << stack->udp_dropped_app_full << ",\"udpDroppedBad\":" << stack->udp_dropped_bad
          << ",\"ipFragments\":" << stack->ip_fragments << ",\"ipReassembled\":" << stack->ip_reassembled
          << ",\"ipReassemblyTimeouts\":" << stack->ip_reassembly_timeouts
          << ",\"ipFragmentsDropped\":" << stack->ip_fragments_dropped << ",\"refusedOtherUid\":" << stack->refused_uid
          << "}";
    if (proxies) {
        o << ",\"listeners\":[";
        for (size_t i = 0; i < proxies->size(); ++i) {
            const auto& p = (*proxies)[i];
            o << (i ? "," : "") << "{\"kind\":" << json_str(p.kind) << ",\"proto\":" << json_str(p.proto) << ",\"listen\":" << json_str(p.listen)
              << ",\"target\":" << json_str(p.target) << ",\"accepted\":" << p.accepted
              << ",\"connected\":" << p.connected << ",\"failed\":" << p.failed << ",\"refused\":" << p.refused << "}";
        }
        o << "]";
    }
    o << "}\n";
    return o.str();
}

std::string sockets_json(const std::vector<stack::SocketInfo>& sockets) {
    std::ostringstream o;
    auto addr = [](const stack::InetAddr& a) { return a.family ? json_str(a.to_string()) : std::string("null"); };
    o << "{\"sockets\":[";
    for (size_t i = 0; i < sockets.size(); ++i) {
        const auto& s = sockets[i];
        o << (i ? "," : "") << "{\"proto\":" << json_str(s.tcp ? "tcp" : "udp") << ",\"state\":" << json_str(s.state)
          << ",\"local\":" << addr(s.local) << ",\"remote\":" << addr(s.remote) << ",\"pid\":" << s.pid
          << ",\"inode\":" << s.app_inode << ",\"bytesIn\":" << s.bytes_in << ",\"bytesOut\":" << s.bytes_out << "}";
    }
    o << "]}\n";
    return o.str();
}

std::string status_text(const Node& node, const UdpTransport& udp, Ticks now, const World& planet,
                        const stack::StackStats* stack, const std::vector<node::ProxyListenerInfo>* proxies) {
    std::ostringstream o;
    const auto st = node.stats();
    o << "200 info " << node.identity().address().to_string() << " " << (node.online(now) ? "ONLINE" : "OFFLINE")
      << " port " << udp.port() << "\n";
    o << "planet " << planet.id << " timestamp " << planet.timestamp_ms << " roots";
    for (const auto& r : planet.roots) o << " " << r.identity.address().to_string();
    o << "\n200 peers\n<ztaddr>   <ver>          <role>  <lat> <link>   <lastTX> <lastRX> <path>\n";
    for (const auto& p : node.peers()) {
        const PathStatus* best = nullptr;
        for (const auto& path : p.paths)
            if (path.preferred) best = &path;
        char line[256];
        std::snprintf(line, sizeof line, "%s %-14s %-7s %5d %-8s %8s %8s %s\n", p.address.to_string().c_str(),
                      version(p).c_str(), p.root ? "PLANET" : "LEAF", p.latency_ms, best ? "DIRECT" : "RELAY",
                      best ? age(now, best->last_send).c_str() : "-", best ? age(now, best->last_receive).c_str() : "-",
                      best ? best->endpoint.to_string().c_str() : "-");
        o << line;
        for (const auto& path : p.paths)
            if (&path != best)
                o << "           path " << path.endpoint.to_string() << (path.confirmed ? " confirmed" : " unconfirmed")
                  << " rx " << age(now, path.last_receive) << "\n";
    }
    const auto nets = node.networks();
    if (!nets.empty()) {
        o << "200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n";
        for (const auto& n : nets) o << network_line(n);
        for (const auto& n : nets) {  // the names each network pushes (spec §8.5 DNS)
            if (n.dns_domain.empty()) continue;
            o << "dns " << n.nwid.to_string() << " " << n.dns_domain;
            for (const auto& s : n.dns_servers) {
                const std::string t = s.to_string();  // 1.2.3.4/53; without a port, the address only
                o << " " << (s.port ? t : t.substr(0, t.rfind('/')));
            }
            o << "\n";
        }
    }
    o << "counters rx " << st.rx_packets << " tx " << st.tx_packets << " frames " << st.rx_frames << "/" << st.tx_frames
      << " relayed " << st.relayed << " via-root " << st.sent_via_root << " dropped " << st.dropped_total() << "\n";
    if (stack)
        o << "stack frames " << stack->frames_in << "/" << stack->frames_out << " dropped " << stack->frames_dropped
          << " tcp " << stack->tcp_conns_total << " udp-dropped " << stack->udp_dropped_app_full + stack->udp_dropped_bad
          << " ip-fragments " << stack->ip_fragments << " reassembled " << stack->ip_reassembled << " dropped "
          << stack->ip_fragments_dropped + stack->ip_reassembly_timeouts << " refused-other-uid " << stack->refused_uid
          << "\n";
    if (proxies && !proxies->empty()) {
        o << "200 listeners <kind> <proto> <listen> <target> <accepted> <connected> <failed> <refused>\n";
        for (const auto& p : *proxies)
            o << p.kind << " " << p.proto << " " << p.listen << " " << (p.target.empty() ? "-" : p.target) << " " << p.accepted << " "
              << p.connected << " " << p.failed << " " << p.refused << "\n";
    }
    return o.str();
}

}  // namespace zt::link
