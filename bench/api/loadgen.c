/*
 * Load generator of the `api` benchmark (bench/api/loadgen.ts builds and drives it).
 *
 * Why C: an open-loop generator has to send request i at t0 + i/rate. Node's timers fire on a
 * 1 ms grid and late under load, so a Node generator adds ~1 ms of its own lag to every measured
 * latency (the lag it measured, p99 ~1.4 ms, is most of the 2 ms budget). Here one thread sleeps in
 * epoll_pwait2 with a nanosecond timeout to the next due time and a 1 ns timer slack, so a request
 * leaves within tens of microseconds of its intended time without spinning, and the generator takes
 * little CPU from the servers it measures on a 2-core machine.
 *
 * HTTP/1.1 keep-alive over raw sockets, one request in flight per connection (no pipelining),
 * replies framed by Content-Length (both servers under test send it).
 *
 *   loadgen closed <port> <request-file> <connections> <warmup-ms> <duration-ms> <sample-every>
 *   loadgen open   <port> <request-file> <rate> <warmup-ms> <duration-ms> <sample-every>
 *                  <max-connections> <preconnect>
 *
 * closed: every connection sends its next request as soon as the previous reply is in.
 * open:   request i is due at t0 + i/rate whatever the replies do; a due request takes a free
 *         connection, else opens one (up to max-connections), else queues. Latency is measured from
 *         the intended send time (no coordinated omission); the service time (from the actual send)
 *         and the send lag are reported beside it.
 *
 * fd 3 (if open) gets "start\n" and "end\n" as the measured window opens and closes, so the parent
 * can read the servers' CPU counters for exactly that window. stdout, after the run:
 *   R <requests> <errors> <rate-limited> <elapsed-us> <connections-used> <cpu-us>
 *   F <first error, one line>                      (optional)
 *   S <n>\n<n bytes of a sampled reply body>\n     (every sample-every'th good reply)
 *   L <latency-ns> <service-ns> <lag-ns>           (one per measured request)
 *   D
 * Exit status 2 on bad arguments, 1 on a setup failure (message on stderr).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 4096

typedef struct {
  int fd;
  int busy;
  int dead;
  char *buf;
  size_t len, cap;
  size_t wr_off; /* bytes of the request written so far (partial writes) */
  int want_out;  /* EPOLLOUT armed */
  uint64_t intended, sent;
} conn_t;

static conn_t conns[MAX_CONNS];
static int nconns;
static int ep;
static int port;
static char *req;
static size_t req_len;
static int sample_every;
static int mark_fd = -1;

/* results */
static uint64_t *lat, *svc, *lagv;
static size_t nlat, lat_cap;
static long requests, errors, rate_limited, seen;
static char first_error[512];
static char **samples;
static size_t *sample_len;
static size_t nsamples, samples_cap;
static int measuring_closed; /* closed mode: replies count while set */
static uint64_t measure_from, measure_end; /* open mode: window on intended times */
static int open_mode;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu_us(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000ull + (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static void die(const char *what) {
  fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void mark(const char *what) {
  if (mark_fd < 0) return;
  size_t n = strlen(what);
  if (write(mark_fd, what, n) != (ssize_t)n) mark_fd = -1;
}

static void set_error(const char *msg, size_t n) {
  if (first_error[0] != 0) return;
  if (n > sizeof first_error - 1) n = sizeof first_error - 1;
  for (size_t i = 0; i < n; i++) first_error[i] = (msg[i] == '\n' || msg[i] == '\r') ? ' ' : msg[i];
  first_error[n] = 0;
  if (first_error[0] == 0) first_error[0] = '?';
}

static void push_lat(uint64_t l, uint64_t s, uint64_t g) {
  if (nlat == lat_cap) {
    lat_cap = lat_cap ? lat_cap * 2 : 65536;
    lat = realloc(lat, lat_cap * sizeof *lat);
    svc = realloc(svc, lat_cap * sizeof *svc);
    lagv = realloc(lagv, lat_cap * sizeof *lagv);
    if (!lat || !svc || !lagv) die("realloc");
  }
  lat[nlat] = l;
  svc[nlat] = s;
  lagv[nlat] = g;
  nlat++;
}

static void keep_sample(const char *body, size_t n) {
  if (nsamples == samples_cap) {
    samples_cap = samples_cap ? samples_cap * 2 : 256;
    samples = realloc(samples, samples_cap * sizeof *samples);
    sample_len = realloc(sample_len, samples_cap * sizeof *sample_len);
    if (!samples || !sample_len) die("realloc");
  }
  samples[nsamples] = malloc(n);
  if (!samples[nsamples]) die("malloc");
  memcpy(samples[nsamples], body, n);
  sample_len[nsamples++] = n;
}

static int conn_open(void) {
  if (nconns >= MAX_CONNS) return -1;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  /* blocking connect: on loopback it completes at once; then non-blocking for the loop */
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) die("connect");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) die("fcntl");
  conn_t *c = &conns[nconns];
  memset(c, 0, sizeof *c);
  c->fd = fd;
  c->cap = 65536;
  c->buf = malloc(c->cap);
  if (!c->buf) die("malloc");
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)nconns};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl");
  return nconns++;
}

