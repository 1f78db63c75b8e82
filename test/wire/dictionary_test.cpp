// Dictionary (spec §8.3) against the captured request metadata and the captured 1121-byte
// network config (vectors/dictionaries.json, from 01-bringup.pcap) and the escaping example
// of §8.3 (vectors/derived_examples.json).
#include <catch2/catch.hpp>

#include <limits>
#include <string>

#include "capture_vectors.hpp"
#include "core/vl2/dictionary.hpp"

using namespace zt;
using namespace zt::vl2;

namespace {

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

Dictionary parsed(const std::string& s) {
    auto d = Dictionary::parse(text(s));
    REQUIRE(d);
    return *d;
}

}  // namespace

TEST_CASE("dictionary: captured request metadata parses and re-serializes byte for byte", "[wire]") {
    const auto j = ztest::load_vectors("dictionaries.json")["request_metadata"];
    const Bytes raw = ztest::hex(j["hex"].s());
    REQUIRE(raw.size() == 263);
    auto d = Dictionary::parse(raw);
    REQUIRE(d);
    CHECK(d->size() == 13);
    CHECK(d->get_u64("v") == 7u);
    CHECK(d->get_u64("pv") == 12u);
    CHECK(d->get_u64("minv") == 14u);
    CHECK(d->get_u64("mr") == 1024u);
    CHECK(d->get_u64("revr") == 1u);
    CHECK(d->get_string("o") == "linux/x86_64");
    CHECK_FALSE(d->get("a"));
    CHECK(d->serialize() == raw);
    CHECK(d->serialized_size() == raw.size());
}

TEST_CASE("dictionary: captured network config parses and re-serializes byte for byte", "[wire]") {
    const auto j = ztest::load_vectors("dictionaries.json")["network_config"];
    const Bytes raw = ztest::hex(j["raw_hex"].s());
    REQUIRE(raw.size() == 1121);
    auto d = Dictionary::parse(raw);
    REQUIRE(d);
    CHECK(d->size() == 21);
    CHECK(d->get_u64("nwid") == 0xc41b8868ac000001ULL);
    CHECK(d->get_u64("ts") == 0x000001a20ec0ba12ULL);
    CHECK(d->get_u64("ctmd") == 1800000u);
    CHECK(d->get_address("id") == Address(0x0eb8d1da54ULL));
    CHECK(d->get_address("tt") == Address(0));
    CHECK(d->get_string("n") == "ztref");
    CHECK(d->get_u64("mtu") == 2800u);
    CHECK(d->get_bool("ssoe") == false);
    const auto& dec = j["decoded"];
    for (const char* key : {"C", "COO", "RT", "I", "R", "DNS"}) {
        auto v = d->get(key);
        REQUIRE(v);
        CHECK(to_hex(*v) == dec[key]["binary_hex"].s());
    }
    CHECK(d->get("DNS")->size() == 132);
    CHECK(d->serialize() == raw);
    // Truncated text still parses (the last value is shorter), but no longer byte-exact.
    Bytes cut(raw.begin(), raw.end() - 1);
    auto c = Dictionary::parse(cut);
    REQUIRE(c);
    CHECK(c->serialize() == cut);
    CHECK(c->get_string("ssoe") == "");
}

TEST_CASE("dictionary: the escaping example of §8.3", "[wire]") {
    const auto j = ztest::load_vectors("derived_examples.json")["dictionary_escaping"];
    const Bytes value = ztest::hex(j["value_hex"].s());
    Dictionary d;
    REQUIRE(d.add(j["key"].s(), value));
    CHECK(to_hex(d.serialize()) == j["encoded"].s());
    CHECK(d.serialized_size() == d.serialize().size());
    auto back = Dictionary::parse(d.serialize());
    REQUIRE(back);
    REQUIRE(back->get("X"));
    CHECK(Bytes(back->get("X")->begin(), back->get("X")->end()) == value);
    // Any other escaped character reads as itself; a trailing lone backslash is dropped.
    auto other = parsed("X=\\a\\=b\\");
    CHECK(other.get_string("X") == "a=b");
    // get_string stops at an escaped NUL.
    CHECK(parsed("n=ab\\0cd").get_string("n") == "ab");
}

TEST_CASE("dictionary: keys match exactly, first occurrence wins", "[wire]") {
    auto d = parsed("abc=1\nab=2\na=3\nab=4");
    CHECK(d.get_string("a") == "3");
    CHECK(d.get_string("ab") == "2");
    CHECK(d.get_string("abc") == "1");
    CHECK_FALSE(d.get("abcd"));
    CHECK_FALSE(d.get("b"));
    CHECK_FALSE(d.get(""));
    CHECK(d.size() == 4);  // the shadowed entry is kept and written back
    CHECK(d.serialize() == text("abc=1\nab=2\na=3\nab=4"));
}

TEST_CASE("dictionary: lines, separators and the NUL terminator", "[wire]") {
    Bytes t = text("a=1\r\n\nnoequals\n=novalue\nb=2");
    t.push_back(0);
    t.push_back('c');
    t.push_back('=');
    t.push_back('3');
    auto d = Dictionary::parse(t);
    REQUIRE(d);
    CHECK(d->size() == 2);
    CHECK(d->get_string("a") == "1");
    CHECK(d->get_string("b") == "2");
    CHECK_FALSE(d->get("c"));
    CHECK_FALSE(d->get("noequals"));
    CHECK(d->serialize() == text("a=1\nb=2"));
    CHECK(parsed("").empty());
    CHECK(parsed("e=").get("e")->empty());
}

