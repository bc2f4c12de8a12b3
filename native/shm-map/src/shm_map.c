/*
 * deskgate_shm_map: map a file read-only (MAP_SHARED) and hand JavaScript an external ArrayBuffer
 * over the mapping, so a reader of the shared-memory balances touches the page-cache pages the
 * writer updates without a system call per read.
 *
 *   map(path)   -> { buffer: ArrayBuffer, size, dev, ino }   (dev/ino of the mapped inode, taken
 *                  with fstat on the same fd, so a later stat(path) tells whether it was replaced)
 *   unmap(buf)  -> true if this call unmapped it, false if it was already closed
 *
 * Lifetime: the mapping is released either by unmap() (the ArrayBuffer is detached first, so every
 * view over it becomes empty instead of pointing at unmapped memory) or, if nobody called unmap(),
 * by the ArrayBuffer's finalizer when it is garbage collected. A `struct mapping` is attached to
 * the ArrayBuffer with napi_wrap so unmap() can find it, and freed by the finalizer.
 *
 * Caveat (documented in docs/ledger.md): reading a mapping whose file was truncated in place raises
 * SIGBUS. deskgate's writer never truncates the live file (it builds a new one and renames it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <node_api.h>

struct mapping {
  void *addr; /* NULL once unmapped */
  size_t len;
};

#define CHECK(env, call)                                                  \
  do {                                                                    \
    if ((call) != napi_ok) {                                              \
      napi_throw_error((env), "DG_E_SHM_MAP", "N-API call failed: " #call); \
      return NULL;                                                        \
    }                                                                     \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what, const char *path, int err) {
  char msg[4200 + 256];
  snprintf(msg, sizeof msg, "%s %s: %s", what, path, strerror(err));
  napi_throw_error(env, "DG_E_SHM_MAP", msg);
  return NULL;
}

static void finalize_mapping(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  struct mapping *m = hint;
  if (m->addr != NULL) munmap(m->addr, m->len);
  m->addr = NULL;
  free(m);
}

static napi_value set_number(napi_env env, napi_value obj, const char *key, double v) {
  napi_value n;
  CHECK(env, napi_create_double(env, v, &n));
  CHECK(env, napi_set_named_property(env, obj, key, n));
  return obj;
}

static napi_value js_map(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "map(path): path required");
    return NULL;
  }
  char path[4096];
  size_t plen = 0;
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &plen) != napi_ok) {
    napi_throw_type_error(env, NULL, "map(path): path must be a string");
    return NULL;
  }
  if (plen >= sizeof path - 1) {
    napi_throw_range_error(env, NULL, "map(path): path too long");
    return NULL;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, "open", path, errno);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, "fstat", path, e);
  }
  if (st.st_size <= 0) {
    close(fd);
    napi_throw_error(env, "DG_E_SHM_MAP", "map(path): file is empty");
    return NULL;
  }
  size_t len = (size_t)st.st_size;
  void *addr = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
  int e = errno;
  close(fd); /* the mapping keeps the inode alive */
  if (addr == MAP_FAILED) return throw_errno(env, "mmap", path, e);

  struct mapping *m = malloc(sizeof *m);
  if (m == NULL) {
    munmap(addr, len);
    napi_throw_error(env, "DG_E_SHM_MAP", "out of memory");
    return NULL;
  }
  m->addr = addr;
  m->len = len;
  napi_value ab;
  if (napi_create_external_arraybuffer(env, addr, len, finalize_mapping, m, &ab) != napi_ok) {
    munmap(addr, len);
    free(m);
    napi_throw_error(env, "DG_E_SHM_MAP", "napi_create_external_arraybuffer failed");
    return NULL;
  }
  CHECK(env, napi_wrap(env, ab, m, NULL, NULL, NULL));

  napi_value out;
  CHECK(env, napi_create_object(env, &out));
  CHECK(env, napi_set_named_property(env, out, "buffer", ab));
  if (set_number(env, out, "size", (double)len) == NULL) return NULL;
  if (set_number(env, out, "dev", (double)st.st_dev) == NULL) return NULL;
  if (set_number(env, out, "ino", (double)st.st_ino) == NULL) return NULL;
  return out;
}

static napi_value js_unmap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool is_ab = false;
  if (argc < 1 || napi_is_arraybuffer(env, argv[0], &is_ab) != napi_ok || !is_ab) {
    napi_throw_type_error(env, NULL, "unmap(buffer): an ArrayBuffer from map() required");
    return NULL;
  }
  void *p = NULL;
  if (napi_unwrap(env, argv[0], &p) != napi_ok || p == NULL) {
    napi_throw_type_error(env, NULL, "unmap(buffer): not a mapping made by map()");
    return NULL;
  }
  struct mapping *m = p;
  bool did = false;
  if (m->addr != NULL) {
    /* detach first: JS views become empty, never dangling */
    CHECK(env, napi_detach_arraybuffer(env, argv[0]));
    munmap(m->addr, m->len);
    m->addr = NULL;
    did = true;
  }
  napi_value r;
  CHECK(env, napi_get_boolean(env, did, &r));
  return r;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"map", NULL, js_map, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unmap", NULL, js_unmap, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