/* Writes what is left of the request; waits for EPOLLOUT if the socket is full. */
static void conn_flush(int i) {
  conn_t *c = &conns[i];
  while (c->wr_off < req_len) {
    ssize_t n = send(c->fd, req + c->wr_off, req_len - c->wr_off, MSG_NOSIGNAL);
    if (n > 0) {
      c->wr_off += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!c->want_out) {
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u64 = (uint64_t)i};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        c->want_out = 1;
      }
      return;
    }
    return; /* the error shows as a close on read */
  }
  if (c->want_out) {
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)i};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = 0;
  }
}

static void conn_send(int i, uint64_t intended) {
  conn_t *c = &conns[i];
  c->busy = 1;
  c->intended = intended;
  c->sent = now_ns();
  c->wr_off = 0;
  conn_flush(i);
}

static int in_window(uint64_t intended) {
  return open_mode ? (intended >= measure_from && intended < measure_end) : measuring_closed;
}

/* One reply (or a dead connection, status 0) for the request in flight on c. */
static void record(conn_t *c, int status, const char *body, size_t n) {
  uint64_t t = now_ns();
  if (!in_window(c->intended)) return;
  requests++;
  push_lat(t - c->intended, t - c->sent, c->sent - c->intended);
  static const char data_prefix[] = "{\"data\":";
  int ok = status == 200 && n >= sizeof data_prefix - 1 && memcmp(body, data_prefix, sizeof data_prefix - 1) == 0;
  if (!ok) {
    errors++;
    if (memmem(body, n, "Too Many Requests", 17) != NULL) {
      rate_limited++;
    } else {
      char msg[400];
      int k = snprintf(msg, sizeof msg, "%d ", status);
      size_t m = n < 300 ? n : 300;
      memcpy(msg + k, body, m);
      set_error(msg, (size_t)k + m);
    }
  } else if (++seen % sample_every == 0) {
    keep_sample(body, n);
  }
}

/* Parses every complete reply in c's buffer; returns the number completed (0 or 1: one in flight). */
static int conn_parse(conn_t *c) {
  char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
  if (!end) return 0;
  size_t head = (size_t)(end - c->buf);
  int status = head >= 12 ? atoi(c->buf + 9) : 0;
  long clen = -1;
  for (size_t pos = 0; pos < head;) {
    char *eol = memmem(c->buf + pos, head - pos, "\r\n", 2);
    size_t line_end = eol ? (size_t)(eol - c->buf) : head;
    if (line_end - pos > 15 && strncasecmp(c->buf + pos, "content-length:", 15) == 0) {
      clen = strtol(c->buf + pos + 15, NULL, 10);
      break;
    }
    pos = line_end + 2;
  }
  if (clen < 0) {
    set_error("reply without Content-Length", 28);
    errors++;
    c->dead = 1;
    return 0;
  }
  size_t total = head + 4 + (size_t)clen;
  if (c->len < total) {
    if (total > c->cap) {
      c->cap = total;
      c->buf = realloc(c->buf, c->cap);
      if (!c->buf) die("realloc");
    }
    return 0;
  }
  c->busy = 0;
  record(c, status, c->buf + head + 4, (size_t)clen);
  memmove(c->buf, c->buf + total, c->len - total);
  c->len -= total;
  return 1;
}

/* Reads what the socket has; returns 1 when the request in flight completed (answered, or failed
   by the connection closing: then c->dead is set), else 0. */
