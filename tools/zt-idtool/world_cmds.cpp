// zt-idtool world commands (spec §7.1-§7.2): mkworld builds and signs a planet or moon,
// showworld decodes one and checks its signature and root identities.
//
//   mkworld --type planet|moon --id N [--timestamp MS] --key <signing.c25519>
//           [--next-key <next.c25519>] --root <identity>=<ip/port>[,<ip/port>...] ...
//           --out <file>
//   showworld <file> [--json] [--key <key.c25519|public hex>]
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "cli.hpp"
#include "commands.hpp"
#include "core/bytes.hpp"
#include "core/world/world.hpp"

namespace idtool {

namespace {

constexpr unsigned kWorldMode = 0644;
constexpr const char* kMkworldUsage =
    "zt-idtool mkworld --type planet|moon --id N [--timestamp MS] --key <signing.c25519> "
    "[--next-key <next.c25519>] --root <identity>=<ip/port>[,<ip/port>...] ... --out <file>";
constexpr const char* kShowworldUsage = "zt-idtool showworld <file> [--json] [--key <key.c25519|public hex>]";

// Decimal, or hex with 0x.
uint64_t parse_u64(const std::string& opt, const std::string& s) {
    const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const std::string digits = hex ? s.substr(2) : s;
    if (digits.empty() || digits.size() > (hex ? 16u : 20u)) throw Failure(opt, "not a number: '" + s + "'");
    uint64_t v = 0;
    for (char c : digits) {
        const int d = hex ? zt::hex_digit(c) : (c >= '0' && c <= '9' ? c - '0' : -1);
        if (d < 0) throw Failure(opt, "not a number: '" + s + "'");
        const uint64_t base = hex ? 16 : 10;
        if (v > (UINT64_MAX - uint64_t(d)) / base) throw Failure(opt, "number too large: '" + s + "'");
        v = v * base + uint64_t(d);
    }
    return v;
}

// "<identity or file>=<ip/port>[,<ip/port>...]": the last '=' separates (endpoints have none).
zt::World::Root parse_root(const std::string& spec) {
    const auto eq = spec.rfind('=');
    const std::string id_arg = eq == std::string::npos ? spec : spec.substr(0, eq);
    zt::World::Root root;
    root.identity = identity_from_arg(id_arg).public_only();
    if (!root.identity.locally_validate())
        throw Failure(id_arg, "root identity " + root.identity.address().to_string() + " is not valid");
    if (eq == std::string::npos) return root;
    const std::string list = spec.substr(eq + 1);
    size_t start = 0;
    while (start <= list.size()) {
        size_t comma = list.find(',', start);
        if (comma == std::string::npos) comma = list.size();
        const std::string item = trim(list.substr(start, comma - start));
        auto ep = zt::Endpoint::parse(item);
        if (!ep) throw Failure("--root " + spec, "bad endpoint '" + item + "' (expected ip/port)");
        root.stable_endpoints.push_back(*ep);
        if (root.stable_endpoints.size() > zt::World::kMaxStableEndpointsPerRoot)
            throw Failure("--root " + spec, "more than 32 stable endpoints");
        start = comma + 1;
    }
    return root;
}

const char* type_name(zt::World::Type t) {
    switch (t) {
    case zt::World::Type::planet: return "planet";
    case zt::World::Type::moon: return "moon";
    case zt::World::Type::null: break;
    }
    return "null";
}

zt::World load_world(const std::string& path) {
    const auto bytes = read_file(path, 64 * 1024);
    zt::Reader r{bytes};
    auto w = zt::World::read(r);
    if (!r.ok() || !w) throw Failure(path, "not a valid world (malformed or truncated, " + std::to_string(bytes.size()) + " bytes)");
    if (!r.at_end()) throw Failure(path, std::to_string(r.remaining()) + " unexpected byte(s) after the world");
    return *w;
}

void print_text(const zt::World& w, bool sig_ok, const std::string& sig_key_desc, bool roots_ok) {
    std::printf("type: %s\n", type_name(w.type));
    std::printf("id: %llu (0x%016llx)\n", static_cast<unsigned long long>(w.id), static_cast<unsigned long long>(w.id));
    std::printf("timestamp: %llu\n", static_cast<unsigned long long>(w.timestamp_ms));
    std::printf("updatesMustBeSignedBy: %s\n", zt::to_hex(w.updates_must_be_signed_by).c_str());
    std::printf("signature: %s\n", zt::to_hex(w.signature).c_str());
    std::printf("signature check: %s (%s)\n", sig_ok ? "valid" : "INVALID", sig_key_desc.c_str());
    std::printf("root identities: %s\n", roots_ok ? "valid" : "INVALID");
    std::printf("roots: %zu\n", w.roots.size());
    for (const auto& root : w.roots) {
        std::printf("  %s\n", root.identity.to_string().c_str());
        for (const auto& ep : root.stable_endpoints) std::printf("    %s\n", endpoint_text(ep).c_str());
    }
}

void print_json(const zt::World& w, bool sig_ok, bool roots_ok) {
    std::string out = "{\n";
    out += "  \"type\": " + json_string(type_name(w.type)) + ",\n";
    out += "  \"id\": " + std::to_string(w.id) + ",\n";
    out += "  \"timestamp\": " + std::to_string(w.timestamp_ms) + ",\n";
    out += "  \"updatesMustBeSignedBy\": " + json_string(zt::to_hex(w.updates_must_be_signed_by)) + ",\n";
    out += "  \"signature\": " + json_string(zt::to_hex(w.signature)) + ",\n";
    out += std::string("  \"signatureValid\": ") + (sig_ok ? "true" : "false") + ",\n";
    out += std::string("  \"rootsValid\": ") + (roots_ok ? "true" : "false") + ",\n";
    out += "  \"roots\": [";
    for (size_t i = 0; i < w.roots.size(); ++i) {
        const auto& root = w.roots[i];
        out += i ? ",\n    {" : "\n    {";
        out += "\n      \"identity\": " + json_string(root.identity.to_string()) + ",";
        out += "\n      \"stableEndpoints\": [";
        for (size_t k = 0; k < root.stable_endpoints.size(); ++k)
            out += (k ? ", " : "") + json_string(endpoint_text(root.stable_endpoints[k]));
        out += "]\n    }";
    }
    out += w.roots.empty() ? "]\n}\n" : "\n  ]\n}\n";
    std::fputs(out.c_str(), stdout);
}

}  // namespace

int cmd_mkworld(Args args) {
    std::string type_arg = "planet", id_arg, ts_arg, key_arg, next_arg, out_arg;
    std::vector<std::string> root_args;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& opt = args[i];
        auto value = [&]() -> const std::string& {
            if (i + 1 >= args.size()) throw Failure(opt, "needs a value");
            return args[++i];
        };
        if (opt == "--type") type_arg = value();
        else if (opt == "--id") id_arg = value();
        else if (opt == "--timestamp") ts_arg = value();
        else if (opt == "--key") key_arg = value();
        else if (opt == "--next-key") next_arg = value();
        else if (opt == "--root") root_args.push_back(value());
        else if (opt == "--out") out_arg = value();
        else throw Failure(opt, std::string("unknown option; usage: ") + kMkworldUsage);
    }
    if (id_arg.empty() || key_arg.empty() || out_arg.empty() || root_args.empty())
        throw Failure("usage", kMkworldUsage);

