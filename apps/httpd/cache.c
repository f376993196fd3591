/*
 * httpd's cache of small files: the bytes, type and date of files up to
 * CACHE_FILE_MAX, so that a request for one costs a read and a send, not
 * an open, a stat, a read of the file and a close. Above: server.c.
 * Below: stat, open and read.
 *
 * At most CACHE_ENTRIES files and the byte budget given to cache_init.
 * An entry is trusted for CACHE_VALID_MS after it was read or last
 * checked, then checked again with one stat(): a file that changed
 * (size, mtime, inode) is read again, so a change is served within a
 * second. A connection sending from an entry holds it (cache_hold /
 * cache_release): an entry that is replaced or evicted meanwhile is
 * unlinked at once and freed when its last holder lets go. Eviction
 * takes the least recently used entries nobody holds.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "httpd.h"

#define CACHE_ENTRIES 64
#define CACHE_VALID_MS 1000

static struct cached *table[CACHE_ENTRIES];
static size_t used_bytes, max_bytes;

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void destroy(struct cached *e)
{
	free(e->key);
	free(e->file);
	free(e->data);
	free(e);
}

/* Takes e out of the table; it goes now, or when its last holder is done. */
static void drop(int i)
{
	struct cached *e = table[i];

	table[i] = NULL;
	used_bytes -= e->len;
	if (e->refs)
		e->dead = 1;
	else
		destroy(e);
}

static int same(const struct cached *e, const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_size == (off_t)e->len && st->st_ino == e->ino &&
	       st->st_dev == e->dev && st->st_mtim.tv_sec == e->mtime.tv_sec &&
	       st->st_mtim.tv_nsec == e->mtime.tv_nsec;
}

void cache_init(size_t bytes)
{
	max_bytes = bytes;
}

struct cached *cache_get(const char *key, long long now_ms)
{
	unsigned h = hash(key);
	struct stat st;
	int i;

	if (!max_bytes)
		return NULL;
	for (i = 0; i < CACHE_ENTRIES; i++) {
		struct cached *e = table[i];

		if (!e || e->hash != h || strcmp(e->key, key) != 0)
			continue;
		if (now_ms - e->checked >= CACHE_VALID_MS) {
			if (stat(e->file, &st) < 0 || !same(e, &st)) {
				drop(i);
				return NULL;
			}
			e->checked = now_ms;
		}
		e->used = now_ms;
		return e;
	}
	return NULL;
}

/* A free slot and room for len bytes, evicting what nobody holds; -1 if none. */
static int make_room(size_t len)
{
	int i, free_slot = -1;

	for (;;) {
		int lru = -1;

		for (i = 0; i < CACHE_ENTRIES; i++) {
			if (!table[i]) {
				if (free_slot < 0)
					free_slot = i;
				continue;
			}
			if (!table[i]->refs && (lru < 0 || table[i]->used < table[lru]->used))
				lru = i;
		}
		if (free_slot >= 0 && used_bytes + len <= max_bytes)
			return free_slot;
		if (lru < 0)
			return -1;
		drop(lru);
		if (free_slot < 0)
			free_slot = lru;
	}
}

struct cached *cache_put(const char *key, const char *file, int fd, const struct stat *st,
			 long long now_ms)
{
	size_t len = (size_t)st->st_size, got = 0;
	struct cached *e;
	int slot;

	if (!max_bytes || !S_ISREG(st->st_mode) || len > CACHE_FILE_MAX || len > max_bytes)
		return NULL;
	slot = make_room(len);
	if (slot < 0)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->key = strdup(key);
	e->file = strdup(file);
	e->data = malloc(len ? len : 1);
	if (!e->key || !e->file || !e->data)
		goto fail;
	while (got < len) {
		ssize_t n = pread(fd, e->data + got, len - got, (off_t)got);

		if (n <= 0)
			goto fail; /* it shrank under us: serve it uncached */
		got += n;
	}
	e->len = len;
	e->hash = hash(key);
	e->type = http_mime_type(file);
	http_date(st->st_mtime, e->last_modified);
	e->mtime = st->st_mtim;
	e->ino = st->st_ino;
	e->dev = st->st_dev;
	e->checked = e->used = now_ms;
	table[slot] = e;
	used_bytes += len;
	return e;
fail:
	destroy(e);
	return NULL;
}

void cache_hold(struct cached *e)
{
	e->refs++;
}

void cache_release(struct cached *e)
{
	if (--e->refs == 0 && e->dead)
		destroy(e);
}

void cache_fini(void)
{
	int i;

	for (i = 0; i < CACHE_ENTRIES; i++)
		if (table[i])
			drop(i);
}