static int conn_read(conn_t *c) {
  int done = 0;
  for (;;) {
    if (c->len == c->cap) {
      c->cap *= 2;
      c->buf = realloc(c->buf, c->cap);
      if (!c->buf) die("realloc");
    }
    ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
    if (n > 0) {
      c->len += (size_t)n;
      if (c->busy && conn_parse(c)) done = 1;
      if (c->dead) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return done;
    break; /* 0 = closed by the server, or an error */
  }
  if (c->busy) {
    c->busy = 0;
    record(c, 0, "connection closed", 17);
    set_error("connection closed", 17);
    done = 1;
  }
  c->dead = 1;
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  return done;
}

/* One socket event: writes what is pending, reads what arrived. Returns 1 when the request in flight
   on conns[*i] completed (answered, or failed by a close: then conns[*i].dead is set), else 0. */
static int on_event(const struct epoll_event *ev, int *i) {
  *i = (int)ev->data.u64;
  conn_t *c = &conns[*i];
  if (c->dead) return 0;
  if (ev->events & EPOLLOUT) conn_flush(*i);
  if (ev->events & (EPOLLIN | EPOLLHUP | EPOLLERR)) return conn_read(c);
  return 0;
}

/* Waits for socket events until the monotonic time `deadline` at the latest (ns precision). */
static int wait_until(struct epoll_event *evs, int max, uint64_t deadline) {
  uint64_t t = now_ns();
  uint64_t d = deadline > t ? deadline - t : 0;
  struct timespec ts = {.tv_sec = (time_t)(d / 1000000000ull), .tv_nsec = (long)(d % 1000000000ull)};
  int n = epoll_pwait2(ep, evs, max, &ts, NULL);
  if (n < 0 && errno != EINTR) die("epoll_pwait2");
  return n < 0 ? 0 : n;
}

static void print_results(uint64_t elapsed_us, uint64_t cpu) {
  printf("R %ld %ld %ld %llu %d %llu\n", requests, errors, rate_limited, (unsigned long long)elapsed_us, nconns,
         (unsigned long long)cpu);
  if (first_error[0]) printf("F %s\n", first_error);
  for (size_t i = 0; i < nsamples; i++) {
    printf("S %zu\n", sample_len[i]);
    fwrite(samples[i], 1, sample_len[i], stdout);
    putchar('\n');
  }
  for (size_t i = 0; i < nlat; i++)
    printf("L %llu %llu %llu\n", (unsigned long long)lat[i], (unsigned long long)svc[i], (unsigned long long)lagv[i]);
  printf("D\n");
  fflush(stdout);
}

static long arg_long(const char *s, const char *name, long lo, long hi) {
  char *e;
  errno = 0;
  long v = strtol(s, &e, 10);
  if (errno || *e || v < lo || v > hi) {
    fprintf(stderr, "loadgen: %s must be an integer in [%ld, %ld], got '%s'\n", name, lo, hi, s);
    exit(2);
  }
  return v;
}

static void load_request(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) die(path);
  if (fseek(f, 0, SEEK_END) != 0) die("fseek");
  long n = ftell(f);
  if (n <= 0 || n > (1 << 20)) {
    fprintf(stderr, "loadgen: request file %s: %ld bytes\n", path, n);
    exit(2);
  }
  rewind(f);
  req = malloc((size_t)n);
  if (!req || fread(req, 1, (size_t)n, f) != (size_t)n) die("read request file");
  req_len = (size_t)n;
  fclose(f);
}

static int run_closed(int connections, long warmup_ms, long duration_ms) {
  for (int i = 0; i < connections; i++) conn_send(conn_open(), 0);
  uint64_t t0 = now_ns();
  uint64_t start = t0 + (uint64_t)warmup_ms * 1000000ull;
  uint64_t stop = start + (uint64_t)duration_ms * 1000000ull;
  uint64_t drain_until = stop + 2000000000ull;
  int phase = 0; /* 0 warm-up, 1 measuring, 2 draining */
  uint64_t cpu0 = 0, cpu = 0, t_start = 0, t_end = 0;
  struct epoll_event evs[256];
  for (;;) {
    uint64_t t = now_ns();
    if (phase == 0 && t >= start) {
      phase = 1;
      measuring_closed = 1;
      t_start = t;
      cpu0 = cpu_us();
      mark("start\n");
    }
    if (phase == 1 && t >= stop) {
      phase = 2;
      measuring_closed = 0;
      t_end = t;
      cpu = cpu_us() - cpu0;
      mark("end\n");
    }
    if (phase == 2) {
      int inflight = 0;
      for (int i = 0; i < nconns; i++) inflight += conns[i].busy && !conns[i].dead;
      if (inflight == 0 || t >= drain_until) break;
    }
    int n = wait_until(evs, 256, phase == 0 ? start : phase == 1 ? stop : drain_until);
    for (int k = 0; k < n; k++) {
      int i;
      if (on_event(&evs[k], &i) == 1 && phase < 2 && !conns[i].dead) conn_send(i, now_ns());
    }
  }
  print_results((t_end - t_start) / 1000, cpu);
  return 0;
}

