// zt-idtool commands. Each takes the arguments after its name, prints its result on
// stdout and returns the exit code; user errors throw idtool::Failure (one line, exit 1).
#pragma once

#include <span>
#include <string>

namespace idtool {

using Args = std::span<const std::string>;

int cmd_generate(Args args);
int cmd_validate(Args args);
int cmd_getpublic(Args args);
int cmd_sign(Args args);
int cmd_verify(Args args);
int cmd_genkeypair(Args args);
int cmd_mkworld(Args args);
int cmd_showworld(Args args);

}  // namespace idtool
