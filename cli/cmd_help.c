/* napi-symbols help: the command list, or one command's help. */
#include <stdio.h>

#include "commands.h"

const char cmd_help_usage[] = "usage: napi-symbols help [<command>]\n\n"
                              "Shows the list of commands, or one command's help.\n";

int cmd_help(int argc, char **argv)
{
	const struct nsym_cmd *c;

	if (argc < 2) {
		nsym_cli_print_overview(stdout);
		return NSYM_EXIT_OK;
	}
	c = nsym_cmd_find(argv[1]);
	if (c == NULL)
		return nsym_cli_usage_error("help", "'%s' is not a command", argv[1]);
	fputs(c->usage, stdout);
	return NSYM_EXIT_OK;
}
