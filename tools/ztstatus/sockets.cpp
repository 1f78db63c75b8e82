// `ztstatus sockets` (sockets.hpp): holders found in /proc, then a table or JSON.
#include "tools/ztstatus/sockets.hpp"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>
#include <vector>

namespace ztstatus {

namespace {

struct Holder {
    long pid = 0;
    int fd = -1;
    std::string program;  // /proc/<pid>/comm
};

std::string comm_of(long pid) {
    std::string path = "/proc/" + std::to_string(pid) + "/comm";
    FILE* f = std::fopen(path.c_str(), "re");
    if (!f) return "";
    char buf[64] = {};
    const bool ok = std::fgets(buf, sizeof buf, f) != nullptr;
    std::fclose(f);
    std::string s = ok ? buf : "";
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

// The processes holding each of `inodes`, by inode; each list sorted by pid and fd.
std::map<uint64_t, std::vector<Holder>> find_holders(const std::set<uint64_t>& inodes) {
    std::map<uint64_t, std::vector<Holder>> found;
    if (inodes.empty()) return found;
    DIR* proc = opendir("/proc");
    if (!proc) return found;
    while (dirent* p = readdir(proc)) {
        char* end = nullptr;
        const long pid = std::strtol(p->d_name, &end, 10);
        if (pid <= 0 || *end) continue;
        const std::string fd_dir = std::string("/proc/") + p->d_name + "/fd";
        DIR* fds = opendir(fd_dir.c_str());  // fails for other uids' processes unless we are root
        if (!fds) continue;
        std::string program;
        while (dirent* f = readdir(fds)) {
            if (f->d_name[0] < '0' || f->d_name[0] > '9') continue;
            const int fd = std::atoi(f->d_name);
            char link[64];
            const ssize_t n = readlink((fd_dir + "/" + f->d_name).c_str(), link, sizeof link - 1);
            if (n <= 8) continue;
            link[n] = '\0';
            unsigned long long inode = 0;
            if (std::sscanf(link, "socket:[%llu]", &inode) != 1 || !inodes.count(inode)) continue;
            if (program.empty()) program = comm_of(pid);
            found[inode].push_back(Holder{pid, fd, program});
        }
        closedir(fds);
    }
    closedir(proc);
    for (auto& [inode, list] : found)
        std::sort(list.begin(), list.end(),
                  [](const Holder& a, const Holder& b) { return a.pid != b.pid ? a.pid < b.pid : a.fd < b.fd; });
    return found;
}

std::string text_or(const nlohmann::json& j, const char* key, const char* none) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : none;
}

}  // namespace

bool render_sockets(const std::string& node_answer, bool json, std::string& out, std::string& error) {
    auto answer = nlohmann::json::parse(node_answer, nullptr, false);
    if (answer.is_discarded() || !answer.is_object() || !answer.contains("sockets") || !answer["sockets"].is_array()) {
        error = "this node does not list sockets (a root, a controller, or an older ztnode)";
        return false;
    }
    auto& list = answer["sockets"];
    std::set<uint64_t> inodes;
    for (const auto& s : list)
        if (uint64_t inode = s.value("inode", uint64_t(0))) inodes.insert(inode);
    const auto holders = find_holders(inodes);

    // The node's rows, completed with the holders: pid and fd of the first, all of them in JSON.
    std::vector<nlohmann::ordered_json> rows;
    for (const auto& s : list) {
        nlohmann::ordered_json r;
        r["proto"] = text_or(s, "proto", "?");
        r["state"] = text_or(s, "state", "?");
        r["local"] = s.contains("local") ? s["local"] : nullptr;
        r["remote"] = s.contains("remote") ? s["remote"] : nullptr;
        const auto it = holders.find(s.value("inode", uint64_t(0)));
        const long node_pid = s.value("pid", 0L);
        r["holders"] = nlohmann::ordered_json::array();
        if (it != holders.end()) {
            for (const auto& h : it->second)
                r["holders"].push_back({{"pid", h.pid}, {"fd", h.fd}, {"program", h.program}});
            r["pid"] = it->second.front().pid;
            r["fd"] = it->second.front().fd;
            r["program"] = it->second.front().program;
        } else {
            r["pid"] = node_pid > 0 ? nlohmann::ordered_json(node_pid) : nlohmann::ordered_json(nullptr);
            r["fd"] = nullptr;
            r["program"] = node_pid > 0 ? nlohmann::ordered_json(comm_of(node_pid)) : nlohmann::ordered_json(nullptr);
        }
        r["bytesIn"] = s.value("bytesIn", uint64_t(0));
        r["bytesOut"] = s.value("bytesOut", uint64_t(0));
        rows.push_back(r);
    }
    // By process and fd, those no process was found for last.
    auto key = [](const nlohmann::ordered_json& r) {
        return std::make_pair(r["pid"].is_null() ? LONG_MAX : r["pid"].get<long>(),
                              r["fd"].is_null() ? INT_MAX : r["fd"].get<int>());
    };
    std::stable_sort(rows.begin(), rows.end(), [&](const auto& x, const auto& y) { return key(x) < key(y); });
    if (json) {
        nlohmann::ordered_json all;
        all["sockets"] = rows;
        out = all.dump(2) + "\n";
        return true;
    }

    // The table: columns as wide as their widest cell.
    const std::vector<std::string> head = {"PID", "FD", "PROGRAM", "PROTO", "STATE", "LOCAL", "REMOTE", "RECV", "SENT"};
    std::vector<std::vector<std::string>> cells;
    auto str = [](const nlohmann::ordered_json& v) {
        if (v.is_null()) return std::string("-");
        if (v.is_string()) return v.get<std::string>().empty() ? std::string("-") : v.get<std::string>();
        return v.dump();
    };
    for (const auto& r : rows)
        cells.push_back({str(r["pid"]), str(r["fd"]), str(r["program"]), str(r["proto"]), str(r["state"]),
                         r["local"].is_null() ? "*" : str(r["local"]), r["remote"].is_null() ? "*" : str(r["remote"]),
                         str(r["bytesIn"]), str(r["bytesOut"])});
    std::vector<size_t> width(head.size());
    for (size_t c = 0; c < head.size(); ++c) {
        width[c] = head[c].size();
        for (const auto& row : cells) width[c] = std::max(width[c], row[c].size());
    }
    auto line = [&](const std::vector<std::string>& row) {
        std::string l;
        for (size_t c = 0; c < row.size(); ++c) {
            const bool right = c == 0 || c == 1 || c >= 7;  // numbers
            const std::string pad(width[c] - row[c].size(), ' ');
            l += (c ? "  " : "") + (right ? pad + row[c] : row[c] + (c + 1 < row.size() ? pad : ""));
        }
        return l + "\n";
    };
    out = line(head);
    for (size_t i = 0; i < rows.size(); ++i) {
        out += line(cells[i]);
        const auto& hs = rows[i]["holders"];
        for (size_t k = 1; k < hs.size(); ++k)
            out += "    also pid " + hs[k]["pid"].dump() + " fd " + hs[k]["fd"].dump() + " (" +
                   hs[k]["program"].get<std::string>() + ")\n";
    }
    return true;
}

}  // namespace ztstatus