    zt::World::Type type;
    if (type_arg == "planet") type = zt::World::Type::planet;
    else if (type_arg == "moon") type = zt::World::Type::moon;
    else throw Failure("--type", "must be planet or moon, not '" + type_arg + "'");
    const uint64_t id = parse_u64("--id", id_arg);
    const uint64_t ts = ts_arg.empty() ? uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                      std::chrono::system_clock::now().time_since_epoch())
                                                      .count())
                                       : parse_u64("--timestamp", ts_arg);
    if (root_args.size() > zt::World::kMaxRoots) throw Failure("--root", "more than 4 roots");

    const KeyPair key = load_keypair(key_arg);
    const zt::crypto::C25519Public next = next_arg.empty() ? key.pub : load_public_key(next_arg);
    std::vector<zt::World::Root> roots;
    for (const auto& spec : root_args) {
        roots.push_back(parse_root(spec));
        for (size_t j = 0; j + 1 < roots.size(); ++j)
            if (roots[j].identity.address() == roots.back().identity.address())
                throw Failure("--root " + spec, "root " + roots.back().identity.address().to_string() + " listed twice");
    }

    auto w = zt::World::sign(type, id, ts, std::move(roots), next, key.secret);
    if (!w) throw Failure(out_arg, "cannot build this world");
    std::vector<uint8_t> buf(w->serialized_size());
    zt::Writer wr{buf};
    w->serialize(wr);
    if (!wr.ok() || !w->verify_signature(key.pub)) throw Failure(out_arg, "internal error: world does not round-trip");
    write_file(out_arg, buf, kWorldMode);
    std::printf("%s: %s %llu, timestamp %llu, %zu root(s), %zu bytes, signed by %s\n", out_arg.c_str(), type_name(type),
                static_cast<unsigned long long>(id), static_cast<unsigned long long>(ts), w->roots.size(), buf.size(),
                zt::to_hex(key.pub).substr(0, 16).c_str());
    return 0;
}

int cmd_showworld(Args args) {
    std::string file, key_arg;
    bool json = false;
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--json") json = true;
        else if (args[i] == "--key") {
            if (i + 1 >= args.size()) throw Failure("--key", "needs a value");
            key_arg = args[++i];
        } else if (file.empty() && (args[i].empty() || args[i][0] != '-')) file = args[i];
        else throw Failure(args[i], std::string("unexpected argument; usage: ") + kShowworldUsage);
    }
    if (file.empty()) throw Failure("usage", kShowworldUsage);

    const zt::World w = load_world(file);
    // Without --key the world is checked against its own next-update key, which is the
    // signing key only when previous == current (as for the default planet).
    const zt::crypto::C25519Public key = key_arg.empty() ? w.updates_must_be_signed_by : load_public_key(key_arg);
    const std::string key_desc = key_arg.empty() ? "against its own updatesMustBeSignedBy" : "against " + key_arg;
    const bool sig_ok = w.verify_signature(key);
    const bool roots_ok = w.roots_locally_validate();
    if (json) print_json(w, sig_ok, roots_ok);
    else print_text(w, sig_ok, key_desc, roots_ok);
    std::fflush(stdout);
    if (!sig_ok) throw Failure(file, "signature does not verify " + key_desc);
    if (!roots_ok) throw Failure(file, "a root identity is not valid (or listed twice)");
    return 0;
}

}  // namespace idtool
