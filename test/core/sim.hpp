// A simulated UDP network for core tests: nodes with fake Hosts, a manual clock, seeded
// loss and an optional tamper hook. Nothing sleeps; `run` delivers until quiet.
#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "core/bytes.hpp"
#include "core/node/node.hpp"
#include "core/rng.hpp"

namespace ztest {

struct SimNet;

struct Delivered {
    zt::NetworkId nwid;
    zt::Mac src, dst;
    uint16_t ethertype;
    zt::Bytes payload;
};

class SimHost final : public zt::Host {
public:
    SimHost(SimNet& net, zt::Endpoint self) : net_(net), self_(self) {}
    void send_udp(zt::LocalSocket, const zt::Endpoint& to, std::span<const uint8_t> d, int ttl) override;
    void deliver_frame(zt::NetworkId nwid, const zt::Frame& f) override {
        frames.push_back({nwid, f.src, f.dst, f.ethertype, zt::Bytes(f.payload.begin(), f.payload.end())});
    }
    void on_event(const zt::Event& ev) override { events.push_back(ev); }

    size_t count(zt::Event::Kind k) const {
        size_t n = 0;
        for (const auto& e : events) n += e.kind == k;
        return n;
    }

    std::vector<Delivered> frames;
    std::vector<zt::Event> events;
    void set_endpoint(zt::Endpoint e) { self_ = e; }

private:
    SimNet& net_;
    zt::Endpoint self_;
};

struct SimNode {
    zt::Endpoint endpoint;
    std::unique_ptr<SimHost> host;
    std::unique_ptr<zt::SeededRng> rng;
    std::unique_ptr<zt::Node> node;
    zt::Ticks next_timer = 0;
};

struct Datagram {
    zt::Endpoint from, to;
    zt::Bytes bytes;
};

struct SimNet {
    zt::Ticks now = 1000;
    std::map<zt::Endpoint, SimNode*> by_endpoint;
    std::vector<std::unique_ptr<SimNode>> nodes;
    std::deque<Datagram> in_flight;
    zt::SeededRng loss_rng{12345};
    uint32_t loss_percent = 0;
    // Sees every datagram; return false to drop it. May modify the bytes.
    std::function<bool(Datagram&)> tamper;
    uint64_t sent = 0, lost = 0;

    SimNode& add(const zt::Identity& id, zt::Endpoint ep, uint64_t seed) {
        auto n = std::make_unique<SimNode>();
        n->endpoint = ep;
        n->host = std::make_unique<SimHost>(*this, ep);
        n->rng = std::make_unique<zt::SeededRng>(seed);
        n->node = std::make_unique<zt::Node>(*n->host, *n->rng, id, now);
        by_endpoint[ep] = n.get();
        nodes.push_back(std::move(n));
        return *nodes.back();
    }

    // The node now sends from, and is reached at, another endpoint (a NAT mapping changed).
    void move(SimNode& n, zt::Endpoint to) {
        by_endpoint.erase(n.endpoint);
        n.endpoint = to;
        n.host->set_endpoint(to);
        by_endpoint[to] = &n;
    }

    // Delivers datagrams and fires due timers until nothing is in flight.
    void run() {
        for (int guard = 0; guard < 100000; ++guard) {
            for (auto& n : nodes)
                if (now >= std::min(n->next_timer, n->node->next_deadline())) n->next_timer = n->node->on_timer(now);
            if (in_flight.empty()) return;
            Datagram d = std::move(in_flight.front());
            in_flight.pop_front();
            auto it = by_endpoint.find(d.to);
            if (it == by_endpoint.end()) continue;
            it->second->node->on_udp(now, 0, d.from, d.bytes);
        }
    }

    // Advances the clock in steps of step_ms, running everything at each step.
    void advance(zt::Ticks ms, zt::Ticks step_ms = 100) {
        for (zt::Ticks t = 0; t < ms; t += step_ms) {
            now += step_ms;
            run();
        }
    }
};

inline void SimHost::send_udp(zt::LocalSocket, const zt::Endpoint& to, std::span<const uint8_t> d, int) {
    ++net_.sent;
    Datagram dg{self_, to, zt::Bytes(d.begin(), d.end())};
    if (net_.loss_percent) {
        uint8_t r[1];
        net_.loss_rng.fill(r);
        if (r[0] % 100 < net_.loss_percent) {
            ++net_.lost;
            return;
        }
    }
    if (net_.tamper && !net_.tamper(dg)) return;
    net_.in_flight.push_back(std::move(dg));
}

}  // namespace ztest
