/* symbolicate's load-address inference over candidate binaries
 * (symbolicate_infer.c). */
#ifndef NSYM_CLI_SYMBOLICATE_INFER_H
#define NSYM_CLI_SYMBOLICATE_INFER_H

#include <stdbool.h>
#include <stddef.h>

#include "commands.h"
#include "napi_symbols_report.h"

/* The warning kind its messages are counted under. */
#define NSYM_CLI_WARN_INFER "warnings about load addresses"

/*
 * Places the unplaced frames (absolute addresses, no offset) of the count
 * crashes by inferring where each candidate binary was loaded: the
 * `modules` files, then (when project is given, or no module is) the
 * addons under `project`, else under the current folder when it holds
 * node_modules. Says on stderr what was decided, and warns why not.
 */
/* Whether there is any binary to infer load addresses for: a --module,
 * a --project, or node_modules in the current folder. */
bool nsym_cli_infer_candidates(size_t nmodules, const char *project);

void nsym_cli_infer_loads(struct nsym_crash *crashes, size_t count, const char *const *modules,
                          size_t nmodules, const char *project,
                          struct nsym_cli_warn_kinds *warnings);

#endif
