/* Which PE image a Windows crash record means, asked of the symbol servers
 * (pe_search.c). */
#ifndef NSYM_CLI_PE_SEARCH_H
#define NSYM_CLI_PE_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"

/*
 * The code id (TimeDateStamp %08x then SizeOfImage %x, lowercase) of the
 * PE image uploaded as `name` (compared without case) with TimeDateStamp
 * `timestamp`, from the first of c's servers whose artifact search
 * (GET /api/v1/artifacts?name=&pe_timestamp=) knows one build of it: 0
 * with the id in out, or -1 with why (no server has it, a server holds
 * several builds of that name and stamp, none could be asked).
 */
int nsym_cli_pe_code_id(char *out, size_t size, const struct nsym_client *c, const char *name,
                        uint32_t timestamp, char *why, size_t why_size);

#endif
