// ldns for C++: ldns/common.h defines bool, true and false as macros unless stdbool.h came first
// (it then sees __bool_true_false_are_defined).
#pragma once

#include <stdbool.h>

#include <ldns/ldns.h>
