/*
 * What the pages (route_page.c, route_page_artifacts.c) share: a template
 * of server/page/ with its <!--nsym:NAME--> markers filled and sent under
 * the pages' security headers, and the read token a browser gives them.
 *
 * Reads need a token only with --read-token: a browser cannot send an
 * Authorization header with a form or a link, so a page takes the token
 * from a form field, and when asked remembers it in an HttpOnly cookie for
 * this server that only the pages read (SameSite=Lax: it comes with a link
 * followed from an issue, not with another site's POST).
 */
#include <civetweb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "page.h"
#include "routes.h"

#define COOKIE          "napi_symbols_token"
#define COOKIE_LIFETIME (30 * 24 * 3600)

void nsym_page_send(struct nsym_request *r, int status, const char *template,
                    nsym_page_fill_fn *fill, void *ctx, const char *headers, bool failed)
{
	const struct nsym_page_asset *t = nsym_page_asset(template);
	const char *p = (const char *)t->data, *end = p + t->size;
	static const char open[] = "<!--nsym:";
	char all[1024];
	struct nsym_buf b;

	nsym_buf_init(&b, NSYM_PAGE_MAX);
	while (p < end) {
		const char *m = memmem(p, (size_t)(end - p), open, sizeof(open) - 1);
		const char *name = m != NULL ? m + sizeof(open) - 1 : NULL;
		const char *close =
		    name != NULL ? memmem(name, (size_t)(end - name), "-->", 3) : NULL;
		if (close == NULL) {
			nsym_buf_add(&b, p, (size_t)(end - p));
			break;
		}
		nsym_buf_add(&b, p, (size_t)(m - p));
		fill(ctx, &b, name, (size_t)(close - name));
		p = close + 3;
	}
	snprintf(all, sizeof(all), NSYM_PAGE_SECURITY_HEADERS "Cache-Control: no-store\r\n%s%s",
	         status == 401 ? "WWW-Authenticate: Bearer\r\n" : "", headers);
	if (b.failed || failed)
		nsym_reply_internal(r, NSYM_ENOMEM,
		                    b.over ? "the page outgrew its buffer"
		                           : "out of memory, or past its size, making the page");
	else
		nsym_reply(r, status, "text/html; charset=utf-8", all, b.data, b.len);
	nsym_buf_free(&b);
}

int nsym_page_authorize(struct nsym_request *r, char *cookie_header, size_t cookie_size,
                        char *message, size_t message_size, const char *what, const char *token,
                        bool remember)
{
	char cookie[NSYM_TOKEN_MAX] = "";
	const char *header = nsym_header(r, "Cookie");
	const char *proto = nsym_header(r, "X-Forwarded-Proto");

	cookie_header[0] = '\0';
	if (!nsym_server_config(r->srv)->read_token || r->scope >= NSYM_SCOPE_READ)
		return 0;
	if ((token == NULL || token[0] == '\0') && header != NULL &&
	    mg_get_cookie(header, COOKIE, cookie, sizeof(cookie)) > 0)
		token = cookie;
	if (token == NULL || token[0] == '\0') {
		snprintf(message, message_size,
		         "This server needs a token with the read scope %s: enter it below (its "
		         "admin makes one with 'napi-symbols token create --scope read').",
		         what);
		return -1;
	}
	if (strlen(token) >= NSYM_TOKEN_MAX ||
	    nsym_token_check(r->store, &r->scope, r->token_name, sizeof(r->token_name), token) !=
	        0) {
		snprintf(message, message_size,
		         "The token is unknown or revoked: enter a valid one below.");
		if (token == cookie)
			snprintf(cookie_header, cookie_size,
			         "Set-Cookie: " COOKIE
			         "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax\r\n");
		return -1;
	}
	if (token != cookie && remember)
		snprintf(
		    cookie_header, cookie_size,
		    "Set-Cookie: " COOKIE "=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax%s\r\n",
		    token, COOKIE_LIFETIME,
		    r->ri->is_ssl || (proto != NULL && strcasecmp(proto, "https") == 0) ? "; Secure"
		                                                                        : "");
	return 0;
}

void nsym_page_token_fields(struct nsym_buf *b, bool focus)
{
	nsym_buf_printf(
	    b,
	    "<input name=\"username\" autocomplete=\"username\" value=\"read token\" "
	    "hidden readonly>\n"
	    "<p><label for=\"token\">Read token</label><span class=\"hint\" "
	    "id=\"token-hint\">This server answers holders of a token with the "
	    "read scope.</span><input id=\"token\" name=\"token\" type=\"password\" "
	    "autocomplete=\"current-password\" aria-describedby=\"token-hint\"%s></p>\n"
	    "<p><input id=\"remember\" name=\"remember\" type=\"checkbox\" value=\"1\"> "
	    "<label for=\"remember\">Remember the token in this browser (a cookie for "
	    "this server)</label></p>\n",
	    focus ? " autofocus" : "");
}
