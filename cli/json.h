/* Writing JSON strings to a stdio stream (json.c). */
#ifndef NSYM_CLI_JSON_H
#define NSYM_CLI_JSON_H

#include <stdio.h>

/* Writes s as a quoted JSON string, escaping what JSON requires. */
void nsym_json_string(FILE *out, const char *s);

#endif
