#include "engine/sources/git/commit_parser.h"

#include <charconv>

namespace keysweep::git {
namespace {

bool ParseOid(std::string_view hex, git_oid* out) {
  return hex.size() == GIT_OID_HEXSZ && git_oid_fromstrn(out, hex.data(), hex.size()) == 0;
}

// "Name <email> 1600000000 +0000": the signature format of author and committer lines.
bool ParseSignature(std::string_view s, std::string* name, std::string* email, int64_t* time) {
  const size_t lt = s.find('<');
  const size_t gt = s.find('>', lt == std::string_view::npos ? 0 : lt);
  if (lt == std::string_view::npos || gt == std::string_view::npos) return false;
  std::string_view n = s.substr(0, lt);
  while (!n.empty() && n.back() == ' ') n.remove_suffix(1);
  if (name != nullptr) name->assign(n);
  if (email != nullptr) email->assign(s.substr(lt + 1, gt - lt - 1));
  std::string_view rest = s.substr(gt + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  int64_t t = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), t);
  if (ec != std::errc() || end == rest.data()) return false;
  *time = t;
  return true;
}

}  // namespace

bool ParseCommit(std::string_view raw, ParsedCommit* out) {
  out->parents.clear();
  bool have_tree = false, have_committer = false;
  size_t pos = 0;
  while (pos < raw.size()) {
    const size_t eol = raw.find('\n', pos);
    if (eol == std::string_view::npos) return false;  // headers end with an empty line
    const std::string_view line = raw.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty()) {
      out->message = raw.substr(pos);
      return have_tree && have_committer;
    }
    if (line.front() == ' ') continue;  // continuation of a multi-line header (gpgsig, mergetag)
    const size_t sp = line.find(' ');
    const std::string_view key = line.substr(0, sp);
    const std::string_view value = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
    if (key == "tree") {
      if (have_tree || !ParseOid(value, &out->tree)) return false;
      have_tree = true;
    } else if (key == "parent") {
      git_oid p;
      if (!ParseOid(value, &p)) return false;
      out->parents.push_back(p);
    } else if (key == "author") {
      int64_t ignored;
      if (!ParseSignature(value, &out->author_name, &out->author_email, &ignored)) return false;
    } else if (key == "committer") {
      if (!ParseSignature(value, nullptr, nullptr, &out->time)) return false;
      have_committer = true;
    }
  }
  out->message = std::string_view();  // no message at all
  return have_tree && have_committer;
}

}  // namespace keysweep::git
