// Salsa20/12 throughput: libsodium (scalar) against our SSE2 and AVX2 kernels, at the
// packet sizes that matter (1400: a full UDP payload; 2800: the default virtual MTU).
// Also libsodium's SIMD Salsa20/20 and AES-GMAC-SIV seal_packet, for scale.
// Usage: salsa2012_bench [milliseconds per measurement, default 300]
#include <sodium.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

#include "core/crypto/aes_gmac_siv.hpp"
#include "core/crypto/salsa2012.hpp"

using namespace zt::crypto;

namespace {

volatile uint8_t sink;

// MB/s (10^6 bytes per second) of fn() processing `bytes` per call, over ~budget_ms.
double measure(size_t bytes, double budget_ms, const std::function<void()>& fn) {
    using clock = std::chrono::steady_clock;
    for (int i = 0; i < 1000; ++i) fn();  // warm up caches and the CPU clock
    size_t iters = 0;
    const auto start = clock::now();
    double elapsed_ms = 0;
    do {
        for (int i = 0; i < 1000; ++i) fn();
        iters += 1000;
        elapsed_ms = std::chrono::duration<double, std::milli>(clock::now() - start).count();
    } while (elapsed_ms < budget_ms);
    return double(bytes) * double(iters) / (elapsed_ms * 1000.0);
}

}  // namespace

int main(int argc, char** argv) {
    if (sodium_init() < 0) return 1;
    const double budget_ms = argc > 1 ? std::atof(argv[1]) : 300.0;
    uint8_t key[32], nonce[8];
    randombytes_buf(key, sizeof key);
    randombytes_buf(nonce, sizeof nonce);

    std::printf("best Salsa20/12 kernel on this CPU: %s\n", salsa2012_impl_name(salsa2012_best_impl()));
    std::printf("%6s  %-24s %10s %8s\n", "bytes", "implementation", "MB/s", "ratio");
    for (size_t n : {size_t(1400), size_t(2800)}) {
        std::vector<uint8_t> buf(n + 64, 0x5a);
        // Counter 1, as packet encryption uses it (block 0 is the Poly1305 key, spec §4.3);
        // the libsodium baseline is its own stream from counter 0, its fastest path.
        const double base = measure(n, budget_ms, [&] {
            crypto_stream_salsa2012_xor(buf.data(), buf.data(), n, nonce, key);
            sink = buf[0];
        });
        std::printf("%6zu  %-24s %10.0f %8.2f\n", n, "libsodium salsa2012", base, 1.0);
        for (auto impl : {Salsa2012Impl::sse2, Salsa2012Impl::avx2}) {
            if (!salsa2012_impl_available(impl)) continue;
            const double ours = measure(n, budget_ms, [&] {
                salsa2012_xor_with(impl, buf.data(), buf.data(), n, key, nonce, 1);
                sink = buf[0];
            });
            std::printf("%6zu  %-24s %10.0f %8.2f\n", n, salsa2012_impl_name(impl), ours, ours / base);
        }
        const double s20 = measure(n, budget_ms, [&] {
            crypto_stream_salsa20_xor_ic(buf.data(), buf.data(), n, nonce, 1, key);
            sink = buf[0];
        });
        std::printf("%6zu  %-24s %10.0f %8.2f\n", n, "libsodium salsa20 (/20)", s20, s20 / base);

        zt::SymmetricKey peer_key;
        randombytes_buf(peer_key.data(), peer_key.size());
        auto siv = AesGmacSiv::from_peer_key(peer_key);
        if (!siv) return 1;
        const double aes = measure(n, budget_ms, [&] {
            (void)siv->seal_packet(std::span(buf).first(n));
            sink = buf[0];
        });
        std::printf("%6zu  %-24s %10.0f %8.2f\n", n, "AES-GMAC-SIV seal_packet", aes, aes / base);
    }
    return 0;
}
