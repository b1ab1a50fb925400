// SPDX-License-Identifier: MIT
/*
 * The concurrent download from the tokio docs, in C over /dev/asyncrt:
 * spawn one task per URL, each fetching its page over HTTP/1.0 on a
 * non-blocking socket, then join the handles in order and report the bytes
 * of each page. In the test guest the server is busybox httpd.
 *
 *   download http://HOST:PORT/PATH ...      (HOST a dotted IPv4 address)
 *
 * Prints "<url>: <status> <bytes> bytes" per page; exits non-zero if any
 * download failed or a page was not 200.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asyncrt_rt.h"

struct page {
	char *body;		/* the whole response, headers and all */
	size_t len, cap;
	int status;
	size_t body_len;
};

/* One download: connect, send the request, read until the server closes. */
struct fetch {
	struct asyncrt_co co;
	struct asyncrt_io io;
	struct page *page;
	char host[64], path[512], req[700];
	uint16_t port;
	int fd;
	long r;
};

static int parse_url(const char *url, struct fetch *f)
{
	unsigned int port = 80;
	const char *p;
	size_t n;

	if (strncmp(url, "http://", 7))
		return -EINVAL;
	url += 7;
	n = strcspn(url, ":/");
	if (!n || n >= sizeof(f->host))
		return -EINVAL;
	memcpy(f->host, url, n);
	f->host[n] = 0;
	p = url + n;
	if (*p == ':') {
		port = strtoul(p + 1, (char **)&p, 10);
		if (!port || port > 65535)
			return -EINVAL;
	}
	snprintf(f->path, sizeof(f->path), "%s", *p ? p : "/");
	f->port = port;
	return 0;
}

/* Room for at least 16 KiB more in the page buffer. */
static int page_grow(struct page *pg)
{
	char *b;

	if (pg->cap - pg->len >= 16384)
		return 0;
	b = realloc(pg->body, pg->cap * 2 + 16384);
	if (!b)
		return -ENOMEM;
	pg->body = b;
	pg->cap = pg->cap * 2 + 16384;
	return 0;
}

static enum asyncrt_poll fetch(struct asyncrt_cx *cx, void *state, long *res)
{
	struct fetch *f = state;
	struct sockaddr_storage ss;
	socklen_t len;
	char *eoh;

	asyncrt_co_begin(&f->co);
	f->r = asyncrt_sockaddr_in(&ss, &len, f->host, f->port);
	if (f->r)
		asyncrt_co_return(&f->co, res, f->r);
	f->fd = asyncrt_tcp_socket();
	if (f->fd < 0)
		asyncrt_co_return(&f->co, res, f->fd);
	asyncrt_connect_init(&f->io, f->fd, (struct sockaddr *)&ss, len);
	asyncrt_co_await(&f->co, asyncrt_io_poll(&f->io, cx, &f->r));
	if (f->r)
		goto out;
	snprintf(f->req, sizeof(f->req), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n",
		 f->path, f->host);
	asyncrt_write_all_init(&f->io, f->fd, f->req, strlen(f->req));
	asyncrt_co_await(&f->co, asyncrt_io_poll(&f->io, cx, &f->r));
	if (f->r < 0)
		goto out;
	for (;;) {
		f->r = page_grow(f->page);
		if (f->r)
			goto out;
		asyncrt_read_init(&f->io, f->fd, f->page->body + f->page->len,
				  f->page->cap - f->page->len - 1);
		asyncrt_co_await(&f->co, asyncrt_io_poll(&f->io, cx, &f->r));
		if (f->r <= 0)
			break;
		f->page->len += f->r;
	}
	if (f->r < 0)
		goto out;
	f->page->body[f->page->len] = 0;
	eoh = strstr(f->page->body, "\r\n\r\n");
	if (sscanf(f->page->body, "HTTP/%*s %d", &f->page->status) != 1 || !eoh) {
		f->r = -EPROTO;
		goto out;
	}
	f->page->body_len = f->page->len - (eoh + 4 - f->page->body);
	f->r = f->page->body_len;
out:
	close(f->fd);
	asyncrt_co_return(&f->co, res, f->r);
	asyncrt_co_end(&f->co, res);
}

/* Aborted mid-download: the socket is ours to close. */
static void fetch_drop(void *state)
{
	struct fetch *f = state;

	if (f->fd >= 0)
		close(f->fd);
}

/* Spawn every download, then join the handles in the order given. */
struct download_all {
	struct asyncrt_co co;
	struct asyncrt_task **h;
	struct page *pages;
	struct asyncrt_join j;
	char **urls;
	int n, i, failed;
	long r;
};

static enum asyncrt_poll download_all(struct asyncrt_cx *cx, void *state, long *res)
{
	struct download_all *d = state;
	struct fetch f;

	asyncrt_co_begin(&d->co);
	for (d->i = 0; d->i < d->n; d->i++) {
		memset(&f, 0, sizeof(f));
		f.page = &d->pages[d->i];
		f.fd = -1;
		if (parse_url(d->urls[d->i], &f) ||
		    asyncrt_spawn_drop(cx->rt, fetch, fetch_drop, &f, sizeof(f), &d->h[d->i]))
			d->h[d->i] = NULL;
	}
	for (d->i = 0; d->i < d->n; d->i++) {
		if (!d->h[d->i]) {
			printf("%s: bad URL\n", d->urls[d->i]);
			d->failed++;
			continue;
		}
		asyncrt_join_init(&d->j, d->h[d->i]);
		asyncrt_co_await(&d->co, asyncrt_join_poll(&d->j, cx, &d->r));
		if (d->r < 0) {
			printf("%s: failed: %s\n", d->urls[d->i], asyncrt_strerror_hint(d->r));
			d->failed++;
		} else {
			printf("%s: %d %ld bytes\n", d->urls[d->i], d->pages[d->i].status, d->r);
			d->failed += d->pages[d->i].status != 200;
		}
	}
	asyncrt_co_return(&d->co, res, d->failed);
	asyncrt_co_end(&d->co, res);
}

int main(int argc, char **argv)
{
	struct download_all d = { .urls = argv + 1, .n = argc - 1 };
	struct asyncrt_rt *rt;
	long failed = 1;
	int ret, i;

	if (argc < 2) {
		fprintf(stderr, "usage: download http://HOST:PORT/PATH ...\n");
		return 2;
	}
	d.h = calloc(d.n, sizeof(*d.h));
	d.pages = calloc(d.n, sizeof(*d.pages));
	ret = d.h && d.pages ? asyncrt_rt_create(&rt, NULL) : -ENOMEM;
	if (ret) {
		fprintf(stderr, "download: %s\n", asyncrt_strerror_hint(ret));
		return 1;
	}
	ret = asyncrt_block_on(rt, download_all, &d, 0, &failed);
	asyncrt_rt_destroy(rt);
	for (i = 0; i < d.n; i++)
		free(d.pages[i].body);
	free(d.pages);
	free(d.h);
	return ret || failed ? 1 : 0;
}