static int run_open(long rate, long warmup_ms, long duration_ms, int max_conns, int preconnect) {
  int *free_list = malloc(sizeof(int) * MAX_CONNS);
  int nfree = 0;
  if (!free_list) die("malloc");
  for (int i = 0; i < preconnect && i < max_conns; i++) free_list[nfree++] = conn_open();
  uint64_t total = (uint64_t)((warmup_ms + duration_ms) * rate / 1000);
  uint64_t *queue = malloc(sizeof(uint64_t) * (total + 1));
  size_t qhead = 0, qtail = 0;
  if (!queue) die("malloc");
  /* request i is due at t0 + i * 1e9 / rate (computed exactly, no accumulated rounding) */
  uint64_t t0 = now_ns() + 1000000ull;
  measure_from = t0 + (uint64_t)warmup_ms * 1000000ull;
  measure_end = measure_from + (uint64_t)duration_ms * 1000000ull;
  uint64_t issued = 0;
  long outstanding = 0;
  int started = 0, ended = 0;
  uint64_t cpu0 = 0, cpu = 0;
  uint64_t give_up = measure_end + 10000000000ull;
  struct epoll_event evs[256];
#define DUE(i) (t0 + (uint64_t)(((unsigned __int128)(i) * 1000000000ull) / (uint64_t)rate))
  for (;;) {
    uint64_t t = now_ns();
    while (issued < total && DUE(issued) <= t) {
      uint64_t intended = DUE(issued);
      issued++;
      int c = -1;
      while (nfree > 0) {
        c = free_list[--nfree];
        if (!conns[c].dead) break;
        c = -1;
      }
      if (c < 0) {
        int live = 0;
        for (int i = 0; i < nconns; i++) live += !conns[i].dead;
        if (live < max_conns) c = conn_open();
      }
      if (c >= 0) {
        conn_send(c, intended);
        outstanding++;
      } else {
        queue[qtail++] = intended;
      }
    }
    if (!started && t >= measure_from) {
      started = 1;
      cpu0 = cpu_us();
      mark("start\n");
    }
    if (!ended && t >= measure_end) {
      ended = 1;
      cpu = cpu_us() - cpu0;
      mark("end\n");
    }
    if (ended && issued >= total && outstanding == 0 && qhead == qtail) break;
    if (t >= give_up) {
      set_error("replies still outstanding 10 s after the last send", 50);
      break;
    }
    int n = wait_until(evs, 256, issued < total ? DUE(issued) : !ended ? measure_end : give_up);
    for (int k = 0; k < n; k++) {
      int i;
      if (on_event(&evs[k], &i) != 1) continue;
      outstanding--;
      if (conns[i].dead) continue;
      if (qhead < qtail) {
        conn_send(i, queue[qhead++]);
        outstanding++;
      } else {
        free_list[nfree++] = i;
      }
    }
  }
#undef DUE
  if (!ended) cpu = cpu_us() - cpu0;
  print_results((uint64_t)duration_ms * 1000ull, cpu);
  return 0;
}

int main(int argc, char **argv) {
  const char *usage =
      "usage: loadgen closed <port> <request-file> <connections> <warmup-ms> <duration-ms> <sample-every>\n"
      "       loadgen open <port> <request-file> <rate> <warmup-ms> <duration-ms> <sample-every> <max-connections> "
      "<preconnect>\n";
  if (argc < 8) {
    fputs(usage, stderr);
    return 2;
  }
  open_mode = strcmp(argv[1], "open") == 0;
  if (!open_mode && strcmp(argv[1], "closed") != 0) {
    fputs(usage, stderr);
    return 2;
  }
  if (open_mode && argc != 10) {
    fputs(usage, stderr);
    return 2;
  }
  port = (int)arg_long(argv[2], "port", 1, 65535);
  load_request(argv[3]);
  long n = arg_long(argv[4], open_mode ? "rate" : "connections", 1, open_mode ? 10000000 : MAX_CONNS);
  long warmup = arg_long(argv[5], "warmup-ms", 0, 3600000);
  long duration = arg_long(argv[6], "duration-ms", 1, 3600000);
  sample_every = (int)arg_long(argv[7], "sample-every", 1, 1000000000);
  if (fcntl(3, F_GETFD) != -1) mark_fd = 3;
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  ep = epoll_create1(0);
  if (ep < 0) die("epoll_create1");
  if (open_mode) {
    int max_conns = (int)arg_long(argv[8], "max-connections", 1, MAX_CONNS);
    int pre = (int)arg_long(argv[9], "preconnect", 0, MAX_CONNS);
    return run_open(n, warmup, duration, max_conns, pre);
  }
  return run_closed((int)n, warmup, duration);
}
