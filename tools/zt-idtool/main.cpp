// zt-idtool: ZeroTier identities, signing keys and worlds (planets/moons), in the spirit
// of ZeroTier One's zerotier-idtool and its attic mkworld. Files are compatible with
// ZeroTier One. Every user error is one line on stderr and exit code 1.
#include <sodium.h>

#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"
#include "commands.hpp"

namespace {

constexpr const char* kUsage =
    "usage: zt-idtool <command> [args]\n"
    "  generate [<identity.secret>] [<identity.public>]   new identity (secret file mode 0600)\n"
    "  validate <identity.secret|identity.public>        check the address derivation (spec 1.3)\n"
    "  getpublic <identity.secret>                       print the public identity\n"
    "  sign <identity.secret> <file>                     print a 96-byte C25519 signature (hex)\n"
    "  verify <identity> <file> <signature hex>          check a signature\n"
    "  genkeypair <file.c25519>                          new world signing key pair (128 bytes)\n"
    "  mkworld --type planet|moon --id N [--timestamp MS] --key <signing.c25519>\n"
    "          [--next-key <next.c25519>] --root <identity>=<ip/port>[,<ip/port>...] ...\n"
    "          --out <file>                              build and sign a planet or moon\n"
    "  showworld <file> [--json] [--key <key.c25519|public hex>]\n"
    "                                                    decode a world, check its signature\n";

struct Command {
    std::string_view name;
    int (*run)(idtool::Args);
};

constexpr Command kCommands[] = {
    {"generate", idtool::cmd_generate},   {"validate", idtool::cmd_validate},
    {"getpublic", idtool::cmd_getpublic}, {"sign", idtool::cmd_sign},
    {"verify", idtool::cmd_verify},       {"genkeypair", idtool::cmd_genkeypair},
    {"mkworld", idtool::cmd_mkworld},     {"showworld", idtool::cmd_showworld},
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs(kUsage, stderr);
        return 1;
    }
    const std::string_view cmd = argv[1];
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
        std::fputs(kUsage, stdout);
        return 0;
    }
    if (sodium_init() < 0) {
        std::fputs("zt-idtool: libsodium failed to initialise\n", stderr);
        return 1;
    }
    const std::vector<std::string> args(argv + 2, argv + argc);
    for (const auto& c : kCommands) {
        if (c.name != cmd) continue;
        try {
            return c.run(args);
        } catch (const idtool::Failure& e) {
            std::fprintf(stderr, "zt-idtool: %s\n", e.what());
        } catch (const std::bad_alloc&) {
            std::fputs("zt-idtool: out of memory\n", stderr);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "zt-idtool: %s\n", e.what());
        }
        return 1;
    }
    std::fprintf(stderr, "zt-idtool: unknown command '%s' (zt-idtool --help lists them)\n", argv[1]);
    return 1;
}