TEST_CASE("dictionary: integers as strtoull/strtoll read them, written as 16 hex digits", "[wire]") {
    auto d = parsed("a=0x1F\nb= \t-a\nc=ABCdef\nd=\ne=zz\nf=fffffffffffffffff\ng=-fffffffffffffffff\n"
                    "h=8000000000000000\ni=-8000000000000000\nj=12g4\nk=+10");
    CHECK(d.get_u64("a") == 0x1fu);
    CHECK(d.get_u64("b") == uint64_t(0) - 10);
    CHECK(d.get_i64("b") == -10);
    CHECK(d.get_u64("c") == 0xabcdefu);
    CHECK_FALSE(d.get_u64("d"));  // empty: absent, like upstream's default
    CHECK(d.get_u64("e") == 0u);  // no digits
    CHECK(d.get_u64("f") == std::numeric_limits<uint64_t>::max());
    CHECK(d.get_u64("g") == std::numeric_limits<uint64_t>::max());
    CHECK(d.get_i64("f") == std::numeric_limits<int64_t>::max());
    CHECK(d.get_i64("g") == std::numeric_limits<int64_t>::min());
    CHECK(d.get_i64("h") == std::numeric_limits<int64_t>::max());
    CHECK(d.get_i64("i") == std::numeric_limits<int64_t>::min());
    CHECK(d.get_u64("j") == 0x12u);
    CHECK(d.get_u64("k") == 0x10u);
    CHECK_FALSE(d.get_u64("missing"));
    // Only the first 127 characters count, as through upstream's 128-byte buffer.
    auto long_value = parsed("z=" + std::string(126, '0') + "12");
    CHECK(long_value.get_u64("z") == 1u);

    Dictionary w;
    REQUIRE(w.add_u64("u", 0xaf0));
    REQUIRE(w.add_i64("p", 5));
    REQUIRE(w.add_i64("n", -1));
    REQUIRE(w.add_i64("m", std::numeric_limits<int64_t>::min()));
    REQUIRE(w.add_address("id", Address(0x0eb8d1da54ULL)));
    REQUIRE(w.add_bool("t", true));
    REQUIRE(w.add_bool("f", false));
    REQUIRE(w.add_string("s", "x=y"));
    CHECK(w.serialize() == text("u=0000000000000af0\np=0000000000000005\nn=-0000000000000001\n"
                                "m=-8000000000000000\nid=0eb8d1da54\nt=1\nf=0\ns=x\\ey"));
    auto r = Dictionary::parse(w.serialize());
    REQUIRE(r);
    CHECK(*r == w);
    CHECK(r->get_i64("n") == -1);
    CHECK(r->get_i64("m") == std::numeric_limits<int64_t>::min());
    CHECK(r->get_address("id") == Address(0x0eb8d1da54ULL));
    CHECK(r->get_bool("t") == true);
    CHECK(r->get_bool("f") == false);
    CHECK_FALSE(r->get_bool("missing"));
    CHECK(parsed("b=T").get_bool("b") == true);
    CHECK(parsed("b=true").get_bool("b") == true);
    CHECK(parsed("b=yes").get_bool("b") == false);
    CHECK(parsed("b=").get_bool("b") == false);
    // An address keeps the low 40 bits, as upstream's Address(uint64) does.
    CHECK(parsed("id=ff0eb8d1da54").get_address("id") == Address(0x0eb8d1da54ULL));
}

TEST_CASE("dictionary: bad keys and the size and entry bounds", "[wire]") {
    Dictionary d;
    const Bytes v = text("v");
    CHECK_FALSE(d.add("", v));
    CHECK_FALSE(d.add("a=b", v));
    CHECK_FALSE(d.add("a\nb", v));
    CHECK_FALSE(d.add("a\rb", v));
    CHECK_FALSE(d.add(std::string_view("a\0b", 3), v));
    CHECK(d.empty());

    // Size: a value whose escaped form would pass 1 MiB is refused, the dictionary unchanged.
    REQUIRE(d.add("k", Bytes(Dictionary::kMaxBytes / 2 - 10, 'x')));
    CHECK_FALSE(d.add("l", Bytes(Dictionary::kMaxBytes / 4 + 10, '=')));  // doubles when escaped
    CHECK(d.size() == 1);
    CHECK(d.add("l", Bytes(Dictionary::kMaxBytes / 4, 'y')));
    CHECK(d.serialized_size() == d.serialize().size());
    CHECK(d.serialized_size() <= Dictionary::kMaxBytes);

    Bytes big(Dictionary::kMaxBytes + 1, 'x');
    big[0] = 'k';
    big[1] = '=';
    CHECK_FALSE(Dictionary::parse(big));
    big.back() = 0;  // the NUL ends it within the bound
    CHECK(Dictionary::parse(big));

    // Entries.
    Dictionary e;
    for (size_t i = 0; i < Dictionary::kMaxEntries; ++i) REQUIRE(e.add_bool("b", true));
    CHECK_FALSE(e.add_bool("b", true));
    Bytes many = e.serialize();
    CHECK(Dictionary::parse(many));
    many.insert(many.end(), {'\n', 'c', '=', '1'});
    CHECK_FALSE(Dictionary::parse(many));
}
