/* JSON string output to a stdio stream, through the escaper the server's
 * replies use (server/json_writer.c), so both write strings the same way. */
#include "json.h"
#include "json_writer.h"

static void put_file(void *arg, const char *p, size_t n)
{
	fwrite(p, 1, n, arg);
}

void nsym_json_string(FILE *out, const char *s)
{
	nsym_json_escape(s, put_file, out);
}
