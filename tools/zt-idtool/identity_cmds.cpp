// zt-idtool identity and key commands: generate, validate, getpublic, sign, verify,
// genkeypair. Files are byte-compatible with ZeroTier One: identity.secret/public hold the
// text form (spec §1.5) without a trailing newline; *.c25519 holds public[64] ‖ secret[64].
#include <sodium.h>

#include <array>
#include <cstdio>
#include <string>

#include "cli.hpp"
#include "commands.hpp"
#include "core/bytes.hpp"

namespace idtool {

namespace {

constexpr unsigned kSecretMode = 0600;
constexpr unsigned kPublicMode = 0644;

void need_args(Args args, size_t min, size_t max, const char* usage) {
    if (args.size() < min || args.size() > max) throw Failure("usage", usage);
}

}  // namespace

int cmd_generate(Args args) {
    need_args(args, 0, 2, "zt-idtool generate [<identity.secret>] [<identity.public>]");
    SodiumRng rng;
    const zt::Identity id = zt::Identity::generate(rng);
    if (args.empty()) {
        // Nowhere to store it: the secret form is the only useful output.
        std::printf("%s\n", id.to_string(true).c_str());
        return 0;
    }
    write_file(args[0], id.to_string(true), kSecretMode);
    std::fprintf(stderr, "%s written to %s\n", id.address().to_string().c_str(), args[0].c_str());
    if (args.size() > 1) {
        write_file(args[1], id.to_string(false), kPublicMode);
        std::fprintf(stderr, "%s written to %s\n", id.address().to_string().c_str(), args[1].c_str());
    }
    std::printf("%s\n", id.to_string(false).c_str());
    return 0;
}

int cmd_validate(Args args) {
    need_args(args, 1, 1, "zt-idtool validate <identity.secret|identity.public|identity>");
    const zt::Identity id = identity_from_arg(args[0]);
    // Spec §1.3; with a secret also check that the public halves derive from it.
    if (!id.locally_validate()) throw Failure(args[0], "identity " + id.address().to_string() + " is not valid (address check failed)");
    if (id.has_secret()) {
        // A signature made with the secret must verify with the public key.
        static constexpr uint8_t probe[] = {'z', 't', '-', 'i', 'd', 't', 'o', 'o', 'l'};
        if (!id.verify(probe, id.sign(probe)))
            throw Failure(args[0], "identity " + id.address().to_string() + ": secret key does not match public key");
    }
    std::printf("%s is a valid identity\n", args[0].c_str());
    return 0;
}

int cmd_getpublic(Args args) {
    need_args(args, 1, 1, "zt-idtool getpublic <identity.secret>");
    std::printf("%s\n", identity_from_arg(args[0]).to_string(false).c_str());
    return 0;
}

int cmd_sign(Args args) {
    need_args(args, 2, 2, "zt-idtool sign <identity.secret> <file>");
    const zt::Identity id = identity_from_arg(args[0]);
    if (!id.has_secret()) throw Failure(args[0], "identity has no secret key");
    const auto msg = read_file(args[1], size_t(1) << 30);
    const auto sig = id.sign(msg);
    std::printf("%s\n", zt::to_hex(sig).c_str());
    return 0;
}

int cmd_verify(Args args) {
    need_args(args, 3, 3, "zt-idtool verify <identity.public|identity.secret> <file> <signature hex>");
    const zt::Identity id = identity_from_arg(args[0]);
    const auto msg = read_file(args[1], size_t(1) << 30);
    const auto sig = zt::from_hex(trim(args[2]));
    if (!sig || sig->size() != zt::crypto::c25519_signature_bytes)
        throw Failure("signature", "expected " + std::to_string(2 * zt::crypto::c25519_signature_bytes) + " hex digits");
    if (!id.verify(msg, *sig)) throw Failure(args[1], "signature check FAILED");
    std::printf("%s signature valid\n", args[1].c_str());
    return 0;
}

int cmd_genkeypair(Args args) {
    need_args(args, 1, 1, "zt-idtool genkeypair <file.c25519>");
    SodiumRng rng;
    std::array<uint8_t, zt::crypto::c25519_secret_bytes> raw{};
    rng.fill(raw);
    const zt::crypto::C25519Secret secret{std::span<const uint8_t, 64>(raw)};
    sodium_memzero(raw.data(), raw.size());
    const auto pub = zt::crypto::c25519_public_from_secret(secret);

    std::array<uint8_t, 128> file{};
    std::copy(pub.begin(), pub.end(), file.begin());
    std::copy(secret.span().begin(), secret.span().end(), file.begin() + 64);
    try {
        write_file(args[0], file, kSecretMode);
    } catch (...) {
        sodium_memzero(file.data(), file.size());
        throw;
    }
    sodium_memzero(file.data(), file.size());
    std::printf("%s\n", zt::to_hex(pub).c_str());
    return 0;
}

}  // namespace idtool
