// A minimal JSON reader for test vectors (objects, arrays, strings, numbers, true/false/null).
// Tests only; throws std::runtime_error on malformed input, which fails the test.
#pragma once

#include <cctype>
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef ZT_TEST_VECTORS_DIR
#error "ZT_TEST_VECTORS_DIR must be defined by the build"
#endif

namespace ztest {

class Json {
public:
    enum class Kind { null, boolean, number, string, array, object };

    Kind kind = Kind::null;
    bool b = false;
    double num = 0;
    std::string raw_number;  // the number's text, for exact 64-bit integers
    std::string str;
    std::vector<Json> arr;
    std::map<std::string, Json> obj;

    const Json& operator[](const std::string& key) const {
        auto it = obj.find(key);
        if (kind != Kind::object || it == obj.end()) throw std::runtime_error("json: missing key " + key);
        return it->second;
    }
    const Json& operator[](size_t i) const {
        if (kind != Kind::array || i >= arr.size()) throw std::runtime_error("json: bad index");
        return arr[i];
    }
    bool has(const std::string& key) const { return kind == Kind::object && obj.count(key); }
    size_t size() const { return kind == Kind::array ? arr.size() : obj.size(); }
    bool is_null() const { return kind == Kind::null; }
    const std::string& s() const {
        if (kind != Kind::string) throw std::runtime_error("json: not a string");
        return str;
    }
    uint64_t u64() const {
        if (kind != Kind::number) throw std::runtime_error("json: not a number");
        return std::stoull(raw_number);
    }
    int64_t i64() const {
        if (kind != Kind::number) throw std::runtime_error("json: not a number");
        return std::stoll(raw_number);
    }

    static Json parse(const std::string& text) {
        size_t i = 0;
        Json j = parse_value(text, i);
        skip_ws(text, i);
        if (i != text.size()) throw std::runtime_error("json: trailing data");
        return j;
    }

private:
    static void skip_ws(const std::string& t, size_t& i) {
        while (i < t.size() && (t[i] == ' ' || t[i] == '\n' || t[i] == '\r' || t[i] == '\t')) ++i;
    }
    static void expect(const std::string& t, size_t& i, char c) {
        skip_ws(t, i);
        if (i >= t.size() || t[i] != c) throw std::runtime_error(std::string("json: expected ") + c);
        ++i;
    }
    static void put_utf8(std::string& out, uint32_t cp) {
        if (cp < 0x80) {
            out += char(cp);
        } else if (cp < 0x800) {
            out += char(0xc0 | (cp >> 6));
            out += char(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out += char(0xe0 | (cp >> 12));
            out += char(0x80 | ((cp >> 6) & 0x3f));
            out += char(0x80 | (cp & 0x3f));
        } else {
            out += char(0xf0 | (cp >> 18));
            out += char(0x80 | ((cp >> 12) & 0x3f));
            out += char(0x80 | ((cp >> 6) & 0x3f));
            out += char(0x80 | (cp & 0x3f));
        }
    }
    static std::string parse_string(const std::string& t, size_t& i) {
        expect(t, i, '"');
        std::string out;
        while (i < t.size() && t[i] != '"') {
            char c = t[i++];
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i >= t.size()) break;
            char e = t[i++];
            switch (e) {
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'u': {
                if (i + 4 > t.size()) throw std::runtime_error("json: bad \\u");
                uint32_t cp = uint32_t(std::stoul(t.substr(i, 4), nullptr, 16));
                i += 4;
                put_utf8(out, cp);
                break;
            }
            default: out += e;
            }
        }
        if (i >= t.size()) throw std::runtime_error("json: unterminated string");
        ++i;
        return out;
    }
    static Json parse_value(const std::string& t, size_t& i) {
        skip_ws(t, i);
        if (i >= t.size()) throw std::runtime_error("json: unexpected end");
        Json j;
        char c = t[i];
        if (c == '{') {
            j.kind = Kind::object;
            ++i;
            skip_ws(t, i);
            if (i < t.size() && t[i] == '}') {
                ++i;
                return j;
            }
            for (;;) {
                std::string k = parse_string(t, i);
                expect(t, i, ':');
                j.obj.emplace(k, parse_value(t, i));
                skip_ws(t, i);
                if (i < t.size() && t[i] == ',') {
                    ++i;
                    continue;
                }
                expect(t, i, '}');
                return j;
            }
        }
        if (c == '[') {
            j.kind = Kind::array;
            ++i;
            skip_ws(t, i);
            if (i < t.size() && t[i] == ']') {
                ++i;
                return j;
            }
            for (;;) {
                j.arr.push_back(parse_value(t, i));
                skip_ws(t, i);
                if (i < t.size() && t[i] == ',') {
                    ++i;
                    continue;
                }
                expect(t, i, ']');
                return j;
            }
        }
        if (c == '"') {
            j.kind = Kind::string;
            j.str = parse_string(t, i);
            return j;
        }
        if (t.compare(i, 4, "true") == 0) {
            j.kind = Kind::boolean;
            j.b = true;
            i += 4;
            return j;
        }
        if (t.compare(i, 5, "false") == 0) {
            j.kind = Kind::boolean;
            i += 5;
            return j;
        }
        if (t.compare(i, 4, "null") == 0) {
            i += 4;
            return j;
        }
        size_t start = i;
        while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '-' ||
                                t[i] == '+' || t[i] == '.' || t[i] == 'e' || t[i] == 'E'))
            ++i;
        if (start == i) throw std::runtime_error("json: bad value");
        j.kind = Kind::number;
        j.raw_number = t.substr(start, i - start);
        j.num = std::stod(j.raw_number);
        return j;
    }
};

inline std::string vector_path(const std::string& name) { return std::string(ZT_TEST_VECTORS_DIR) + "/" + name; }

inline std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot open " + path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// Loads test/vectors/<name> (e.g. "salsa20.json").
inline Json load_vectors(const std::string& name) { return Json::parse(read_file(vector_path(name))); }

}  // namespace ztest
